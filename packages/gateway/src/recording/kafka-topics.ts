import { RECORD_KINDS, type RecordKind, TOPICS } from "@openfloor/core";
import { Admin } from "@platformatic/kafka";
import type { KafkaConnectOptions } from "./kafka-client.js";

/** How the recording topics are named and created. */
export interface TopicSettings {
  /** Prefix of every topic name. Default `"openfloor."` (e.g. `openfloor.fills`). */
  prefix?: string;
  /** Partitions of a topic the gateway creates. Default 6. Records of one key share a partition. */
  partitions?: number;
  /** Replicas of a created topic. Default -1: the broker's `default.replication.factor`. */
  replicationFactor?: number;
  /**
   * Retention per kind in ms (-1 keeps forever). Defaults: market data 7 days; orders, fills,
   * strategy records and performance forever (the aggregator rebuilds positions from the fills);
   * positions and risk state are compacted (latest value per key, kept forever).
   * Example: `{ trade: 86_400_000 }`
   */
  retentionMs?: Partial<Record<RecordKind, number>>;
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

/** The full topic name of a kind. */
export function topicName(kind: RecordKind, prefix = "openfloor."): string {
  return prefix + TOPICS[kind].topic;
}

/** Topic-level configs a created topic gets for a kind. */
export function topicConfigs(
  kind: RecordKind,
  settings: TopicSettings = {},
): { name: string; value: string }[] {
  const spec = TOPICS[kind];
  const retention = settings.retentionMs?.[kind] ?? (spec.droppable ? WEEK_MS : -1);
  if (spec.compacted) {
    return [
      { name: "cleanup.policy", value: "compact" },
      { name: "retention.ms", value: String(settings.retentionMs?.[kind] ?? -1) },
      { name: "min.cleanable.dirty.ratio", value: "0.1" },
    ];
  }
  return [
    { name: "cleanup.policy", value: "delete" },
    { name: "retention.ms", value: String(retention) },
  ];
}

/**
 * Creates the recording topics that do not exist yet, each with its partitions, retention and
 * cleanup policy (compacted for positions and risk state). Topics that exist are left as they are.
 * Returns the names created. Several gateways may race to create: "already exists" is success.
 */
export async function ensureTopics(
  connect: KafkaConnectOptions,
  settings: TopicSettings = {},
  kinds: readonly RecordKind[] = RECORD_KINDS,
): Promise<string[]> {
  const admin = new Admin({
    clientId: connect.clientId ?? "openfloor-admin",
    bootstrapBrokers: [...connect.brokers],
    retries: 20,
    retryDelay: connect.retryDelayMs ?? 250,
  });
  try {
    const existing = new Set(await admin.listTopics());
    const created: string[] = [];
    const names = new Set<string>();
    for (const kind of kinds) {
      const name = topicName(kind, settings.prefix);
      if (existing.has(name) || names.has(name)) continue;
      names.add(name);
      try {
        await admin.createTopics({
          topics: [name],
          partitions: settings.partitions ?? 6,
          replicas: settings.replicationFactor ?? -1,
          configs: topicConfigs(kind, settings),
        });
        created.push(name);
      } catch (error) {
        if (!/TOPIC_ALREADY_EXISTS|already exists/i.test(describeError(error))) throw error;
      }
    }
    return created;
  } finally {
    await admin.close();
  }
}

/** The message of an error and of its nested causes and aggregated errors. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (e: unknown): void => {
    if (e === undefined || e === null || seen.has(e)) return;
    seen.add(e);
    if (e instanceof Error) {
      parts.push(e.message);
      const extra = e as Error & { errors?: unknown[]; apiId?: string };
      if (extra.apiId !== undefined) parts.push(extra.apiId);
      for (const inner of extra.errors ?? []) walk(inner);
      walk(e.cause);
    } else parts.push(String(e));
  };
  walk(error);
  return parts.join("; ");
}
