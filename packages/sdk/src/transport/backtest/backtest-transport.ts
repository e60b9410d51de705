import { type LatencyModel, SeededRandom, SimAdapter, type SimExchange } from "@openfloor/adapters/sim";
import {
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  type Logger,
  type MarketEvent,
  type Order,
  silentLogger,
} from "@openfloor/core";
import { BehaviorSubject, Observable, Subject, type Subscriber, throwError } from "rxjs";
import { InvalidOrder, NotConnected } from "../../errors/sdk-errors.js";
import type {
  AmendChange,
  ConnectionStatus,
  DataSubscription,
  OrderUpdate,
  RecordValue,
  SubmitRequest,
  Transport,
} from "../transport.js";
import type { BacktestClock } from "./backtest-clock.js";
import { BacktestExecution } from "./backtest-execution.js";
import { InstrumentRoute } from "./instrument-route.js";
import type { PreTradeRisk } from "./pre-trade-risk.js";

/** One simulated venue of a backtest and how the strategy reaches it. */
export interface BacktestVenueLink {
  /** The venue: its matching engine, instruments and accounts. */
  readonly exchange: SimExchange;
  /** Venue account the strategy trades in. Default `"default"`. */
  readonly account?: string;
  /** One-way latency between the gateway and the venue (requests, responses, order events). Default none. */
  readonly latency?: LatencyModel;
  /** Source of latency jitter. Default `new SeededRandom(1)`. */
  readonly random?: SeededRandom;
}

/** Options of `new BacktestTransport(…)`. */
export interface BacktestTransportOptions {
  /** The simulated clock every venue of the backtest runs on (the same clock their exchanges were given). */
  readonly clock: BacktestClock;
  /** The venues; their instruments are the backtest's instruments. */
  readonly venues: readonly BacktestVenueLink[];
  /** Strategy id stamped on orders and fills. Default `"backtest"`. */
  readonly strategyId?: string;
  /** Pre-trade risk check run before every order and amend. Default: none. */
  readonly risk?: PreTradeRisk;
  /** Receives everything the strategy records with `record()`. Default: dropped. */
  readonly onRecord?: (values: readonly RecordValue[]) => void;
  /** Default: silent. */
  readonly logger?: Logger;
}

/**
 * The backtest `Transport`: a strategy runs against simulated venues on a simulated clock, with the
 * order path of a real gateway (validation, optional pre-trade risk, core's order state machine, the
 * sim adapter and its latency model) and market data pushed by whoever drives the backtest through
 * `dispatch` (see `replay`). Everything is synchronous and deterministic: the same events give the same
 * fills.
 *
 * Market data reaches the strategy as it was recorded (or generated); the strategy's own executions
 * arrive as fills, not as trades in the tape.
 *
 * @example
 * const transport = new BacktestTransport({ clock, venues: [{ exchange }], strategyId: strategy.id });
 * const running = await runStrategy(strategy, transport);
 * for (const e of events) { clock.advanceTo(e.tsEventNs); transport.dispatch(e); }
 */
export class BacktestTransport implements Transport {
  readonly clock: BacktestClock;
  readonly status$ = new BehaviorSubject<ConnectionStatus>("connecting");
  /** Events for instruments no venue of the backtest lists (skipped). */
  unknownInstrumentEvents = 0;
  /**
   * Set whenever the strategy touched the order path or was told about an order: it may have async
   * work (promise continuations) to finish before the backtest moves time on. Cleared by the driver.
   */
  pendingWork = false;
  /** Order-path calls of the strategy not answered yet (they wait for venue latency). */
  callsInFlight = 0;
  private readonly routesByKey = new Map<string, InstrumentRoute>();
  private readonly routesById = new WeakMap<InstrumentId, InstrumentRoute>();
  private readonly adapters = new Map<string, SimAdapter>();
  private readonly updates = new Subject<OrderUpdate>();
  private readonly execution: BacktestExecution;
  private readonly logger: Logger;
  private readonly onRecord: ((values: readonly RecordValue[]) => void) | undefined;
  private state: "new" | "connected" | "closed" = "new";

