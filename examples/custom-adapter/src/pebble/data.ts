// The stream: market-data subscriptions, book sequence checks and resync, private order updates, and
// reconnect with backoff. After a reconnect every book restarts from a fresh snapshot and the order
// updates missed meanwhile are replayed from the venue's journal (`{"op":"orders","after":<last seq>}`).
import {
  type AdapterContext,
  assertCapability,
  type MarketSubscription,
  type VenueCapabilities,
} from "@openfloor/adapters";
import { BadVenueMessageError, formatInstrumentId, VenueError } from "@openfloor/core";
import type { PebbleConfig } from "./config.js";
import type { PebbleConnection, PebbleStream } from "./connection.js";
import type { PebbleInstruments } from "./instruments.js";
import { type PebbleOrderUpdate, parseStreamMessage, venueSymbol } from "./parsers.js";

export class PebbleMarketData {
  private stream: PebbleStream | undefined;
  /** `book:BTC-USD`, `trades:BTC-USD`. */
  private readonly subscriptions = new Set<string>();
  /** Last sequence per subscribed book; undefined while waiting for a snapshot. */
  private readonly books = new Map<string, bigint | undefined>();
  private lastOrderSeq = 0;
  private closing = false;
  private retryMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Malformed messages skipped. */
  badMessages = 0;

  constructor(
    private readonly venue: string,
    private readonly config: PebbleConfig,
    private readonly capabilities: VenueCapabilities,
    private readonly instruments: PebbleInstruments,
    private readonly connection: PebbleConnection,
    private readonly context: AdapterContext,
    private readonly onOrderUpdate: (u: PebbleOrderUpdate) => void,
  ) {
    this.retryMs = config.reconnectInitialMs;
  }

  open(): void {
    this.closing = false;
    this.context.sink.onConnectionState?.("connecting");
    this.openStream();
    this.context.sink.onConnectionState?.("connected");
  }

  close(): void {
    this.closing = true;
    clearTimeout(this.retryTimer);
    this.stream?.close();
    this.stream = undefined;
    this.context.sink.onConnectionState?.("disconnected");
  }

  async subscribe(s: MarketSubscription): Promise<void> {
    const sym = this.symbolOf(s);
    this.subscriptions.add(`${s.channel}:${sym}`);
    if (s.channel === "book") this.books.set(sym, undefined);
    this.stream?.send({ op: "sub", ch: s.channel, sym });
  }

  async unsubscribe(s: MarketSubscription): Promise<void> {
    const sym = this.symbolOf(s);
    this.subscriptions.delete(`${s.channel}:${sym}`);
    if (s.channel === "book") this.books.delete(sym);
    this.stream?.send({ op: "unsub", ch: s.channel, sym });
  }

  private symbolOf(s: MarketSubscription): string {
    const channel = s.channel === "trades" || s.channel === "book" ? s.channel : undefined;
    assertCapability(
      this.venue,
      channel !== undefined && this.capabilities.marketData[channel],
      `${s.channel} market data`,
    );
    if (this.instruments.instrument(s.instrument) === undefined) {
      throw new VenueError(
        "VENUE_ERROR",
        `${this.venue}: unknown instrument ${formatInstrumentId(s.instrument)}`,
        {
          context: { venue: this.venue, field: "instrument" },
        },
      );
    }
    return venueSymbol(s.instrument.symbol);
  }

  /** Opens the stream and (re)sends every subscription: each book starts again from a snapshot. */
  private openStream(): void {
    this.stream = this.connection.openStream(
      (text) => this.onMessage(text),
      () => this.onDropped(),
    );
    this.stream.send({ op: "orders", after: this.lastOrderSeq });
    for (const key of this.subscriptions) {
      const [ch, sym] = key.split(":") as [string, string];
      if (ch === "book") this.books.set(sym, undefined);
      this.stream.send({ op: "sub", ch, sym });
    }
  }

  private onDropped(): void {
    this.stream = undefined;
    if (this.closing) return;
    this.context.logger.warn(
      { venue: this.venue, retryMs: this.retryMs },
      "pebble stream dropped; reconnecting",
    );
    this.context.sink.onConnectionState?.("reconnecting", "stream dropped");
    this.retryTimer = setTimeout(() => this.reconnect(), this.retryMs);
  }

  private reconnect(): void {
    if (this.closing) return;
    try {
      this.openStream();
      this.retryMs = this.config.reconnectInitialMs;
      this.context.sink.onConnectionState?.("connected", "reconnected");
    } catch (error) {
      this.retryMs = Math.min(this.retryMs * 2, this.config.reconnectMaxMs);
      this.context.logger.warn(
        { venue: this.venue, err: error, retryMs: this.retryMs },
        "pebble reconnect failed",
      );
      this.retryTimer = setTimeout(() => this.reconnect(), this.retryMs);
    }
  }

  private onMessage(text: string): void {
    let msg: ReturnType<typeof parseStreamMessage>;
    try {
      msg = parseStreamMessage(text, this.instruments.idOf, this.context.clock.now());
    } catch (error) {
      if (!(error instanceof BadVenueMessageError)) throw error;
      this.badMessages++;
      this.context.logger.warn(
        { venue: this.venue, type: error.context.messageType, err: error },
        "bad pebble message",
      );
      this.context.sink.onError?.(error);
      return;
    }
    switch (msg.kind) {
      case "order":
        if (msg.update.seq <= this.lastOrderSeq) return; // replayed twice: already seen
        this.lastOrderSeq = msg.update.seq;
        this.onOrderUpdate(msg.update);
        return;
      case "trade": {
        const sym = venueSymbol(msg.event.instrument.symbol);
        if (this.subscriptions.has(`trades:${sym}`)) this.context.sink.onMarketEvent(msg.event);
        return;
      }
      case "book":
        this.onBook(msg);
        return;
      case "error":
        this.context.sink.onError?.(new VenueError("VENUE_ERROR", `${this.venue}: ${msg.message}`));
        return;
    }
  }

  private onBook(msg: Extract<ReturnType<typeof parseStreamMessage>, { kind: "book" }>): void {
    const sym = venueSymbol(msg.event.instrument.symbol);
    if (!this.books.has(sym)) return; // not subscribed (any more)
    const last = this.books.get(sym);
    if (msg.snapshot) {
      this.books.set(sym, msg.seq);
      this.context.sink.onMarketEvent(msg.event);
      return;
    }
    if (last === undefined || msg.seq <= last) return; // waiting for the snapshot, or already folded in
    if (msg.seq !== last + 1n) {
      // A gap: emit nothing more for this book until a fresh snapshot.
      this.context.logger.warn(
        { venue: this.venue, sym, expected: last + 1n, got: msg.seq },
        "pebble book gap; resync",
      );
      this.books.set(sym, undefined);
      this.stream?.send({ op: "unsub", ch: "book", sym });
      this.stream?.send({ op: "sub", ch: "book", sym });
      return;
    }
    this.books.set(sym, msg.seq);
    this.context.sink.onMarketEvent(msg.event);
  }
}
