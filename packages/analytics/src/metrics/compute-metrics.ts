import { AnalyticsError } from "../errors.js";
import { DAY_NS } from "../lake/lake-files.js";
import { type DayRange, LakeSession } from "../lake/lake-session.js";
import { LAKE_TABLES, type LakeTableName, TABLE_NAMES } from "../lake/schema.js";
import { sqlString } from "../sql.js";
import { divideExact, type Exact, exact, exactNumber, exactText, maxExact } from "./exact.js";
import { decisionSlippage, orderStats, prepareOrders, quoteJoins, type SlippageRow } from "./execution.js";
import { AggregateReader } from "./from-aggregates.js";
import { internals } from "./internals.js";
import { type MetricsContext, type MetricsOptions, resolveOptions } from "./options.js";
import {
  big,
  fillsInPeriod,
  type GridRow,
  gridState,
  instrumentsWithoutQuotes,
  peakPositionValue,
  prepareFills,
} from "./pnl.js";
import { returnStats } from "./return-stats.js";
import { roundTrips } from "./round-trips.js";
import type {
  EquityPoint,
  HistogramBin,
  Instant,
  InstrumentSummary,
  LatencyStats,
  PeriodRow,
  Slippage,
  StrategyMetrics,
} from "./types.js";

const D = exact;
const text = exactText;
const num = exactNumber;
const ratio = (a: Exact, b: Exact): number | null => (b === 0n ? null : num(a) / num(b));

export function instant(ns: bigint): Instant {
  const ms = Number(ns / 1_000_000n);
  return { ms, iso: new Date(ms).toISOString() };
}

/** Which days of which tables a report reads (partition pruning). */
function dayRanges(ctx: MetricsContext): Partial<Record<LakeTableName, DayRange>> {
  const fromDay = Number(ctx.fromNs / DAY_NS);
  const toDay = Number((ctx.toNs - 1n) / DAY_NS);
  const lookback = Number(ctx.lookbackNs / DAY_NS);
  const none: DayRange = { from: 1, to: 0 };
  const ranges: Partial<Record<LakeTableName, DayRange>> = {};
  for (const t of TABLE_NAMES) ranges[t] = none;
  return {
    ...ranges,
    fill: { to: toDay },
    "audit-fill": { to: toDay },
    quote: { from: fromDay - lookback, to: toDay + 1 },
    "order-event": { from: fromDay, to: toDay + 1 },
    "audit-order": { from: fromDay, to: toDay },
    "audit-order-event": { from: fromDay, to: toDay + 1 },
    "strategy-record": { from: fromDay - lookback, to: toDay },
    _rejected: { from: fromDay, to: toDay },
  };
}

/**
 * Computes every metric of a strategy over [from, to) from the lake (see the package README for each
 * formula). Money stays exact (DuckDB DECIMAL, then bigint units in TypeScript); statistics of returns are floats.
 * Throws `LAKE_MISSING`, `LAKE_CORRUPT` (naming the file), `NO_DATA` or `NO_FILLS`.
 * @example const m = await computeMetrics({ lake: "./lake", strategy: "mm", from: "2024-01-01", to: "2024-02-01" })
 */
export async function computeMetrics(options: MetricsOptions): Promise<StrategyMetrics> {
  const ctx = resolveOptions(options);
  const s = await LakeSession.open(ctx.lake, {
    days: dayRanges(ctx),
    ...(ctx.threads === undefined ? {} : { threads: ctx.threads }),
    ...(ctx.memoryLimit === undefined ? {} : { memoryLimit: ctx.memoryLimit }),
  });
  try {
    return await compute(s, ctx);
  } finally {
    s.close();
  }
}

