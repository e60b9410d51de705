import type { InstrumentId, MarketEvent } from "@openfloor/core";
import { Observable } from "rxjs";
import { SdkError, TransportError } from "../errors/sdk-errors.js";
import type { MarketDataFeed } from "../transport/market-data-feed.js";
import type { DataChannel, DataSubscription } from "../transport/transport.js";

/** Options of `kafkaMarketData(…)`. */
export interface KafkaMarketDataOptions {
  /** Bootstrap brokers: a list or "host:port,host:port". @example ["10.0.0.5:9092"] */
  readonly brokers: readonly string[] | string;
  /** Topic prefix the gateway records with (`recording.topics.prefix`). Default `"openfloor."`. */
  readonly topicPrefix?: string;
  /**
   * `"latest"` (default): events recorded from the subscription on, a live feed; `"earliest"`: what the
   * topics still hold first, then live.
   */
  readonly from?: "latest" | "earliest";
  /** Client id reported to the brokers. Default `"openfloor-sdk"`. */
  readonly clientId?: string;
  /**
   * How long a subscription may take to reach the brokers before it errors (a `TransportError`
   * naming them). Once connected, a broker restart is waited out. Default 15000 ms.
   */
  readonly connectTimeoutMs?: number;
}

type Kind = "trade" | "quote" | "book" | "bar";
const KIND: Readonly<Record<DataChannel, Kind>> = {
  trades: "trade",
  quotes: "quote",
  book: "book",
  bars: "bar",
};

/** The part of `@openfloor/gateway`'s `KafkaMarketDataSource` this feed uses. */
interface KafkaSource extends AsyncIterable<MarketEvent> {
  close(): Promise<void>;
}
interface KafkaSourceClass {
  open(options: {
    brokers: readonly string[];
    clientId?: string;
    instruments?: readonly InstrumentId[];
    kinds?: readonly Kind[];
    topicPrefix?: string;
    from?: "latest" | "earliest";
    connectTimeoutMs?: number;
  }): Promise<KafkaSource>;
}

/**
 * Market data from the Kafka market-data topics a gateway records (`md.trades`, `md.quotes`, `md.book`,
 * `md.bars`) instead of the gateway connection: one gateway holds the venue connection, any number of
 * strategy nodes read the topics. Each subscription reads its instrument's topic from every partition
 * (no consumer group), in recorded order per instrument. Book depth is what was recorded (full depth).
 *
 * Uses `KafkaMarketDataSource` of `@openfloor/gateway` (an optional peer dependency), loaded on the
 * first subscription.
 *
 * @example
 * await runStrategy(strategy, new GrpcTransport({ address, token }), {
 *   marketData: kafkaMarketData({ brokers: process.env.KAFKA_BROKERS! }),
 * });
 */
export function kafkaMarketData(options: KafkaMarketDataOptions): MarketDataFeed {
  const brokers = (typeof options.brokers === "string" ? options.brokers.split(",") : [...options.brokers])
    .map((b) => b.trim())
    .filter((b) => b !== "");
  if (brokers.length === 0) {
    throw new SdkError("INVALID_ARGUMENT", "kafkaMarketData: brokers is empty", {
      context: { field: "brokers" },
    });
  }
  const name = `kafka://${brokers.join(",")}`;
  const sources = new Set<KafkaSource>();
  let closed = false;
  return {
    name,
    marketData(subscription: DataSubscription): Observable<MarketEvent> {
      return new Observable<MarketEvent>((subscriber) => {
        let source: KafkaSource | undefined;
        let done = false;
        void (async () => {
          try {
            const Source = await loadSourceClass();
            const opened = await Source.open({
              brokers,
              clientId: options.clientId ?? "openfloor-sdk",
              instruments: [subscription.instrument],
              kinds: [KIND[subscription.channel]],
              ...(options.topicPrefix === undefined ? {} : { topicPrefix: options.topicPrefix }),
              from: options.from ?? "latest",
              ...(options.connectTimeoutMs === undefined
                ? {}
                : { connectTimeoutMs: options.connectTimeoutMs }),
            });
            if (done || closed) {
              await opened.close();
              return;
            }
            source = opened;
            sources.add(opened);
            for await (const event of opened) {
              if (done) break;
              subscriber.next(event);
            }
            if (!done) subscriber.complete();
          } catch (error) {
            if (done) return;
            subscriber.error(
              error instanceof SdkError
                ? error
                : new TransportError("TRANSPORT", `market data from ${name}: ${(error as Error).message}`, {
                    cause: error,
                    context: { feed: name, channel: subscription.channel },
                  }),
            );
          }
        })();
        return () => {
          done = true;
          if (source !== undefined) {
            sources.delete(source);
            void source.close();
          }
        };
      });
    },
    async close(): Promise<void> {
      closed = true;
      const open = [...sources];
      sources.clear();
      await Promise.allSettled(open.map((s) => s.close()));
    },
  };
}

async function loadSourceClass(): Promise<KafkaSourceClass> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import("@openfloor/gateway")) as unknown as Record<string, unknown>;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code !== "ERR_MODULE_NOT_FOUND" || !e.message.includes("'@openfloor/gateway'")) throw error;
    throw new SdkError(
      "INVALID_ARGUMENT",
      "Kafka market data reads the topics with @openfloor/gateway: install it next to @openfloor/sdk (npm install @openfloor/gateway)",
      { cause: error, context: { feed: "kafka" } },
    );
  }
  const Source = mod.KafkaMarketDataSource as KafkaSourceClass | undefined;
  if (Source === undefined) {
    throw new SdkError(
      "INVALID_ARGUMENT",
      "this version of @openfloor/gateway does not export KafkaMarketDataSource; upgrade it",
      { context: { feed: "kafka" } },
    );
  }
  return Source;
}
