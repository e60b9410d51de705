import {
  type Fill,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  type MarketEvent,
  type Order,
  type OrderEvent,
  VenueError,
} from "@openfloor/core";
import type {
  AdapterContext,
  AmendRequest,
  ConnectionState,
  ExchangeAdapter,
  MarketSubscription,
  VenueBalance,
  VenueOrderReport,
  VenuePosition,
} from "../contract/adapter.js";
import { assertCapability, type VenueCapabilities } from "../contract/capabilities.js";
import type { SimAdapterConfig } from "./config.js";
import type { SimExchange, SimResult, WatchChannel } from "./exchange.js";
import { DelayLine, type LatencyModel, ZERO_LATENCY } from "./latency.js";
import { MarketDataLink, subscriptionKey } from "./market-data-link.js";
import { SeededRandom } from "./random.js";
import { checkAmendForVenue, checkOrderForVenue } from "./validation.js";
import { createSimVenue } from "./venue.js";

/** The simulated venue supports everything. */
export const SIM_CAPABILITIES: VenueCapabilities = Object.freeze({
  orderTypes: Object.freeze(["market", "limit", "stop-market", "stop-limit"] as const),
  timeInForce: Object.freeze(["GTC", "IOC", "FOK", "GTD", "DAY"] as const),
  postOnly: true,
  reduceOnly: true,
  amendOrder: true,
  cancelAllOrders: true,
  marketData: Object.freeze({ trades: true, quotes: true, book: true, bars: true }),
  bookSequenceNumbers: true,
  fetchFillsSince: true,
  balances: true,
  positions: true,
});

/** Options of `new SimAdapter(…)`. */
export interface SimAdapterOptions {
  /** The venue. Several adapters (one per account) may share one exchange. */
  readonly exchange: SimExchange;
  readonly context: AdapterContext;
  /** Venue account this adapter trades in. Default `"default"`. */
  readonly account?: string;
  /** One-way latency of requests, responses and the event stream. Default none (synchronous). */
  readonly latency?: LatencyModel;
  /** Source of latency jitter. Default `new SeededRandom(1)`. */
  readonly random?: SeededRandom;
  /** Started on `connect()` and stopped on `disconnect()`: the synthetic markets of a venue this adapter owns. */
  readonly owned?: { start(): void; stop(): void };
  /** After `dropConnection()`, the stream comes back after this many ms of the clock. Default 50. */
  readonly reconnectDelayMs?: number;
  /**
   * What the adapter declares, to paper-trade as a venue that supports less (e.g. no stop orders, no
   * native amend: the OMS then amends by cancel-replace). Default `SIM_CAPABILITIES` (everything).
   */
  readonly capabilities?: VenueCapabilities;
}

/**
 * The `ExchangeAdapter` of the in-process simulated venue: the paper-trading, backtest and test venue.
 * Requests, responses and the event stream each go through a latency model on the context's clock,
 * in order. Orders are checked before they are sent (unknown instrument, grid, minimum size →
 * `InvalidOrderError`); venue refusals reject the returned promise with a typed error and, when an
 * order was created, also arrive as a `rejected` event.
 *
 * Test hooks: `dropConnection()` loses the stream (in-flight events and book state) and reconnects
 * after `reconnectDelayMs`, replaying missed order events from the venue's journal and resyncing
 * books with fresh snapshots; `injectSequenceGap()` loses one book delta, which the adapter detects.
 *
 * @example
 * const adapter = SimAdapter.fromConfig("sim", config, { clock, sink, logger });
 * await adapter.connect();
 */
export class SimAdapter implements ExchangeAdapter {
  readonly kind: string = "sim";
  readonly venue: string;
  readonly capabilities: VenueCapabilities;
  readonly exchange: SimExchange;
  readonly account: string;
  private readonly context: AdapterContext;
  private readonly requests: DelayLine;
  private readonly responses: DelayLine;
  private readonly stream: DelayLine;
  private readonly md: MarketDataLink;
  private readonly watches = new Map<string, Array<() => void>>();
  private readonly owned: { start(): void; stop(): void } | undefined;
  private readonly reconnectDelayMs: number;
  private state: ConnectionState = "disconnected";
  private streamUp = false;
  private detach: (() => void) | undefined;
  private cancelReconnect: (() => void) | undefined;
  private lastSeq = 0;

