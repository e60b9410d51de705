import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { numberArg as arg, rerunUnderSourceCondition } from "./lib/cli.js";
import { type Figure, summarize, writeResult } from "./lib/result.js";

rerunUnderSourceCondition(import.meta.url);

const QUOTES = arg("quotes", 50_000_000);
const FILLS = arg("fills", 10_000_000);
const RUNS = arg("runs", 3);
const INGEST = arg("ingest-records", 1_000_000);
const AGGREGATE_RUNS = arg("aggregate-runs", 1);
const RAW_RUNS = arg("raw-runs", 0);
const APPEND_RUNS = arg("append-runs", 1);

const analytics = await import("../packages/analytics/src/index.js");
const testing = await import("../packages/analytics/src/testing/index.js");
const core = await import("@openfloor/core");

const here = dirname(fileURLToPath(import.meta.url));
const data = join(here, "data");
const lake = join(data, `analytics-lake-${QUOTES}q-${FILLS}f`);
const marker = join(lake, ".complete");
const params = JSON.stringify({ quotes: QUOTES, fills: FILLS, days: 10, seed: 42, version: 1 });

// 1. the synthetic lake, generated once
if (!existsSync(marker) || readFileSync(marker, "utf8") !== params) {
  rmSync(lake, { recursive: true, force: true });
  const t0 = performance.now();
  const counts = await testing.generateSyntheticLake({
    lake,
    quotes: QUOTES,
    fills: FILLS,
    days: 10,
    seed: 42,
  });
  writeFileSync(marker, params);
  console.log(
    `generated ${JSON.stringify(counts)} in ${((performance.now() - t0) / 1000).toFixed(1)} s into ${lake}`,
  );
} else {
  console.log(`reusing ${lake}`);
}

// 2. the per-day aggregates (what ingest builds after each run), timed as part of ingest
const rawRows = QUOTES + 2 * FILLS; // quotes, fills, and one order event per fill
const aggregateSeconds: number[] = [];
for (let run = 0; run < AGGREGATE_RUNS; run++) {
  const load = loadavg()[0]!;
  const r = await analytics.buildAggregates({ lake, force: true });
  aggregateSeconds.push(r.ms / 1000);
  console.log(
    `aggregates run ${run + 1}: ${(r.ms / 1000).toFixed(1)} s (load ${load.toFixed(1)}) = ${Math.round(rawRows / (r.ms / 1000))} lake rows/s`,
  );
}
if (AGGREGATE_RUNS === 0) await analytics.buildAggregates({ lake });

// 2b. the aggregates of the first nine days extended by the tenth (what a daily ingest does): a copy
// of the lake without its last day (hard links), its aggregates built once and kept; each run links the
// last day's parts in, extends the aggregates, then takes the day out and puts the kept set back
const appendSeconds: number[] = [];
const incLake = `${lake}-first-9-days`;
const lastDay = "date=2024-03-10";
const tables = readdirSync(lake).filter((t) => !t.startsWith(".") && !t.startsWith("_"));
const appendedRows = (QUOTES + 2 * FILLS) / 10;
if (APPEND_RUNS > 0) {
  const incMarker = join(incLake, ".complete");
  // the kept aggregates must be of the version the main lake's were just built with
  const version = (dir: string) =>
    existsSync(join(dir, "manifest.json"))
      ? JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).version
      : -1;
  if (
    !existsSync(incMarker) ||
    readFileSync(incMarker, "utf8") !== params ||
    version(join(incLake, "_aggregates.first-9-days")) !== version(join(lake, "_aggregates"))
  ) {
    rmSync(incLake, { recursive: true, force: true });
    for (const t of tables) {
      mkdirSync(join(incLake, t), { recursive: true });
      for (const d of readdirSync(join(lake, t)).filter((d) => d !== lastDay))
        execFileSync("cp", ["-al", join(lake, t, d), join(incLake, t, d)]);
    }
    const r = await analytics.buildAggregates({ lake: incLake, force: true });
    console.log(`aggregates of the first 9 days: ${(r.ms / 1000).toFixed(1)} s`);
    execFileSync("cp", ["-al", join(incLake, "_aggregates"), join(incLake, "_aggregates.first-9-days")]);
    writeFileSync(incMarker, params);
  }
  for (let run = 0; run < APPEND_RUNS; run++) {
    for (const t of tables)
      if (existsSync(join(lake, t, lastDay)))
        execFileSync("cp", ["-al", join(lake, t, lastDay), join(incLake, t, lastDay)]);
    const load = loadavg()[0]!;
    const r = await analytics.buildAggregates({ lake: incLake });
    appendSeconds.push(r.ms / 1000);
    console.log(
      `aggregates extended by one day, run ${run + 1}: ${(r.ms / 1000).toFixed(1)} s (load ${load.toFixed(1)}) from day ${r.fromDay === null ? "–" : new Date(r.fromDay * 86_400_000).toISOString().slice(0, 10)}`,
    );
    for (const t of tables) rmSync(join(incLake, t, lastDay), { recursive: true, force: true });
    rmSync(join(incLake, "_aggregates"), { recursive: true, force: true });
    execFileSync("cp", ["-al", join(incLake, "_aggregates.first-9-days"), join(incLake, "_aggregates")]);
  }
}

