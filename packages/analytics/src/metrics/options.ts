import { invalidArgument } from "../errors.js";
import { DAY_MS } from "../lake/lake-files.js";
import { type Exact, exact } from "./exact.js";

/** A moment: a Date, ms since the epoch, an ISO time, or a `YYYY-MM-DD` date (UTC midnight). */
export type TimeInput = Date | number | string;

/**
 * Options of `computeMetrics` and `buildReport`.
 * @example { lake: "./lake", strategy: "mm-btc", from: "2024-01-01", to: "2024-02-01", riskFreeRate: 0.04 }
 */
export interface MetricsOptions {
  /** Lake directory written by `ingest`. */
  readonly lake: string;
  /** Strategy id. */
  readonly strategy: string;
  /** Start of the period, inclusive. */
  readonly from: TimeInput;
  /** End of the period, exclusive. */
  readonly to: TimeInput;
  /** Length of one period of the equity curve and of the period table, ms. Default 86400000 (a day). */
  readonly periodMs?: number;
  /** Periods per year, for annualizing. Default 365 × (a day / periodMs): markets open every day; use 252 for daily equities. */
  readonly periodsPerYear?: number;
  /** Annual risk-free rate, e.g. 0.04. Default 0. */
  readonly riskFreeRate?: number;
  /** Capital returns are measured on (decimal text). Default: the peak position value in the period (largest |position| × fill price). */
  readonly capital?: string;
  /** Markout horizons, ms after the fill. Default [0, 1000, 10000, 60000]. */
  readonly markoutHorizonsMs?: readonly number[];
  /** Name of the strategy record holding decision prices (see the README for the two forms). Default "decision_price". */
  readonly decisionPriceName?: string;
  /** How far before `from` quotes are read for the first mark and arrival mids, days. Default 7. */
  readonly markLookbackDays?: number;
  /** Numeric internals charted (the most recorded first). Default 8. */
  readonly maxInternals?: number;
  /** Points per internal chart. Default 600. */
  readonly chartPoints?: number;
  /** DuckDB threads. Default: the machine's cores. */
  readonly threads?: number;
  /** DuckDB memory limit, e.g. "8GB". Default: DuckDB's (80% of RAM). */
  readonly memoryLimit?: string;
  /** Called with each phase's duration in ms (aggregates, fills, pnl, round-trips, orders, latency, quotes, internals). Default: none. */
  readonly onTiming?: (phase: string, ms: number) => void;
  /**
   * Read the lake's per-day aggregates (see `buildAggregates`) when they are current and can serve the
   * request exactly; false always reads the raw parts. Both give the same numbers. Default true.
   */
  readonly useAggregates?: boolean;
  /** Called once with where the numbers come from: the aggregates, or the raw lake and why. Default: none. */
  readonly onPlan?: (plan: MetricsPlan) => void;
}

/** Where `computeMetrics` read from: the aggregates, or the raw lake (with the reason). */
export type MetricsPlan =
  | { readonly source: "aggregates" }
  | { readonly source: "lake"; readonly reason: string };

/** The options resolved, times in ns. */
export interface MetricsContext {
  readonly lake: string;
  readonly strategy: string;
  readonly fromNs: bigint;
  readonly toNs: bigint;
  readonly periodNs: bigint;
  readonly periods: number;
  readonly periodsPerYear: number;
  readonly riskFreeRate: number;
  readonly capital: Exact | undefined;
  readonly horizonsNs: readonly bigint[];
  readonly decisionPriceName: string;
  readonly lookbackNs: bigint;
  readonly maxInternals: number;
  readonly chartPoints: number;
  readonly threads: number | undefined;
  readonly memoryLimit: string | undefined;
  readonly onTiming: ((phase: string, ms: number) => void) | undefined;
  readonly useAggregates: boolean;
  readonly onPlan: ((plan: MetricsPlan) => void) | undefined;
}

export function toNs(t: TimeInput, option: string): bigint {
  let ms: number;
  if (t instanceof Date) ms = t.getTime();
  else if (typeof t === "number") ms = t;
  else ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t);
  if (!Number.isFinite(ms))
    throw invalidArgument(
      option,
      `is not a time: ${JSON.stringify(String(t))} (use an ISO time or YYYY-MM-DD)`,
    );
  return BigInt(Math.round(ms)) * 1_000_000n;
}

function positive(value: number | undefined, fallback: number, option: string, integer = false): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw invalidArgument(option, `must be a positive ${integer ? "integer" : "number"}, got ${value}`);
  }
  return v;
}

export function resolveOptions(o: MetricsOptions): MetricsContext {
  if (typeof o.strategy !== "string" || o.strategy === "") throw invalidArgument("strategy", "is required");
  const fromNs = toNs(o.from, "from");
  const toNsValue = toNs(o.to, "to");
  if (toNsValue <= fromNs) throw invalidArgument("to", "must be after from");
  const periodMs = positive(o.periodMs, DAY_MS, "periodMs", true);
  const periodNs = BigInt(periodMs) * 1_000_000n;
  const periods = Number((toNsValue - fromNs + periodNs - 1n) / periodNs);
  if (periods > 100_000) throw invalidArgument("periodMs", `makes ${periods} periods; use a longer period`);
  const riskFreeRate = o.riskFreeRate ?? 0;
  if (!Number.isFinite(riskFreeRate)) throw invalidArgument("riskFreeRate", "must be a number");
  let capital: Exact | undefined;
  if (o.capital !== undefined) {
    try {
      capital = exact(String(o.capital));
    } catch (e) {
      throw invalidArgument("capital", `is not a decimal: ${(e as Error).message}`);
    }
    if (capital <= 0n) throw invalidArgument("capital", "must be positive");
  }
  const horizons = o.markoutHorizonsMs ?? [0, 1000, 10_000, 60_000];
  for (const h of horizons)
    if (!Number.isInteger(h) || h < 0) throw invalidArgument("markoutHorizonsMs", "must be integers ≥ 0");
  return {
    lake: o.lake,
    strategy: o.strategy,
    fromNs,
    toNs: toNsValue,
    periodNs,
    periods,
    periodsPerYear: positive(o.periodsPerYear, (365 * DAY_MS) / periodMs, "periodsPerYear"),
    riskFreeRate,
    capital,
    horizonsNs: [...new Set(horizons)].sort((a, b) => a - b).map((h) => BigInt(h) * 1_000_000n),
    decisionPriceName: o.decisionPriceName ?? "decision_price",
    lookbackNs: BigInt(positive(o.markLookbackDays, 7, "markLookbackDays", true)) * 86_400_000_000_000n,
    maxInternals: positive(o.maxInternals, 8, "maxInternals", true),
    chartPoints: positive(o.chartPoints, 600, "chartPoints", true),
    threads: o.threads,
    memoryLimit: o.memoryLimit,
    onTiming: o.onTiming,
    useAggregates: o.useAggregates ?? true,
    onPlan: o.onPlan,
  };
}
