import { Decimal } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { MatchingEngine } from "./matching-engine.js";
import { type DepthDiff, EngineError, type ExecutionReport, type PublicTrade } from "./types.js";

const D = (s: string) => Decimal.parse(s);

function engine() {
  const e = new MatchingEngine({
    markets: [
      {
        symbol: "BTCUSDT",
        base: "BTC",
        quote: "USDT",
        tickSize: "0.01",
        stepSize: "0.001",
        minQty: "0.001",
        minNotional: "5",
        initialMid: "100.00",
        levelQty: "1",
      },
    ],
    balances: { USDT: "10000", BTC: "10" },
    levels: 3,
    seed: 9,
    now: () => 1_700_000_000_000,
  });
  const depth: DepthDiff[] = [];
  const trades: PublicTrade[] = [];
  const reports: ExecutionReport[] = [];
  e.addListener({
    onDepth: (d) => depth.push(d),
    onTrade: (t) => trades.push(t),
    onExecution: (r) => reports.push(r),
  });
  return { e, depth, trades, reports };
}

describe("MatchingEngine", () => {
  it("seeds a synthetic book around the mid on the tick grid", () => {
    const { e } = engine();
    const snap = e.depth("BTCUSDT");
    expect(snap.bids.map(([p]) => p.toString())).toEqual(["99.99", "99.98", "99.97"]);
    expect(snap.asks.map(([p]) => p.toString())).toEqual(["100.01", "100.02", "100.03"]);
    expect(snap.bids.every(([, q]) => q.isMultipleOf("0.001") && q.isPositive())).toBe(true);
  });

  it("a resting limit order locks funds exactly and shows in the book; cancel releases them", () => {
    const { e, depth, reports } = engine();
    const o = e.placeOrder({
      symbol: "BTCUSDT",
      side: "buy",
      type: "limit",
      quantity: D("0.3"),
      price: D("99.50"),
      clientOrderId: "a",
    });
    expect(o.status).toBe("new");
    const usdt = () => e.balanceList().find((b) => b.asset === "USDT")!;
    expect([usdt().free.toString(), usdt().locked.toString()]).toEqual(["9970.150", "29.850"]);
    expect(depth.at(-1)?.bids.map(([p, q]) => `${p}@${q}`)).toEqual(["99.50@0.3"]);
    e.cancelOrder("BTCUSDT", { clientOrderId: "a" });
    expect(usdt().free.eq("10000") && usdt().locked.isZero()).toBe(true);
    expect(reports.map((r) => r.kind)).toEqual(["new", "canceled"]);
  });

  it("a marketable order trades at the resting prices (price-time priority), fees in the received asset", () => {
    const { e, trades, reports } = engine();
    const best = e.bestAsk("BTCUSDT")!;
    const qty = best.total.add("0.001");
    const o = e.placeOrder({
      symbol: "BTCUSDT",
      side: "buy",
      type: "limit",
      quantity: qty,
      price: D("100.02"),
    });
    expect(o.status).toBe("filled");
    expect(trades.map((t) => t.price.toString())).toEqual(["100.01", "100.02"]);
    const fills = reports.filter((r) => r.kind === "trade").map((r) => r.fill!);
    expect(fills.reduce((s, f) => s.add(f.quantity), Decimal.ZERO).eq(qty)).toBe(true);
    expect(fills.every((f) => f.commissionAsset === "BTC" && !f.maker)).toBe(true);
    const btc = e.balanceList().find((b) => b.asset === "BTC")!;
    const fees = fills.reduce((s, f) => s.add(f.commission), Decimal.ZERO);
    expect(btc.free.eq(D("10").add(qty).sub(fees))).toBe(true);
  });

  it("a partial fill rests the remainder; another taker fills the rest at the maker's price", () => {
    const { e, reports } = engine();
    const ask = e.bestAsk("BTCUSDT")!;
    const o = e.placeOrder({
      symbol: "BTCUSDT",
      side: "buy",
      type: "limit",
      quantity: ask.total.add("0.5"),
      price: ask.price,
      clientOrderId: "p",
    });
    expect(o.status).toBe("partially-filled");
    e.takerTrade("BTCUSDT", "sell", D("0.5"));
    const last = reports.at(-1)!;
    expect(last.order.status).toBe("filled");
    expect(last.fill?.maker).toBe(true);
  });

  it("IOC and FOK remainders expire; post-only that would take is refused", () => {
    const { e } = engine();
    const ioc = e.placeOrder({
      symbol: "BTCUSDT",
      side: "buy",
      type: "limit",
      timeInForce: "IOC",
      quantity: D("50"),
      price: D("100.01"),
    });
    expect(ioc.status).toBe("expired");
    expect(ioc.filled.isPositive()).toBe(true);
    const fok = e.placeOrder({
      symbol: "BTCUSDT",
      side: "buy",
      type: "limit",
      timeInForce: "FOK",
      quantity: D("50"),
      price: D("100.05"),
    });
    expect([fok.status, fok.filled.toString()]).toEqual(["expired", "0"]);
    const bid = e.bestBid("BTCUSDT")!.price;
    expect(() =>
      e.placeOrder({
        symbol: "BTCUSDT",
        side: "sell",
        type: "limit",
        postOnly: true,
        quantity: D("0.1"),
        price: bid,
      }),
    ).toThrow(EngineError);
  });

  it("refuses off-grid prices, off-lot sizes, small notionals, unaffordable and duplicate orders", () => {
    const { e } = engine();
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as EngineError).rejection;
      }
      return undefined;
    };
    const base = { symbol: "BTCUSDT", side: "buy" as const, type: "limit" as const };
    expect(refusal(() => e.placeOrder({ ...base, quantity: D("0.1"), price: D("99.005") }))).toBe(
      "invalid-price",
    );
    expect(refusal(() => e.placeOrder({ ...base, quantity: D("0.0001"), price: D("99") }))).toBe(
      "invalid-quantity",
    );
    expect(refusal(() => e.placeOrder({ ...base, quantity: D("0.01"), price: D("99") }))).toBe(
      "min-notional",
    );
    expect(refusal(() => e.placeOrder({ ...base, quantity: D("1000"), price: D("99") }))).toBe(
      "insufficient-balance",
    );
    e.placeOrder({ ...base, quantity: D("0.1"), price: D("90"), clientOrderId: "dup" });
    expect(
      refusal(() => e.placeOrder({ ...base, quantity: D("0.1"), price: D("90"), clientOrderId: "dup" })),
    ).toBe("duplicate-client-order-id");
    expect(refusal(() => e.cancelOrder("BTCUSDT", { orderId: "42" }))).toBe("unknown-order");
    expect(refusal(() => e.placeOrder({ ...base, symbol: "NOPE", quantity: D("1"), price: D("1") }))).toBe(
      "unknown-symbol",
    );
  });

  it("amends in place: keeps the ids, moves the price, relocks the funds", () => {
    const { e, reports } = engine();
    const o = e.placeOrder({
      symbol: "BTCUSDT",
      side: "buy",
      type: "limit",
      quantity: D("0.1"),
      price: D("95.00"),
      clientOrderId: "m",
    });
    const a = e.amendOrder("BTCUSDT", { orderId: o.id }, { price: D("96.00"), quantity: D("0.2") });
    expect([a.id, a.clientOrderId, a.price?.toString(), a.quantity.toString()]).toEqual([
      o.id,
      "m",
      "96.00",
      "0.2",
    ]);
    expect(reports.at(-1)?.kind).toBe("replaced");
    expect(
      e
        .balanceList()
        .find((b) => b.asset === "USDT")!
        .locked.eq("19.2"),
    ).toBe(true);
  });

  it("numbers depth diffs Binance-style (U..u) and Bybit-style (+1 per diff); skipSequence makes a gap", () => {
    const { e, depth } = engine();
    e.touchBook("BTCUSDT", true);
    e.touchBook("BTCUSDT", false);
    const [a, b] = depth;
    expect(b!.firstUpdateId).toBe(a!.lastUpdateId + 1);
    expect(b!.batchId).toBe(a!.batchId + 1);
    e.skipSequence("BTCUSDT", 5);
    e.touchBook("BTCUSDT", true);
    const c = depth.at(-1)!;
    expect(c.firstUpdateId).toBe(b!.lastUpdateId + 6);
    expect(c.batchId).toBe(b!.batchId + 2);
    expect(e.depth("BTCUSDT").lastUpdateId).toBe(c.lastUpdateId);
  });

  it("is deterministic for a seed", () => {
    const run = () => {
      const { e, trades } = engine();
      for (let i = 0; i < 200; i++) e.step();
      return trades.map((t) => `${t.price}@${t.quantity}`).join(",");
    };
    expect(run()).toBe(run());
  });
});