// 3. the full report, from the aggregates (and, with --raw-runs, from the raw lake for comparison)
const out = join(data, "analytics-report", "bench.html");
const reportRuns = async (useAggregates: boolean, runs: number) => {
  const seconds: number[] = [];
  const phases = new Map<string, number[]>();
  for (let run = 0; run < runs; run++) {
    const load = loadavg()[0]!;
    let plan = "";
    const t0 = performance.now();
    const r = await analytics.buildReport({
      lake,
      strategy: testing.SYNTHETIC_STRATEGY,
      from: "2024-03-01",
      to: "2024-03-11",
      out,
      useAggregates,
      onPlan: (p) => (plan = p.source === "lake" ? `raw lake: ${p.reason}` : "aggregates"),
      onTiming: (phase, ms) => phases.set(phase, [...(phases.get(phase) ?? []), ms / 1000]),
    });
    const s = (performance.now() - t0) / 1000;
    seconds.push(s);
    console.log(
      `report run ${run + 1} (${plan}): ${s.toFixed(2)} s (load ${load.toFixed(1)}), ${r.metrics.activity.fills} fills, net PnL ${r.metrics.pnl.net}`,
    );
  }
  return { seconds, phases };
};
const { seconds, phases } = await reportRuns(true, RUNS);
const raw = await reportRuns(false, RAW_RUNS);

// 3. ingest throughput from the segment log
const logDir = join(data, `analytics-ingest-log-${INGEST}`);
const logMarker = join(logDir, ".complete");
if (!existsSync(logMarker)) {
  rmSync(logDir, { recursive: true, force: true });
  const log = await core.SegmentLogWriter.open({ dir: logDir, sync: false });
  const start = 1_709_251_200_000_000_000n;
  for (let i = 0; i < INGEST; i++) {
    const ts = start + BigInt(i) * 1_000_000n;
    const k = i % 10;
    if (k < 8) {
      const bid = 60_000 + (i % 1000) / 100;
      log.append(testing.quoteRecord("BTC/USDT:sim", bid.toFixed(2), (bid + 0.01).toFixed(2), ts));
    } else if (k === 8) {
      log.append(
        testing.fillRecord({
          fillId: `f${i}`,
          clientOrderId: `o${i}`,
          strategyId: "bench",
          instrument: "BTC/USDT:sim",
          side: i % 20 < 10 ? "buy" : "sell",
          price: "60000.5",
          quantity: "0.01",
          fee: "0.12",
          tsNs: ts,
        }),
      );
    } else {
      const order = {
        clientOrderId: `o${i}`,
        strategyId: "bench",
        instrument: "BTC/USDT:sim",
        side: "buy" as const,
        quantity: "0.01",
        price: "60000",
        createdNs: ts,
      };
      log.append(testing.orderEventRecord(order, "accepted", ts, "accepted"));
    }
    if (i % 100_000 === 99_999) await log.flush();
  }
  await log.close();
  writeFileSync(logMarker, String(INGEST));
}
const rates: number[] = [];
const ingestAggregateSeconds: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const target = join(data, "analytics-ingest-lake");
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const t0 = performance.now();
  const r = await analytics.ingest({ lake: target, source: analytics.segmentLogSource({ dir: logDir }) });
  const s = (performance.now() - t0) / 1000;
  rates.push(r.records / s);
  const aggregates = (r.aggregates?.ms ?? 0) / 1000;
  ingestAggregateSeconds.push(aggregates);
  console.log(
    `ingest run ${run + 1}: ${r.records} records in ${s.toFixed(2)} s = ${Math.round(r.records / s)} records/s (of which ${aggregates.toFixed(2)} s rebuilding the aggregates)`,
  );
}

