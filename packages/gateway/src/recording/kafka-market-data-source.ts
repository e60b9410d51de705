import { once } from "node:events";
import {
  formatInstrumentId,
  type InstrumentId,
  type MarketEvent,
  marketEventsOfRecord,
} from "@openfloor/core";
import type { MessagesStream } from "@platformatic/kafka";
import {
  createRecordConsumer,
  type KafkaConnectOptions,
  type RecordConsumer,
  recordOfMessage,
} from "./kafka-client.js";
import { topicName } from "./kafka-topics.js";
import { RecordingError } from "./recording-error.js";

/** Market data kinds, one topic each. */
export type MarketDataKind = "trade" | "quote" | "book" | "bar";

/** Options of `KafkaMarketDataSource.open`. */
export interface KafkaMarketDataSourceOptions extends KafkaConnectOptions {
  /** Instruments to deliver. Default: every instrument on the topics. */
  instruments?: readonly InstrumentId[];
  /** Kinds to read. Default: all four (`md.trades`, `md.quotes`, `md.book`, `md.bars`). */
  kinds?: readonly MarketDataKind[];
  /** Topic prefix. Default `"openfloor."`. */
  topicPrefix?: string;
  /**
   * `"latest"`: events recorded from now on (a live feed); `"earliest"`: everything the topics
   * still hold, then live (a replay). Default `"latest"`.
   */
  from?: "latest" | "earliest";
  /**
   * How long opening may take (reaching a broker and positioning on every partition) before it
   * fails with `RecordingError` `KAFKA_UNAVAILABLE` naming the brokers. Once open, a broker restart is
   * waited out, however long. Default 15000 ms.
   */
  connectTimeoutMs?: number;
}

/**
 * Market data from the Kafka market-data topics instead of a gateway connection: one venue
 * connection (the gateway recording it) feeds any number of strategy nodes. Each source reads every
 * partition of the topics itself (no shared consumer group), keeps the instruments asked for and
 * yields core `MarketEvent`s. Events of one instrument and kind arrive in the order recorded
 * (records are keyed by instrument); there is no order across kinds. Iteration pulls from Kafka as
 * it is consumed, so a slow reader slows the fetches rather than filling memory.
 *
 * @example
 * const feed = await KafkaMarketDataSource.open({ brokers, instruments: [btc], kinds: ["book"] });
 * for await (const event of feed) book.apply(event);
 */
export class KafkaMarketDataSource implements AsyncIterable<MarketEvent> {
  private closed = false;

  private constructor(
    private readonly consumer: RecordConsumer,
    private readonly stream: MessagesStream<string, Buffer, string, string>,
    private readonly wanted: ReadonlySet<string> | undefined,
  ) {}

  /** Opens the source; it resolves once positioned, so every event recorded after that is delivered. */
  static async open(options: KafkaMarketDataSourceOptions): Promise<KafkaMarketDataSource> {
    const kinds = options.kinds ?? ["trade", "quote", "book", "bar"];
    const consumer = createRecordConsumer({
      ...options,
      clientId: options.clientId ?? "openfloor-md-source",
      maxWaitTimeMs: 50,
    });
    const timeoutMs = options.connectTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no broker answered within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const positioned = (async () => {
        const stream = await consumer.consume({
          topics: kinds.map((k) => topicName(k, options.topicPrefix)),
          mode: options.from ?? "latest",
          autocommit: false,
        });
        // Positioned (the start offsets resolved): from here on, nothing recorded is missed.
        await once(stream, "offsets");
        return stream;
      })();
      positioned.catch(() => {});
      const stream = await Promise.race([positioned, timedOut]);
      const wanted =
        options.instruments === undefined ? undefined : new Set(options.instruments.map(formatInstrumentId));
      return new KafkaMarketDataSource(consumer, stream, wanted);
    } catch (error) {
      await consumer.close(true).catch(() => {});
      throw RecordingError.unavailable(options.brokers, error);
    } finally {
      clearTimeout(timer);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MarketEvent> {
    for await (const message of this.stream) {
      if (this.closed) return;
      if (this.wanted !== undefined && !this.wanted.has(message.key ?? "")) continue;
      const record = recordOfMessage(message);
      if (record === undefined) continue;
      // A record is one event or a batch of one instrument's events (`encodeMarketDataBatch`).
      yield* marketEventsOfRecord(record.headers, record.value);
    }
  }

  /** Stops the feed; a loop over it ends. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stream.close().catch(() => {});
    await this.consumer.close(true).catch(() => {});
  }
}
