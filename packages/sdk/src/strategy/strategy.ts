import {
  type Bar,
  BarBuilder,
  type Clock,
  Decimal,
  type DecimalLike,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  type Logger,
  type MarketEvent,
  OrderBook,
  type Quote,
  silentLogger,
  type Trade,
} from "@openfloor/core";
import { filter, Observable, Subject, Subscription } from "rxjs";
import { NotConnected, SdkError } from "../errors/sdk-errors.js";
import type { Transport } from "../transport/transport.js";
import { GuardedObservable } from "./guarded-observable.js";
import { type InstrumentRef, toInstrumentId } from "./instrument-ref.js";
import { intervalMs } from "./interval.js";
import { OrdersApi } from "./orders-api.js";
import { PositionsApi } from "./positions-api.js";
import { sharedUntil } from "./shared-feed.js";

/** Options of a strategy. */
export interface StrategyOptions {
  /** Strategy id as the gateway knows it (its token maps to it). Default: the class name in kebab case. */
  id?: string;
}

/** What a runner hands a strategy when it starts it. */
export interface StrategyContext {
  readonly transport: Transport;
  readonly logger: Logger;
  /** Instruments known to the gateway, by `formatInstrumentId`. */
  readonly instruments: ReadonlyMap<string, Instrument>;
}

/**
 * Base class of every strategy. Override `onStart` (subscribe to data, set timers, place orders) and
 * optionally `onStop` and `onError`. The same class runs live over gRPC, in-process next to the gateway,
 * and in backtests: only the transport given to the runner differs.
 *
 * @example
 * export default class Crossover extends Strategy {
 *   override async onStart() {
 *     this.data.bars("BTC/USDT:sim", "1m").subscribe((bar) => this.record("close", bar.close.toNumber()));
 *   }
 * }
 */
export abstract class Strategy {
  readonly id: string;
  private ctx: StrategyContext | undefined;
  private readonly subscriptions = new Subscription();
  private ordersApi: OrdersApi | undefined;
  private positionsApi: PositionsApi | undefined;
  private dataApi: MarketDataApi | undefined;

  constructor(options: StrategyOptions = {}) {
    this.id = options.id ?? kebab(new.target.name);
  }

  /** Called once when the strategy starts, after the transport is connected. */
  onStart(): void | Promise<void> {}

  /** Called once when the strategy stops, before its open orders are canceled. */
  onStop(): void | Promise<void> {}

  /**
   * Called with an error thrown from a data callback, a timer or an order update handler. The strategy
   * keeps running; override to decide otherwise (call `this.stop()`). Default: logs it.
   */
  onError(error: unknown): void {
    this.log.error({ err: error, strategy: this.id }, "strategy callback failed");
  }

  /** Market data as observables. */
  protected get data(): MarketDataApi {
    if (this.dataApi === undefined) throw notStarted("data");
    return this.dataApi;
  }

  /** Order entry: `submit`, `buy`, `sell`, `cancelAll`. */
  protected get orders(): OrdersApi {
    if (this.ordersApi === undefined) throw notStarted("orders");
    return this.ordersApi;
  }

  /** This strategy's positions, built from its own fills, marked with the latest prices. */
  protected get positions(): PositionsApi {
    if (this.positionsApi === undefined) throw notStarted("positions");
    return this.positionsApi;
  }

  /** The strategy's clock: wall time live, simulated time in backtests. */
  protected get clock(): Clock {
    return this.context.transport.clock;
  }

  protected get log(): Logger {
    return this.ctx?.logger ?? silentLogger;
  }

  /** The instrument definition (increments, fees) of a ref; `UNKNOWN_INSTRUMENT` if the gateway has none. */
  protected instrument(ref: InstrumentRef): Instrument {
    const id = toInstrumentId(ref);
    const found = this.context.instruments.get(formatInstrumentId(id));
    if (found === undefined) {
      throw new SdkError("UNKNOWN_INSTRUMENT", `unknown instrument ${formatInstrumentId(id)}`, {
        context: { instrument: formatInstrumentId(id), known: [...this.context.instruments.keys()] },
      });
    }
    return found;
  }

  /**
   * Records a strategy internal for post-trade analysis, stamped with the strategy clock: numbers,
   * exact decimals, strings or small objects.
   * @example this.record("fair_value", fair) // fair: Decimal → recorded exactly
   */
  protected record(name: string, value: number | string | Decimal | Readonly<Record<string, unknown>>): void {
    const v = value instanceof Decimal ? { decimal: value.toString() } : value;
    this.context.transport.record([{ name, tsNs: this.clock.now(), value: v }]);
  }

