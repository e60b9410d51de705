import { basename, resolve } from "node:path";
import { readSegmentLog } from "@openfloor/core";
import type { JsonValue } from "../lake/checkpoint.js";
import type { IngestSource, SourceRecord } from "./source.js";

/** Options of `segmentLogSource`. */
export interface SegmentLogSourceOptions {
  /** Directory of the local segment log the gateway records to without Kafka. @example "data/recording" */
  readonly dir: string;
  /** Topics to read. Default: every topic of the log. */
  readonly topics?: readonly string[];
  /** Names the checkpoint. Default `log-<directory name>`. */
  readonly id?: string;
}

/**
 * The local segment log (core's `readSegmentLog`) as an ingest source. Its position is the next offset
 * of each topic, so ingest resumes exactly after the last record it committed.
 * @example await ingest({ lake: "./lake", source: segmentLogSource({ dir: "data/recording" }) })
 */
export function segmentLogSource(options: SegmentLogSourceOptions): IngestSource {
  const position: Record<string, string> = {};
  return {
    id: options.id ?? `log-${basename(resolve(options.dir))}`,
    position: (): JsonValue => ({ ...position }),
    async *records(from): AsyncIterable<SourceRecord> {
      const start: Record<string, bigint> = {};
      if (from !== null && typeof from === "object" && !Array.isArray(from)) {
        for (const [topic, offset] of Object.entries(from)) {
          if (typeof offset === "string" && /^\d+$/.test(offset)) {
            start[topic] = BigInt(offset);
            position[topic] = offset;
          }
        }
      }
      for await (const { offset, record } of readSegmentLog({
        dir: options.dir,
        ...(options.topics === undefined ? {} : { topics: options.topics }),
        from: start,
      })) {
        position[record.topic] = (offset + 1n).toString();
        yield {
          topic: record.topic,
          key: record.key,
          headers: record.headers,
          value: record.value,
          timestampMs: record.timestampMs,
        };
      }
    },
  };
}