  constructor(options: BacktestTransportOptions) {
    this.clock = options.clock;
    this.logger = options.logger ?? silentLogger;
    this.onRecord = options.onRecord;
    for (const link of options.venues) {
      const exchange = link.exchange;
      if (this.adapters.has(exchange.venue)) {
        throw new RangeError(`venue ${exchange.venue} is given twice to the backtest transport`);
      }
      const adapter = new SimAdapter({
        exchange,
        context: {
          clock: this.clock,
          logger: this.logger,
          sink: {
            onMarketEvent: () => undefined,
            onOrderEvent: (clientOrderId, event) => this.execution.onVenueEvent(clientOrderId, event),
          },
        },
        account: link.account ?? "default",
        ...(link.latency === undefined ? {} : { latency: link.latency }),
        random: link.random ?? new SeededRandom(1),
      });
      this.adapters.set(exchange.venue, adapter);
      for (const instrument of exchange.instruments()) {
        this.routesByKey.set(formatInstrumentId(instrument.id), new InstrumentRoute(instrument, exchange));
      }
    }
    this.execution = new BacktestExecution({
      clock: this.clock,
      strategyId: options.strategyId ?? "backtest",
      logger: this.logger,
      risk: options.risk,
      route: (id) => this.route(id),
      adapter: (venue) => this.adapters.get(venue)!,
      emit: (update) => {
        this.pendingWork = true;
        this.updates.next(update);
      },
    });
  }

  // -- Transport ---------------------------------------------------------------------------------

  async connect(): Promise<void> {
    if (this.state === "closed") throw notConnected("connect", "the transport was closed");
    if (this.state === "connected") return;
    for (const adapter of this.adapters.values()) await adapter.connect();
    this.state = "connected";
    this.status$.next("connected");
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    for (const adapter of this.adapters.values()) await adapter.disconnect();
    this.status$.next("closed");
    this.status$.complete();
    this.updates.complete();
  }

  async instruments(): Promise<readonly Instrument[]> {
    this.assertConnected("instruments");
    return [...this.routesByKey.values()].map((r) => r.instrument);
  }

  marketData(subscription: DataSubscription): Observable<MarketEvent> {
    const route = this.route(subscription.instrument);
    if (route === undefined) {
      const id = formatInstrumentId(subscription.instrument);
      return throwError(
        () =>
          new InvalidOrder(
            "UNKNOWN_INSTRUMENT",
            `unknown instrument ${id}: no venue of this backtest lists it`,
            {
              context: { instrument: id, field: "instrument" },
            },
          ),
      );
    }
    return new Observable<MarketEvent>((subscriber) => this.attach(route, subscription, subscriber));
  }

  submit(request: SubmitRequest): Promise<Order> {
    return this.call("submit", () => this.execution.submit(request));
  }

  amend(clientOrderId: string, change: AmendChange): Promise<Order> {
    return this.call("amend", () => this.execution.amend(clientOrderId, change));
  }

  cancel(clientOrderId: string): Promise<Order> {
    return this.call("cancel", () => this.execution.cancel(clientOrderId));
  }

  cancelAll(instrument?: InstrumentId): Promise<readonly Order[]> {
    return this.call("cancelAll", () => this.execution.cancelAll(instrument));
  }

  async orders(openOnly: boolean): Promise<readonly Order[]> {
    this.assertConnected("orders");
    return this.execution.orders(openOnly);
  }

  orderUpdates(): Observable<OrderUpdate> {
    return this.updates.asObservable();
  }

  record(values: readonly RecordValue[]): void {
    this.onRecord?.(values);
  }

  notePendingWork(): void {
    this.pendingWork = true;
  }

