import type { ExchangeAdapter, MarketChannel } from "@openfloor/adapters";
import {
  BarBuilder,
  type BookSnapshot,
  type Decimal,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  type Logger,
  type MarketEvent,
  OrderBook,
  type Quote,
} from "@openfloor/core";
import type { SlowConsumerPolicyName } from "../config/schema.js";
import type { GatewayMetrics } from "../metrics/gateway-metrics.js";
import { GatewayError } from "../server/status-map.js";
import type { Envelope } from "./frame-encoding.js";
import {
  type FrameSink,
  MarketDataSubscriber,
  type MarketEventType,
  type SubscriberHost,
} from "./market-data-subscriber.js";

/** A subscription request in core terms (the gRPC layer converts `SubscribeRequest` to this). */
export interface MarketDataRequest {
  readonly instruments: readonly InstrumentId[];
  /** Empty means every type. */
  readonly types: readonly MarketEventType[];
  /** Book levels per side in snapshots; 0 = all. Default 0. */
  readonly depth?: number;
  /** With "bar": intervals such as "1m". Default: the venue's native bars, every interval. */
  readonly barIntervals?: readonly string[];
  /** Default: the gateway's `marketData.slowConsumerPolicy`. */
  readonly slowConsumerPolicy?: SlowConsumerPolicyName;
}

/** Options of the `DataEngine`. */
export interface DataEngineOptions {
  readonly logger: Logger;
  readonly metrics?: GatewayMetrics;
  /** Events per frame at most. Default 512. */
  readonly frameMaxEvents?: number;
  /** Events queued for a blocked subscriber before its slow-consumer policy applies. Default 65536. */
  readonly queueMaxEvents?: number;
  /** Default "conflate". */
  readonly slowConsumerPolicy?: SlowConsumerPolicyName;
  /**
   * Keep the book of every instrument of a venue listing at most this many instruments, even with
   * no subscriber, so marks (for risk) and late-joiner snapshots are always there. Default 64.
   */
  readonly preloadBooksUpTo?: number;
}

interface InstrumentState {
  readonly key: string;
  readonly id: InstrumentId;
  readonly instrument?: Instrument;
  book?: OrderBook;
  quote?: Quote;
  lastTrade?: Decimal;
  readonly subscribers: Set<MarketDataSubscriber>;
  readonly barBuilders: Map<string, BarBuilder>;
}

/**
 * The gateway's market data bus: venues feed it normalized events (adapter sink), it keeps an L2
 * `OrderBook` and the last quote per instrument (late joiners get a snapshot first, risk gets marks)
 * and fans each event out to the subscribers of its instrument. It never waits for a subscriber.
 */
export class DataEngine implements SubscriberHost {
  private readonly venues = new Map<string, ExchangeAdapter>();
  private readonly states = new Map<string, InstrumentState>();
  /** The same states by venue then symbol: the per-event lookup builds no key string. */
  private readonly byVenue = new Map<string, Map<string, InstrumentState>>();
  private readonly venueRefs = new Map<string, number>();
  private readonly subscribers = new Set<MarketDataSubscriber>();
  private readonly received: Record<MarketEvent["type"], number> = {
    trade: 0,
    quote: 0,
    "book-snapshot": 0,
    "book-delta": 0,
    bar: 0,
  };
  private readonly logger: Logger;
  private readonly metrics: GatewayMetrics | undefined;
  private readonly frameMaxEvents: number;
  private readonly queueMaxEvents: number;
  private readonly policy: SlowConsumerPolicyName;
  private readonly preloadBooksUpTo: number;

  constructor(options: DataEngineOptions) {
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.frameMaxEvents = options.frameMaxEvents ?? 512;
    this.queueMaxEvents = options.queueMaxEvents ?? 65_536;
    this.policy = options.slowConsumerPolicy ?? "conflate";
    this.preloadBooksUpTo = options.preloadBooksUpTo ?? 64;
  }

  /** Adds a venue and its instruments (call after the adapter connected). */
  async addVenue(adapter: ExchangeAdapter): Promise<void> {
    this.venues.set(adapter.venue, adapter);
    const instruments = await adapter.loadInstruments();
    for (const instrument of instruments) this.stateOf(instrument.id, instrument);
    if (instruments.length <= this.preloadBooksUpTo) {
      const channel: MarketChannel = adapter.capabilities.marketData.book ? "book" : "quotes";
      for (const instrument of instruments) this.retain(instrument.id, channel);
    }
  }

  /** Every instrument the venues list (one venue when given). */
  instruments(venue?: string): Instrument[] {
    const out: Instrument[] = [];
    for (const state of this.states.values()) {
      if (state.instrument !== undefined && (venue === undefined || state.id.venue === venue))
        out.push(state.instrument);
    }
    return out;
  }

