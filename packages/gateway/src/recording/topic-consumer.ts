import { once } from "node:events";
import { type Logger, silentLogger } from "@openfloor/core";
import type { GroupAssignment, MessagesStream } from "@platformatic/kafka";
import {
  createRecordConsumer,
  type KafkaConnectOptions,
  type RecordConsumer,
  type RecordMessage,
} from "./kafka-client.js";
import { describeError } from "./kafka-topics.js";

/** Options of `TopicConsumer.start`. */
export interface TopicConsumerOptions extends KafkaConnectOptions {
  topics: readonly string[];
  /** Consumer group. Default: a fresh one, so this consumer reads every partition. */
  groupId?: string;
  /** Static group membership: a restart with the same id takes the same partitions back at once. */
  groupInstanceId?: string;
  /** Where a partition with no position in this process starts. */
  mode: "earliest" | "latest";
  /** Called for every message, in partition order. Must not throw. */
  onMessage(message: RecordMessage): void;
  /** Called with the partitions of each topic this consumer owns, after each (re)join. */
  onAssignment?(assigned: ReadonlyMap<string, readonly number[]>): void;
  /** Group session timeout. Default 10 s. */
  sessionTimeoutMs?: number;
  /**
   * Where to resume after the consumer is rebuilt (a failed stream, or `restart()`): the next offset
   * per partition the reader has processed. Partitions it does not list start at `mode`'s start.
   */
  resumeFrom?(): { topic: string; partition: number; offset: bigint }[];
  logger?: Logger;
}

function assignmentMap(assignments: readonly GroupAssignment[] | null): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const a of assignments ?? [])
    out.set(
      a.topic,
      [...a.partitions].sort((x, y) => x - y),
    );
  return out;
}

/**
 * A long-lived consumer of record topics that survives broker outages: if its stream fails it is
 * rebuilt after a pause (from `mode`'s start; consumers of these topics skip what they have seen).
 * No offsets are ever committed: readers here rebuild their state from the topics themselves.
 */
export class TopicConsumer {
  private consumer: RecordConsumer | undefined;
  private stream: MessagesStream<string, Buffer, string, string> | undefined;
  private closed = false;
  private started = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;

  private constructor(private readonly options: TopicConsumerOptions) {
    this.logger = (options.logger ?? silentLogger).child({
      component: "topic-consumer",
      topics: options.topics,
    });
  }

  /** Joins and starts consuming; resolves once positioned (start offsets of its partitions known). */
  static async start(options: TopicConsumerOptions): Promise<TopicConsumer> {
    const c = new TopicConsumer(options);
    await c.connect();
    return c;
  }

  /** The partitions of each topic this consumer owns now. */
  assignment(): Map<string, number[]> {
    return assignmentMap(this.consumer?.assignments ?? null);
  }

  /** The end offset (next offset to be written) of every partition of `topic`. */
  async endOffsets(topic: string): Promise<bigint[]> {
    const consumer = this.consumer;
    if (consumer === undefined) return [];
    return (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
  }

  /**
   * Rebuilds the consumer now (e.g. a partition stopped making progress), resuming per `resumeFrom`;
   * resolves once the new one is positioned.
   */
  async restart(): Promise<void> {
    if (this.closed) return;
    await this.disconnect(false);
    if (this.closed) return;
    try {
      await this.connect();
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, "rebuilding the consumer failed; retrying");
      this.scheduleRestart();
    }
  }

  /** Stops consuming and leaves the group. */
  async close(force = false): Promise<void> {
    this.closed = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    await this.disconnect(force);
  }

  private async connect(): Promise<void> {
    const o = this.options;
    const consumer = createRecordConsumer({
      brokers: o.brokers,
      ...(o.clientId === undefined ? {} : { clientId: o.clientId }),
      ...(o.retryDelayMs === undefined ? {} : { retryDelayMs: o.retryDelayMs }),
      ...(o.groupId === undefined ? {} : { groupId: o.groupId }),
      ...(o.groupInstanceId === undefined ? {} : { groupInstanceId: o.groupInstanceId }),
      ...(o.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: o.sessionTimeoutMs }),
    });
    this.consumer = consumer;
    consumer.on("consumer:group:join", (payload) => {
      if (this.consumer === consumer && !this.closed)
        o.onAssignment?.(assignmentMap(payload.assignments ?? null));
    });
    const resume = this.started ? (o.resumeFrom?.() ?? []) : [];
    const stream = await consumer.consume(
      resume.length > 0
        ? { topics: [...o.topics], mode: "manual", offsets: resume, fallbackMode: o.mode, autocommit: false }
        : { topics: [...o.topics], mode: o.mode, autocommit: false },
    );
    this.started = true;
    const positioned = once(stream, "offsets");
    if (this.closed) {
      await stream.close().catch(() => {});
      await consumer.close(true).catch(() => {});
      return;
    }
    this.stream = stream;
    o.onAssignment?.(assignmentMap(consumer.assignments));
    stream.on("data", (message) => {
      if (!this.closed && this.stream === stream) o.onMessage(message);
    });
    stream.on("error", (error) => {
      if (this.closed || this.stream !== stream) return;
      this.logger.warn({ err: describeError(error) }, "consumer stream failed; reconnecting");
      this.scheduleRestart();
    });
    // Start offsets resolved: nothing written from now on is missed.
    await positioned.catch(() => {});
  }

  private scheduleRestart(): void {
    if (this.restartTimer !== undefined || this.closed) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void (async () => {
        await this.disconnect(true);
        if (this.closed) return;
        try {
          await this.connect();
        } catch (error) {
          this.logger.warn({ err: describeError(error) }, "reconnecting the consumer failed; retrying");
          this.scheduleRestart();
        }
      })();
    }, this.options.retryDelayMs ?? 500);
  }

  private async disconnect(force: boolean): Promise<void> {
    const stream = this.stream;
    const consumer = this.consumer;
    this.stream = undefined;
    this.consumer = undefined;
    await stream?.close().catch(() => {});
    await consumer?.close(force).catch(() => {});
  }
}
