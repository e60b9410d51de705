/**
 * Statistics of an equity curve sampled once per period. Ratios are floats (they are not money);
 * every formula is in the package README.
 */

/** Options of `returnStats`. */
export interface ReturnStatsOptions {
  /** Periods per year, for annualizing (365 for daily crypto, 252 for daily equities). */
  readonly periodsPerYear: number;
  /** Annual risk-free rate, e.g. 0.04; per period it is `riskFreeRate / periodsPerYear`. */
  readonly riskFreeRate: number;
}

export interface Drawdown {
  /** Largest peak-to-trough fall as a fraction of the peak (0.1 = 10%); 0 when the curve never falls. */
  readonly maxDrawdown: number;
  /** The same fall in money (peak − trough). */
  readonly maxDrawdownAmount: number;
  /** Index of the peak and trough of the largest fall. */
  readonly peakIndex: number;
  readonly troughIndex: number;
  /**
   * Longest run of periods spent below an earlier peak: from the peak's index to the index where the
   * curve first gets back to it (or to the last index if it never does).
   */
  readonly maxDurationPeriods: number;
  /** Whether the longest drawdown had recovered by the end of the curve. */
  readonly recovered: boolean;
  /** Drawdown at every point, as a fraction of the running peak (≤ 0). */
  readonly series: readonly number[];
}

export interface ReturnStats {
  /** Simple returns r_t = E_t / E_{t−1} − 1, one per period. */
  readonly returns: readonly number[];
  readonly periods: number;
  readonly totalReturn: number;
  /** Compound annual growth: (E_n / E_0)^(periodsPerYear / n) − 1. */
  readonly annualizedReturn: number | null;
  readonly meanReturn: number | null;
  /** Sample standard deviation (n − 1) of the returns, per period. */
  readonly stdev: number | null;
  /** stdev × √periodsPerYear. */
  readonly annualizedVolatility: number | null;
  /** mean(r − rf) / stdev(r − rf) × √periodsPerYear. */
  readonly sharpe: number | null;
  /** mean(r − rf) / downside deviation × √periodsPerYear; downside deviation = √(Σ min(0, r − rf)² / n). */
  readonly sortino: number | null;
  /** annualizedReturn / maxDrawdown. */
  readonly calmar: number | null;
  readonly drawdown: Drawdown;
}

export function simpleReturns(equity: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < equity.length; i++) {
    const prev = equity[i - 1]!;
    out.push(prev === 0 ? 0 : equity[i]! / prev - 1);
  }
  return out;
}

export function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (divides by n − 1); null below two values. */
export function sampleStdev(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

export function drawdown(equity: readonly number[]): Drawdown {
  let peak = Number.NEGATIVE_INFINITY;
  let peakIndex = 0;
  let best = { dd: 0, amount: 0, peakIndex: 0, troughIndex: 0 };
  const series: number[] = [];
  let longest = 0;
  let longestRecovered = true;
  let underSince: number | undefined;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (e >= peak) {
      if (underSince !== undefined) {
        const d = i - underSince;
        if (d > longest) {
          longest = d;
          longestRecovered = true;
        }
        underSince = undefined;
      }
      peak = e;
      peakIndex = i;
      series.push(0);
      continue;
    }
    if (underSince === undefined) underSince = peakIndex;
    const dd = peak > 0 ? (peak - e) / peak : 0;
    series.push(-dd);
    if (peak - e > best.amount) best = { dd, amount: peak - e, peakIndex, troughIndex: i };
  }
  if (underSince !== undefined) {
    const d = equity.length - 1 - underSince;
    if (d > longest) {
      longest = d;
      longestRecovered = false;
    }
  }
  return {
    maxDrawdown: best.dd,
    maxDrawdownAmount: best.amount,
    peakIndex: best.peakIndex,
    troughIndex: best.troughIndex,
    maxDurationPeriods: longest,
    recovered: longestRecovered,
    series,
  };
}

/** Statistics of an equity curve `equity[0..n]` (n periods, so n returns). */
export function returnStats(equity: readonly number[], options: ReturnStatsOptions): ReturnStats {
  const { periodsPerYear, riskFreeRate } = options;
  const returns = simpleReturns(equity);
  const n = returns.length;
  const rf = riskFreeRate / periodsPerYear;
  const excess = returns.map((r) => r - rf);
  const first = equity[0] ?? 0;
  const last = equity[equity.length - 1] ?? 0;
  const totalReturn = first === 0 ? 0 : last / first - 1;
  const annualizedReturn =
    n === 0 || first <= 0 || last <= 0 ? null : (last / first) ** (periodsPerYear / n) - 1;
  const m = mean(returns);
  const sd = sampleStdev(returns);
  const mExcess = mean(excess);
  const sdExcess = sampleStdev(excess);
  const sharpe =
    mExcess === null || sdExcess === null || sdExcess === 0
      ? null
      : (mExcess / sdExcess) * Math.sqrt(periodsPerYear);
  let downside = 0;
  for (const x of excess) downside += Math.min(0, x) ** 2;
  const dd = n === 0 ? 0 : Math.sqrt(downside / n);
  const sortino = mExcess === null || dd === 0 ? null : (mExcess / dd) * Math.sqrt(periodsPerYear);
  const draw = drawdown(equity);
  const calmar =
    annualizedReturn === null || draw.maxDrawdown === 0 ? null : annualizedReturn / draw.maxDrawdown;
  return {
    returns,
    periods: n,
    totalReturn,
    annualizedReturn,
    meanReturn: m,
    stdev: sd,
    annualizedVolatility: sd === null ? null : sd * Math.sqrt(periodsPerYear),
    sharpe,
    sortino,
    calmar,
    drawdown: draw,
  };
}

/** Percentile by linear interpolation between closest ranks (DuckDB's `quantile_cont`, numpy's default). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (sorted.length - 1) * p;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}