const figures: Record<string, Figure> = {
  fullReport: summarize(seconds, "s", { goal: 5, higherIsBetter: false }),
  ingest: summarize(rates, "records/s", { higherIsBetter: true }),
  ingestAggregates: summarize(ingestAggregateSeconds, "s", { higherIsBetter: false }),
};
if (aggregateSeconds.length > 0) {
  figures.aggregateBuild = summarize(aggregateSeconds, "s", { higherIsBetter: false });
  figures.aggregateThroughput = summarize(
    aggregateSeconds.map((s) => rawRows / s),
    "lake rows/s",
    { higherIsBetter: true },
  );
}
if (appendSeconds.length > 0) {
  figures.aggregateAppendDay = summarize(appendSeconds, "s", { higherIsBetter: false });
  figures.aggregateAppendThroughput = summarize(
    appendSeconds.map((s) => appendedRows / s),
    "appended rows/s",
    { higherIsBetter: true },
  );
}
if (raw.seconds.length > 0) figures.fullReportRaw = summarize(raw.seconds, "s", { higherIsBetter: false });
for (const [phase, values] of phases)
  figures[`phase_${phase}`] = summarize(values, "s", { higherIsBetter: false });
writeResult({
  name: "analytics-report",
  title: "Analytics: full report over 10M fills and 50M quotes; ingest into the Parquet lake",
  figures,
  notes: [
    `${FILLS} fills (one order and one 'accepted' order event each) and ${QUOTES} quotes over 10 days and 4 instruments, generated by DuckDB into Parquet; strategy "bench".`,
    "Full report: buildReport() with every metric (exact PnL, FIFO realized, round trips, latency percentiles, slippage vs arrival mid, markouts at 0/1/10/60 s, one internal), HTML with inline SVG and JSON, read from the lake's per-day aggregates. DuckDB in process, default threads. fullReportRaw (with --raw-runs) computes the same numbers from the raw Parquet parts.",
    "aggregateBuild: buildAggregates() over the whole synthetic lake from scratch (the as-of joins of every fill and order against the quotes, running sums, FIFO, round trips, latency counts); ingest runs it after each run, and skips it when nothing changed. Throughput counts the lake's quote, fill and order-event rows.",
    "aggregateAppendDay: the aggregates of the first nine days extended by the tenth (a tenth of the quotes, fills and orders), recomputing days 9 and 10 from their raw parts and continuing the stored running sums, open lots, open round trips and per-order rows; throughput counts the appended day's rows.",
    `Ingest: ${INGEST} records from the local segment log through decode, flatten, the DuckDB appender and zstd Parquet parts with fsync + rename, one checkpoint per 250k rows, then the aggregates of the new lake (ingestAggregates).`,
    "Other engineers' tests and benchmarks share the machine's two cores; the load average at each report run is printed by the script.",
  ],
});