async function compute(s: LakeSession, ctx: MetricsContext): Promise<StrategyMetrics> {
  const timed = timer(ctx);
  const opened = ctx.useAggregates
    ? await timed("aggregates", () => AggregateReader.open(s, ctx))
    : "not asked for";
  const agg = typeof opened === "string" ? undefined : opened;
  ctx.onPlan?.(agg === undefined ? { source: "lake", reason: opened as string } : { source: "aggregates" });
  const instruments = await timed("fills", () => (agg ? agg.prepare() : prepareFills(s, ctx)));
  const inPeriod = instruments.length === 0 ? 0 : await (agg ? agg.fillsInPeriod() : fillsInPeriod(s, ctx));
  const grid =
    instruments.length === 0
      ? []
      : await timed("pnl", () => (agg ? agg.gridState() : gridState(s, ctx, instruments)));
  const carried = grid.some((g) => g.k === 0 && D(g.pos) !== 0n);
  if (inPeriod === 0 && !carried) await explainEmpty(s, ctx);

  const warnings: string[] = [];
  const noQuotes = await (agg ? agg.instrumentsWithoutQuotes() : instrumentsWithoutQuotes(s));
  for (const i of noQuotes) {
    warnings.push(
      `no quotes for ${i} in the period: its marks are the last fill price, and slippage against the arrival mid and markouts leave it out`,
    );
  }

  const boundary = (k: number): bigint => {
    const t = ctx.fromNs + BigInt(k) * ctx.periodNs;
    return t > ctx.toNs ? ctx.toNs : t;
  };
  const byK = new Map<number, GridRow[]>();
  for (const g of grid) {
    const list = byK.get(g.k) ?? [];
    list.push(g);
    byK.set(g.k, list);
  }
  const sum = (k: number, f: (g: GridRow) => string | null): Exact =>
    (byK.get(k) ?? []).reduce((acc, g) => acc + D(f(g)), 0n);

  const net = (k: number) => sum(k, (g) => g.mtm) - sum(k, (g) => g.fees);
  const peak = D(await (agg ? agg.peakPositionValue() : peakPositionValue(s, ctx)));
  const startExposure = sum(0, (g) => g.gross_exposure);
  const defaultCapital = maxExact(peak, startExposure);
  const capital = ctx.capital ?? defaultCapital;
  if (capital <= 0n) {
    throw new AnalyticsError(
      "NO_FILLS",
      `strategy ${ctx.strategy} never held a position between ${instant(ctx.fromNs).iso} and ${instant(ctx.toNs).iso}; pass a capital to measure returns on`,
      { context: { strategy: ctx.strategy } },
    );
  }

  const net0 = net(0);
  const equityValues: Exact[] = [];
  for (let k = 0; k <= ctx.periods; k++) equityValues.push(capital + net(k) - net0);
  const stats = returnStats(equityValues.map(num), {
    periodsPerYear: ctx.periodsPerYear,
    riskFreeRate: ctx.riskFreeRate,
  });
  let runningPeak = equityValues[0]!;
  let maxDdAmount = 0n;
  for (const e of equityValues) {
    if (e > runningPeak) runningPeak = e;
    maxDdAmount = maxExact(maxDdAmount, runningPeak - e);
  }
  const equity: EquityPoint[] = equityValues.map((e, k) => ({
    at: instant(boundary(k)),
    equity: text(e),
    pnlNet: text(e - capital),
    drawdown: stats.drawdown.series[k] ?? 0,
    grossExposure: text(sum(k, (g) => g.gross_exposure)),
  }));

  const n = ctx.periods;
  const pnlGross = sum(n, (g) => g.mtm) - sum(0, (g) => g.mtm);
  const fees = sum(n, (g) => g.fees) - sum(0, (g) => g.fees);
  const realizedGross = sum(n, (g) => g.rc) - sum(0, (g) => g.rc);
  const unrealizedEnd = sum(n, (g) => g.unrealized);

  const periods: PeriodRow[] = grid
    .filter((g) => g.k > 0)
    .map((g) => {
      const realized = D(g.realized_gross);
      const feesP = D(g.fees_p);
      const gross = D(g.pnl_gross);
      return {
        instrument: g.instrument,
        start: instant(boundary(g.k - 1)),
        end: instant(boundary(g.k)),
        position: text(D(g.pos)),
        mark: g.mark === null ? null : text(D(g.mark)),
        markSource: g.mark_source,
        realizedGross: text(realized),
        realizedNet: text(realized - feesP),
        unrealizedGross: text(D(g.unrealized)),
        fees: text(feesP),
        pnlGross: text(gross),
        pnlNet: text(gross - feesP),
        tradedNotional: text(D(g.notional)),
        fills: Number(g.fills),
        grossExposure: text(D(g.gross_exposure)),
        netExposure: text(D(g.net_exposure)),
      };
    });

  const trips = await timed("round-trips", () => (agg ? agg.roundTrips() : roundTrips(s, ctx)));
  const tripCount = Number(trips.trips);
  const wins = Number(trips.wins);
  const losses = Number(trips.losses);
  const winSum = D(trips.win_sum);
  const lossSum = D(trips.loss_sum);

  const tradedNotional = periods.reduce((acc, p) => acc + D(p.tradedNotional), 0n);
  const fills = periods.reduce((acc, p) => acc + p.fills, 0);
  let grossSum = 0n;
  let maxGross = 0n;
  let inMarket = 0;
  for (let k = 1; k <= n; k++) {
    const g = sum(k, (r) => r.gross_exposure);
    grossSum += g;
    maxGross = maxExact(maxGross, g);
    if ((byK.get(k) ?? []).some((r) => D(r.pos) !== 0n)) inMarket++;
  }

  if (!agg) await timed("orders", () => prepareOrders(s, ctx, instruments));
  const orders = await timed("latency", () => (agg ? agg.orderStats() : orderStats(s)));
  const joined = await timed("quotes", () => (agg ? agg.quoteJoins() : quoteJoins(s, ctx, instruments)));
  const slip = (r: SlippageRow): Slippage => {
    const cost = r.cost === null ? null : D(r.cost);
    const notional = D(r.notional);
    return {
      cost: cost === null ? null : text(cost),
      bps: cost === null || notional === 0n ? null : (num(cost) / num(notional)) * 1e4,
      fills: Number(r.fills),
    };
  };
  const slippageVsArrival = slip(joined.arrival);
  const slippageVsDecision = slip(await (agg ? agg.decisionSlippage() : decisionSlippage(s)));
  const marks = joined.markouts;
  const series = await timed("internals", () => internals(s, ctx, agg));
  warnings.push(...(await dataWarnings(s, ctx, instruments, agg)));

  const latency = (l: {
    count: number;
    mean: number | null;
    q: (number | null)[];
    max: number | null;
  }): LatencyStats => ({
    count: l.count,
    meanMs: l.mean,
    p50Ms: l.q[0] ?? null,
    p90Ms: l.q[1] ?? null,
    p99Ms: l.q[2] ?? null,
    maxMs: l.max,
  });

  const byInstrument: InstrumentSummary[] = instruments.map((instrument) => {
    const rows = periods.filter((p) => p.instrument === instrument);
    const add = (f: (p: PeriodRow) => string) => rows.reduce((acc, p) => acc + D(f(p)), 0n);
    const last = rows[rows.length - 1];
    return {
      instrument,
      pnlGross: text(add((p) => p.pnlGross)),
      pnlNet: text(add((p) => p.pnlNet)),
      realizedGross: text(add((p) => p.realizedGross)),
      unrealizedGross: last?.unrealizedGross ?? "0",
      fees: text(add((p) => p.fees)),
      tradedNotional: text(add((p) => p.tradedNotional)),
      fills: rows.reduce((acc, p) => acc + p.fills, 0),
      position: last?.position ?? "0",
      fillRatio: orders.fillRatioByInstrument.get(instrument) ?? null,
    };
  });

  return {
    strategy: ctx.strategy,
    from: instant(ctx.fromNs),
    to: instant(ctx.toNs),
    settings: {
      periodMs: Number(ctx.periodNs / 1_000_000n),
      periodsPerYear: ctx.periodsPerYear,
      riskFreeRate: ctx.riskFreeRate,
      capital: text(capital),
      capitalSource: ctx.capital === undefined ? "peak-position-value" : "option",
      markoutHorizonsMs: ctx.horizonsNs.map((h) => Number(h / 1_000_000n)),
      decisionPriceName: ctx.decisionPriceName,
    },
    pnl: {
      gross: text(pnlGross),
      net: text(pnlGross - fees),
      realizedGross: text(realizedGross),
      realizedNet: text(realizedGross - fees),
      unrealizedGross: text(unrealizedEnd),
      fees: text(fees),
    },
    returns: {
      totalReturn: stats.totalReturn,
      annualizedReturn: stats.annualizedReturn,
      annualizedVolatility: stats.annualizedVolatility,
      sharpe: stats.sharpe,
      sortino: stats.sortino,
      calmar: stats.calmar,
      maxDrawdown: stats.drawdown.maxDrawdown,
      maxDrawdownAmount: text(maxDdAmount),
      maxDrawdownPeriods: stats.drawdown.maxDurationPeriods,
      maxDrawdownMs: stats.drawdown.maxDurationPeriods * Number(ctx.periodNs / 1_000_000n),
      drawdownRecovered: stats.drawdown.recovered,
    },
    trades: {
      roundTrips: tripCount,
      wins,
      losses,
      winRate: tripCount === 0 ? null : wins / tripCount,
      profitFactor: losses === 0 ? null : num(winSum) / -num(lossSum),
      averageWin: wins === 0 ? null : text(divideExact(winSum, wins)),
      averageLoss: losses === 0 ? null : text(divideExact(lossSum, losses)),
      expectancy: tripCount === 0 ? null : text(divideExact(D(trips.net_sum), tripCount)),
      averageHoldingMs: trips.holding_ms,
    },
    activity: {
      fills,
      tradedNotional: text(tradedNotional),
      turnover: ratio(tradedNotional, capital),
      averageGrossExposure: text(n === 0 ? 0n : divideExact(grossSum, n)),
      maxGrossExposure: text(maxGross),
      timeInMarket: n === 0 ? null : inMarket / n,
    },
    execution: {
      orders: orders.orders,
      ordersWithFills: orders.ordersWithFills,
      fillRatio: orders.fillRatio,
      slippageVsArrival,
      slippageVsDecision,
      orderToAck: latency(orders.ack),
      orderToFill: latency(orders.fill),
      latencyHistogram: contiguousBins(orders.histogram),
      markouts: marks.map((m) => {
        const amount = m.amount === null ? null : D(m.amount);
        const notional = D(m.notional);
        return {
          horizonMs: Number(BigInt(m.h) / 1_000_000n),
          amount: amount === null ? null : text(amount),
          bps: amount === null || notional === 0n ? null : (num(amount) / num(notional)) * 1e4,
          fills: Number(m.fills),
        };
      }),
    },
    equity,
    periods,
    byInstrument,
    internals: series,
    warnings,
  };
}

