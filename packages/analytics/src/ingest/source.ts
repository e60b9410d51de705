import type { JsonValue } from "../lake/checkpoint.js";

/**
 * A recorded record as every source gives it: the envelope of `@openfloor/core`'s `encodeRecord`
 * (headers name the kind and schema version, the value is protobuf).
 */
export interface SourceRecord {
  readonly topic: string;
  readonly key: string | Uint8Array | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: Uint8Array;
  /** Record time, ms since the epoch (the Kafka timestamp); stands in for an unset event time. */
  readonly timestampMs: number;
}

/**
 * Where ingest reads records from: Kafka, the local segment log, or anything iterable. `records(from)`
 * yields what is there now after `from` (undefined: from the start) and ends; `position()` is where to
 * resume after the last record yielded, saved in the lake's checkpoint once that record is in Parquet.
 */
export interface IngestSource {
  /** Names the checkpoint; one per recording (e.g. `kafka-openfloor`, `log-gw1`). */
  readonly id: string;
  records(from: JsonValue | undefined): AsyncIterable<SourceRecord>;
  position(): JsonValue;
  close?(): Promise<void>;
}

/**
 * Wraps a replayable async iterable (the same records in the same order on every call) as an ingest
 * source whose position is the number of records consumed; resuming skips that many.
 * @example iterableSource("fixture", () => records)
 */
export function iterableSource(
  id: string,
  open: () => AsyncIterable<SourceRecord> | Iterable<SourceRecord>,
): IngestSource {
  let consumed = 0;
  return {
    id,
    position: () => consumed,
    async *records(from) {
      const skip = typeof from === "number" ? from : 0;
      consumed = skip;
      let i = 0;
      for await (const r of open()) {
        if (i++ < skip) continue;
        consumed++;
        yield r;
      }
    },
  };
}
