import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EncodedRecord, SegmentLogWriter } from "@openfloor/core";
import { useKafka } from "@openfloor/testkit/vitest";
import { Admin, Consumer, Producer, stringSerializer } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LakeSession } from "../lake/lake-session.js";
import { computeMetrics } from "../metrics/compute-metrics.js";
import { scenarioRecords } from "../testing/scenario.js";
import { ingest } from "./ingest.js";
import { kafkaSource, recordTopics } from "./kafka-source.js";
import { segmentLogSource } from "./segment-log-source.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "of-sources-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { strategy: "alpha", from: "2024-01-01", to: "2024-01-04", capital: "100" } as const;

async function fillCount(lake: string): Promise<number> {
  const s = await LakeSession.open(lake);
  try {
    const [r] = await s.rows<{ n: string }>("SELECT count(*)::VARCHAR AS n FROM fill");
    return Number(r!.n);
  } finally {
    s.close();
  }
}

describe("segment log source", () => {
  it("ingests the local log, resumes after its checkpoint, and tails what is appended", async () => {
    const logDir = join(dir, "log");
    const lake = join(dir, "log-lake");
    const records = scenarioRecords();
    const half = Math.floor(records.length / 2);
    const log = await SegmentLogWriter.open({ dir: logDir, sync: false });
    for (const r of records.slice(0, half)) log.append(r);
    await log.flush();
    const first = await ingest({ lake, source: segmentLogSource({ dir: logDir }) });
    expect(first.records).toBe(half);
    for (const r of records.slice(half)) log.append(r);
    await log.close();
    const second = await ingest({ lake, source: segmentLogSource({ dir: logDir }) });
    expect(second.records).toBe(records.length - half);
    expect((await ingest({ lake, source: segmentLogSource({ dir: logDir }) })).records).toBe(0);
    expect(await fillCount(lake)).toBe(5);
    expect((await computeMetrics({ lake, ...base })).pnl.net).toBe("0.2");
  });
});

describe("Kafka source (@platformatic/kafka, real broker)", () => {
  it("reads the record topics to their end, once; the next run reads only what was produced since", async () => {
    const { brokers } = await useKafka();
    const prefix = `t${randomUUID().slice(0, 8)}.`;
    const admin = new Admin({ clientId: "test", bootstrapBrokers: brokers });
    await admin.createTopics({ topics: recordTopics(prefix), partitions: 2, replicas: 1 });
    await admin.close();
    const producer = new Producer<string, Buffer, string, string>({
      clientId: "test",
      bootstrapBrokers: brokers,
      serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
      idempotent: true,
    });
    // what the topics hold (a retried send may store a record twice; the lake must hold exactly that)
    const held = async () => {
      const c = new Consumer({ clientId: "test", bootstrapBrokers: brokers, groupId: `g-${randomUUID()}` });
      try {
        const ends = await c.listOffsets({ topics: recordTopics(prefix) });
        return [...ends.values()].flat().reduce((a, b) => a + Number(b), 0);
      } finally {
        await c.close(true);
      }
    };
    const send = (rs: readonly EncodedRecord[]) =>
      producer.send({
        messages: rs.map((r) => ({
          topic: prefix + r.topic.slice("openfloor.".length),
          key: r.key,
          value: Buffer.from(r.value),
          headers: r.headers,
          timestamp: BigInt(r.timestampMs),
        })),
      });
    const records = scenarioRecords();
    const lake = join(dir, "kafka-lake");
    const source = () => kafkaSource({ brokers, topicPrefix: prefix, idleMs: 1500 });
    try {
      await send(records.slice(0, 20));
      const first = await ingest({ lake, source: source() });
      expect(first.records).toBe(await held());
      expect(first.records).toBeGreaterThanOrEqual(20);
      expect((await ingest({ lake, source: source() })).records).toBe(0);
      await send(records.slice(20));
      const third = await ingest({ lake, source: source() });
      expect(first.records + third.records).toBe(await held());
      expect(third.records).toBeGreaterThanOrEqual(records.length - 20);
      expect(await fillCount(lake)).toBeGreaterThanOrEqual(5);
      expect((await computeMetrics({ lake, ...base })).pnl).toMatchObject({ net: "0.2", fees: "0.6" });
    } finally {
      await producer.close();
    }
  }, 120_000);
});