  /**
   * Runs `fn` every `interval` ("500ms", "1s", "1m") on the strategy clock until the strategy stops.
   * Errors go to `onError`. Returns a function that stops the timer.
   */
  protected every(interval: string | number, fn: () => void | Promise<void>): () => void {
    const ms = intervalMs(interval);
    let cancel: (() => void) | undefined;
    let stopped = false;
    const tick = () => {
      if (stopped) return;
      cancel = this.clock.setTimer(ms, tick);
      this.guard(fn);
    };
    cancel = this.clock.setTimer(ms, tick);
    const stop = () => {
      stopped = true;
      cancel?.();
    };
    this.subscriptions.add(stop);
    return stop;
  }

  /** Runs a callback, sending any error (sync or async) to `onError`. */
  protected guard(fn: () => void | Promise<void>): void {
    try {
      const r = fn();
      if (r instanceof Promise) {
        this.ctx?.transport.notePendingWork?.();
        r.catch((e: unknown) => this.reportError(e));
      }
    } catch (e) {
      this.reportError(e);
    }
  }

  /** Hands an error to `onError`; an `onError` that throws itself is logged, never propagated. */
  private reportError(error: unknown): void {
    try {
      this.onError(error);
    } catch (e) {
      this.log.error({ err: e, cause: error, strategy: this.id }, "onError threw");
    }
  }

  private get context(): StrategyContext {
    if (this.ctx === undefined) throw notStarted("the strategy context");
    return this.ctx;
  }

  /** @internal Binds the strategy to a transport; called by the runner before `onStart`. */
  attach(ctx: StrategyContext): void {
    this.ctx = ctx;
    const guard = (fn: () => void) => this.guard(fn);
    const report = (e: unknown) => this.reportError(e);
    const onAsync = () => ctx.transport.notePendingWork?.();
    this.positionsApi = new PositionsApi(ctx.instruments, this.id, report, onAsync);
    this.ordersApi = new OrdersApi(
      ctx.transport,
      this.id,
      ctx.instruments,
      this.positionsApi,
      guard,
      report,
      onAsync,
    );
    this.dataApi = new MarketDataApi(
      ctx.transport,
      ctx.instruments,
      this.subscriptions,
      report,
      this.positionsApi,
      onAsync,
    );
    this.subscriptions.add(this.ordersApi.start());
  }

  /** @internal Unsubscribes everything; called by the runner after `onStop`. */
  detach(): void {
    this.subscriptions.unsubscribe();
  }
}

/** Market data of the strategy's instruments. Observables are shared and end when the strategy stops. */
export class MarketDataApi {
  private readonly cache = new Map<string, Observable<unknown>>();
  private readonly stopped = new Subject<void>();

  constructor(
    private readonly transport: Transport,
    private readonly instruments: ReadonlyMap<string, Instrument>,
    owner: Subscription,
    private readonly onError: (e: unknown) => void,
    private readonly positions: PositionsApi,
    private readonly onAsync: () => void = () => undefined,
  ) {
    owner.add(() => {
      this.stopped.next();
      this.stopped.complete();
    });
  }

  /** Trades as they print. */
  trades(ref: InstrumentRef): Observable<Trade> {
    const id = toInstrumentId(ref);
    this.lookup(id);
    return this.shared(`trades:${formatInstrumentId(id)}`, () =>
      this.transport
        .marketData({ instrument: id, channel: "trades" })
        .pipe(filter((e): e is Trade => e.type === "trade")),
    );
  }

  /** Top-of-book quotes. Also marks this strategy's positions. */
  quotes(ref: InstrumentRef): Observable<Quote> {
    const id = toInstrumentId(ref);
    const key = formatInstrumentId(this.lookup(id).id);
    return this.shared(`quotes:${key}`, () => {
      const source = this.transport.marketData({ instrument: id, channel: "quotes" });
      const mark = this.positions.markSlot(key);
      // One hop instead of filter + tap: this runs for every quote.
      return new Observable<Quote>((subscriber) =>
        source.subscribe({
          next: (e) => {
            if (e.type !== "quote") return;
            if (e.bidSize.units !== 0n && e.askSize.units !== 0n) mark.quote = e;
            subscriber.next(e);
          },
          error: (err: unknown) => subscriber.error(err),
          complete: () => subscriber.complete(),
        }),
      );
    });
  }