/** NO_DATA or NO_FILLS, saying what the lake holds instead. */
async function explainEmpty(s: LakeSession, ctx: MetricsContext): Promise<never> {
  const strategy = sqlString(ctx.strategy);
  const between = `between ${instant(ctx.fromNs).iso} and ${instant(ctx.toNs).iso}`;
  const [row] = await s.rows<{ orders: string; records: string }>(`
    SELECT (SELECT count(*) FROM order_event WHERE strategy_id = ${strategy} AND created_ns >= ${big(ctx.fromNs)} AND created_ns < ${big(ctx.toNs)})::VARCHAR AS orders,
           (SELECT count(*) FROM strategy_record WHERE strategy_id = ${strategy} AND ts_ns >= ${big(ctx.fromNs)} AND ts_ns < ${big(ctx.toNs)})::VARCHAR AS records`);
  const orders = Number(row?.orders ?? 0);
  const records = Number(row?.records ?? 0);
  if (orders > 0 || records > 0) {
    throw new AnalyticsError(
      "NO_FILLS",
      `strategy ${ctx.strategy} has ${orders} order events and ${records} records but no fills ${between}: nothing to measure PnL on`,
      { context: { strategy: ctx.strategy, orders, records } },
    );
  }
  const others = await s.rows<{ strategy_id: string }>(`
    SELECT DISTINCT strategy_id FROM fill WHERE ts_event_ns >= ${big(ctx.fromNs)} AND ts_event_ns < ${big(ctx.toNs)}
    ORDER BY 1 LIMIT 10`);
  const hint =
    others.length === 0
      ? `the lake has no fills of any strategy in that period (files read: ${s.files.get("fill")?.length ?? 0} fill parts)`
      : `strategies with fills then: ${others.map((o) => o.strategy_id).join(", ")}`;
  throw new AnalyticsError(
    "NO_DATA",
    `no fills, orders or records of strategy ${ctx.strategy} ${between}; ${hint}`,
    {
      context: { strategy: ctx.strategy },
    },
  );
}

