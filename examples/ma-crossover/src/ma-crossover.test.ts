import type { RecordValue } from "@openfloor/sdk";
import { Decimal } from "@openfloor/sdk";
import { backtestStrategy, type StrategyTestResult } from "@openfloor/sdk/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { backtest, MaCrossover } from "./index.js";

const BTC = "BTC/USDT:sim";

/** fast_ma and slow_ma recorded at the same bar, as exact decimals, in time order. */
function averages(records: readonly RecordValue[]): { tsNs: bigint; fast: Decimal; slow: Decimal }[] {
  const value = (r: RecordValue) => Decimal.from((r.value as { decimal: string }).decimal);
  const fast = records.filter((r) => r.name === "fast_ma");
  const slow = records.filter((r) => r.name === "slow_ma");
  expect(fast.length).toBe(slow.length);
  return fast.map((f, i) => ({ tsNs: f.tsNs, fast: value(f), slow: value(slow[i]!) }));
}

describe("moving-average crossover (backtest, 6 h of synthetic 1m bars)", () => {
  let r: StrategyTestResult;
  beforeAll(async () => {
    r = await backtestStrategy(new MaCrossover(), backtest);
  });

  it("records both averages once per bar after the slow window fills", () => {
    const mas = averages(r.records);
    // 360 one-minute bars, the first 29 only fill the slow window.
    expect(mas.length).toBeGreaterThanOrEqual(330);
    expect(mas.length).toBeLessThanOrEqual(331);
    for (let i = 1; i < mas.length; i++) expect(mas[i]!.tsNs - mas[i - 1]!.tsNs).toBe(60_000_000_000n);
  });

  it("trades with market orders only at crossovers: buys on a cross up, sells on a cross down", () => {
    expect(r.strategyErrors).toEqual([]);
    expect(r.orders.length).toBeGreaterThanOrEqual(4);
    expect(r.orders.every((o) => o.type === "market" && o.status === "filled")).toBe(true);
    const mas = averages(r.records);
    for (const o of r.orders) {
      const i = mas.findLastIndex((m) => m.tsNs <= o.tsCreatedNs);
      expect(i, `a bar before order ${o.clientOrderId}`).toBeGreaterThan(0);
      const [prev, now] = [mas[i - 1]!, mas[i]!];
      expect(now.tsNs, "the order goes out at the bar that crossed").toBe(o.tsCreatedNs);
      if (o.side === "buy") expect(prev.fast.lte(prev.slow) && now.fast.gt(now.slow)).toBe(true);
      else expect(prev.fast.gt(prev.slow) && now.fast.lte(now.slow)).toBe(true);
    }
  });

  it("is long-only: buys and sells alternate and the position is 0 or the configured size", () => {
    expect(r.orders.map((o) => o.side)).toEqual(r.orders.map((_, i) => (i % 2 === 0 ? "buy" : "sell")));
    expect(r.orders.every((o) => o.quantity.eq("0.1"))).toBe(true);
    const final = r.netQuantity(BTC) ?? Decimal.ZERO;
    expect(final.isZero() || final.eq("0.1")).toBe(true);
    expect(r.fills.every((f) => f.liquidity === "taker")).toBe(true);
  });
});
