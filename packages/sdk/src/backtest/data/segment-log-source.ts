import { existsSync, statSync } from "node:fs";
import {
  listSegmentLogTopics,
  type MarketEvent,
  marketEventsOfRecord,
  SegmentLogCursor,
  TOPICS,
} from "@openfloor/core";
import { SdkError } from "../../errors/sdk-errors.js";
import { type MarketDataSource, mergeByTime } from "./market-data-source.js";

/** Options of `fromSegmentLog`. */
export interface SegmentLogSourceOptions {
  /** Prefix of the recording's topic names. Default `"openfloor."`. */
  readonly topicPrefix?: string;
}

const MARKET_KINDS = ["quote", "trade", "book", "bar"] as const;

/**
 * Market data recorded by a gateway into its local segment log (the Kafka fallback): the market-data
 * topics (`md.quotes`, `md.trades`, `md.book`, `md.bars`) read in offset order and merged by event time.
 * Streams, a batch of records at a time.
 * @example runBacktest({ strategy, data: fromSegmentLog("data/recording") })
 */
export function fromSegmentLog(dir: string, options: SegmentLogSourceOptions = {}): MarketDataSource {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new SdkError("INVALID_ARGUMENT", `segment log ${dir} is not a directory`, { context: { dir } });
  }
  const prefix = options.topicPrefix ?? "openfloor.";
  const wanted = new Set(MARKET_KINDS.map((k) => prefix + TOPICS[k].topic));
  let merged: MarketDataSource | undefined;
  return {
    description: dir,
    progress: () => merged?.progress?.() ?? 0,
    batches: async function* () {
      const topics = (await listSegmentLogTopics(dir)).filter((t) => wanted.has(t));
      if (topics.length === 0) {
        throw new SdkError(
          "INVALID_ARGUMENT",
          `segment log ${dir} has no market-data topics (${[...wanted].join(", ")})`,
          {
            context: { dir },
          },
        );
      }
      merged = mergeByTime(topics.map((topic) => topicSource(dir, topic)));
      yield* merged.batches() as AsyncIterable<readonly MarketEvent[]>;
    },
  };
}

function topicSource(dir: string, topic: string): MarketDataSource {
  return {
    description: `${dir}/${topic}`,
    batches: async function* () {
      const cursor = new SegmentLogCursor(dir, topic);
      try {
        for (let records = await cursor.next(1024); records.length > 0; records = await cursor.next(1024)) {
          const out: MarketEvent[] = [];
          for (const { record } of records) {
            out.push(...marketEventsOfRecord(record.headers, record.value));
          }
          if (out.length > 0) yield out;
        }
      } finally {
        await cursor.close();
      }
    },
  };
}