  instrument(id: InstrumentId): Instrument | undefined {
    return this.states.get(formatInstrumentId(id))?.instrument;
  }

  /** The adapter sink's market data entry point. */
  onMarketEvent(event: MarketEvent): void {
    const recvHr = process.hrtime.bigint();
    const state =
      this.byVenue.get(event.instrument.venue)?.get(event.instrument.symbol) ??
      this.stateOf(event.instrument);
    this.received[event.type]++;
    switch (event.type) {
      case "book-snapshot":
        state.book ??= this.newBook(state);
        state.book?.applySnapshot(event);
        break;
      case "book-delta":
        if (state.book !== undefined) {
          const result = state.book.applyDelta(event);
          if (result.status === "gap") {
            this.logger.warn(
              { instrument: state.key, expected: String(result.expected), received: String(result.received) },
              "book sequence gap; waiting for a snapshot",
            );
          }
        }
        break;
      case "quote":
        state.quote = event;
        break;
      case "trade":
        state.lastTrade = event.price;
        if (state.barBuilders.size > 0) this.buildBars(state, event);
        break;
      default:
        break;
    }
    if (state.subscribers.size === 0) return;
    const envelope: Envelope = { event, recvHr };
    for (const subscriber of state.subscribers) subscriber.offer(envelope, state.key);
  }

  /** Mid price from the book, else from the last quote. */
  mid(id: InstrumentId): Decimal | undefined {
    const state = this.states.get(formatInstrumentId(id));
    if (state === undefined) return undefined;
    if (state.book !== undefined && !state.book.stale) {
      const mid = state.book.mid();
      if (mid !== undefined) return mid;
    }
    const q = state.quote;
    if (q?.bidPrice.isPositive() && q.askPrice.isPositive()) {
      return q.bidPrice.add(q.askPrice).div(2);
    }
    return undefined;
  }

  /** Best mark: the mid, else the last trade price. */
  markPrice(id: InstrumentId): Decimal | undefined {
    return this.mid(id) ?? this.states.get(formatInstrumentId(id))?.lastTrade;
  }

  snapshot(instrumentKey: string, depth: number): BookSnapshot | undefined {
    const book = this.states.get(instrumentKey)?.book;
    if (book === undefined || book.stale || book.sequence === 0n) return undefined;
    return book.snapshot(depth > 0 ? depth : Number.POSITIVE_INFINITY);
  }

  /**
   * Opens a subscription. Unknown instruments are INVALID_ARGUMENT naming `instruments[i]`. Book
   * subscribers get a snapshot of each instrument first (when the engine has the book in sync; else
   * with the venue's next snapshot), then deltas.
   */
  subscribe(request: MarketDataRequest, sink: FrameSink): MarketDataSubscriber {
    if (request.instruments.length === 0) {
      throw new GatewayError("INVALID_ARGUMENT", "instruments is empty; name at least one instrument", {
        context: { field: "instruments" },
      });
    }
    const keys = new Set<string>();
    request.instruments.forEach((id, i) => {
      const key = formatInstrumentId(id);
      const state = this.states.get(key);
      if (state?.instrument === undefined && !this.venues.has(id.venue)) {
        throw new GatewayError("INVALID_ARGUMENT", `unknown venue ${JSON.stringify(id.venue)}`, {
          context: { field: `instruments[${i}].venue` },
        });
      }
      if (state?.instrument === undefined) {
        throw new GatewayError("INVALID_ARGUMENT", `unknown instrument ${key}`, {
          context: { field: `instruments[${i}]` },
        });
      }
      keys.add(key);
    });
    const types = new Set<MarketEventType>(
      request.types.length === 0 ? ["trade", "quote", "book", "bar"] : request.types,
    );
    const subscriber = new MarketDataSubscriber(
      {
        instruments: keys,
        types,
        depth: request.depth ?? 0,
        barIntervals: new Set(request.barIntervals ?? []),
        policy: request.slowConsumerPolicy ?? this.policy,
        frameMaxEvents: this.frameMaxEvents,
        queueMaxEvents: this.queueMaxEvents,
      },
      sink,
      this,
    );
    this.subscribers.add(subscriber);
    for (const key of keys) {
      const state = this.states.get(key)!;
      state.subscribers.add(subscriber);
      for (const channel of this.channelsFor(state, types)) this.retain(state.id, channel);
      if (types.has("bar")) this.addBarBuilders(state, request.barIntervals ?? []);
    }
    subscriber.start();
    return subscriber;
  }

