import { readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { committedParts } from "../lake/lake-session.js";

/** Folder of the aggregates inside the lake. */
export const AGGREGATES_DIR = "_aggregates";
export const AGGREGATES_VERSION = 2;
/** Markout horizons the aggregates hold, ms; a report asking for others reads the raw lake. */
export const AGGREGATE_HORIZONS_MS: readonly number[] = [0, 1000, 10_000, 60_000];
/** The decision-price record name the aggregates join; a report naming another reads the raw lake. */
export const AGGREGATE_DECISION_PRICE_NAME = "decision_price";

/** One strategy's aggregate files: `<table>-<file>.parquet`. */
export interface AggregateStrategy {
  readonly id: string;
  readonly file: string;
  /** Numeric internals joined at fills (a report charting another reads the raw lake). */
  readonly internals: readonly string[];
}

/** `_aggregates/manifest.json`: what the aggregates were computed from. */
export interface AggregateManifest {
  readonly version: number;
  readonly builtAt: string;
  readonly horizonsMs: readonly number[];
  readonly decisionPriceName: string;
  /** Signature of the committed parts read: relative path and size of each, sorted. */
  readonly inputs: string;
  readonly strategies: readonly AggregateStrategy[];
}

/** The lake's committed parts (every table but `_rejected`) as one comparable text. */
export async function inputSignature(lake: string): Promise<string> {
  const parts = (await committedParts(lake)).filter((p) => p.table !== "_rejected");
  const lines = await Promise.all(
    parts.map(async (p) => `${relative(lake, p.path)} ${(await stat(p.path)).size}`),
  );
  return lines.sort().join("\n");
}

export async function readManifest(lake: string): Promise<AggregateManifest | undefined> {
  try {
    const m = JSON.parse(
      await readFile(join(lake, AGGREGATES_DIR, "manifest.json"), "utf8"),
    ) as AggregateManifest;
    return m.version === AGGREGATES_VERSION ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The manifest if the aggregates are current: computed by this version from exactly the lake's parts. */
export async function currentManifest(lake: string): Promise<AggregateManifest | undefined> {
  const m = await readManifest(lake);
  if (m === undefined) return undefined;
  return m.inputs === (await inputSignature(lake)) ? m : undefined;
}