  /**
   * The L2 book, emitted after every snapshot or delta applied (the same `OrderBook` object each time:
   * read it synchronously). A sequence gap marks it stale until the gateway resends a snapshot.
   */
  book(ref: InstrumentRef, options: { depth?: number } = {}): Observable<OrderBook> {
    const id = toInstrumentId(ref);
    const instrument = this.lookup(id);
    const depth = options.depth ?? 0;
    return this.shared(`book:${depth}:${formatInstrumentId(id)}`, () => {
      const source = this.transport.marketData({ instrument: id, channel: "book", depth });
      return new Observable<OrderBook>((subscriber) => {
        const book = new OrderBook({
          instrument: id,
          priceIncrement: instrument.priceIncrement,
          sizeIncrement: instrument.sizeIncrement,
        });
        return source.subscribe({
          next: (e: MarketEvent) => {
            if (e.type === "book-snapshot") book.applySnapshot(e);
            else if (e.type === "book-delta") book.applyDelta(e);
            else return;
            subscriber.next(book);
          },
          error: (err: unknown) => subscriber.error(err),
          complete: () => subscriber.complete(),
        });
      });
    });
  }

  /**
   * Time bars. Uses the venue's bars when the gateway publishes them, else builds them from trades on
   * the strategy clock (a bar closes with the first trade after it or on a timer at its end).
   */
  bars(ref: InstrumentRef, interval: string): Observable<Bar> {
    const id = toInstrumentId(ref);
    this.lookup(id);
    // Built once up front so a bad interval throws at the call, not inside the subscription.
    new BarBuilder({ instrument: id, interval });
    return this.shared(
      `bars:${interval}:${formatInstrumentId(id)}`,
      () =>
        new Observable<Bar>((subscriber) => {
          const builder = new BarBuilder({ instrument: id, interval });
          let cancelTimer: () => void = () => undefined;
          const arm = () => {
            const now = this.transport.clock.now();
            const nextCloseNs = (now / builder.interval.ns + 1n) * builder.interval.ns;
            cancelTimer = this.transport.clock.setTimer(Number(nextCloseNs - now) / 1e6, () => {
              const bar = builder.flush(this.transport.clock.now());
              if (bar !== undefined) subscriber.next(bar);
              arm();
            });
          };
          arm();
          const sub = this.transport.marketData({ instrument: id, channel: "trades" }).subscribe({
            next: (e) => {
              if (e.type !== "trade") return;
              const bar = builder.onTrade(e);
              if (bar !== undefined) subscriber.next(bar);
            },
            error: (err: unknown) => subscriber.error(err),
            complete: () => subscriber.complete(),
          });
          return () => {
            cancelTimer();
            sub.unsubscribe();
          };
        }),
    );
  }

  /** The latest mid from quotes, for marking; undefined before the first quote. */
  markPrice(ref: InstrumentRef): Decimal | undefined {
    return this.positions.markOf(toInstrumentId(ref));
  }

  private lookup(id: InstrumentId): Instrument {
    const found = this.instruments.get(formatInstrumentId(id));
    if (found === undefined) {
      throw new SdkError("UNKNOWN_INSTRUMENT", `unknown instrument ${formatInstrumentId(id)}`, {
        context: { instrument: formatInstrumentId(id) },
      });
    }
    return found;
  }

  private shared<T>(key: string, make: () => Observable<T>): Observable<T> {
    let obs = this.cache.get(key) as Observable<T> | undefined;
    if (obs === undefined) {
      // Every stream ends when the strategy stops (its subscriptions end with it).
      obs = GuardedObservable.from(sharedUntil(make(), this.stopped), this.onError, this.onAsync);
      this.cache.set(key, obs);
    }
    return obs;
  }
}

/** Helper for strategies: parse anything decimal-like. */
export function dec(value: DecimalLike): Decimal {
  return Decimal.from(value);
}

function notStarted(what: string): NotConnected {
  return new NotConnected(
    "NOT_CONNECTED",
    `${what} is available once the strategy has started (in onStart and later)`,
    {
      context: { what },
    },
  );
}

function kebab(name: string): string {
  return (
    name
      .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
      .replace(/[^a-zA-Z0-9]+/g, "-")
      .toLowerCase()
      .replace(/^-|-$/g, "") || "strategy"
  );
}
