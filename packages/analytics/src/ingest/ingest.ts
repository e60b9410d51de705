import { mkdir, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { type DecodedRecord, decodeRecords, RECORD_HEADERS } from "@openfloor/core";
import { type BuildAggregatesResult, buildAggregates } from "../aggregates/build-aggregates.js";
import { AnalyticsError, invalidArgument } from "../errors.js";
import { type Checkpoint, readCheckpoint, writeCheckpoint } from "../lake/checkpoint.js";
import { flattenRecord, type LakeRow, PrecisionProblem } from "../lake/flatten.js";
import { removeUncommitted, safeSourceId } from "../lake/lake-files.js";
import { LakeWriter, type WrittenPart } from "../lake/lake-writer.js";
import type { LakeTableName } from "../lake/schema.js";
import type { IngestSource, SourceRecord } from "./source.js";

/** Options of `ingest`. */
export interface IngestOptions {
  /** Lake directory; created if missing. @example "./lake" */
  readonly lake: string;
  /** Where records come from: `kafkaSource(...)`, `segmentLogSource(...)`, `iterableSource(...)`. */
  readonly source: IngestSource;
  /** Rows staged before a batch of Parquet parts is written and checkpointed. Default 250000. */
  readonly batchRows?: number;
  /** Called after each committed batch (for progress output). Default: nothing. */
  readonly onBatch?: (progress: { readonly records: number; readonly parts: number }) => void;
  /**
   * Rebuild the lake's per-day aggregates (`buildAggregates`) after the run, so reports read them
   * instead of every raw row. Skipped when nothing changed. Default true.
   */
  readonly aggregates?: boolean;
}

/** What one `ingest` run added to the lake. */
export interface IngestResult {
  readonly sourceId: string;
  /** Records read from the source in this run. */
  readonly records: number;
  /** Events they carried: a market-data batch record carries many (see core's `decodeRecords`). */
  readonly events: number;
  /** Records or events set aside in `_rejected` (undecodable, unknown kind, too precise), with the reason. */
  readonly rejected: number;
  /** Rows written per table. */
  readonly rows: Partial<Record<LakeTableName, number>>;
  readonly parts: readonly WrittenPart[];
  /** Files of an earlier run that stopped before its checkpoint, removed before reading. */
  readonly removedUncommitted: readonly string[];
  readonly checkpoint: Checkpoint | undefined;
  /** The aggregates rebuilt after the run; undefined when turned off or failed. */
  readonly aggregates: BuildAggregatesResult | undefined;
  /**
   * Why the aggregates could not be rebuilt (e.g. a corrupt part), when they could not: what was
   * ingested stays committed, and reports read the raw parts (and name the problem) until a rebuild works.
   */
  readonly aggregatesError: AnalyticsError | undefined;
}

/** The aggregates after an ingest run; a failure is returned, never thrown (the run is committed). */
export async function rebuildAggregates(
  lake: string,
  enabled: boolean | undefined,
): Promise<{ aggregates: BuildAggregatesResult | undefined; aggregatesError: AnalyticsError | undefined }> {
  if (enabled === false) return { aggregates: undefined, aggregatesError: undefined };
  try {
    return { aggregates: await buildAggregates({ lake }), aggregatesError: undefined };
  } catch (e) {
    const error =
      e instanceof AnalyticsError
        ? e
        : new AnalyticsError(
            "WRITE_FAILED",
            `cannot build the aggregates of ${lake}: ${(e as Error).message}`,
            {
              cause: e,
            },
          );
    return { aggregates: undefined, aggregatesError: error };
  }
}

/**
 * Reads a source from its checkpoint to its current end into the Parquet lake. Incremental and
 * idempotent: each batch's Parquet parts are made durable (temporary name, fsync, rename) before the
 * checkpoint that commits them is written the same way; parts of a batch the checkpoint does not
 * cover are removed at the next start. Running it twice adds nothing twice.
 * @example await ingest({ lake: "./lake", source: kafkaSource({ brokers: ["localhost:9092"] }) })
 */
export async function ingest(options: IngestOptions): Promise<IngestResult> {
  const batchRows = options.batchRows ?? 250_000;
  if (!Number.isInteger(batchRows) || batchRows < 1)
    throw invalidArgument("batchRows", "must be a positive integer");
  const sourceId = safeSourceId(options.source.id);
  await mkdir(options.lake, { recursive: true });
  const release = await lockSource(options.lake, sourceId);
  let writer: LakeWriter | undefined;
  try {
    let checkpoint = await readCheckpoint(options.lake, sourceId);
    const removedUncommitted = await removeUncommitted(options.lake, sourceId, checkpoint?.nextBatch ?? 0);
    writer = await LakeWriter.open(options.lake, sourceId);
    const rows: Partial<Record<LakeTableName, number>> = {};
    const parts: WrittenPart[] = [];
    let records = 0;
    let events = 0;
    let rejected = 0;
    let total = checkpoint?.records ?? 0;
    const commit = async (w: LakeWriter) => {
      const batch = checkpoint?.nextBatch ?? 0;
      const written = await w.commit(batch);
      checkpoint = {
        version: 1,
        sourceId,
        nextBatch: batch + 1,
        position: options.source.position(),
        records: total,
        updatedAt: new Date().toISOString(),
      };
      await writeCheckpoint(options.lake, checkpoint);
      parts.push(...written);
      for (const p of written) rows[p.table] = (rows[p.table] ?? 0) + p.rows;
      options.onBatch?.({ records, parts: parts.length });
    };
    let uncommitted = 0;
    try {
      for await (const record of options.source.records(checkpoint?.position)) {
        records++;
        total++;
        uncommitted++;
        let decoded: DecodedRecord[];
        try {
          decoded = decodeRecords(record.headers, record.value);
        } catch (e) {
          decoded = [];
          rejected++;
          const row = rejectedRow(sourceId, record, e);
          if (!writer.appendSync(row)) await writer.append(row);
        }
        events += decoded.length;
        // a market-data batch record carries many events: each becomes its rows, or is set aside alone
        for (let i = 0; i < decoded.length; i++) {
          let out: LakeRow[];
          try {
            out = flattenRecord(decoded[i]!, record.timestampMs);
          } catch (e) {
            rejected++;
            out = [
              rejectedRow(
                sourceId,
                record,
                e,
                decoded.length > 1 ? `event ${i + 1} of ${decoded.length}: ` : "",
              ),
            ];
          }
          for (const row of out) if (!writer.appendSync(row)) await writer.append(row);
        }
        if (writer.pendingRows >= batchRows) {
          await commit(writer);
          uncommitted = 0;
        }
      }
    } catch (e) {
      if (e instanceof AnalyticsError) throw e;
      throw new AnalyticsError(
        "SOURCE_FAILED",
        `reading source ${sourceId} failed: ${(e as Error).message}`,
        {
          cause: e,
          context: { sourceId },
        },
      );
    }
    if (uncommitted > 0) await commit(writer);
    const { aggregates, aggregatesError } = await rebuildAggregates(options.lake, options.aggregates);
    return {
      sourceId,
      records,
      events,
      rejected,
      rows,
      parts,
      removedUncommitted,
      checkpoint,
      aggregates,
      aggregatesError,
    };
  } finally {
    writer?.close();
    await options.source.close?.();
    await release();
  }
}

function rejectedRow(sourceId: string, r: SourceRecord, e: unknown, where = ""): LakeRow {
  const reason =
    where +
    (e instanceof PrecisionProblem
      ? `precision: ${e.message}`
      : `${(e as { code?: string }).code ?? "error"}: ${(e as Error).message}`);
  const key =
    r.key === undefined ? "" : typeof r.key === "string" ? r.key : Buffer.from(r.key).toString("utf8");
  return {
    table: "_rejected",
    cells: [
      sourceId,
      r.topic,
      key,
      BigInt(Math.trunc(r.timestampMs)),
      r.headers[RECORD_HEADERS.kind] ?? "",
      reason,
      JSON.stringify(r.headers),
      Buffer.from(r.value).toString("base64"),
    ],
  };
}

/** One ingest per source at a time: `<lake>/_checkpoints/<source>.lock` holds the pid. */
export async function lockSource(lake: string, sourceId: string): Promise<() => Promise<void>> {
  const dir = join(lake, "_checkpoints");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${sourceId}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = await open(file, "wx");
      await fd.writeFile(String(process.pid));
      await fd.close();
      return () => rm(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(await readFile(file, "utf8").catch(() => ""));
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw invalidArgument(
          "source",
          `${sourceId} is being ingested by process ${pid}; wait for it to finish`,
        );
      }
      await rm(file, { force: true });
    }
  }
  throw invalidArgument("source", `cannot lock ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
