import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../ingest/ingest.js";
import { iterableSource } from "../ingest/source.js";
import { asSourceRecord } from "../testing/records.js";
import { BTC, scenarioRecords } from "../testing/scenario.js";
import { computeMetrics } from "./compute-metrics.js";
import type { StrategyMetrics } from "./types.js";

// Expected values are worked out by hand from the fixture in ../testing/scenario.ts:
//   fills of alpha: f1 buy 2 @ 100.5 fee 0.2 (day 1), f2 sell 1 @ 103 fee 0.1 (day 1),
//                   f3 sell 2 @ 97.9 fee 0.2 (day 2, flips long 1 → short 1), f4 buy 1 @ 97 fee 0.1 (day 2).
//   FIFO: [f1 × f2] 1 × (103 − 100.5) = 2.5 on day 1; [f1 × f3] 1 × (97.9 − 100.5) = −2.6 and
//         [f4 × f3] 1 × (97.9 − 97) = 0.9 on day 2 → realized 2.5, −1.7; fees 0.3, 0.3.
//   Cash −201 + 103 + 195.8 − 97 = 0.8 = total gross PnL (flat at the end).
//   Mark at the end of day 1: last mid 102.5 → MTM −98 + 102.5 = 4.5, unrealized 4.5 − 2.5 = 2.
//   Equity on capital 100: 100, 104.2, 100.2, 100.2.

let lake: string;
let m: StrategyMetrics;
const base = { strategy: "alpha", from: "2024-01-01", to: "2024-01-04" } as const;

