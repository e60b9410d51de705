import { describe, expect, it } from "vitest";
import { drawdown, percentile, returnStats, sampleStdev } from "./return-stats.js";

// Returns +10%, −10%, +10%, −10%, +20% on 100: equity 100, 110, 99, 108.9, 98.01, 117.612.
// By hand: mean 0.04; deviations .06 −.14 .06 −.14 .16, squares sum 0.072, / (5 − 1) = 0.018,
// stdev √0.018 = 0.134164…; downside (rf 0) √((0.1² + 0.1²) / 5) = √0.004 = 0.063245…
const EQUITY = [100, 110, 99, 108.9, 98.01, 117.612];

describe("return statistics on a known series", () => {
  it("Sharpe, Sortino, volatility with rf = 0, monthly periods", () => {
    const s = returnStats(EQUITY, { periodsPerYear: 12, riskFreeRate: 0 });
    expect(s.returns.map((r) => Number(r.toFixed(12)))).toEqual([0.1, -0.1, 0.1, -0.1, 0.2]);
    expect(s.meanReturn).toBeCloseTo(0.04, 12);
    expect(s.stdev).toBeCloseTo(Math.sqrt(0.018), 12);
    expect(s.annualizedVolatility).toBeCloseTo(Math.sqrt(0.018) * Math.sqrt(12), 12);
    // 0.04 / 0.134164 × √12 = 1.0327956
    expect(s.sharpe).toBeCloseTo(1.0327955589886444, 10);
    // 0.04 / 0.0632456 × √12 = √0.4 × √12 = √4.8
    expect(s.sortino).toBeCloseTo(Math.sqrt(4.8), 10);
    expect(s.totalReturn).toBeCloseTo(0.17612, 12);
    // (117.612 / 100)^(12/5) − 1
    expect(s.annualizedReturn).toBeCloseTo(0.475991731516, 9);
    // max drawdown 110 → 98.01 = 10.9%, Calmar = 0.4759917 / 0.109
    expect(s.drawdown.maxDrawdown).toBeCloseTo(0.109, 12);
    expect(s.calmar).toBeCloseTo(0.475991731516 / 0.109, 8);
  });

  it("subtracts the per-period risk-free rate (12% a year = 1% a month)", () => {
    const s = returnStats(EQUITY, { periodsPerYear: 12, riskFreeRate: 0.12 });
    // excess mean 0.03, same stdev: 0.03 / 0.134164 × √12
    expect(s.sharpe).toBeCloseTo(0.7745966692414834, 10);
    // excess .09 −.11 .09 −.11 .19: downside √((0.11² × 2) / 5) = 0.0695701
    expect(s.sortino).toBeCloseTo((0.03 / Math.sqrt(0.0242 / 5)) * Math.sqrt(12), 10);
  });

  it("daily with 252 periods a year", () => {
    expect(returnStats(EQUITY, { periodsPerYear: 252, riskFreeRate: 0 }).sharpe).toBeCloseTo(
      4.732863826479694,
      9,
    );
  });

  it("max drawdown, its amount and duration on a known curve", () => {
    // peak 110 at 1; below it at 2, 3, 4; back above at 5: duration 4 periods, recovered
    const d = drawdown(EQUITY);
    expect(d).toMatchObject({ peakIndex: 1, troughIndex: 4, maxDurationPeriods: 4, recovered: true });
    expect(d.maxDrawdownAmount).toBeCloseTo(11.99, 9);
    expect(d.series.map((x) => Number(x.toFixed(6)))).toEqual([0, 0, -0.1, -0.01, -0.109, 0]);
    // a curve that never recovers: peak 120 at 1, end at 5 → duration 4, not recovered
    const e = drawdown([100, 120, 90, 100, 110, 115]);
    expect(e).toMatchObject({
      maxDrawdown: 0.25,
      maxDrawdownAmount: 30,
      maxDurationPeriods: 4,
      recovered: false,
    });
    // a rising curve has none
    expect(drawdown([1, 2, 3])).toMatchObject({ maxDrawdown: 0, maxDurationPeriods: 0 });
  });

  it("undefined ratios are null, not NaN or Infinity", () => {
    const flat = returnStats([100, 100, 100], { periodsPerYear: 365, riskFreeRate: 0 });
    expect(flat).toMatchObject({ sharpe: null, sortino: null, calmar: null, totalReturn: 0 });
    expect(returnStats([100], { periodsPerYear: 365, riskFreeRate: 0 })).toMatchObject({
      periods: 0,
      sharpe: null,
    });
    expect(sampleStdev([1])).toBeNull();
  });

  it("percentiles interpolate like DuckDB quantile_cont", () => {
    expect(percentile([3, 4, 5, 6, 7], 0.5)).toBe(5);
    expect(percentile([8, 10, 20, 1000], 0.5)).toBe(15);
    expect(percentile([8, 10, 20, 1000], 0.9)).toBeCloseTo(706, 9);
    expect(percentile([], 0.5)).toBeNull();
  });
});
