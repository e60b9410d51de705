import { type BookSnapshot, formatInstrumentId, type MarketEvent } from "@openfloor/core";
import type { SlowConsumerPolicyName } from "../config/schema.js";
import type { Envelope } from "./frame-encoding.js";

/** Event types a subscriber can ask for. */
export type MarketEventType = "trade" | "quote" | "book" | "bar";

/**
 * Where a subscriber's frames go (a gRPC stream, or an in-process listener). `write` returns false
 * when the receiver's buffer is full; the subscriber then holds frames until `onDrain` fires.
 */
export interface FrameSink {
  write(events: readonly Envelope[], dropped: number, frameSequence: bigint): boolean;
  onDrain(listener: () => void): void;
  /** Ends the subscription: with `error` for a slow consumer that was disconnected. */
  close(error?: Error): void;
}

/** What the subscriber needs from the data engine. */
export interface SubscriberHost {
  /** The current book of an instrument cut to `depth` levels (0 = all), if the engine has one in sync. */
  snapshot(instrumentKey: string, depth: number): BookSnapshot | undefined;
  /** Called when frames were written, for metrics. */
  onFlushed(events: number, oldestRecvHr: bigint): void;
  onSlowConsumer(action: SlowConsumerPolicyName, dropped: number): void;
  onClosed(subscriber: MarketDataSubscriber): void;
}

export interface SubscriberOptions {
  readonly instruments: ReadonlySet<string>;
  readonly types: ReadonlySet<MarketEventType>;
  /** Book levels per side in snapshots; 0 = all. Deltas are forwarded as the venue sends them. */
  readonly depth: number;
  /** Bar intervals wanted, e.g. "1m"; empty means every interval. */
  readonly barIntervals: ReadonlySet<string>;
  readonly policy: SlowConsumerPolicyName;
  /** Events per frame at most. */
  readonly frameMaxEvents: number;
  /** Events held for a blocked receiver before the policy applies. */
  readonly queueMaxEvents: number;
}

export function eventTypeOf(event: MarketEvent): MarketEventType {
  switch (event.type) {
    case "book-snapshot":
    case "book-delta":
      return "book";
    default:
      return event.type;
  }
}

/**
 * One subscription's queue. Events are batched into frames: a flush runs once per event-loop turn
 * (or as soon as a frame is full). When the receiver stops taking frames, events pile up; past
 * `queueMaxEvents` the subscriber either conflates (keeps only the latest quote and bar per
 * instrument and a fresh book snapshot instead of the deltas, counting what it dropped) or ends the
 * stream, as its policy says. Either way the data engine and other subscribers never wait for it.
 */
export class MarketDataSubscriber {
  private queue: Envelope[] = [];
  /** Index of the first unsent event in `queue` (a frame takes from the front without copying the rest). */
  private head = 0;
  private dropped = 0;
  private frameSequence = 0n;
  private blocked = false;
  private scheduled = false;
  private closed = false;
  private conflating = false;
  /** Instruments whose book this subscriber has a snapshot for; deltas of others are not sent. */
  private readonly booksInSync = new Set<string>();
  private readonly latest = new Map<string, Envelope>();
  private readonly snapshotsOwed = new Set<string>();

  constructor(
    readonly options: SubscriberOptions,
    private readonly sink: FrameSink,
    private readonly host: SubscriberHost,
  ) {
    sink.onDrain(() => {
      this.blocked = false;
      this.flush();
    });
  }

