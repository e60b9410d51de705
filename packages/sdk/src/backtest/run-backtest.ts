import type { VenueBalance } from "@openfloor/adapters";
import {
  type Decimal,
  type Fill,
  formatInstrumentId,
  type Instrument,
  type Logger,
  type MarketEvent,
  type Nanos,
  type Order,
  type PositionSnapshot,
  silentLogger,
} from "@openfloor/core";
import { SdkError } from "../errors/sdk-errors.js";
import { runStrategy } from "../strategy/runner.js";
import type { Strategy } from "../strategy/strategy.js";
import { BacktestClock } from "../transport/backtest/backtest-clock.js";
import { BacktestTransport } from "../transport/backtest/backtest-transport.js";
import type { PreTradeRisk } from "../transport/backtest/pre-trade-risk.js";
import { type EventBatches, EventReplay } from "../transport/backtest/replay.js";
import type { RecordValue } from "../transport/transport.js";
import { parseTimestamp } from "./data/field-parsers.js";
import { fromEvents, type MarketDataSource, mergeByTime, openDataFile } from "./data/market-data-source.js";
import { BacktestLedger, type BacktestPnl, type EquitySample } from "./ledger.js";
import {
  type BacktestInstrument,
  type BacktestVenueOptions,
  buildVenues,
  DEFAULT_INSTRUMENT,
  syntheticMarkets,
} from "./venue-config.js";

/**
 * Market data of a backtest: `"synthetic"` (random-walk markets of the instruments that have `market`
 * params), a file path (`.csv`, `.jsonl`, `.ndjson`, optionally `.gz`), a `MarketDataSource`, an (async)
 * iterable of core `MarketEvent`s in time order, or several files/sources merged by time.
 */
export type BacktestData =
  | "synthetic"
  | string
  | MarketDataSource
  | AsyncIterable<MarketEvent>
  | Iterable<MarketEvent>
  | readonly (string | MarketDataSource)[];

/** A point in time: a `Date`, ISO 8601 text, nanoseconds since the epoch as a bigint or a digit string. */
export type TimeLike = Date | string | bigint;

/** Where a backtest stands, for a progress bar. */
export interface BacktestProgress {
  /** Share of the run done, 0..1: simulated time between `from` and `to`, else bytes of data read. */
  readonly fraction: number | undefined;
  readonly events: number;
  readonly simTimeNs: Nanos;
  readonly wallMs: number;
  readonly eventsPerSecond: number;
}

/** Options of `runBacktest`. */
export interface BacktestOptions {
  /** The strategy to run (a fresh instance: a strategy runs once). */
  strategy: Strategy;
  /** Market data. Default `"synthetic"`. */
  data?: BacktestData;
  /**
   * Start of the strategy. Default: the first event of the data; for synthetic data 2024-01-01T00:00:00Z.
   * Recorded events before it reach the venue only (its book is warm when the strategy starts).
   */
  from?: TimeLike;
  /** End: later events are not delivered. Default: the end of the data; for synthetic data `from` + 1 hour. */
  to?: TimeLike;
  /** Instruments of the simulated venues. Default: `[DEFAULT_INSTRUMENT]` (BTC/USDT on "sim"). */
  instruments?: readonly BacktestInstrument[];
  /** Balances, account, latency and stop triggers of the simulated venues. Default: see `BacktestVenueOptions`. */
  venue?: BacktestVenueOptions;
  /** Seed of everything random (synthetic markets, latency jitter). Default 1. */
  seed?: number;
  /** Pre-trade risk check before every order, e.g. `riskLimits({ maxOrderQuantity: "1" })`. Default: none. */
  risk?: PreTradeRisk;
  /** Instrument of CSV rows without an `instrument` column. Default: the only instrument, if there is one. */
  dataInstrument?: string;
  /** Currency of the equity curve and `pnl`. Default: the settlement currency of the first instrument. */
  reportCurrency?: string;
  /** Simulated time between equity samples, in ms. Default: about 1000 samples over the run (at least 1 s). */
  equityIntervalMs?: number;
  /** Cancel the strategy's open orders when it stops. Default true. */
  cancelOnStop?: boolean;
  /** Values recorded with `record()` kept in the result; more are counted in `recordsDropped`. Default 1 000 000. */
  maxRecords?: number;
  /** Called about every `progressIntervalMs` of wall time. Default: none. */
  onProgress?: (progress: BacktestProgress) => void;
  /** Default 200. */
  progressIntervalMs?: number;
  /** Default: silent. */
  logger?: Logger;
}

