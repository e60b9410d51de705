import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useKafka } from "@openfloor/testkit/vitest";
import { describe, expect, it } from "vitest";
import { Inbox } from "../aggregator/aggregator.test-support.js";
import { tradeProto } from "./fixtures.test-support.js";
import type { RecordMessage } from "./kafka-client.js";
import { KafkaSink } from "./kafka-sink.js";
import { Recorder } from "./recorder.js";
import { TopicConsumer } from "./topic-consumer.js";

describe("TopicConsumer", () => {
  it("rebuilt by restart(), resumes where its reader says it stands instead of at the start", async () => {
    const { brokers } = await useKafka();
    const prefix = `tc-${randomUUID().slice(0, 8)}.`;
    const spillDir = await mkdtemp(join(tmpdir(), "openfloor-tc-"));
    const recorder = await Recorder.open({
      sink: await KafkaSink.connect({ brokers, topics: { prefix, partitions: 2 } }),
      spillDir,
      topicPrefix: prefix,
    });
    for (let i = 0; i < 100; i++) recorder.record("trade", tradeProto(i), 1);
    await recorder.flush();
    const topic = `${prefix}md.trades`;
    const next = new Map<number, bigint>();
    const seen = new Inbox<RecordMessage>();
    const consumer = await TopicConsumer.start({
      brokers,
      topics: [topic],
      mode: "earliest",
      onMessage: (m) => {
        next.set(m.partition, m.offset + 1n);
        seen.push(m);
      },
      resumeFrom: () => [...next].map(([partition, offset]) => ({ topic, partition, offset })),
    });
    await seen.until(() => seen.items.length === 100, "the first 100");
    await consumer.restart();
    for (let i = 100; i < 150; i++) recorder.record("trade", tradeProto(i), 1);
    await recorder.flush();
    await seen.until(() => seen.items.length >= 150, "the next 50");
    // Nothing read twice: the rebuilt consumer started at the offsets it was given.
    expect(seen.items.length).toBe(150);
    expect(new Set(seen.items.map((m) => `${m.partition}:${m.offset}`)).size).toBe(150);
    await consumer.close();
    await recorder.close();
    await rm(spillDir, { recursive: true, force: true });
  });
});