  /** Events waiting to be written. */
  get depth(): number {
    return this.queue.length - this.head + this.latest.size + this.snapshotsOwed.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues the initial book snapshot of an instrument (called right after subscribing). */
  start(): void {
    if (!this.options.types.has("book")) return;
    for (const key of this.options.instruments) {
      const snapshot = this.host.snapshot(key, this.options.depth);
      if (snapshot !== undefined) {
        this.booksInSync.add(key);
        this.enqueue({ event: snapshot, recvHr: process.hrtime.bigint() });
      }
    }
  }

  /** Offers an event the engine dispatched for one of this subscriber's instruments. */
  offer(envelope: Envelope, instrumentKey: string): void {
    if (this.closed) return;
    const event = envelope.event;
    switch (event.type) {
      case "book-snapshot":
        if (!this.options.types.has("book")) return;
        this.booksInSync.add(instrumentKey);
        if (
          this.options.depth > 0 &&
          (event.bids.length > this.options.depth || event.asks.length > this.options.depth)
        ) {
          this.enqueue({ event: cutSnapshot(event, this.options.depth), recvHr: envelope.recvHr });
          return;
        }
        break;
      case "book-delta":
        if (!this.options.types.has("book")) return;
        if (!this.booksInSync.has(instrumentKey)) {
          // Covered by the snapshot owed to a conflated subscriber; otherwise it precedes the first snapshot.
          if (this.snapshotsOwed.has(instrumentKey)) this.dropped++;
          return;
        }
        break;
      case "bar":
        if (!this.options.types.has("bar")) return;
        if (this.options.barIntervals.size > 0 && !this.options.barIntervals.has(event.interval)) return;
        break;
      default:
        if (!this.options.types.has(event.type)) return;
    }
    this.enqueue(envelope);
  }

  private enqueue(envelope: Envelope): void {
    if (this.conflating) {
      this.conflate(envelope);
      return;
    }
    this.queue.push(envelope);
    const queued = this.queue.length - this.head;
    if (this.blocked) {
      if (queued > this.options.queueMaxEvents) this.overflow();
      return;
    }
    if (queued >= this.options.frameMaxEvents) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private overflow(): void {
    if (this.options.policy === "disconnect") {
      const dropped = this.queue.length - this.head;
      this.host.onSlowConsumer("disconnect", dropped);
      this.close(
        Object.assign(
          new Error(`slow consumer: more than ${this.options.queueMaxEvents} market events queued`),
          {
            code: "SLOW_CONSUMER",
          },
        ),
      );
      return;
    }
    const before = this.dropped;
    this.conflating = true;
    const queued = this.queue;
    const head = this.head;
    this.queue = [];
    this.head = 0;
    for (let i = head; i < queued.length; i++) this.conflate(queued[i]!);
    this.host.onSlowConsumer("conflate", this.dropped - before);
  }

  /** Folds an event into the conflated state: latest quote/bar per key, a snapshot owed for books, trades dropped. */
  private conflate(envelope: Envelope): void {
    const event = envelope.event;
    const key = formatInstrumentId(event.instrument);
    switch (event.type) {
      case "trade":
        this.dropped++;
        return;
      case "quote":
        if (this.latest.has(`q|${key}`)) this.dropped++;
        this.latest.set(`q|${key}`, envelope);
        return;
      case "bar":
        if (this.latest.has(`b|${key}|${event.interval}`)) this.dropped++;
        this.latest.set(`b|${key}|${event.interval}`, envelope);
        return;
      default:
        this.dropped++;
        this.snapshotsOwed.add(key);
        this.booksInSync.delete(key);
    }
  }

  /** Leaves conflation: the owed snapshots (taken now) and the latest quotes and bars go out first. */
  private unconflate(): void {
    this.conflating = false;
    const now = process.hrtime.bigint();
    for (const key of this.snapshotsOwed) {
      const snapshot = this.host.snapshot(key, this.options.depth);
      if (snapshot !== undefined) {
        this.booksInSync.add(key);
        this.queue.push({ event: snapshot, recvHr: now });
      }
    }
    this.snapshotsOwed.clear();
    for (const envelope of this.latest.values()) this.queue.push(envelope);
    this.latest.clear();
  }

  /** Writes frames until the queue is empty or the receiver pushes back. */
  flush(): void {
    if (this.closed || this.blocked) return;
    if (this.conflating) this.unconflate();
    const max = this.options.frameMaxEvents;
    while (this.queue.length > this.head || this.dropped > 0) {
      let batch: Envelope[];
      if (this.head === 0 && this.queue.length <= max) {
        batch = this.queue;
        this.queue = [];
      } else {
        const end = Math.min(this.queue.length, this.head + max);
        batch = this.queue.slice(this.head, end);
        this.head = end;
        if (this.head === this.queue.length) {
          this.queue = [];
          this.head = 0;
        } else if (this.head > 16_384 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
      }
      const dropped = this.dropped;
      this.dropped = 0;
      this.frameSequence++;
      const oldest = batch[0]?.recvHr ?? process.hrtime.bigint();
      const writable = this.sink.write(batch, dropped, this.frameSequence);
      this.host.onFlushed(batch.length, oldest);
      if (!writable) {
        this.blocked = true;
        return;
      }
    }
  }

  /** Ends the subscription (the receiver went away, the gateway stops, or the policy dropped it). */
  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.head = 0;
    this.latest.clear();
    this.snapshotsOwed.clear();
    this.host.onClosed(this);
    this.sink.close(error);
  }
}

function cutSnapshot(snapshot: BookSnapshot, depth: number): BookSnapshot {
  return { ...snapshot, bids: snapshot.bids.slice(0, depth), asks: snapshot.asks.slice(0, depth) };
}
