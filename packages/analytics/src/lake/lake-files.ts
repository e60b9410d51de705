import { constants } from "node:fs";
import { open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { LakeTableName } from "./schema.js";

export const DAY_NS = 86_400_000_000_000n;
export const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` (UTC) of a day number since the epoch. */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Day number (UTC) of a `YYYY-MM-DD` text. */
export function dayOf(text: string): number {
  return Math.floor(Date.parse(`${text}T00:00:00Z`) / DAY_MS);
}

export function partitionDir(lake: string, table: LakeTableName, day: number): string {
  return join(lake, table, `date=${dayText(day)}`);
}

/** Ids name checkpoint files and Parquet parts: letters, digits, `.`, `_` and `-`. */
export function safeSourceId(id: string): string {
  const s = id.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._-]+/, "");
  return s === "" ? "source" : s.slice(0, 120);
}

/** `part-<source>-<batch>.parquet`; the batch number ties a file to the checkpoint that commits it. */
export function partName(sourceId: string, batch: number): string {
  return `part-${sourceId}-${String(batch).padStart(10, "0")}.parquet`;
}

const PART = /^part-(.+)-(\d{10})\.parquet(\.tmp)?$/;

export interface PartFile {
  readonly path: string;
  readonly table: string;
  readonly day: number;
  readonly sourceId: string;
  readonly batch: number;
  readonly temporary: boolean;
}

/** Every part file of the lake (committed or not), by walking `<lake>/<table>/date=*`. */
export async function listParts(lake: string): Promise<PartFile[]> {
  const out: PartFile[] = [];
  for (const table of await readdirSafe(lake)) {
    if (table.startsWith(".") || table === "_checkpoints") continue;
    for (const dateDir of await readdirSafe(join(lake, table))) {
      if (!dateDir.startsWith("date=")) continue;
      const day = dayOf(dateDir.slice(5));
      for (const f of await readdirSafe(join(lake, table, dateDir))) {
        const m = PART.exec(f);
        if (m === null) continue;
        out.push({
          path: join(lake, table, dateDir, f),
          table,
          day,
          sourceId: m[1]!,
          batch: Number(m[2]),
          temporary: m[3] !== undefined,
        });
      }
    }
  }
  return out;
}

async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/**
 * Removes a source's files the checkpoint does not commit: temporaries, and parts of batches at or
 * after `nextBatch` (written by a run that stopped before its checkpoint). Returns what it removed.
 */
export async function removeUncommitted(
  lake: string,
  sourceId: string,
  nextBatch: number,
): Promise<string[]> {
  const removed: string[] = [];
  for (const p of await listParts(lake)) {
    if (p.sourceId !== sourceId) continue;
    if (p.temporary || p.batch >= nextBatch) {
      await rm(p.path, { force: true });
      removed.push(p.path);
    }
  }
  return removed;
}

/** fsync a file or a directory. */
export async function syncPath(path: string): Promise<void> {
  const fd = await open(path, constants.O_RDONLY);
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

/** Makes a written temporary file durable under its final name: fsync, rename, fsync the folder. */
export async function commitFile(tmp: string, final: string, dir: string): Promise<void> {
  await syncPath(tmp);
  await rename(tmp, final);
  await syncPath(dir);
}
