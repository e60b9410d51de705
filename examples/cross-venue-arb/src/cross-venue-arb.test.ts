import { Decimal, type Fill } from "@openfloor/sdk";
import { backtestStrategy, type StrategyTestResult } from "@openfloor/sdk/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { CrossVenueArb, INSTRUMENTS, TwoVenueMarket } from "./index.js";

const ALPHA = "BTC/USDT:alpha";
const BETA = "BTC/USDT:beta";
const key = (f: Fill) => `${f.instrument.symbol}:${f.instrument.venue}`;

describe("cross-venue arbitrage (backtest, 30 min of two-venue quotes)", () => {
  let r: StrategyTestResult;
  beforeAll(async () => {
    r = await backtestStrategy(new CrossVenueArb({ maxInventory: "0.1" }), {
      instruments: INSTRUMENTS,
      data: new TwoVenueMarket({ seed: 11, minutes: 30 }),
    });
  });

  it("trades both ways on both venues, each arbitrage one buy and one sell of the same size", () => {
    expect(r.strategyErrors).toEqual([]);
    const arbs = r.recorded("arb") as { buy: string; sell: string; size: string }[];
    expect(arbs.length).toBeGreaterThan(10);
    expect(arbs.some((a) => a.buy === ALPHA) && arbs.some((a) => a.buy === BETA)).toBe(true);
    expect(r.orders).toHaveLength(arbs.length * 2);
    expect(r.orders.every((o) => o.timeInForce === "IOC" && o.status === "filled")).toBe(true);
    for (let i = 0; i < arbs.length; i++) {
      const [buy, sell] = [r.orders[2 * i]!, r.orders[2 * i + 1]!];
      expect([buy.side, sell.side]).toEqual(["buy", "sell"]);
      expect(`${buy.instrument.symbol}:${buy.instrument.venue}`).toBe(arbs[i]!.buy);
      expect(`${sell.instrument.symbol}:${sell.instrument.venue}`).toBe(arbs[i]!.sell);
      expect(buy.quantity.eq(arbs[i]!.size) && sell.quantity.eq(arbs[i]!.size)).toBe(true);
      // Bought cheap, sold rich, and the gap paid both taker fees.
      const gap = sell.averageFillPrice!.sub(buy.averageFillPrice!).mul(buy.quantity);
      const fees = r.fills
        .filter((f) => f.clientOrderId === buy.clientOrderId || f.clientOrderId === sell.clientOrderId)
        .reduce((s, f) => s.add(f.fee.amount), Decimal.ZERO);
      expect(gap.gt(fees), `arb ${i}: gap ${gap} > fees ${fees}`).toBe(true);
    }
  });

  it("keeps each venue's inventory within maxInventory, and is flat across venues", () => {
    const inventory = new Map([
      [ALPHA, Decimal.ZERO],
      [BETA, Decimal.ZERO],
    ]);
    for (const f of r.fills) {
      const q = inventory.get(key(f))!;
      const next = f.side === "buy" ? q.add(f.quantity) : q.sub(f.quantity);
      inventory.set(key(f), next);
      expect(next.abs().lte("0.1"), `${key(f)} inventory ${next}`).toBe(true);
    }
    const alpha = r.netQuantity(ALPHA) ?? Decimal.ZERO;
    const beta = r.netQuantity(BETA) ?? Decimal.ZERO;
    expect(alpha.add(beta).isZero()).toBe(true);
    expect(r.recorded("inventory").length).toBeGreaterThan(100);
  });

  it("makes money after fees, exactly the same on a second run", async () => {
    expect(r.pnl.net.isPositive(), `net PnL ${r.netPnl}`).toBe(true);
    const again = await backtestStrategy(new CrossVenueArb({ maxInventory: "0.1" }), {
      instruments: INSTRUMENTS,
      data: new TwoVenueMarket({ seed: 11, minutes: 30 }),
    });
    expect(again.netPnl).toBe(r.netPnl);
  });
});
