import {
  BadVenueMessageError,
  type Fill,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  type Order,
  VenueError,
  VenueUnavailableError,
} from "@openfloor/core";
import { z } from "zod";
import type {
  AdapterContext,
  AmendRequest,
  ConnectionState,
  ExchangeAdapter,
  MarketSubscription,
  VenueBalance,
  VenueOrderReport,
  VenuePosition,
} from "../../contract/adapter.js";
import { assertCapability, type VenueCapabilities } from "../../contract/capabilities.js";
import { SIM_CAPABILITIES } from "../adapter.js";
import { MarketDataLink } from "../market-data-link.js";
import { SeededRandom } from "../random.js";
import { checkAmendForVenue, checkOrderForVenue, orderRequestOf } from "../validation.js";
import {
  balanceSchema,
  encode,
  errorFromWire,
  fillSchema,
  instrumentSchema,
  marketEventSchema,
  orderReportSchema,
  positionSchema,
  SIM_API,
  type StreamLine,
  streamLineSchema,
  type WireError,
  wireErrorSchema,
} from "./wire.js";

/** Options of `new RemoteSimAdapter(…)`. */
export interface RemoteSimAdapterOptions {
  /** Base URL of a `startSimVenueServer`. @example "http://127.0.0.1:7070" */
  readonly url: string;
  /** Venue name; must match the server's instruments. Default "sim". */
  readonly venue?: string;
  /** Venue account. Default "default". */
  readonly account?: string;
  readonly context: AdapterContext;
  /** First reconnect delay in ms, doubled per failed attempt up to `reconnectMaxMs`, with jitter. Default 50. */
  readonly reconnectInitialMs?: number;
  /** Default 2000. */
  readonly reconnectMaxMs?: number;
  /** Timeout of one HTTP request in ms. Default 10_000. */
  readonly requestTimeoutMs?: number;
  /** Seed of the reconnect jitter. Default 1. */
  readonly seed?: number;
}

/**
 * The `ExchangeAdapter` (kind `"sim-remote"`) of a sim venue running in another process
 * (`startSimVenueServer`): order entry and queries over JSON/HTTP, order events and market data over
 * one newline-delimited JSON stream. When the stream drops it reconnects with exponential backoff
 * and jitter, asks the server to replay the order events it missed (from the account's journal),
 * and resubscribes, so every book resyncs from a fresh snapshot. A book delta that skips a sequence
 * number is dropped and the book resynced. A malformed line is logged with its type, counted in
 * `badMessages`, reported to `sink.onError` and skipped.
 */
export class RemoteSimAdapter implements ExchangeAdapter {
  readonly kind: string = "sim-remote";
  readonly venue: string;
  readonly capabilities: VenueCapabilities = SIM_CAPABILITIES;
  readonly account: string;
  /** Malformed stream lines skipped. */
  badMessages = 0;
  /** Successful reconnects of the event stream. */
  reconnects = 0;
  private readonly base: string;
  private readonly context: AdapterContext;
  private readonly md: MarketDataLink;
  private readonly rng: SeededRandom;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly timeoutMs: number;
  private readonly instruments = new Map<string, Instrument>();
  private state: ConnectionState = "disconnected";
  private streamId: string | undefined;
  private abort: AbortController | undefined;
  private lastSeq = -1;
  private attempts = 0;
  private cancelRetry: (() => void) | undefined;
  private wanted = false;