  onFlushed(events: number, oldestRecvHr: bigint): void {
    const m = this.metrics;
    if (m === undefined) return;
    m.framesSent.inc();
    m.eventsSent.inc(events);
    m.tickToSend.observe(Number(process.hrtime.bigint() - oldestRecvHr) / 1e9);
  }

  onSlowConsumer(action: SlowConsumerPolicyName, dropped: number): void {
    this.metrics?.slowConsumers.inc({ action });
    this.metrics?.eventsDropped.inc({ reason: action }, dropped);
    this.logger.warn({ action, dropped }, "slow market data consumer");
  }

  onClosed(subscriber: MarketDataSubscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    for (const key of subscriber.options.instruments) {
      const state = this.states.get(key);
      if (state === undefined) continue;
      state.subscribers.delete(subscriber);
      for (const channel of this.channelsFor(state, subscriber.options.types))
        this.release(state.id, channel);
    }
  }

  /** Market events received per type since start. */
  receivedCounts(): Readonly<Record<string, number>> {
    return this.received;
  }

  /** Open subscriptions. */
  subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Events queued over all subscribers. */
  queueDepth(): number {
    let depth = 0;
    for (const s of this.subscribers) depth += s.depth;
    return depth;
  }

  /** Ends every subscription (gateway stop). */
  close(error?: Error): void {
    for (const s of [...this.subscribers]) s.close(error);
  }

  private channelsFor(state: InstrumentState, types: ReadonlySet<MarketEventType>): MarketChannel[] {
    const caps = this.venues.get(state.id.venue)?.capabilities.marketData;
    const channels: MarketChannel[] = [];
    if (types.has("trade")) channels.push("trades");
    if (types.has("quote")) channels.push("quotes");
    if (types.has("book")) channels.push("book");
    if (types.has("bar")) channels.push(caps?.bars ? "bars" : "trades");
    return channels;
  }

  private addBarBuilders(state: InstrumentState, intervals: readonly string[]): void {
    const caps = this.venues.get(state.id.venue)?.capabilities.marketData;
    if (caps?.bars) return;
    for (const interval of intervals) {
      if (!state.barBuilders.has(interval)) {
        state.barBuilders.set(interval, new BarBuilder({ instrument: state.id, interval }));
      }
    }
  }

  private buildBars(state: InstrumentState, trade: MarketEvent & { type: "trade" }): void {
    for (const builder of state.barBuilders.values()) {
      const bar = builder.onTrade(trade);
      if (bar !== undefined) queueMicrotask(() => this.onMarketEvent(bar));
    }
  }

  private retain(id: InstrumentId, channel: MarketChannel): void {
    const key = `${formatInstrumentId(id)}|${channel}`;
    const refs = this.venueRefs.get(key) ?? 0;
    this.venueRefs.set(key, refs + 1);
    if (refs > 0) return;
    const adapter = this.venues.get(id.venue);
    adapter?.subscribe({ instrument: id, channel }).catch((error: unknown) => {
      this.logger.error(
        { err: error, instrument: formatInstrumentId(id), channel },
        "venue subscribe failed",
      );
    });
  }

  private release(id: InstrumentId, channel: MarketChannel): void {
    const key = `${formatInstrumentId(id)}|${channel}`;
    const refs = (this.venueRefs.get(key) ?? 0) - 1;
    if (refs > 0) {
      this.venueRefs.set(key, refs);
      return;
    }
    this.venueRefs.delete(key);
    this.venues
      .get(id.venue)
      ?.unsubscribe({ instrument: id, channel })
      .catch((error: unknown) => {
        this.logger.warn(
          { err: error, instrument: formatInstrumentId(id), channel },
          "venue unsubscribe failed",
        );
      });
  }

  private newBook(state: InstrumentState): OrderBook | undefined {
    return state.instrument === undefined ? undefined : OrderBook.forInstrument(state.instrument);
  }

  private stateOf(id: InstrumentId, instrument?: Instrument): InstrumentState {
    const key = formatInstrumentId(id);
    let state = this.states.get(key);
    if (state === undefined || (instrument !== undefined && state.instrument === undefined)) {
      state = {
        key,
        id,
        ...(instrument ? { instrument } : {}),
        subscribers: state?.subscribers ?? new Set(),
        barBuilders: state?.barBuilders ?? new Map(),
      };
      this.states.set(key, state);
      let bySymbol = this.byVenue.get(id.venue);
      if (bySymbol === undefined) {
        bySymbol = new Map();
        this.byVenue.set(id.venue, bySymbol);
      }
      bySymbol.set(id.symbol, state);
    }
    return state;
  }
}
