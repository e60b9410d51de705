import { type EncodedRecord, RECORD_KINDS } from "@openfloor/core";
import type { CompressionAlgorithmValue } from "@platformatic/kafka";
import {
  createRecordProducer,
  type KafkaConnectOptions,
  type RecordProducer,
  toKafkaMessage,
} from "./kafka-client.js";
import { ensureTopics, type TopicSettings, topicName } from "./kafka-topics.js";
import type { RecordingSink } from "./recording-sink.js";

/** Options of `KafkaSink.connect`. */
export interface KafkaSinkOptions extends KafkaConnectOptions {
  /** Batch compression. Default `"lz4"`. */
  compression?: CompressionAlgorithmValue;
  /** Topic naming and creation; see `TopicSettings`. */
  topics?: TopicSettings;
  /** Create missing topics when connecting. Default true. */
  createTopics?: boolean;
}

/**
 * Records to Kafka through an idempotent producer (acks from all in-sync replicas, broker-side
 * de-duplication of retried batches, so a retry never writes a record twice) with batch
 * compression. Batching is the caller's: each `write` is one produce request per broker; the
 * `Recorder` lingers to fill them. While the broker is down a write keeps retrying; it only fails
 * when the sink is closed.
 */
export class KafkaSink implements RecordingSink {
  readonly kind = "kafka";
  /** The producer is done with the messages once the send has settled. */
  readonly releasesValues = true;

  private constructor(
    private readonly producer: RecordProducer,
    private readonly compression: CompressionAlgorithmValue,
  ) {}

  /** Creates the missing topics (unless `createTopics` is false) and the producer. */
  static async connect(options: KafkaSinkOptions): Promise<KafkaSink> {
    if (options.createTopics ?? true) await ensureTopics(options, options.topics);
    const compression = options.compression ?? "lz4";
    const producer = createRecordProducer(
      { ...options, clientId: options.clientId ?? "openfloor-recorder" },
      { idempotent: true, compression, timeout: 10_000 },
    );
    try {
      // Up front, so the first write is not mistaken for a stalled broker.
      await producer.initIdempotentProducer({});
      await producer.metadata({ topics: RECORD_KINDS.map((k) => topicName(k, options.topics?.prefix)) });
    } catch (error) {
      await producer.close(true);
      throw error;
    }
    return new KafkaSink(producer, compression);
  }

  async write(records: readonly EncodedRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.producer.send({ messages: records.map(toKafkaMessage), compression: this.compression });
  }

  async close(): Promise<void> {
    await this.producer.close(true);
  }
}
