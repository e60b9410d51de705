import { randomUUID } from "node:crypto";
import type { EncodedRecord, RecordKind } from "@openfloor/core";
import { RECORD_HEADERS, TOPICS } from "@openfloor/core";
import {
  Consumer,
  type Message,
  type MessageToProduce,
  Producer,
  type ProducerOptions,
  stringDeserializer,
} from "@platformatic/kafka";

/** Where the Kafka brokers are and who is asking. */
export interface KafkaConnectOptions {
  /** Bootstrap brokers, `host:port`. Example: `["127.0.0.1:9092"]` */
  brokers: readonly string[];
  /** Client id reported to the brokers. Default `"openfloor"`. */
  clientId?: string;
  /** Delay between retries of a failed request (the broker may be restarting). Default 250 ms. */
  retryDelayMs?: number;
}

/** Records travel as bytes: keys, header names and values are encoded once and cached (see `toKafkaMessage`). */
export type RecordProducer = Producer<Buffer, Buffer, Buffer, Buffer>;
export type RecordConsumer = Consumer<string, Buffer, string, string>;
export type RecordMessage = Message<string, Buffer, string, string>;

/** Retry for as long as it takes: a broker restart must not fail a long-lived client. */
const RETRY_FOREVER = Number.MAX_SAFE_INTEGER;

export function createRecordProducer(
  options: KafkaConnectOptions,
  extra: Omit<ProducerOptions<Buffer, Buffer, Buffer, Buffer>, "clientId" | "bootstrapBrokers"> = {},
): RecordProducer {
  return new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId: options.clientId ?? "openfloor",
    bootstrapBrokers: [...options.brokers],
    retryDelay: options.retryDelayMs ?? 250,
    ...extra,
  });
}

/**
 * A consumer for records. `groupId` defaults to a fresh one: every such consumer then reads every
 * partition (a broadcast reader rather than a share of a group).
 */
export function createRecordConsumer(
  options: KafkaConnectOptions & {
    groupId?: string;
    groupInstanceId?: string;
    sessionTimeoutMs?: number;
    maxWaitTimeMs?: number;
  },
): RecordConsumer {
  return new Consumer<string, Buffer, string, string>({
    clientId: options.clientId ?? "openfloor",
    bootstrapBrokers: [...options.brokers],
    groupId: options.groupId ?? `openfloor-reader-${randomUUID()}`,
    ...(options.groupInstanceId === undefined ? {} : { groupInstanceId: options.groupInstanceId }),
    retries: RETRY_FOREVER,
    retryDelay: options.retryDelayMs ?? 250,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    rebalanceTimeout: 30_000,
    heartbeatInterval: Math.min(1000, Math.floor((options.sessionTimeoutMs ?? 10_000) / 3)),
    maxWaitTime: options.maxWaitTimeMs ?? 100,
    deserializers: {
      key: stringDeserializer,
      headerKey: stringDeserializer,
      headerValue: stringDeserializer,
    },
  });
}

const MAX_CACHED = 16_384;
const bytesCache = new Map<string, Buffer>();

/** The UTF-8 bytes of a key or header string, cached: the same few hundred strings recur in every record. */
function utf8(text: string): Buffer {
  let bytes = bytesCache.get(text);
  if (bytes === undefined) {
    if (bytesCache.size >= MAX_CACHED) bytesCache.clear();
    bytes = Buffer.from(text, "utf8");
    bytesCache.set(text, bytes);
  }
  return bytes;
}

const envelopeHeaders = new Map<string, Map<Buffer, Buffer>>();
const ENVELOPE = new Set<string>(Object.values(RECORD_HEADERS));

/**
 * The envelope's headers (kind, schema, version, and a batch's count) repeat across records:
 * serialize each distinct set once. Records with other headers are serialized as they come.
 */
function headerBytes(record: EncodedRecord): Map<Buffer, Buffer> {
  const h = record.headers;
  let id = "";
  for (const name in h) {
    if (!ENVELOPE.has(name)) return serializeHeaders(h);
    id += `${name}\u0000${h[name]}\u0000`;
  }
  let bytes = envelopeHeaders.get(id);
  if (bytes === undefined) {
    if (envelopeHeaders.size >= MAX_CACHED) envelopeHeaders.clear();
    bytes = serializeHeaders(h);
    envelopeHeaders.set(id, bytes);
  }
  return bytes;
}

function serializeHeaders(h: Readonly<Record<string, string>>): Map<Buffer, Buffer> {
  const bytes = new Map<Buffer, Buffer>();
  for (const name in h) bytes.set(utf8(name), Buffer.from(h[name]!, "utf8"));
  return bytes;
}

/** The Kafka message of an encoded record (same key, headers, timestamp and value bytes). */
export function toKafkaMessage(record: EncodedRecord): MessageToProduce<Buffer, Buffer, Buffer, Buffer> {
  const value = record.value;
  return {
    topic: record.topic,
    key: utf8(record.key),
    value: Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
    headers: headerBytes(record),
    timestamp: BigInt(record.timestampMs),
  };
}

/** Headers of a consumed message as plain strings. */
export function messageHeaders(message: RecordMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of message.headers) if (k !== undefined) out[k] = v ?? "";
  return out;
}

/** The encoded record a consumed message carries; undefined when it has no known `of-kind` header. */
export function recordOfMessage(message: RecordMessage): EncodedRecord | undefined {
  const headers = messageHeaders(message);
  const kind = headers[RECORD_HEADERS.kind];
  if (kind === undefined || !(kind in TOPICS)) return undefined;
  return {
    kind: kind as RecordKind,
    topic: message.topic,
    key: message.key ?? "",
    value: message.value ?? Buffer.alloc(0),
    headers,
    timestampMs: Number(message.timestamp),
  };
}
