import { randomUUID } from "node:crypto";
import { TOPICS } from "@openfloor/core";
import { Admin, Consumer, stringDeserializer } from "@platformatic/kafka";
import { AnalyticsError } from "../errors.js";
import type { JsonValue } from "../lake/checkpoint.js";
import type { IngestSource, SourceRecord } from "./source.js";

/** Where the brokers are. */
export interface KafkaConnection {
  /** Bootstrap brokers, `host:port`. @example ["127.0.0.1:9092"] */
  readonly brokers: readonly string[];
  /** Prefix of the record topics. Default "openfloor.". */
  readonly topicPrefix?: string;
  /** Client id reported to the brokers. Default "openfloor-analytics". */
  readonly clientId?: string;
}

/** Options of `kafkaSource`. */
export interface KafkaSourceOptions extends KafkaConnection {
  /** Topics to read. Default: every record topic of `@openfloor/core` (`TOPICS`) with the prefix that exists. */
  readonly topics?: readonly string[];
  /** Names the checkpoint. Default `kafka-<prefix>`. */
  readonly id?: string;
  /**
   * Partitions that delivered nothing for this long are taken as read up to their end offset (the
   * offsets left are compacted away or transaction markers). Default 3000 ms.
   */
  readonly idleMs?: number;
}

type Position = Record<string, string>;

const tp = (topic: string, partition: number) => `${topic}/${partition}`;

export function recordTopics(prefix: string): string[] {
  return [...new Set(Object.values(TOPICS).map((t) => prefix + t.topic))];
}

/**
 * Kafka record topics as an ingest source, read with `@platformatic/kafka` from the checkpointed
 * offsets to the end offsets seen when the run starts (records produced meanwhile wait for the next
 * run). The position is the next offset of each partition; no consumer-group offsets are committed
 * (the lake's checkpoint is the only truth, written after the Parquet parts).
 * @example await ingest({ lake: "./lake", source: kafkaSource({ brokers: ["127.0.0.1:9092"] }) })
 */
export function kafkaSource(options: KafkaSourceOptions): IngestSource {
  const prefix = options.topicPrefix ?? "openfloor.";
  const position: Position = {};
  return {
    id: options.id ?? `kafka-${prefix.replace(/\.$/, "") || "default"}`,
    position: (): JsonValue => ({ ...position }),
    async *records(from): AsyncIterable<SourceRecord> {
      if (from !== null && typeof from === "object" && !Array.isArray(from)) {
        for (const [k, v] of Object.entries(from)) if (typeof v === "string") position[k] = v;
      }
      const clientId = options.clientId ?? "openfloor-analytics";
      const admin = new Admin({ clientId, bootstrapBrokers: [...options.brokers], retries: 3 });
      let existing: string[];
      try {
        existing = await admin.listTopics();
      } catch (e) {
        throw new AnalyticsError(
          "SOURCE_FAILED",
          `cannot list Kafka topics at ${options.brokers.join(",")}: ${(e as Error).message}`,
          {
            cause: e,
            context: { brokers: options.brokers.join(",") },
          },
        );
      } finally {
        await admin.close().catch(() => {});
      }
      const wanted = options.topics ?? recordTopics(prefix);
      const topics = wanted.filter((t) => existing.includes(t));
      if (topics.length === 0) return;
      const consumer = new Consumer<string, Buffer, string, string>({
        clientId,
        bootstrapBrokers: [...options.brokers],
        groupId: `openfloor-analytics-${randomUUID()}`,
        retries: 3,
        maxWaitTime: 200,
        deserializers: {
          key: stringDeserializer,
          headerKey: stringDeserializer,
          headerValue: stringDeserializer,
        },
      });
      try {
        const ends = await consumer.listOffsets({ topics });
        const starts = await consumer.listOffsets({ topics, timestamp: -2n });
        const end = new Map<string, bigint>();
        const offsets: { topic: string; partition: number; offset: bigint }[] = [];
        for (const topic of topics) {
          (ends.get(topic) ?? []).forEach((hwm, partition) => {
            const key = tp(topic, partition);
            const earliest = starts.get(topic)?.[partition] ?? 0n;
            const saved = position[key] === undefined ? earliest : BigInt(position[key]!);
            const start = saved < earliest ? earliest : saved;
            position[key] = start.toString();
            end.set(key, hwm);
            offsets.push({ topic, partition, offset: start });
          });
        }
        const behind = () => [...end].filter(([k, hwm]) => BigInt(position[k]!) < hwm);
        if (behind().length === 0) return;
        const stream = await consumer.consume({
          topics,
          mode: "manual",
          offsets,
          fallbackMode: "earliest",
          autocommit: false,
        });
        const idleMs = options.idleMs ?? 3000;
        try {
          const it = stream[Symbol.asyncIterator]();
          while (behind().length > 0) {
            let timer: NodeJS.Timeout | undefined;
            const idle = new Promise<"idle">((r) => {
              timer = setTimeout(() => r("idle"), idleMs);
            });
            const next = await Promise.race([it.next(), idle]);
            clearTimeout(timer);
            if (next === "idle") {
              // nothing more will come below the end offsets: compacted records or markers
              for (const [k, hwm] of behind()) position[k] = hwm.toString();
              break;
            }
            if (next.done) break;
            const m = next.value;
            const key = tp(m.topic, m.partition);
            const hwm = end.get(key);
            if (hwm === undefined || m.offset >= hwm || m.offset < BigInt(position[key] ?? "0")) continue;
            position[key] = (m.offset + 1n).toString();
            yield {
              topic: m.topic,
              key: m.key,
              headers: Object.fromEntries(m.headers),
              value: m.value,
              timestampMs: Number(m.timestamp),
            };
          }
        } finally {
          await stream.close().catch(() => {});
        }
      } finally {
        await consumer.close(true).catch(() => {});
      }
    },
  };
}
