import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { SegmentLogCursor, TOPICS } from "@openfloor/core";
import { Admin, Consumer, stringDeserializer } from "@platformatic/kafka";
import type { KafkaConnection } from "../ingest/kafka-source.js";
import type { SourceRecord } from "../ingest/source.js";

/**
 * Where the monitor reads live records: Kafka, a local segment log directory (tailed), or any async
 * iterable of records (tests, a custom bus).
 */
export type MonitorSource =
  | { readonly kafka: KafkaConnection }
  | { readonly logDir: string; readonly topicPrefix?: string }
  | { readonly records: AsyncIterable<SourceRecord> };

/** Topics the monitor follows: latest-value topics from their start, event topics from the lookback. */
const FROM_START = ["position", "risk-state"] as const;
const RECENT = ["performance", "order-event"] as const;

export interface LiveOptions {
  readonly lookbackMs: number;
  readonly pollMs: number;
  readonly signal: AbortSignal;
}

export function liveRecords(source: MonitorSource, options: LiveOptions): AsyncIterable<SourceRecord> {
  if ("records" in source) return source.records;
  if ("logDir" in source) return tailLog(source.logDir, source.topicPrefix ?? "openfloor.", options);
  return followKafka(source.kafka, options);
}

async function* tailLog(dir: string, prefix: string, options: LiveOptions): AsyncIterable<SourceRecord> {
  const cursors = [...FROM_START, ...RECENT].map(
    (k) => new SegmentLogCursor(dir, prefix + TOPICS[k].topic, 0n),
  );
  const since = Date.now() - options.lookbackMs;
  try {
    while (!options.signal.aborted) {
      let got = 0;
      for (const [i, cursor] of cursors.entries()) {
        const batch = await cursor.next(1000);
        got += batch.length;
        const recent = i >= FROM_START.length;
        for (const { record } of batch) {
          if (recent && record.timestampMs < since) continue;
          yield {
            topic: record.topic,
            key: record.key,
            headers: record.headers,
            value: record.value,
            timestampMs: record.timestampMs,
          };
        }
      }
      if (got === 0) await sleep(options.pollMs, undefined, { signal: options.signal }).catch(() => {});
    }
  } finally {
    for (const c of cursors) await c.close();
  }
}

async function* followKafka(kafka: KafkaConnection, options: LiveOptions): AsyncIterable<SourceRecord> {
  const prefix = kafka.topicPrefix ?? "openfloor.";
  const clientId = kafka.clientId ?? "openfloor-monitor";
  const admin = new Admin({ clientId, bootstrapBrokers: [...kafka.brokers], retries: 3 });
  let existing: string[];
  try {
    existing = await admin.listTopics();
  } finally {
    await admin.close().catch(() => {});
  }
  const fromStart = FROM_START.map((k) => prefix + TOPICS[k].topic).filter((t) => existing.includes(t));
  const recent = RECENT.map((k) => prefix + TOPICS[k].topic).filter((t) => existing.includes(t));
  const topics = [...fromStart, ...recent];
  if (topics.length === 0) return;
  const consumer = new Consumer<string, Buffer, string, string>({
    clientId,
    bootstrapBrokers: [...kafka.brokers],
    groupId: `openfloor-monitor-${randomUUID()}`,
    maxWaitTime: 200,
    deserializers: {
      key: stringDeserializer,
      headerKey: stringDeserializer,
      headerValue: stringDeserializer,
    },
  });
  try {
    const ends = await consumer.listOffsets({ topics });
    const earliest = await consumer.listOffsets({ topics, timestamp: -2n });
    const byTime =
      recent.length === 0
        ? new Map<string, bigint[]>()
        : await consumer.listOffsets({ topics: recent, timestamp: BigInt(Date.now() - options.lookbackMs) });
    const offsets: { topic: string; partition: number; offset: bigint }[] = [];
    for (const topic of topics) {
      (ends.get(topic) ?? []).forEach((end, partition) => {
        const at = fromStart.includes(topic)
          ? (earliest.get(topic)?.[partition] ?? 0n)
          : (byTime.get(topic)?.[partition] ?? -1n);
        offsets.push({ topic, partition, offset: at < 0n ? end : at });
      });
    }
    const stream = await consumer.consume({
      topics,
      mode: "manual",
      offsets,
      fallbackMode: "latest",
      autocommit: false,
    });
    const stop = () => void stream.close().catch(() => {});
    options.signal.addEventListener("abort", stop, { once: true });
    try {
      for await (const m of stream) {
        if (options.signal.aborted) break;
        yield {
          topic: m.topic,
          key: m.key,
          headers: Object.fromEntries(m.headers),
          value: m.value,
          timestampMs: Number(m.timestamp),
        };
      }
    } finally {
      options.signal.removeEventListener("abort", stop);
      await stream.close().catch(() => {});
    }
  } finally {
    await consumer.close(true).catch(() => {});
  }
}