/** What a backtest did. Money is exact (`Decimal`), in the currencies of the instruments. */
export interface BacktestResult {
  readonly strategyId: string;
  readonly fromNs: Nanos;
  readonly toNs: Nanos;
  /** Every order of the strategy in its final state, oldest first. */
  readonly orders: readonly Order[];
  /** Every fill, in order. */
  readonly fills: readonly Fill[];
  /** Final positions, marked at the last prices. */
  readonly positions: readonly PositionSnapshot[];
  /** PnL in the report currency. */
  readonly pnl: BacktestPnl;
  /** PnL per settlement or fee currency (the report currency first). */
  readonly pnlByCurrency: readonly BacktestPnl[];
  /** Net PnL in the report currency, sampled every `equityIntervalMs` and at the end. */
  readonly equity: readonly EquitySample[];
  /** Largest fall of the equity curve from a previous high (≥ 0). */
  readonly maxDrawdown: Decimal;
  /** The strategy's account at each venue at the end. */
  readonly balances: Readonly<Record<string, readonly VenueBalance[]>>;
  readonly records: readonly RecordValue[];
  readonly recordsDropped: number;
  /** Market events delivered (warm-up events before `from` included). */
  readonly events: number;
  readonly wallTimeMs: number;
  readonly eventsPerSecond: number;
  /** Errors thrown by the strategy's callbacks (handed to `onError`); the first 100 are kept. */
  readonly strategyErrors: readonly unknown[];
  readonly strategyErrorCount: number;
  /** Events skipped because no venue lists their instrument, and events delivered late (out of time order). */
  readonly skipped: { readonly unknownInstrument: number; readonly outOfOrder: number };
  /** Orders still open at the end (0 unless `cancelOnStop` is false or a cancel failed). */
  readonly openOrders: number;
}

const DEFAULT_SYNTHETIC_FROM = 1_704_067_200_000_000_000n; // 2024-01-01T00:00:00Z
const HOUR_NS = 3_600_000_000_000n;
const MAX_KEPT_ERRORS = 100;

/**
 * Runs a strategy against simulated venues on a simulated clock, over recorded or synthetic market data,
 * and reports its orders, fills, positions, PnL and equity. Deterministic: the same strategy, data,
 * options and seed give the same fills and PnL, to the last unit.
 *
 * @example
 * const result = await runBacktest({ strategy: new MyStrategy(), data: "data/btc.csv", seed: 7 });
 * console.log(result.pnl.net.toString(), result.fills.length);
 */