beforeAll(async () => {
  lake = await mkdtemp(join(tmpdir(), "of-metrics-"));
  await ingest({ lake, source: iterableSource("fixture", () => scenarioRecords().map(asSourceRecord)) });
  m = await computeMetrics({ lake, ...base, capital: "100", riskFreeRate: 0 });
});
afterAll(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe("metrics of the fixed fixture, by hand", () => {
  it("PnL gross and net, realized and unrealized, exact", () => {
    expect(m.pnl).toEqual({
      gross: "0.8",
      net: "0.2",
      realizedGross: "0.8",
      realizedNet: "0.2",
      unrealizedGross: "0",
      fees: "0.6",
    });
    expect(
      m.periods.map((p) => [
        p.start.iso.slice(0, 10),
        p.position,
        p.mark,
        p.realizedGross,
        p.unrealizedGross,
        p.fees,
        p.pnlGross,
        p.pnlNet,
        p.tradedNotional,
        p.fills,
        p.grossExposure,
      ]),
    ).toEqual([
      ["2024-01-01", "1", "102.5", "2.5", "2", "0.3", "4.5", "4.2", "304", 2, "102.5"],
      ["2024-01-02", "0", "97.25", "-1.7", "0", "0.3", "-3.7", "-4", "292.8", 2, "0"],
      ["2024-01-03", "0", "97", "0", "0", "0", "0", "0", "0", 0, "0"],
    ]);
    expect(m.periods.every((p) => p.instrument === BTC && p.markSource === "quote")).toBe(true);
  });

  it("equity curve, returns, Sharpe, Sortino, Calmar, drawdown", () => {
    expect(m.equity.map((e) => e.equity)).toEqual(["100", "104.2", "100.2", "100.2"]);
    const r = [0.042, -4 / 104.2, 0];
    const mean = (r[0]! + r[1]! + r[2]!) / 3;
    const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
    expect(m.returns.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(365), 10);
    expect(m.returns.sharpe).toBeCloseTo(0.5721386312926449, 10);
    expect(m.returns.sortino).toBeCloseTo((mean / Math.sqrt(r[1]! ** 2 / 3)) * Math.sqrt(365), 10);
    expect(m.returns.annualizedVolatility).toBeCloseTo(sd * Math.sqrt(365), 10);
    expect(m.returns.totalReturn).toBeCloseTo(0.002, 12);
    expect(m.returns.annualizedReturn).toBeCloseTo(1.002 ** (365 / 3) - 1, 10);
    expect(m.returns.maxDrawdown).toBeCloseTo(4 / 104.2, 12);
    expect(m.returns.calmar).toBeCloseTo((1.002 ** (365 / 3) - 1) / (4 / 104.2), 8);
    expect(m.returns).toMatchObject({
      maxDrawdownAmount: "4",
      maxDrawdownPeriods: 2,
      maxDrawdownMs: 2 * 86_400_000,
      drawdownRecovered: false,
    });
  });

  it("round trips: win rate, profit factor, averages, expectancy", () => {
    // trip 1: f1, f2, closing half of f3 (1 @ 97.9) → −201 + 103 + 97.9 = −0.1, fees 0.2 + 0.1 + 0.2 → −0.6
    // trip 2: opening half of f3 (short 1 @ 97.9), f4 → 0.9, fee 0.1 → 0.8
    expect(m.trades).toEqual({
      roundTrips: 2,
      wins: 1,
      losses: 1,
      winRate: 0.5,
      profitFactor: 0.8 / 0.6,
      averageWin: "0.8",
      averageLoss: "-0.6",
      expectancy: "0.1",
      averageHoldingMs: (82_799_998 + 21_600_992) / 2,
    });
  });

  it("turnover, exposure, fees", () => {
    expect(m.activity).toEqual({
      fills: 4,
      tradedNotional: "596.8",
      turnover: 5.968,
      averageGrossExposure: "34.166666666666666667",
      maxGrossExposure: "102.5",
      timeInMarket: 1 / 3,
    });
  });

  it("slippage against the arrival mid and the decision price", () => {
    // arrival mids 100, 103, 98, 97: costs 2 × 0.5, 0, 2 × 0.1, 0 = 1.2 on 596 of mid notional
    expect(m.execution.slippageVsArrival).toEqual({ cost: "1.2", bps: (1.2 / 596) * 1e4, fills: 4 });
    // decision prices: o1 100.2 (JSON by id) → 0.6; o3 98.1 (as of) → 0.4; o4 98.1 → −1.1; o2 has none
    expect(m.execution.slippageVsDecision.cost).toBe("-0.1");
    expect(m.execution.slippageVsDecision.bps).toBeCloseTo((-0.1 / 494.7) * 1e4, 10);
    expect(m.execution.slippageVsDecision.fills).toBe(3);
  });

  it("fill ratio and latency percentiles from order event times", () => {
    expect(m.execution).toMatchObject({ orders: 5, ordersWithFills: 4, fillRatio: 0.8 });
    expect(m.byInstrument[0]!.fillRatio).toBeCloseTo(6 / 7, 12);
    const ack = m.execution.orderToAck;
    expect(ack).toMatchObject({ count: 5, meanMs: 5, p50Ms: 5, maxMs: 7 });
    expect(ack.p90Ms).toBeCloseTo(6.6, 9);
    expect(ack.p99Ms).toBeCloseTo(6.96, 9);
    const fill = m.execution.orderToFill;
    expect(fill).toMatchObject({ count: 4, meanMs: 259.5, p50Ms: 15, maxMs: 1000 });
    expect(fill.p90Ms).toBeCloseTo(706, 9);
    expect(fill.p99Ms).toBeCloseTo(970.6, 9);
    const bins = m.execution.latencyHistogram;
    expect(bins.reduce((a, b) => a + b.ack, 0)).toBe(5);
    expect(bins.reduce((a, b) => a + b.fill, 0)).toBe(4);
    const thousand = bins.find((b) => b.fromMs <= 1000 && 1000 < b.toMs)!;
    expect(thousand.fill).toBe(1);
  });

  it("markouts at 0, 1, 10 and 60 s", () => {
    expect(m.execution.markouts.map((x) => [x.horizonMs, x.amount, x.fills])).toEqual([
      [0, "-1.2", 4],
      [1000, "1.05", 4],
      [10_000, "3.55", 4],
      [60_000, "-1.45", 4],
    ]);
    expect(m.execution.markouts[1]!.bps).toBeCloseTo((1.05 / 596.8) * 1e4, 10);
  });

  it("joins internals as of each fill", () => {
    expect(m.internals).toHaveLength(1);
    const s = m.internals[0]!;
    expect(s).toMatchObject({ name: "signal", count: 4, atFills: { count: 4 } });
    expect(s.atFills.meanAtBuys).toBeCloseTo(0.55, 12);
    expect(s.atFills.meanAtSells).toBeCloseTo(-0.55, 12);
    expect(s.points.map((p) => p.value)).toEqual([0.5, -0.3, -0.8, 0.6]);
    expect(m.warnings).toEqual([]);
  });

  it("defaults the capital to the peak position value and annualizes per setting", async () => {
    const d = await computeMetrics({ lake, ...base, periodsPerYear: 252, riskFreeRate: 0.0252 });
    expect(d.settings).toMatchObject({
      capital: "201",
      capitalSource: "peak-position-value",
      periodsPerYear: 252,
    });
    expect(d.equity.map((e) => e.equity)).toEqual(["201", "205.2", "201.2", "201.2"]);
    const r = [4.2 / 201, -4 / 205.2, 0].map((x) => x - 0.0252 / 252);
    const mean = (r[0]! + r[1]! + r[2]!) / 3;
    const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
    expect(d.returns.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(252), 10);
  });

  it("says what is missing: an empty period, a strategy with no fills", async () => {
    await expect(
      computeMetrics({ lake, strategy: "alpha", from: "2024-02-01", to: "2024-02-02" }),
    ).rejects.toMatchObject({
      code: "NO_DATA",
      message: expect.stringMatching(/no fills, orders or records of strategy alpha between 2024-02-01/),
    });
    await expect(computeMetrics({ lake, ...base, strategy: "nobody" })).rejects.toMatchObject({
      code: "NO_DATA",
      message: expect.stringMatching(/strategies with fills then: alpha, beta/),
    });
    await expect(computeMetrics({ lake, ...base, strategy: "gamma" })).rejects.toMatchObject({
      code: "NO_FILLS",
      message: expect.stringMatching(/gamma has 0 order events and 1 records but no fills/),
    });
    await expect(computeMetrics({ lake, ...base, to: "2023-12-01" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });
});