  constructor(options: SimAdapterOptions) {
    this.exchange = options.exchange;
    this.venue = options.exchange.venue;
    this.context = options.context;
    this.account = options.account ?? "default";
    this.owned = options.owned;
    this.reconnectDelayMs = options.reconnectDelayMs ?? 50;
    this.capabilities = options.capabilities ?? SIM_CAPABILITIES;
    const latency = options.latency ?? ZERO_LATENCY;
    const random = options.random ?? new SeededRandom(1);
    const onError = (error: unknown) => this.report(error);
    const clock = options.context.clock;
    this.requests = new DelayLine(clock, latency, random, onError);
    this.responses = new DelayLine(clock, latency, random, onError);
    this.stream = new DelayLine(clock, latency, random, onError);
    this.md = new MarketDataLink(
      clock,
      (e) => this.context.sink.onMarketEvent(e),
      (id) => this.requestSnapshot(id),
    );
  }

  /** An adapter over a venue built from a parsed `sim` config (the adapter owns the venue). */
  static fromConfig(venue: string, config: SimAdapterConfig, context: AdapterContext): SimAdapter {
    const sim = createSimVenue(venue, config, context.clock, context.logger);
    return new SimAdapter({
      exchange: sim.exchange,
      context,
      account: config.account,
      latency: config.latency,
      random: sim.random,
      owned: sim,
      reconnectDelayMs: config.reconnectDelayMs,
    });
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  async connect(): Promise<void> {
    if (this.state === "connected" || this.state === "reconnecting") return;
    this.setState("connecting");
    this.detach = this.exchange.addListener({
      onOrderEvent: (account, clientOrderId, event, seq) => {
        if (account !== this.account || !this.streamUp) return;
        this.stream.send(() => this.deliverOrderEvent(clientOrderId, event, seq));
      },
      onMarketEvent: (event) => {
        if (!this.streamUp) return;
        this.stream.send(() => {
          if (this.streamUp) this.md.receive(event);
        });
      },
    });
    this.lastSeq = this.exchange.lastEventSeq(this.account);
    this.owned?.start();
    this.streamUp = true;
    this.setState("connected");
  }

  async disconnect(): Promise<void> {
    if (this.state === "disconnected") return;
    this.streamUp = false;
    this.cancelReconnect?.();
    this.cancelReconnect = undefined;
    this.owned?.stop();
    this.detach?.();
    this.detach = undefined;
    for (const unwatch of this.watches.values()) for (const u of unwatch) u();
    this.watches.clear();
    this.md.clear();
    this.stream.clear();
    this.setState("disconnected");
  }

  async loadInstruments(): Promise<readonly Instrument[]> {
    return this.exchange.instruments();
  }

  instrument(id: InstrumentId): Instrument | undefined {
    return this.exchange.instrument(id);
  }

  async subscribe(subscription: MarketSubscription): Promise<void> {
    this.knownInstrument(subscription.instrument);
    assertCapability(
      this.venue,
      this.capabilities.marketData[subscription.channel],
      `${subscription.channel} data`,
    );
    if (this.md.has(subscription)) return;
    this.md.add(subscription);
    const channels: WatchChannel[] =
      subscription.channel === "bars" ? ["trades", "bars"] : [subscription.channel as WatchChannel];
    const key = subscriptionKey(subscription);
    await this.call(() => {
      if (!this.md.has(subscription)) return { ok: true, value: undefined };
      this.watches.set(
        key,
        channels.map((c) => this.exchange.watch(subscription.instrument, c)),
      );
      this.sendInitial(subscription);
      return { ok: true, value: undefined };
    });
  }

  async unsubscribe(subscription: MarketSubscription): Promise<void> {
    const key = subscriptionKey(subscription);
    this.md.remove(subscription);
    for (const u of this.watches.get(key) ?? []) u();
    this.watches.delete(key);
  }

  async submitOrder(order: Order): Promise<void> {
    checkOrderForVenue(this.venue, this.capabilities, (id) => this.instrument(id), order);
    await this.call(() => this.exchange.submit(this.account, order));
  }

  async amendOrder(order: Order, change: AmendRequest): Promise<void> {
    checkAmendForVenue(
      this.venue,
      this.capabilities,
      this.instrument(order.instrument),
      order.clientOrderId,
      change,
    );
    await this.call(() => this.exchange.amend(this.account, order.clientOrderId, change));
  }

  async cancelOrder(order: Order): Promise<void> {
    await this.call(() => this.exchange.cancel(this.account, order.clientOrderId));
  }

  async cancelAllOrders(instrument?: InstrumentId): Promise<void> {
    assertCapability(this.venue, this.capabilities.cancelAllOrders, "cancel-all");
    await this.call(() => this.exchange.cancelAll(this.account, instrument));
  }

  fetchOpenOrders(instrument?: InstrumentId): Promise<readonly VenueOrderReport[]> {
    return this.call(() => ({ ok: true, value: this.exchange.openOrders(this.account, instrument) }));
  }

  fetchFills(sinceNs: bigint, instrument?: InstrumentId): Promise<readonly Fill[]> {
    return this.call(() => ({ ok: true, value: this.exchange.fills(this.account, sinceNs, instrument) }));
  }

  fetchBalances(): Promise<readonly VenueBalance[]> {
    return this.call(() => ({ ok: true, value: this.exchange.balances(this.account) }));
  }

  fetchPositions(): Promise<readonly VenuePosition[]> {
    return this.call(() => ({ ok: true, value: this.exchange.positions(this.account) }));
  }

  /**
   * Test hook: the event stream drops. In-flight events are lost and books wait for a snapshot;
   * after `reconnectDelayMs` the stream is back, missed order events are replayed from the venue's
   * journal and every book gets a fresh snapshot.
   */
  dropConnection(): void {
    if (this.state !== "connected") return;
    this.streamUp = false;
    this.stream.clear();
    this.md.resetBooks();
    this.setState("reconnecting", "connection dropped");
    this.cancelReconnect = this.context.clock.setTimer(this.reconnectDelayMs, () => {
      this.cancelReconnect = undefined;
      this.reconnected();
    });
  }

  /** Test hook: the next book delta (of `instrument`, or of any book) is lost in transit. */
  injectSequenceGap(instrument?: InstrumentId): void {
    this.md.injectGap(instrument);
  }

  /** Book deltas dropped because of a sequence gap (each one led to a resync). */
  get sequenceGaps(): number {
    return this.md.gaps;
  }

  private reconnected(): void {
    if (this.state !== "reconnecting") return;
    this.streamUp = true;
    const { events, complete } = this.exchange.eventsSince(this.account, this.lastSeq);
    if (!complete) {
      this.report(
        new VenueError(
          "VENUE_ERROR",
          `${this.venue}: order events were missed while disconnected; reconcile`,
          {
            context: { venue: this.venue, since: this.lastSeq },
          },
        ),
      );
    }
    for (const e of events) this.stream.send(() => this.deliverOrderEvent(e.clientOrderId, e.event, e.seq));
    for (const s of this.md.list()) {
      this.requests.send(() => this.sendInitial(s));
    }
    this.setState("connected", "reconnected");
  }

  /** What a subscriber gets first: a book snapshot, or the current quote. */
  private sendInitial(s: MarketSubscription): void {
    let event: MarketEvent | undefined;
    if (s.channel === "book") event = this.exchange.bookSnapshot(s.instrument);
    else if (s.channel === "quotes") {
      const bid = this.exchange.bestBid(s.instrument);
      const ask = this.exchange.bestAsk(s.instrument);
      const now = this.context.clock.now();
      if (bid !== undefined && ask !== undefined) {
        event = {
          type: "quote",
          instrument: s.instrument,
          bidPrice: bid.price,
          bidSize: bid.size,
          askPrice: ask.price,
          askSize: ask.size,
          tsEventNs: now,
          tsRecvNs: now,
        };
      }
    }
    if (event === undefined) return;
    const e = event;
    this.stream.send(() => {
      if (this.streamUp) this.md.receive(e);
    });
  }

  private requestSnapshot(id: InstrumentId): void {
    this.requests.send(() => {
      if (!this.md.has({ instrument: id, channel: "book" })) return;
      const snapshot = this.exchange.bookSnapshot(id);
      this.stream.send(() => {
        if (this.streamUp) this.md.receive(snapshot);
      });
    });
  }

  private deliverOrderEvent(clientOrderId: string, event: OrderEvent, seq: number): void {
    if (!this.streamUp || seq <= this.lastSeq) return;
    this.lastSeq = seq;
    this.context.sink.onOrderEvent(clientOrderId, event);
  }

  /** A request that crosses the network: sent after one latency, answered after another. */
  private call<T>(atVenue: () => SimResult<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.requests.send(() => {
        let result: SimResult<T>;
        try {
          result = atVenue();
        } catch (error) {
          this.responses.send(() => reject(error));
          return;
        }
        this.responses.send(() => (result.ok ? resolve(result.value) : reject(result.error)));
      });
    });
  }

  private knownInstrument(id: InstrumentId): Instrument {
    const instrument = this.instrument(id);
    if (instrument === undefined) {
      const text = formatInstrumentId(id);
      throw new VenueError("VENUE_ERROR", `${this.venue}: unknown instrument ${text}`, {
        context: { venue: this.venue, field: "instrument", instrument: text },
      });
    }
    return instrument;
  }

  private setState(state: ConnectionState, detail?: string): void {
    this.state = state;
    this.context.sink.onConnectionState?.(state, detail);
  }

  private report(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.context.logger.warn({ err, venue: this.venue }, "sim adapter: error delivering an event");
    this.context.sink.onError?.(err);
  }
}