export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const started = performance.now();
  const logger = options.logger ?? silentLogger;
  const seed = options.seed ?? 1;
  const specs = options.instruments ?? [DEFAULT_INSTRUMENT];
  const synthetic = options.data === undefined || options.data === "synthetic";
  let fromNs = options.from === undefined ? undefined : toNs(options.from, "from");
  let toNsValue = options.to === undefined ? undefined : toNs(options.to, "to");

  // The clock must start at the first event (warm-up) or at `from`, whichever is earlier.
  const clock = new BacktestClock(0n);
  const venues = buildVenues(specs, options.venue ?? {}, clock, seed, logger);
  const source = synthetic
    ? undefined
    : dataSource(options.data as Exclude<BacktestData, "synthetic">, options, venues.instruments);
  const batches = source === undefined ? ([] as readonly MarketEvent[][]) : peekable(source.batches());
  const first = batches instanceof PeekableBatches ? await batches.firstTime() : undefined;
  if (synthetic) fromNs ??= DEFAULT_SYNTHETIC_FROM;
  fromNs ??= first ?? DEFAULT_SYNTHETIC_FROM;
  if (synthetic) toNsValue ??= fromNs + HOUR_NS;
  if (toNsValue !== undefined && toNsValue < fromNs) {
    throw new SdkError("INVALID_ARGUMENT", `to (${toNsValue}) is before from (${fromNs})`, {
      context: { field: "to" },
    });
  }
  clock.advanceTo(first !== undefined && first < fromNs ? first : fromNs);

  const strategy = options.strategy;
  const records: RecordValue[] = [];
  const maxRecords = options.maxRecords ?? 1_000_000;
  let recordsDropped = 0;
  const transport = new BacktestTransport({
    clock,
    venues: venues.links,
    strategyId: strategy.id,
    ...(options.risk === undefined ? {} : { risk: options.risk }),
    logger,
    onRecord: (values) => {
      for (const v of values) {
        if (records.length < maxRecords) records.push(v);
        else recordsDropped++;
      }
    },
  });
  const instrumentsByKey = new Map<string, Instrument>(
    venues.instruments.map((i) => [formatInstrumentId(i.id), i]),
  );
  const ledger = new BacktestLedger(
    instrumentsByKey,
    () => venues.account,
    strategy.id,
    options.reportCurrency ?? venues.instruments[0]!.settlement,
  );
  const fills: Fill[] = [];
  transport.orderUpdates().subscribe((u) => {
    if (u.kind !== "fill") return;
    fills.push(u.fill);
    ledger.applyFill(u.fill);
  });
  const mark = (key: string) => transport.route(instrumentsByKey.get(key)!.id)?.markPrice();

  const from = fromNs;
  const to = toNsValue;
  const span = to === undefined ? undefined : Number(to - from);
  const onProgress = options.onProgress;
  const progress = (events: number, simTimeNs: Nanos, wallMs: number): BacktestProgress => ({
    fraction:
      span !== undefined && span > 0
        ? Math.min(1, Math.max(0, Number(simTimeNs - from) / span))
        : source?.progress?.(),
    events,
    simTimeNs,
    wallMs,
    eventsPerSecond: wallMs > 0 ? (events / wallMs) * 1000 : 0,
  });
  const replay = new EventReplay(transport, batches, {
    ...(onProgress === undefined
      ? {}
      : { onProgress: (p) => onProgress(progress(p.events, p.simTimeNs, p.wallMs)) }),
    ...(options.progressIntervalMs === undefined ? {} : { progressIntervalMs: options.progressIntervalMs }),
  });

  // Warm-up: recorded events before `from` build the venue's book; the strategy is not running yet.
  await transport.connect();
  await replay.runUntil(from, false);
  if (clock.now() < from) clock.advanceTo(from);

  const errors: unknown[] = [];
  let errorCount = 0;
  const onError = strategy.onError.bind(strategy);
  strategy.onError = (error: unknown) => {
    errorCount++;
    if (errors.length < MAX_KEPT_ERRORS) errors.push(error);
    onError(error);
  };
  // A promise the strategy dropped (`void this.orders.buy(…)`) that rejects is its error, not a crash.
  const unhandled = (reason: unknown) => strategy.onError(reason);
  const markets = synthetic
    ? syntheticMarkets(venues, clock, seed, (e) => {
        transport.dispatch(e);
        replay.events++;
      })
    : [];
  if (synthetic && markets.length === 0) {
    throw new SdkError(
      "INVALID_ARGUMENT",
      "synthetic data needs `market` params (at least a startPrice) on an instrument",
      {
        context: { field: "instruments" },
      },
    );
  }

  process.on("unhandledRejection", unhandled);
  let endNs: Nanos;
  try {
    const running = await pump(
      replay,
      runStrategy(strategy, transport, { logger, cancelOnStop: options.cancelOnStop ?? true }),
      to,
    );
    const intervalMs = options.equityIntervalMs ?? defaultEquityInterval(from, to);
    let stopSampling = false;
    const sample = () => {
      if (stopSampling) return;
      ledger.sample(clock.now(), mark);
      clock.setTimer(intervalMs, sample);
    };
    clock.setTimer(intervalMs, sample);
    for (const m of markets) m.start();
    try {
      if (synthetic) await replay.advanceTimers(to!);
      else {
        await replay.runUntil(to, true);
        if (to !== undefined) await replay.advanceTimers(to);
      }
    } finally {
      for (const m of markets) m.stop();
      stopSampling = true;
    }
    endNs = clock.now();
    await pump(replay, running.stop(), undefined);
  } finally {
    process.off("unhandledRejection", unhandled);
  }
  ledger.sample(clock.now(), mark);

  const pnlByCurrency = ledger.pnl(mark);
  const wallTimeMs = performance.now() - started;
  const balances: Record<string, readonly VenueBalance[]> = {};
  for (const link of venues.links) balances[link.exchange.venue] = link.exchange.balances(venues.account);
  onProgress?.(progress(replay.events, endNs, wallTimeMs));
  return {
    strategyId: strategy.id,
    fromNs: from,
    toNs: to ?? endNs,
    orders: transport.allOrders(),
    fills,
    positions: ledger.snapshots(mark),
    pnl: pnlByCurrency[0]!,
    pnlByCurrency,
    equity: ledger.samples,
    maxDrawdown: ledger.maxDrawdown,
    balances,
    records,
    recordsDropped,
    events: replay.events,
    wallTimeMs,
    eventsPerSecond: wallTimeMs > 0 ? (replay.events / wallTimeMs) * 1000 : 0,
    strategyErrors: errors,
    strategyErrorCount: errorCount,
    skipped: { unknownInstrument: transport.unknownInstrumentEvents, outOfOrder: replay.outOfOrder },
    openOrders: transport.openOrderCount,
  };
}

