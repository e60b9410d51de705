// Helpers for aggregator tests (not part of the package's public face).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Decimal,
  decodeRecord,
  defineInstrument,
  type Fill,
  fillFromProto,
  type Instrument,
  instrumentId,
  Portfolio,
  type PositionSnapshot,
  type pb,
  positionFromProto,
} from "@openfloor/core";
import { fillProto } from "../recording/fixtures.test-support.js";
import { messageHeaders, recordOfMessage } from "../recording/kafka-client.js";
import { KafkaSink } from "../recording/kafka-sink.js";
import { Recorder } from "../recording/recorder.js";
import { TopicConsumer } from "../recording/topic-consumer.js";

export const spot = (venue: string): Instrument =>
  defineInstrument({
    id: instrumentId("BTC/USDT", venue),
    kind: "spot",
    base: "BTC",
    quote: "USDT",
    priceIncrement: "0.01",
    sizeIncrement: "0.001",
  });

/** xorshift32: the same stream every run. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** Fill `i` of a stream spread over two venues, three accounts and two strategies. */
export function streamFill(i: number, venues: readonly string[], random: () => number): pb.Fill {
  const venue = venues[i % venues.length]!;
  const cents = Math.floor(random() * 20_000);
  return fillProto({
    id: `${venue}-${i}`,
    account: `acct-${i % 3}`,
    strategyId: `s${Math.floor(i / 2) % 2}`,
    instrument: instrumentId("BTC/USDT", venue),
    side: random() < 0.55 ? "buy" : "sell",
    price: Decimal.fromUnits(5_000_000n * 100n - 10_000n + BigInt(cents), 2).toString(),
    quantity: Decimal.fromUnits(BigInt(1 + Math.floor(random() * 50)), 3).toString(),
    fee: Decimal.fromUnits(BigInt(Math.floor(random() * 100)), 4).toString(),
    tsNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n,
  });
}

/** A simulated gateway: its own recorder (idempotent Kafka producer, spill log) writing fills. */
export async function gatewayRecorder(brokers: readonly string[], prefix: string): Promise<Recorder> {
  const sink = await KafkaSink.connect({ brokers, topics: { prefix, partitions: 3 } });
  return Recorder.open({
    sink,
    spillDir: await mkdtemp(join(tmpdir(), "openfloor-gw-spill-")),
    topicPrefix: prefix,
    spillSync: false,
  });
}

/** The positions a core Portfolio computes from the same fills (duplicates by venue + fill id dropped). */
export function expectedPositions(
  fills: readonly pb.Fill[],
  instruments: readonly Instrument[],
): Map<string, { quantity: Decimal; realized: Decimal }> {
  const byStrategy = new Portfolio({ reportCurrency: "USDT", instruments, perStrategy: true });
  const byAccount = new Portfolio({ reportCurrency: "USDT", instruments, perStrategy: false });
  const seen = new Set<string>();
  for (const p of fills) {
    const f: Fill = fillFromProto(p);
    const id = `${f.instrument.venue}|${f.fillId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    byAccount.applyFill(f);
    byStrategy.applyFill(f);
  }
  const out = new Map<string, { quantity: Decimal; realized: Decimal }>();
  for (const pos of [...byAccount.positions(), ...byStrategy.positions()]) {
    const key = `${pos.account}|${pos.instrument.id.symbol}:${pos.instrument.id.venue}|${pos.strategyId}`;
    out.set(key, { quantity: pos.quantity, realized: pos.realizedPnl });
  }
  return out;
}

/** Gross exposure of the account-level positions at their marks (the last fill price), as core computes it. */
export function expectedGross(fills: readonly pb.Fill[], instruments: readonly Instrument[]): Decimal {
  const byAccount = new Portfolio({ reportCurrency: "USDT", instruments, perStrategy: false });
  const seen = new Set<string>();
  for (const p of fills) {
    const f = fillFromProto(p);
    if (seen.has(`${f.instrument.venue}|${f.fillId}`)) continue;
    seen.add(`${f.instrument.venue}|${f.fillId}`);
    byAccount.applyFill(f);
  }
  return byAccount.exposure().gross.amount;
}

/** Follows the positions topic from its start, keeping the latest snapshot (and headers) per key. */
export class PositionsWatcher {
  readonly latest = new Map<string, { snapshot: PositionSnapshot; headers: Record<string, string> }>();
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  private consumer: TopicConsumer | undefined;

  static async start(brokers: readonly string[], topic: string): Promise<PositionsWatcher> {
    const w = new PositionsWatcher();
    w.consumer = await TopicConsumer.start({
      brokers,
      topics: [topic],
      mode: "earliest",
      onMessage: (m) => {
        const record = recordOfMessage(m);
        if (record === undefined) return;
        const decoded = decodeRecord(record.headers, record.value);
        if (decoded.kind !== "position") return;
        w.latest.set(m.key ?? "", { snapshot: positionFromProto(decoded.value), headers: messageHeaders(m) });
        w.waiters = w.waiters.filter((x) => {
          if (!x.check()) return true;
          x.resolve();
          return false;
        });
      },
    });
    return w;
  }

  /** Whether every expected position is published with exactly these values. */
  matches(expected: ReadonlyMap<string, { quantity: Decimal; realized: Decimal }>): boolean {
    for (const [key, e] of expected) {
      const got = this.latest.get(key)?.snapshot;
      if (got === undefined || !got.quantity.eq(e.quantity) || !got.realizedPnl.amount.eq(e.realized))
        return false;
    }
    return true;
  }

  /** Resolves when `check` holds after a position record arrives; rejects after `timeoutMs`. */
  until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  close(): Promise<void> {
    return this.consumer?.close() ?? Promise.resolve();
  }
}

/** Items pushed by callbacks, and a way to wait for one that matches (no polling). */
export class Inbox<T> {
  readonly items: T[] = [];
  private waiters: { check: (item: T) => boolean; resolve: () => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (!w.check(item)) return true;
      w.resolve();
      return false;
    });
  }

  last(): T | undefined {
    return this.items[this.items.length - 1];
  }

  /** Resolves when the latest item matches (now or when a later one arrives); rejects after `timeoutMs`. */
  until(check: (item: T) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const last = this.last();
    if (last !== undefined && check(last)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}
