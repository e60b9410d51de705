import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One measured figure over several runs. */
export interface Figure {
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  /** Goal from the issue, if any, and whether higher is better. */
  readonly goal?: number;
  readonly higherIsBetter?: boolean;
  /** Ratio against a baseline measured in the same run (e.g. the raw grpc-js floor or a peer). */
  readonly ratio?: { readonly against: string; readonly value: number };
}

export interface BenchResult {
  readonly name: string;
  readonly title: string;
  readonly date: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly os?: string;
    /** 1-minute load average when the result was written (other work skews every figure). */
    readonly loadAverage?: number;
  };
  readonly figures: Readonly<Record<string, Figure>>;
  readonly notes?: readonly string[];
  /** How the figures were measured, in a sentence or two (rendered above the table). */
  readonly howMeasured?: string;
  /** Versions of what was measured besides Node (peers, Python, libraries). */
  readonly versions?: Readonly<Record<string, string>>;
  /** The bench file that wrote this result, when it is not `<name>.bench.ts`. */
  readonly source?: string;
}

export function machine(): BenchResult["machine"] {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Median, min and max of samples. */
export function summarize(samples: readonly number[], unit: string, extra: Partial<Figure> = {}): Figure {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { unit, median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: samples.length, ...extra };
}

/** Percentile (0..100) of samples by nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "results");

/** Writes bench/results/<name>.json and prints a one-line summary per figure. */
export function writeResult(result: Omit<BenchResult, "date" | "machine">): BenchResult {
  const full: BenchResult = { ...result, date: new Date().toISOString(), machine: machine() };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${result.name}.json`), `${JSON.stringify(full, null, 2)}\n`);
  for (const [key, f] of Object.entries(full.figures)) {
    console.log(
      `${result.name} ${key}: ${fmt(f.median)} ${f.unit} (min ${fmt(f.min)}, max ${fmt(f.max)}, ${f.runs} runs)`,
    );
  }
  return full;
}

export function fmt(n: number): string {
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toPrecision(3);
}
