import {
  BarBuilder,
  type BookDelta,
  type Clock,
  formatInstrumentId,
  type InstrumentId,
  type MarketEvent,
  parseBarInterval,
} from "@openfloor/core";
import type { MarketChannel, MarketSubscription } from "../contract/adapter.js";

/** Key of a subscription: channel, instrument and bar interval. */
export function subscriptionKey(s: MarketSubscription): string {
  return `${s.channel}|${formatInstrumentId(s.instrument)}|${s.channel === "bars" ? (s.interval ?? "1m") : ""}`;
}

interface BookStream {
  /** Sequence of the last book event delivered; undefined while waiting for a snapshot. */
  sequence: bigint | undefined;
}

interface BarStream {
  readonly builder: BarBuilder;
  cancelTimer: (() => void) | undefined;
  /** The venue sends bars of this interval itself (replayed data): pass them on, build none. */
  recorded: boolean;
}

/**
 * The client side of a market-data stream from a simulated venue, shared by `SimAdapter` and
 * `RemoteSimAdapter`: it keeps the subscriptions, checks book sequences (a delta that does not
 * continue the last one is dropped and a fresh snapshot requested), builds bars from trades, and
 * hands events to the sink with `tsRecvNs` set to the arrival time.
 */
export class MarketDataLink {
  private readonly subs = new Map<string, MarketSubscription>();
  private readonly books = new Map<string, BookStream>();
  private readonly bars = new Map<string, BarStream[]>();
  private readonly gapOnce = new Set<string>();
  private gapAll = 0;
  /** Book deltas dropped because they did not continue the stream (each one triggers a resync). */
  gaps = 0;

  constructor(
    private readonly clock: Clock,
    private readonly deliver: (event: MarketEvent) => void,
    private readonly requestSnapshot: (instrument: InstrumentId) => void,
  ) {}

  has(s: MarketSubscription): boolean {
    return this.subs.has(subscriptionKey(s));
  }

  /** All subscriptions, e.g. to renew them after a reconnect. */
  list(): MarketSubscription[] {
    return [...this.subs.values()];
  }

  /** Channels of one instrument someone subscribed to. */
  channels(instrument: InstrumentId): Set<MarketChannel> {
    const key = formatInstrumentId(instrument);
    const out = new Set<MarketChannel>();
    for (const s of this.subs.values()) if (formatInstrumentId(s.instrument) === key) out.add(s.channel);
    return out;
  }

  add(s: MarketSubscription): void {
    const key = subscriptionKey(s);
    if (this.subs.has(key)) return;
    this.subs.set(key, s);
    const id = formatInstrumentId(s.instrument);
    if (s.channel === "book") this.books.set(id, { sequence: undefined });
    if (s.channel === "bars") {
      const stream: BarStream = {
        builder: new BarBuilder({ instrument: s.instrument, interval: s.interval ?? "1m" }),
        cancelTimer: undefined,
        recorded: false,
      };
      this.bars.set(id, [...(this.bars.get(id) ?? []), stream]);
      this.armBar(stream);
    }
  }

  remove(s: MarketSubscription): void {
    const key = subscriptionKey(s);
    if (!this.subs.delete(key)) return;
    const id = formatInstrumentId(s.instrument);
    if (s.channel === "book") this.books.delete(id);
    if (s.channel === "bars") {
      const interval = parseBarInterval(s.interval ?? "1m").text;
      const kept: BarStream[] = [];
      for (const b of this.bars.get(id) ?? []) {
        if (b.builder.interval.text === interval) b.cancelTimer?.();
        else kept.push(b);
      }
      if (kept.length === 0) this.bars.delete(id);
      else this.bars.set(id, kept);
    }
  }

  clear(): void {
    for (const streams of this.bars.values()) for (const b of streams) b.cancelTimer?.();
    this.subs.clear();
    this.books.clear();
    this.bars.clear();
  }

  /** Marks every book as waiting for a snapshot (after a reconnect). */
  resetBooks(): void {
    for (const b of this.books.values()) b.sequence = undefined;
  }

  /** Test hook: drops the next book delta of `instrument` (of every book if omitted) as if lost. */
  injectGap(instrument?: InstrumentId): void {
    if (instrument === undefined) this.gapAll++;
    else this.gapOnce.add(formatInstrumentId(instrument));
  }

  /** An event from the venue. */
  receive(event: MarketEvent): void {
    const id = formatInstrumentId(event.instrument);
    switch (event.type) {
      case "book-snapshot": {
        const book = this.books.get(id);
        if (book === undefined) return;
        if (book.sequence !== undefined && event.sequence <= book.sequence) return;
        book.sequence = event.sequence;
        this.emit(event);
        return;
      }
      case "book-delta":
        this.receiveDelta(id, event);
        return;
      case "trade": {
        if (this.subs.has(`trades|${id}|`)) this.emit(event);
        const streams = this.bars.get(id);
        if (streams !== undefined) {
          for (const b of streams) {
            if (b.recorded) continue;
            const bar = b.builder.onTrade(event);
            if (bar !== undefined) this.deliver(bar);
          }
        }
        return;
      }
      case "quote":
        if (this.subs.has(`quotes|${id}|`)) this.emit(event);
        return;
      case "bar": {
        const stream = this.bars.get(id)?.find((b) => b.builder.interval.text === event.interval);
        if (stream === undefined) return;
        if (!stream.recorded) {
          stream.recorded = true;
          stream.cancelTimer?.();
        }
        this.deliver(event);
        return;
      }
    }
  }

  private receiveDelta(id: string, delta: BookDelta): void {
    const book = this.books.get(id);
    if (book === undefined || book.sequence === undefined) return;
    if (this.gapAll > 0 || this.gapOnce.has(id)) {
      if (this.gapAll > 0) this.gapAll--;
      this.gapOnce.delete(id);
      return;
    }
    if (delta.sequence <= book.sequence) return;
    if (delta.firstSequence > book.sequence + 1n) {
      this.gaps++;
      book.sequence = undefined;
      this.requestSnapshot(delta.instrument);
      return;
    }
    book.sequence = delta.sequence;
    this.emit(delta);
  }

  private emit(event: MarketEvent): void {
    if (event.type === "bar") {
      this.deliver(event);
      return;
    }
    this.deliver({ ...event, tsRecvNs: this.clock.now() });
  }

  /** Closes bars on time even when no trade arrives after the interval. */
  private armBar(stream: BarStream): void {
    const now = this.clock.now();
    const len = stream.builder.interval.ns;
    const next = (now / len + 1n) * len;
    stream.cancelTimer = this.clock.setTimer(Number(next - now) / 1_000_000, () => {
      if (stream.recorded) return;
      const bar = stream.builder.flush(this.clock.now());
      if (bar !== undefined) this.deliver(bar);
      this.armBar(stream);
    });
  }
}