/**
 * Waits for `promise` while the backtest goes on: its async work settles, the data flows (up to
 * `dataUntil`, when given) and timers fire, so a strategy that awaits an order with venue latency in
 * `onStart` or `onStop` sees its answer at the simulated time it would come.
 */
async function pump<T>(replay: EventReplay, promise: Promise<T>, dataUntil: Nanos | undefined): Promise<T> {
  let settled = false;
  const mark = () => {
    settled = true;
  };
  promise.then(mark, mark);
  await replay.settle(true);
  if (!settled && dataUntil !== undefined) await replay.runUntil(dataUntil, true, () => settled);
  while (!settled) {
    const due = replay.nextTimer();
    if (due === undefined) {
      await replay.settle(true);
      if (!settled) {
        throw new SdkError(
          "INVALID_ARGUMENT",
          "the strategy waits for something that never happens in the backtest",
          {
            context: { simTimeNs: replay.now().toString() },
          },
        );
      }
      break;
    }
    await replay.advanceTimers(due, () => settled);
  }
  return promise;
}

function dataSource(
  data: Exclude<BacktestData, "synthetic">,
  options: BacktestOptions,
  instruments: readonly Instrument[],
): MarketDataSource {
  const only = instruments.length === 1 ? instruments[0]!.id : undefined;
  const dataInstrument =
    options.dataInstrument ?? (only === undefined ? undefined : formatInstrumentId(only));
  const file = (path: string) =>
    openDataFile(
      path,
      dataInstrument === undefined ? {} : { instrument: parseInstrument(dataInstrument, instruments) },
    );
  if (typeof data === "string") return file(data);
  if (Array.isArray(data) && data.length > 0 && (typeof data[0] === "string" || isSource(data[0]))) {
    return mergeByTime(
      (data as readonly (string | MarketDataSource)[]).map((d) => (typeof d === "string" ? file(d) : d)),
    );
  }
  if (isSource(data)) return data;
  return fromEvents(data as AsyncIterable<MarketEvent> | Iterable<MarketEvent>);
}

function parseInstrument(text: string, instruments: readonly Instrument[]) {
  const found = instruments.find((i) => formatInstrumentId(i.id) === text);
  if (found === undefined) {
    throw new SdkError("INVALID_ARGUMENT", `dataInstrument ${text} is not among the backtest's instruments`, {
      context: { field: "dataInstrument", known: instruments.map((i) => formatInstrumentId(i.id)) },
    });
  }
  return found.id;
}

function isSource(x: unknown): x is MarketDataSource {
  return typeof x === "object" && x !== null && typeof (x as MarketDataSource).batches === "function";
}

function toNs(value: TimeLike, field: string): Nanos {
  try {
    return parseTimestamp(value);
  } catch (error) {
    throw new SdkError("INVALID_ARGUMENT", `${field}: ${(error as Error).message}`, {
      cause: error,
      context: { field },
    });
  }
}

function defaultEquityInterval(from: Nanos, to: Nanos | undefined): number {
  if (to === undefined) return 60_000;
  return Math.max(1000, Math.round(Number(to - from) / 1e6 / 1000));
}

function peekable(source: EventBatches): PeekableBatches {
  return new PeekableBatches(source);
}

/** Batches whose first event time can be read before the replay starts. */
class PeekableBatches implements AsyncIterable<readonly MarketEvent[]> {
  private readonly it: AsyncIterator<readonly MarketEvent[]> | Iterator<readonly MarketEvent[]>;
  private head: readonly MarketEvent[] | undefined;
  private ended = false;

  constructor(source: EventBatches) {
    this.it =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<readonly MarketEvent[]>)[Symbol.asyncIterator]()
        : (source as Iterable<readonly MarketEvent[]>)[Symbol.iterator]();
  }

  async firstTime(): Promise<Nanos | undefined> {
    while (this.head === undefined && !this.ended) {
      const r = await this.it.next();
      if (r.done === true) this.ended = true;
      else if (r.value.length > 0) this.head = r.value;
    }
    const e = this.head?.[0];
    return e === undefined ? undefined : e.type === "bar" ? e.tsCloseNs : e.tsEventNs;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<readonly MarketEvent[]> {
    if (this.head !== undefined) {
      const h = this.head;
      this.head = undefined;
      yield h;
    }
    while (!this.ended) {
      const r = await this.it.next();
      if (r.done === true) {
        this.ended = true;
        return;
      }
      yield r.value;
    }
  }
}
