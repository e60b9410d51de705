import { type BookSnapshot, Decimal, instrumentId, type MarketEvent } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import type { Envelope } from "./frame-encoding.js";
import {
  type FrameSink,
  MarketDataSubscriber,
  type SubscriberHost,
  type SubscriberOptions,
} from "./market-data-subscriber.js";

const btc = instrumentId("BTC/USDT", "sim");
const KEY = "BTC/USDT:sim";

function snapshot(sequence: bigint): BookSnapshot {
  return {
    type: "book-snapshot",
    instrument: btc,
    bids: [{ price: Decimal.from(99), size: Decimal.ONE }],
    asks: [{ price: Decimal.from(101), size: Decimal.ONE }],
    sequence,
    tsEventNs: 0n,
    tsRecvNs: 0n,
  };
}

function delta(sequence: bigint): MarketEvent {
  return {
    type: "book-delta",
    instrument: btc,
    bids: [{ price: Decimal.from(99), size: Decimal.from(2) }],
    asks: [],
    firstSequence: sequence,
    sequence,
    tsEventNs: 0n,
    tsRecvNs: 0n,
  };
}

function quote(bid: number): MarketEvent {
  return {
    type: "quote",
    instrument: btc,
    bidPrice: Decimal.from(bid),
    bidSize: Decimal.ONE,
    askPrice: Decimal.from(bid + 2),
    askSize: Decimal.ONE,
    tsEventNs: 0n,
    tsRecvNs: 0n,
  };
}

function trade(id: number): MarketEvent {
  return {
    type: "trade",
    instrument: btc,
    price: Decimal.from(100),
    size: Decimal.ONE,
    aggressor: "buy",
    tradeId: String(id),
    tsEventNs: 0n,
    tsRecvNs: 0n,
  };
}

/** A sink that takes `capacity` frames, then pushes back until `drain()`. */
class TestSink implements FrameSink {
  readonly frames: { events: MarketEvent[]; dropped: number; seq: bigint }[] = [];
  closedWith: Error | undefined | null = null;
  private drainListener: (() => void) | undefined;
  constructor(public capacity = Number.POSITIVE_INFINITY) {}
  write(events: readonly Envelope[], dropped: number, seq: bigint): boolean {
    this.frames.push({ events: events.map((e) => e.event), dropped, seq });
    return this.frames.length < this.capacity;
  }
  onDrain(listener: () => void): void {
    this.drainListener = listener;
  }
  drain(): void {
    this.capacity = Number.POSITIVE_INFINITY;
    this.drainListener?.();
  }
  close(error?: Error): void {
    this.closedWith = error;
  }
}

function host(book: BookSnapshot | undefined): SubscriberHost & { slow: string[] } {
  const slow: string[] = [];
  return {
    slow,
    snapshot: () => book,
    onFlushed: () => {},
    onSlowConsumer: (action) => slow.push(action),
    onClosed: () => {},
  };
}

const options = (overrides: Partial<SubscriberOptions> = {}): SubscriberOptions => ({
  instruments: new Set([KEY]),
  types: new Set(["trade", "quote", "book", "bar"]),
  depth: 0,
  barIntervals: new Set(),
  policy: "conflate",
  frameMaxEvents: 4,
  queueMaxEvents: 8,
  ...overrides,
});

const env = (event: MarketEvent): Envelope => ({ event, recvHr: process.hrtime.bigint() });

describe("MarketDataSubscriber", () => {
  it("sends the snapshot first and batches events into frames of at most frameMaxEvents", () => {
    const sink = new TestSink();
    const s = new MarketDataSubscriber(options(), sink, host(snapshot(10n)));
    s.start();
    for (let i = 11; i <= 19; i++) s.offer(env(delta(BigInt(i))), KEY);
    s.flush();
    expect(sink.frames.map((f) => f.events.length)).toEqual([4, 4, 2]);
    expect(sink.frames[0]?.events[0]?.type).toBe("book-snapshot");
    expect(sink.frames.map((f) => f.seq)).toEqual([1n, 2n, 3n]);
  });

  it("drops deltas until the subscriber has a snapshot", () => {
    const sink = new TestSink();
    const s = new MarketDataSubscriber(options(), sink, host(undefined));
    s.start();
    s.offer(env(delta(5n)), KEY);
    s.offer(env(snapshot(5n)), KEY);
    s.offer(env(delta(6n)), KEY);
    s.flush();
    expect(sink.frames.flatMap((f) => f.events.map((e) => e.type))).toEqual(["book-snapshot", "book-delta"]);
  });

  it("conflates a slow consumer: latest quote, a fresh snapshot instead of deltas, dropped count reported", () => {
    const sink = new TestSink(1);
    const s = new MarketDataSubscriber(options(), sink, host(snapshot(100n)));
    s.start();
    s.flush(); // the snapshot frame fills the sink
    for (let i = 0; i < 20; i++) {
      s.offer(env(quote(90 + i)), KEY);
      s.offer(env(trade(i)), KEY);
      s.offer(env(delta(101n + BigInt(i))), KEY);
    }
    expect(sink.frames).toHaveLength(1);
    expect(s.depth).toBeLessThanOrEqual(2);
    sink.drain();
    const events = sink.frames.slice(1).flatMap((f) => f.events);
    expect(events.map((e) => e.type)).toEqual(["book-snapshot", "quote"]);
    expect(events[1]?.type === "quote" && events[1].bidPrice.toString()).toBe("109");
    expect(sink.frames[1]?.dropped).toBe(59);
    expect(sink.closedWith).toBeNull();
  });

  it("disconnects a slow consumer whose policy says so, without waiting for it", () => {
    const sink = new TestSink(1);
    const h = host(snapshot(1n));
    const s = new MarketDataSubscriber(options({ policy: "disconnect" }), sink, h);
    s.start();
    s.flush();
    for (let i = 0; i < 9; i++) s.offer(env(trade(i)), KEY);
    expect(sink.closedWith).toBeInstanceOf(Error);
    expect((sink.closedWith as Error & { code?: string }).code).toBe("SLOW_CONSUMER");
    expect(h.slow).toEqual(["disconnect"]);
    expect(s.isClosed).toBe(true);
  });

  it("filters by event type and bar interval", () => {
    const sink = new TestSink();
    const s = new MarketDataSubscriber(
      options({ types: new Set(["bar"]), barIntervals: new Set(["1m"]) }),
      sink,
      host(undefined),
    );
    const bar = (interval: string): MarketEvent => ({
      type: "bar",
      instrument: btc,
      interval,
      open: Decimal.ONE,
      high: Decimal.ONE,
      low: Decimal.ONE,
      close: Decimal.ONE,
      volume: Decimal.ONE,
      tsOpenNs: 0n,
      tsCloseNs: 1n,
    });
    s.offer(env(trade(1)), KEY);
    s.offer(env(bar("1s")), KEY);
    s.offer(env(bar("1m")), KEY);
    s.flush();
    expect(sink.frames.flatMap((f) => f.events.map((e) => (e.type === "bar" ? e.interval : e.type)))).toEqual(
      ["1m"],
    );
  });
});