async function dataWarnings(
  s: LakeSession,
  ctx: MetricsContext,
  instruments: readonly string[],
  agg: AggregateReader | undefined,
): Promise<string[]> {
  const out: string[] = [];
  const [rej] = await s.rows<{ n: string; fills: string }>(`
    SELECT count(*)::VARCHAR AS n, count(*) FILTER (WHERE kind IN ('fill', 'order-event'))::VARCHAR AS fills FROM rejected
    WHERE timestamp_ms >= ${ctx.fromNs / 1_000_000n} AND timestamp_ms < ${ctx.toNs / 1_000_000n}`);
  if (Number(rej?.n ?? 0) > 0) {
    out.push(
      `${rej!.n} records of the period were rejected at ingest (${rej!.fills} of them fills or order events; see the ${LAKE_TABLES._rejected.name} table): numbers may leave them out`,
    );
  }
  const quoteCcy = new Set(instruments.map(quoteCurrency));
  if (quoteCcy.size > 1) {
    out.push(
      `instruments are quoted in ${[...quoteCcy].sort().join(", ")}: totals add amounts of different currencies`,
    );
  }
  const fees = agg
    ? await agg.feeCurrencies()
    : await s.rows<{ instrument: string; fee_currency: string }>(
        `SELECT DISTINCT ins.instrument, fee_currency FROM sf JOIN ins USING (iid)
         WHERE ts >= ${big(ctx.fromNs)} AND fee_currency <> '' AND fee <> 0 ORDER BY 1, 2`,
      );
  for (const f of fees) {
    if (f.fee_currency !== quoteCurrency(f.instrument)) {
      out.push(
        `fees of ${f.instrument} are charged in ${f.fee_currency}, not ${quoteCurrency(f.instrument)}: they are added as if they were`,
      );
    }
  }
  const early = agg
    ? await agg.fillsOfEarlierOrders()
    : Number(
        (
          await s.rows<{ n: string }>(`
            SELECT count(*)::VARCHAR AS n FROM sf ANTI JOIN so USING (oh) WHERE sf.ts >= ${big(ctx.fromNs)}`)
        )[0]?.n ?? 0,
      );
  if (early > 0) {
    out.push(
      `${early} fills belong to orders with no recorded creation in the period: slippage and latency leave them out`,
    );
  }
  return out;
}

