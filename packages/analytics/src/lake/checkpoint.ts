import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AnalyticsError } from "../errors.js";
import { commitFile } from "./lake-files.js";

/** A JSON value: what a source needs to resume (Kafka offsets, a log position, last ids). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** `<lake>/_checkpoints/<source>.json`: how far a source has been ingested. */
export interface Checkpoint {
  readonly version: 1;
  readonly sourceId: string;
  /** Batch number of the next Parquet parts; parts with a lower number are committed. */
  readonly nextBatch: number;
  /** Where the source resumes (opaque to the lake). */
  readonly position: JsonValue;
  /** Records ingested by this source so far, over all runs. */
  readonly records: number;
  readonly updatedAt: string;
}

export function checkpointPath(lake: string, sourceId: string): string {
  return join(lake, "_checkpoints", `${sourceId}.json`);
}

export async function readCheckpoint(lake: string, sourceId: string): Promise<Checkpoint | undefined> {
  const file = checkpointPath(lake, sourceId);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new AnalyticsError(
      "CHECKPOINT_CORRUPT",
      `cannot read checkpoint ${file}: ${(e as Error).message}`,
      {
        cause: e,
        context: { file },
      },
    );
  }
  try {
    const c = JSON.parse(text) as Checkpoint;
    if (c.version !== 1 || typeof c.nextBatch !== "number" || c.sourceId !== sourceId)
      throw new Error("unexpected shape");
    return c;
  } catch (e) {
    throw new AnalyticsError(
      "CHECKPOINT_CORRUPT",
      `checkpoint ${file} is not a valid checkpoint of source ${sourceId} (${(e as Error).message}); move it away to ingest this source again from the start`,
      { cause: e, context: { file } },
    );
  }
}

/** Writes the checkpoint durably (temporary file, fsync, rename, fsync folder). */
export async function writeCheckpoint(lake: string, checkpoint: Checkpoint): Promise<void> {
  const dir = join(lake, "_checkpoints");
  await mkdir(dir, { recursive: true });
  const final = checkpointPath(lake, checkpoint.sourceId);
  const tmp = `${final}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(checkpoint, null, 2)}\n`);
    await commitFile(tmp, final, dir);
  } catch (e) {
    throw new AnalyticsError("WRITE_FAILED", `cannot write checkpoint ${final}: ${(e as Error).message}`, {
      cause: e,
      context: { file: final },
    });
  }
}