  constructor(options: RemoteSimAdapterOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.venue = options.venue ?? "sim";
    this.account = options.account ?? "default";
    this.context = options.context;
    this.initialMs = options.reconnectInitialMs ?? 50;
    this.maxMs = options.reconnectMaxMs ?? 2000;
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.rng = new SeededRandom(options.seed ?? 1);
    this.md = new MarketDataLink(
      options.context.clock,
      (e) => this.context.sink.onMarketEvent(e),
      (id) => this.resubscribe(id),
    );
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  async connect(): Promise<void> {
    if (this.wanted) return;
    this.wanted = true;
    this.setState("connecting");
    try {
      await this.loadInstruments();
      await this.openStream();
    } catch (error) {
      // A first connect that fails leaves nothing running: the caller decides whether to retry.
      this.wanted = false;
      this.abort?.abort();
      this.setState("disconnected", String(error));
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    this.wanted = false;
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    this.abort?.abort();
    this.abort = undefined;
    this.streamId = undefined;
    this.md.clear();
    this.setState("disconnected");
  }

  async loadInstruments(): Promise<readonly Instrument[]> {
    const body = await this.get(SIM_API.instruments, {});
    const list = z.object({ instruments: z.array(instrumentSchema) }).parse(body).instruments;
    for (const i of list) {
      if (i.id.venue !== this.venue) {
        throw new VenueError("VENUE_ERROR", `${this.base} serves venue ${i.id.venue}, not ${this.venue}`, {
          context: { venue: this.venue, field: "venue" },
        });
      }
      this.instruments.set(formatInstrumentId(i.id), i);
    }
    return list;
  }

  instrument(id: InstrumentId): Instrument | undefined {
    return this.instruments.get(formatInstrumentId(id));
  }

  async subscribe(subscription: MarketSubscription): Promise<void> {
    if (this.instrument(subscription.instrument) === undefined) {
      const text = formatInstrumentId(subscription.instrument);
      throw new VenueError("VENUE_ERROR", `${this.venue}: unknown instrument ${text}`, {
        context: { venue: this.venue, field: "instrument", instrument: text },
      });
    }
    assertCapability(
      this.venue,
      this.capabilities.marketData[subscription.channel],
      `${subscription.channel} data`,
    );
    if (this.md.has(subscription)) return;
    this.md.add(subscription);
    if (this.streamId !== undefined) await this.sendSubscribe(subscription, SIM_API.subscribe);
  }

  async unsubscribe(subscription: MarketSubscription): Promise<void> {
    if (!this.md.has(subscription)) return;
    this.md.remove(subscription);
    const still = this.md
      .list()
      .some(
        (s) =>
          s.channel === subscription.channel &&
          formatInstrumentId(s.instrument) === formatInstrumentId(subscription.instrument),
      );
    if (!still && this.streamId !== undefined) await this.sendSubscribe(subscription, SIM_API.unsubscribe);
  }

  async submitOrder(order: Order): Promise<void> {
    checkOrderForVenue(this.venue, this.capabilities, (id) => this.instrument(id), order);
    await this.post(SIM_API.submit, { account: this.account, order: orderRequestOf(order) });
  }

  async amendOrder(order: Order, change: AmendRequest): Promise<void> {
    checkAmendForVenue(
      this.venue,
      this.capabilities,
      this.instrument(order.instrument),
      order.clientOrderId,
      change,
    );
    await this.post(SIM_API.amend, { account: this.account, clientOrderId: order.clientOrderId, change });
  }

  async cancelOrder(order: Order): Promise<void> {
    await this.post(SIM_API.cancel, { account: this.account, clientOrderId: order.clientOrderId });
  }

  async cancelAllOrders(instrument?: InstrumentId): Promise<void> {
    await this.post(SIM_API.cancelAll, {
      account: this.account,
      ...(instrument === undefined ? {} : { instrument }),
    });
  }

  async fetchOpenOrders(instrument?: InstrumentId): Promise<readonly VenueOrderReport[]> {
    const body = await this.get(SIM_API.openOrders, this.query(instrument));
    return z.object({ orders: z.array(orderReportSchema) }).parse(body).orders;
  }

  async fetchFills(sinceNs: bigint, instrument?: InstrumentId): Promise<readonly Fill[]> {
    const body = await this.get(SIM_API.fills, { ...this.query(instrument), since: sinceNs.toString() });
    return z.object({ fills: z.array(fillSchema) }).parse(body).fills;
  }

  async fetchBalances(): Promise<readonly VenueBalance[]> {
    const body = await this.get(SIM_API.balances, { account: this.account });
    return z.object({ balances: z.array(balanceSchema) }).parse(body).balances;
  }

  async fetchPositions(): Promise<readonly VenuePosition[]> {
    const body = await this.get(SIM_API.positions, { account: this.account });
    return z.object({ positions: z.array(positionSchema) }).parse(body).positions;
  }

  /** Test hook: drops the event stream from this side; the adapter reconnects by itself. */
  dropConnection(): void {
    this.abort?.abort();
  }

  /** Test hook: the next book delta received (of `instrument`, or of any book) is treated as lost. */
  injectSequenceGap(instrument?: InstrumentId): void {
    this.md.injectGap(instrument);
  }

  // ---- the event stream ------------------------------------------------------------------------

  private async openStream(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    const params = new URLSearchParams({ account: this.account, since: String(this.lastSeq) });
    let response: Response;
    try {
      response = await fetch(`${this.base}${SIM_API.stream}?${params}`, { signal: abort.signal });
      if (!response.ok || response.body === null) throw new Error(`stream answered HTTP ${response.status}`);
    } catch (error) {
      if (this.state === "connecting") {
        throw new VenueUnavailableError(
          "VENUE_UNAVAILABLE",
          `${this.venue}: cannot open the event stream at ${this.base}`,
          {
            cause: error,
            context: { venue: this.venue },
          },
        );
      }
      if (this.wanted && !abort.signal.aborted) this.scheduleReconnect(error);
      return;
    }
    const hello = new Promise<void>((resolve) => {
      void this.readStream(response.body!, abort, resolve);
    });
    await hello;
  }

  private async readStream(
    body: ReadableStream<Uint8Array>,
    abort: AbortController,
    onHello: () => void,
  ): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    let greeted = false;
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.length === 0) continue;
          const msg = this.parseLine(line);
          if (msg === undefined) continue;
          if (msg.type === "hello" && !greeted) {
            greeted = true;
            await this.greeted(msg.streamId, msg.seq);
            onHello();
          } else this.handle(msg);
        }
      }
    } catch {
      // The stream broke (server gone, socket destroyed, aborted): handled below like an end.
    }
    if (!greeted) onHello();
    if (this.abort === abort) {
      this.streamId = undefined;
      this.abort = undefined;
    }
    if (this.wanted && (this.abort === undefined || this.abort === abort)) this.scheduleReconnect(undefined);
  }

  private async greeted(streamId: string, seq: number): Promise<void> {
    const reconnect = this.state === "reconnecting";
    this.streamId = streamId;
    if (this.lastSeq < 0) this.lastSeq = seq;
    this.attempts = 0;
    this.md.resetBooks();
    for (const s of this.md.list()) {
      try {
        await this.sendSubscribe(s, SIM_API.subscribe);
      } catch (error) {
        this.report(error);
      }
    }
    if (reconnect) this.reconnects++;
    this.setState("connected", reconnect ? "reconnected" : undefined);
  }

  private parseLine(line: string): StreamLine | undefined {
    let raw: unknown;
    let type = "unknown";
    try {
      raw = JSON.parse(line);
      if (typeof raw === "object" && raw !== null && "type" in raw) type = String(raw.type);
      return streamLineSchema.parse(raw);
    } catch (error) {
      this.badMessages++;
      const bad = new BadVenueMessageError(
        "BAD_VENUE_MESSAGE",
        `${this.venue}: malformed ${type} message skipped`,
        {
          cause: error,
          context: { venue: this.venue, messageType: type },
        },
      );
      this.context.logger.warn(
        { venue: this.venue, messageType: type, err: error },
        "skipped a malformed venue message",
      );
      this.context.sink.onError?.(bad);
      return undefined;
    }
  }

  private handle(msg: StreamLine): void {
    switch (msg.type) {
      case "order":
        if (msg.seq <= this.lastSeq) return;
        this.lastSeq = msg.seq;
        this.context.sink.onOrderEvent(msg.clientOrderId, msg.event);
        return;
      case "market":
        this.md.receive(msg.event);
        return;
      case "journal-gap":
        this.report(
          new VenueError(
            "VENUE_ERROR",
            `${this.venue}: order events since ${msg.since} are gone from the venue's journal; reconcile`,
            {
              context: { venue: this.venue, since: msg.since },
            },
          ),
        );
        return;
      default:
        return;
    }
  }

  private scheduleReconnect(cause: unknown): void {
    if (!this.wanted || this.cancelRetry !== undefined) return;
    this.setState("reconnecting", cause === undefined ? "stream ended" : String(cause));
    const backoff = Math.min(this.maxMs, this.initialMs * 2 ** this.attempts);
    const delay = backoff / 2 + this.rng.next() * (backoff / 2);
    this.attempts++;
    const handle = setTimeout(() => {
      this.cancelRetry = undefined;
      if (this.wanted) void this.openStream().catch((error: unknown) => this.report(error));
    }, delay);
    this.cancelRetry = () => clearTimeout(handle);
  }

  private resubscribe(id: InstrumentId): void {
    void this.get(SIM_API.snapshot, { symbol: id.symbol })
      .then((body) => {
        const parsed = z.object({ snapshot: marketEventSchema }).parse(body);
        this.md.receive(parsed.snapshot);
      })
      .catch((error: unknown) => this.report(error));
  }

  private async sendSubscribe(s: MarketSubscription, path: string): Promise<void> {
    if (this.streamId === undefined) return;
    await this.post(path, { streamId: this.streamId, instrument: s.instrument, channel: s.channel });
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  private query(instrument?: InstrumentId): Record<string, string> {
    return instrument === undefined
      ? { account: this.account }
      : { account: this.account, symbol: instrument.symbol };
  }

  private get(path: string, params: Record<string, string>): Promise<unknown> {
    return this.request(`${path}?${new URLSearchParams(params)}`, { method: "GET" });
  }

  private post(path: string, body: unknown): Promise<unknown> {
    return this.request(path, {
      method: "POST",
      body: encode(body),
      headers: { "content-type": "application/json" },
    });
  }

  private async request(path: string, init: RequestInit): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new VenueUnavailableError(
        "VENUE_UNAVAILABLE",
        `${this.venue}: ${init.method} ${path} failed: ${String(error)}`,
        {
          cause: error,
          context: { venue: this.venue, path },
        },
      );
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok) return body;
    const wire = wireErrorSchema.safeParse(body);
    if (!wire.success) {
      throw new VenueError(
        "VENUE_ERROR",
        `${this.venue}: ${init.method} ${path} answered HTTP ${response.status}`,
        {
          context: { venue: this.venue, status: response.status },
        },
      );
    }
    throw errorFromWire(wire.data.error as WireError);
  }

  private setState(state: ConnectionState, detail?: string): void {
    if (this.state === state && detail === undefined) return;
    this.state = state;
    this.context.sink.onConnectionState?.(state, detail);
  }

  private report(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.context.logger.warn({ err, venue: this.venue }, "sim-remote adapter error");
    this.context.sink.onError?.(err);
  }
}
