import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BookDelta,
  type BookLevel,
  type BookSnapshot,
  Decimal,
  instrumentId,
  type MarketEvent,
  marketEventToProto,
  OrderBook,
} from "@openfloor/core";
import { useKafka } from "@openfloor/testkit/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rng } from "../aggregator/aggregator.test-support.js";
import { tradeProto } from "./fixtures.test-support.js";
import { KafkaMarketDataSource } from "./kafka-market-data-source.js";
import { KafkaSink } from "./kafka-sink.js";
import { Recorder } from "./recorder.js";

const BTC = instrumentId("BTC/USDT", "sim");
const ETH = instrumentId("ETH/USDT", "sim");

function level(ticks: number, lots: number): BookLevel {
  return { price: Decimal.fromUnits(BigInt(ticks), 2), size: Decimal.fromUnits(BigInt(lots), 3) };
}

/** A snapshot of 20 levels a side, then deltas that move, add and remove levels. */
function bookStream(count: number): MarketEvent[] {
  const random = rng(11);
  const snapshot: BookSnapshot = {
    type: "book-snapshot",
    instrument: BTC,
    bids: Array.from({ length: 20 }, (_, i) => level(5_000_000 - i, 1 + i)),
    asks: Array.from({ length: 20 }, (_, i) => level(5_000_001 + i, 1 + i)),
    sequence: 100n,
    tsEventNs: 1n,
    tsRecvNs: 1n,
  };
  const events: MarketEvent[] = [snapshot];
  for (let s = 101n; events.length < count; s++) {
    const side = random() < 0.5;
    const ticks = side ? 5_000_000 - Math.floor(random() * 30) : 5_000_001 + Math.floor(random() * 30);
    const lots = random() < 0.2 ? 0 : 1 + Math.floor(random() * 900);
    const delta: BookDelta = {
      type: "book-delta",
      instrument: BTC,
      bids: side ? [level(ticks, lots)] : [],
      asks: side ? [] : [level(ticks, lots)],
      firstSequence: s,
      sequence: s,
      tsEventNs: s,
      tsRecvNs: s,
    };
    events.push(delta);
  }
  return events;
}

function apply(book: OrderBook, event: MarketEvent): void {
  if (event.type === "book-snapshot") book.applySnapshot(event);
  else if (event.type === "book-delta") expect(book.applyDelta(event).status).toBe("applied");
}

describe("KafkaMarketDataSource", () => {
  let brokers: string[];
  let spillDir: string;
  beforeAll(async () => {
    ({ brokers } = await useKafka());
    spillDir = await mkdtemp(join(tmpdir(), "openfloor-md-"));
  });
  afterAll(async () => {
    await rm(spillDir, { recursive: true, force: true });
  });

  it("replaying a recorded book topic rebuilds the same order book, and a live feed delivers new events", async () => {
    const prefix = `md-${randomUUID().slice(0, 8)}.`;
    const sink = await KafkaSink.connect({ brokers, topics: { prefix, partitions: 3 } });
    const recorder = await Recorder.open({ sink, spillDir, topicPrefix: prefix });
    const events = bookStream(2000);
    const live = new OrderBook({ instrument: BTC, priceIncrement: "0.01", sizeIncrement: "0.001" });
    for (const [i, event] of events.entries()) {
      apply(live, event);
      recorder.record("book", marketEventToProto(event), 1_700_000_000_000 + i);
      // Another instrument on the same topic, and trades on another: the source keeps only what was asked for.
      if (i % 10 === 0) {
        recorder.record("book", marketEventToProto({ ...(event as BookDelta), instrument: ETH }), 1);
        recorder.record("trade", tradeProto(i), 1);
      }
    }
    await recorder.flush();

    const replay = await KafkaMarketDataSource.open({
      brokers,
      topicPrefix: prefix,
      instruments: [BTC],
      kinds: ["book"],
      from: "earliest",
    });
    const rebuilt = new OrderBook({ instrument: BTC, priceIncrement: "0.01", sizeIncrement: "0.001" });
    let n = 0;
    for await (const event of replay) {
      expect(event.instrument).toEqual(BTC);
      apply(rebuilt, event);
      if (++n === events.length) break;
    }
    await replay.close();
    expect(rebuilt.sequence).toBe(live.sequence);
    expect(rebuilt.snapshot()).toEqual(live.snapshot());

    // A live source sees what is recorded after it opened.
    const feed = await KafkaMarketDataSource.open({
      brokers,
      topicPrefix: prefix,
      instruments: [BTC],
      kinds: ["trade"],
    });
    const first = (async () => {
      for await (const event of feed) return event;
      return undefined;
    })();
    // The source starts at the end: a trade recorded once it is open is the first one it yields.
    recorder.record("trade", tradeProto(424242), 2);
    await recorder.flush();
    expect(await first).toMatchObject({ type: "trade", tradeId: "t-424242" });
    await feed.close();
    await recorder.close();
  });

  it("fails to open within connectTimeoutMs when no broker answers, naming the brokers", async () => {
    const t0 = performance.now();
    const opening = KafkaMarketDataSource.open({ brokers: ["127.0.0.1:1"], connectTimeoutMs: 500 });
    await expect(opening).rejects.toMatchObject({
      code: "KAFKA_UNAVAILABLE",
      message: expect.stringContaining("127.0.0.1:1"),
    });
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
