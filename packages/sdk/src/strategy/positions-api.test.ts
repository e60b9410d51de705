import {
  Decimal,
  defineInstrument,
  type Fill,
  formatInstrumentId,
  instrumentId,
  Money,
  Position,
  type PositionSnapshot,
} from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { PositionsApi } from "./positions-api.js";

const BTC = instrumentId("BTC/USDT", "sim");
const btc = defineInstrument({
  id: BTC,
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
});
const instruments = new Map([[formatInstrumentId(BTC), btc]]);

let n = 0;
function fill(side: "buy" | "sell", quantity: string, price: string, tsEventNs: bigint): Fill {
  return {
    fillId: `f-${++n}`,
    clientOrderId: `o-${n}`,
    venueOrderId: `v-${n}`,
    instrument: BTC,
    side,
    price: Decimal.from(price),
    quantity: Decimal.from(quantity),
    fee: Money.of("0.01", "USDT"),
    liquidity: "taker",
    tsEventNs,
    strategyId: "s",
    account: "main",
  };
}

/** The gateway's view: the same core accounting over the fills it saw. */
function gatewayView(fills: readonly Fill[]): PositionSnapshot {
  const p = new Position(btc, "main", { strategyId: "s" });
  for (const f of fills) p.applyFill(f);
  return p.snapshot();
}

const text = (p: PositionSnapshot) => ({
  quantity: p.quantity.normalize().toString(),
  realized: p.realizedPnl.amount.normalize().toString(),
  fees: p.fees.map((f) => `${f.amount.normalize().toString()} ${f.currency}`).join(","),
});

describe("PositionsApi.reconcile", () => {
  it("keeps its own lots when it agrees with the gateway", () => {
    const api = new PositionsApi(instruments, "s");
    const fills = [fill("buy", "1", "100", 1n), fill("buy", "1", "102", 2n)];
    for (const f of fills) api.applyFill(f);
    expect(api.reconcile([gatewayView(fills)], [])).toEqual([]);
    api.applyFill(fill("sell", "1", "103", 3n));
    // FIFO against its own lots: 1 × (103 − 100).
    expect(text(api.get(BTC))).toMatchObject({ quantity: "1", realized: "3" });
  });

  it("takes over a drifted position: fills it missed count, later fills add on, earlier ones are not counted twice", () => {
    const api = new PositionsApi(instruments, "s");
    const changes: string[] = [];
    api.changes$.subscribe((p) => changes.push(p.quantity.normalize().toString()));
    const seen = fill("buy", "1", "100", 1n);
    api.applyFill(seen);
    const missed = [fill("buy", "2", "103", 2n), fill("sell", "0.5", "104", 3n)];
    const theirs = gatewayView([seen, ...missed]);
    expect(api.reconcile([theirs], [])).toHaveLength(1);
    expect(text(api.get(BTC))).toEqual(text(theirs));
    expect(api.get(BTC).averageEntryPrice?.toString()).toBe(theirs.averageEntryPrice?.toString());
    // A missed fill delivered late (already in the gateway's position) changes nothing.
    api.applyFill(missed[1]!);
    expect(text(api.get(BTC))).toEqual(text(theirs));
    // A new fill: realized goes on from the gateway's, at its average entry price.
    const next = fill("sell", "2.5", "110", 4n);
    api.applyFill(next);
    expect(text(api.get(BTC))).toEqual(text(gatewayView([seen, ...missed, next])));
    expect(changes).toEqual(["1", "2.5", "0"]);
  });

  it("adopts positions it never saw, flat ones with their realized PnL too, and keeps the balances", () => {
    const api = new PositionsApi(instruments, "s");
    const flat = gatewayView([fill("buy", "1", "100", 1n), fill("sell", "1", "105", 2n)]);
    const balance = {
      account: "main",
      currency: "USDT",
      total: Decimal.from("1000"),
      free: Decimal.from("900"),
      locked: Decimal.from("100"),
      tsNs: 5n,
    };
    api.reconcile([flat], [balance]);
    expect(text(api.get(BTC))).toEqual({ quantity: "0", realized: "5", fees: "0.02 USDT" });
    expect(api.balances()).toEqual([balance]);
  });
});
