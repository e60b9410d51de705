// data.ts (REQUIRED for market data): the MarketDataClient over the venue's websocket. It owns the
// socket: it (re)subscribes, checks book sequences (a gap → drop the book and resubscribe for a fresh
// snapshot), reconnects with backoff and jitter, and routes private order updates to the execution
// client. A malformed message is logged with the venue and message type, counted and skipped.
import { BadVenueMessageError, formatInstrumentId, type InstrumentId } from "@openfloor/core";
import type {
  AdapterContext,
  ConnectionState,
  MarketDataClient,
  MarketSubscription,
} from "../contract/adapter.js";
import { assertCapability, type VenueCapabilities } from "../contract/capabilities.js";
import type { ExampleConfig } from "./config.js";
import { venueSymbol } from "./http/parsers.js";
import type { ExampleInstruments } from "./instruments.js";
import { type ExampleOrderUpdate, parseWsMessage } from "./ws/parsers.js";

const CHANNELS = { trades: "trade", book: "depth", quotes: "ticker", bars: "kline" } as const;

export class ExampleMarketData implements MarketDataClient {
  /** Malformed messages skipped. */
  badMessages = 0;
  private socket: WebSocket | undefined;
  private wanted = false;
  private attempts = 0;
  private readonly subs = new Map<string, MarketSubscription>();
  /** Last book sequence per venue symbol; undefined while waiting for a snapshot. */
  private readonly books = new Map<string, bigint | undefined>();

  constructor(
    private readonly venue: string,
    private readonly config: ExampleConfig,
    private readonly capabilities: VenueCapabilities,
    private readonly instruments: ExampleInstruments,
    private readonly context: AdapterContext,
    private readonly onOrderUpdate: (update: ExampleOrderUpdate) => void,
  ) {}

  /** Opens the socket (REQUIRED before streaming); resolves once it is open. */
  async open(): Promise<void> {
    this.wanted = true;
    await this.connectSocket();
  }

  close(): void {
    this.wanted = false;
    this.socket?.close();
    this.socket = undefined;
    this.state("disconnected");
  }

  /** REQUIRED. Book subscriptions start with a snapshot from the venue. */
  async subscribe(s: MarketSubscription): Promise<void> {
    assertCapability(this.venue, this.capabilities.marketData[s.channel], `${s.channel} data`);
    const key = `${s.channel}|${formatInstrumentId(s.instrument)}`;
    if (this.subs.has(key)) return;
    this.subs.set(key, s);
    if (s.channel === "book") this.books.set(venueSymbol(s.instrument.symbol), undefined);
    this.send("subscribe", s.channel, s.instrument);
  }

  /** REQUIRED. */
  async unsubscribe(s: MarketSubscription): Promise<void> {
    if (!this.subs.delete(`${s.channel}|${formatInstrumentId(s.instrument)}`)) return;
    if (s.channel === "book") this.books.delete(venueSymbol(s.instrument.symbol));
    this.send("unsubscribe", s.channel, s.instrument);
  }

  private connectSocket(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.config.wsUrl);
      this.socket = socket;
      socket.addEventListener("open", () => {
        this.attempts = 0;
        for (const symbol of this.books.keys()) this.books.set(symbol, undefined);
        for (const s of this.subs.values()) this.send("subscribe", s.channel, s.instrument);
        this.state("connected");
        resolve();
      });
      socket.addEventListener("message", (m) => this.onMessage(String(m.data)));
      socket.addEventListener("error", () => reject(new Error(`${this.venue}: websocket error`)));
      socket.addEventListener("close", () => {
        if (this.socket === socket) this.reconnect();
      });
    });
  }

  private reconnect(): void {
    if (!this.wanted) return;
    this.state("reconnecting");
    const backoff = Math.min(
      this.config.reconnectMaxMs,
      this.config.reconnectInitialMs * 2 ** this.attempts++,
    );
    // Jitter spreads the reconnects of many clients after a venue-wide outage.
    const delay = backoff / 2 + Math.random() * (backoff / 2);
    this.context.clock.setTimer(delay, () => {
      this.connectSocket().catch((error: unknown) => {
        this.context.logger.warn({ venue: this.venue, err: error }, "reconnect failed");
      });
    });
  }

  private onMessage(text: string): void {
    const parsed = parseWsMessage(text, (s) => this.instruments.byVenue(s)?.id, this.context.clock.now());
    if (parsed === undefined) return;
    if (parsed.kind === "bad") {
      this.badMessages++;
      this.context.logger.warn(
        { venue: this.venue, messageType: parsed.messageType },
        "skipped a malformed message",
      );
      this.context.sink.onError?.(
        new BadVenueMessageError(
          "BAD_VENUE_MESSAGE",
          `${this.venue}: malformed ${parsed.messageType} message`,
          {
            cause: parsed.error,
            context: { venue: this.venue, messageType: parsed.messageType },
          },
        ),
      );
      return;
    }
    if (parsed.kind === "order") {
      this.onOrderUpdate(parsed.update);
      return;
    }
    const e = parsed.event;
    if (e.type === "book-snapshot") this.books.set(parsed.symbol, e.sequence);
    if (e.type === "book-delta") {
      const last = this.books.get(parsed.symbol);
      if (last === undefined || e.sequence <= last) return;
      if (e.firstSequence > last + 1n) {
        // A gap: the book is wrong from here on. Drop it and ask for a fresh snapshot.
        this.books.set(parsed.symbol, undefined);
        this.send("unsubscribe", "book", e.instrument);
        this.send("subscribe", "book", e.instrument);
        return;
      }
      this.books.set(parsed.symbol, e.sequence);
    }
    this.context.sink.onMarketEvent(e);
  }

  private send(
    op: "subscribe" | "unsubscribe",
    channel: MarketSubscription["channel"],
    instrument: InstrumentId,
  ): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify({ op, ch: CHANNELS[channel], s: venueSymbol(instrument.symbol) }));
  }

  private state(s: ConnectionState): void {
    this.context.sink.onConnectionState?.(s);
  }
}
