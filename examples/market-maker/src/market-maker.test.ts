import { Decimal, type Fill } from "@openfloor/sdk";
import { backtestStrategy, type StrategyTestResult } from "@openfloor/sdk/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { MarketMaker } from "./index.js";
import { backtest } from "./market-maker.js";

const BTC = "BTC/USDT:sim";
const run = (seed = 7) =>
  backtestStrategy(new MarketMaker({ maxPosition: "0.03" }), {
    ...backtest,
    seed,
    from: "2024-01-01T00:00:00Z",
    to: "2024-01-01T00:20:00Z",
  });

/** The position after each fill, in order. */
function positionPath(fills: readonly Fill[]): Decimal[] {
  let q = Decimal.ZERO;
  return fills.map((f) => {
    q = f.side === "buy" ? q.add(f.quantity) : q.sub(f.quantity);
    return q;
  });
}

describe("market maker (backtest, 20 min of synthetic BTC/USDT)", () => {
  let r: StrategyTestResult;
  beforeAll(async () => {
    r = await run();
  });

  it("makes markets on both sides, as maker only, and cancels/replaces as the market moves", () => {
    expect(r.strategyErrors).toEqual([]);
    expect(r.fillsOf("buy").length).toBeGreaterThan(5);
    expect(r.fillsOf("sell").length).toBeGreaterThan(5);
    expect(r.fills.every((f) => f.liquidity === "maker")).toBe(true);
    expect(r.orders.every((o) => o.type === "limit" && o.postOnly)).toBe(true);
    expect(r.ordersWith("canceled").length).toBeGreaterThan(r.fills.length);
    expect(r.openOrders).toBe(0);
  });

  it("never holds more than maxPosition either way", () => {
    const path = positionPath(r.fills);
    for (const q of path) expect(q.abs().lte("0.03"), `position ${q}`).toBe(true);
    expect(r.netQuantity(BTC)?.toString()).toBe(path.at(-1)?.toString());
  });

  it("skews against its inventory: long → quotes shifted down, short → up", () => {
    const inventory = r.recorded("inventory").map((v) => Decimal.from((v as { decimal: string }).decimal));
    const skew = r.recorded("skew").map((v) => Decimal.from((v as { decimal: string }).decimal));
    expect(r.recorded("microprice").length).toBe(inventory.length);
    expect(inventory.length).toBeGreaterThan(1000); // one a second
    expect(inventory.some((q) => q.isPositive()) && inventory.some((q) => q.isNegative())).toBe(true);
    inventory.forEach((q, i) => {
      if (q.isZero()) expect(skew[i]!.isZero()).toBe(true);
      else expect(skew[i]!.sign(), `skew at inventory ${q}`).toBe(-q.sign());
    });
  });

  it("is deterministic: the same seed gives the same fills and PnL", async () => {
    const again = await run();
    expect(again.netPnl).toBe(r.netPnl);
    expect(again.fills.map((f) => `${f.side} ${f.quantity}@${f.price}`)).toEqual(
      r.fills.map((f) => `${f.side} ${f.quantity}@${f.price}`),
    );
  });
});