  // -- driving the backtest ----------------------------------------------------------------------

  /**
   * Delivers one market event at the clock's current time: to the venue first (resting orders it
   * crosses fill), then synchronously to the strategy's subscribers. Returns false for an instrument
   * no venue lists (the event is skipped and counted).
   */
  dispatch(event: MarketEvent): boolean {
    const route = this.route(event.instrument);
    if (route === undefined) {
      this.unknownInstrumentEvents++;
      return false;
    }
    switch (event.type) {
      case "quote":
        route.onQuote(event);
        break;
      case "trade":
        route.onTrade(event);
        break;
      case "book-snapshot":
      case "book-delta":
        route.onBook(event);
        break;
      case "bar":
        route.onBar(event);
        break;
    }
    return true;
  }

  /** The route of an instrument: its venue, its subscribers and its latest prices. */
  route(id: InstrumentId): InstrumentRoute | undefined {
    let route = this.routesById.get(id);
    if (route === undefined) {
      route = this.routesByKey.get(formatInstrumentId(id));
      if (route !== undefined) this.routesById.set(id, route);
    }
    return route;
  }

  /** Every instrument's route. */
  routes(): IterableIterator<InstrumentRoute> {
    return this.routesByKey.values();
  }

  /** Orders of the strategy, oldest first (including ended ones). */
  allOrders(): Order[] {
    return this.execution.orders(false);
  }

  /** Orders of the strategy that have not ended. */
  get openOrderCount(): number {
    return this.execution.liveCount;
  }

  /** Venue order events that could not be applied (should stay 0: the venue and the OMS agree). */
  get venueEventErrors(): number {
    return this.execution.venueEventErrors;
  }

  private attach(
    route: InstrumentRoute,
    s: DataSubscription,
    subscriber: Subscriber<MarketEvent>,
  ): () => void {
    switch (s.channel) {
      case "quotes":
        route.quotes = [...route.quotes, subscriber];
        return () => {
          route.quotes = route.quotes.filter((x) => x !== subscriber);
        };
      case "trades":
        route.trades = [...route.trades, subscriber];
        return () => {
          route.trades = route.trades.filter((x) => x !== subscriber);
        };
      case "bars":
        route.bars = [...route.bars, subscriber];
        return () => {
          route.bars = route.bars.filter((x) => x !== subscriber);
        };
      case "book": {
        const depth = s.depth ?? 0;
        const book = route.watchBook();
        // A subscriber that joins a running stream starts from the book as it stands.
        if (book.levelCount("bid") + book.levelCount("ask") > 0 && !book.stale) {
          subscriber.next(depth > 0 ? book.snapshot(depth) : book.snapshot());
        }
        if (depth <= 0) {
          route.fullBooks = [...route.fullBooks, subscriber];
          return () => {
            route.fullBooks = route.fullBooks.filter((x) => x !== subscriber);
          };
        }
        const view = route.depthView(depth);
        view.subscribers = [...view.subscribers, subscriber];
        return () => {
          view.subscribers = view.subscribers.filter((x) => x !== subscriber);
        };
      }
    }
  }

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.pendingWork = true;
    let p: Promise<T>;
    try {
      this.assertConnected(what);
      p = fn();
    } catch (error) {
      return Promise.reject(error);
    }
    // With venue latency the answer comes in a later timer: the replay settles after timers meanwhile.
    this.callsInFlight++;
    const done = () => {
      this.callsInFlight--;
      this.pendingWork = true;
    };
    p.then(done, done);
    return p;
  }

  private assertConnected(what: string): void {
    if (this.state !== "connected") {
      throw notConnected(
        what,
        this.state === "new" ? "the transport is not connected yet" : "the backtest has ended",
      );
    }
  }
}

function notConnected(what: string, why: string): NotConnected {
  return new NotConnected("NOT_CONNECTED", `${what}: ${why}`, { context: { call: what } });
}