/** "BTC/USDT" or "BTC/USDT:USDT" (a ccxt perpetual) of instrument "…:venue" → "USDT". */
export function quoteCurrency(instrument: string): string {
  const symbol = instrument.slice(0, instrument.lastIndexOf(":"));
  const afterSlash = symbol.includes("/") ? symbol.slice(symbol.indexOf("/") + 1) : symbol;
  return afterSlash.split(":")[0] ?? afterSlash;
}

/** Log-spaced latency bins from the first to the last non-empty one, empty bins included. */
function contiguousBins(bins: readonly { b: number; ack: number; fill: number }[]): HistogramBin[] {
  if (bins.length === 0) return [];
  const by = new Map(bins.map((x) => [x.b, x]));
  const out: HistogramBin[] = [];
  for (let b = bins[0]!.b; b <= bins[bins.length - 1]!.b; b++) {
    const x = by.get(b);
    out.push({ fromMs: 10 ** (b / 4), toMs: 10 ** ((b + 1) / 4), ack: x?.ack ?? 0, fill: x?.fill ?? 0 });
  }
  return out;
}

/** Runs a phase and reports its duration to `onTiming`, if given. */
function timer(ctx: MetricsContext): <T>(phase: string, run: () => Promise<T>) => Promise<T> {
  return async (phase, run) => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      ctx.onTiming?.(phase, performance.now() - started);
    }
  };
}
