// `pnpm bench [name…]`: runs every bench/*.bench.ts (or those whose file name contains a given name) one
// after another (benchmarks must not share the two cores), prints how long each took, then regenerates
// BENCHMARKS.md from bench/results/*.json.
//
// Time budget: the whole run must fit BENCH_BUDGET_MIN minutes (default 20) on the reference machine
// (2 cores). Each bench gets the time left as its limit and is killed past it; benches that no longer fit
// are skipped; either fails the run, so a bench that grew shows up at once. Sizes that keep the full run
// inside the budget are the benches' defaults, or FULL_ARGS below.
//
// BENCH_QUICK=1: a smoke run with small sizes (QUICK_ARGS, and benches that read BENCH_QUICK shrink
// themselves); its results go to bench/results/quick/ and bench/results/quick/BENCHMARKS.md, leaving the
// real results and BENCHMARKS.md alone.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_QUICK === "1";
const BUDGET_MIN = Number(process.env.BENCH_BUDGET_MIN ?? 20);

/** Extra arguments per bench (by file name without .bench.ts) in a full run. */
const FULL_ARGS: Readonly<Record<string, readonly string[]>> = {};

/** Small sizes per bench for BENCH_QUICK=1 (benches not listed read BENCH_QUICK or run as they are). */
const QUICK_ARGS: Readonly<Record<string, readonly string[]>> = {
  "adapters-ccxt": ["--trades", "10000", "--depth", "5000", "--runs", "3"],
  "adapters-sim": ["--orders", "40000", "--runs", "3"],
  "analytics-report": [
    "--quotes",
    "2000000",
    "--fills",
    "400000",
    "--ingest-records",
    "100000",
    "--runs",
    "2",
  ],
  "core-book": ["--deltas", "400000", "--runs", "3"],
  "core-position": ["200000", "3"],
  "gateway-oms": ["--orders", "5000", "--runs", "3"],
  "kafka-recording": ["--events", "100000", "--fills", "20000", "--runs", "3"],
  "sdk-backtest": ["--events", "400000", "--runs", "3"],
  "sdk-latency": ["--seconds", "2", "--runs", "3"],
};

const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const resultsDir = join(here, "results");
const quickDir = join(resultsDir, "quick");
// Quick: the real results are set aside and put back at the end; what the benches write goes to quick/.
const stash = join(here, "results", ".stash");
if (QUICK) {
  rmSync(stash, { recursive: true, force: true });
  mkdirSync(stash, { recursive: true });
  for (const f of readdirSync(resultsDir).filter((f) => f.endsWith(".json"))) {
    cpSync(join(resultsDir, f), join(stash, f));
  }
}

interface Outcome {
  readonly file: string;
  readonly status: "ok" | "failed" | "timed out" | "skipped";
  readonly seconds: number;
}
const outcomes: Outcome[] = [];
const started = Date.now();
const budgetMs = BUDGET_MIN * 60_000;
const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
console.log(
  `bench: ${files.length} benchmarks${QUICK ? " (BENCH_QUICK=1: smoke sizes)" : ""}, budget ${BUDGET_MIN} min`,
);
try {
  for (const [i, file] of files.entries()) {
    const name = file.replace(/\.bench\.ts$/, "");
    const left = budgetMs - (Date.now() - started);
    if (left <= 0) {
      console.log(`\n[${i + 1}/${files.length}] ${file} SKIPPED: the ${BUDGET_MIN}-minute budget is spent`);
      outcomes.push({ file, status: "skipped", seconds: 0 });
      continue;
    }
    const extra = (QUICK ? QUICK_ARGS[name] : FULL_ARGS[name]) ?? [];
    console.log(
      `\n[${i + 1}/${files.length}] ${file} ${extra.join(" ")} (${minutes(left)} of the budget left)`,
    );
    const t0 = Date.now();
    const r = spawnSync(
      process.execPath,
      ["--conditions=@openfloor/source", "--import", "tsx", "--expose-gc", join(here, file), ...extra],
      {
        stdio: "inherit",
        cwd: here,
        env: { ...process.env, NODE_ENV: "production" },
        timeout: left,
        killSignal: "SIGTERM",
      },
    );
    const seconds = (Date.now() - t0) / 1000;
    const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT";
    const status = timedOut ? "timed out" : r.status === 0 ? "ok" : "failed";
    outcomes.push({ file, status, seconds });
    console.log(
      `[${i + 1}/${files.length}] ${file} ${status === "ok" ? "ok" : `${status.toUpperCase()} (${r.status ?? r.signal})`} in ${seconds.toFixed(1)} s`,
    );
  }
} finally {
  if (QUICK) {
    mkdirSync(quickDir, { recursive: true });
    for (const f of readdirSync(resultsDir).filter((f) => f.endsWith(".json"))) {
      renameSync(join(resultsDir, f), join(quickDir, f));
    }
    for (const f of readdirSync(stash)) renameSync(join(stash, f), join(resultsDir, f));
    rmSync(stash, { recursive: true, force: true });
  }
}

const total = (Date.now() - started) / 1000;
const table = [
  "",
  "| bench | status | duration |",
  "|---|---|---|",
  ...outcomes.map((o) => `| ${o.file} | ${o.status} | ${o.seconds.toFixed(1)} s |`),
  `| total | ${total <= BUDGET_MIN * 60 ? "within" : "OVER"} the ${BUDGET_MIN}-min budget | ${total.toFixed(1)} s |`,
];
console.log(table.join("\n"));

// Durations of the last run of each bench, merged (a partial run keeps the others'), for BENCHMARKS.md.
const dir = QUICK ? quickDir : resultsDir;
const durationsFile = join(dir, "run-durations.json");
const previous = existsSync(durationsFile)
  ? (JSON.parse(readFileSync(durationsFile, "utf8")) as { benches?: Record<string, unknown> }).benches
  : undefined;
writeFileSync(
  durationsFile,
  `${JSON.stringify(
    {
      kind: "run-durations",
      budgetMinutes: BUDGET_MIN,
      quick: QUICK,
      date: new Date().toISOString(),
      lastRunSeconds: total,
      benches: {
        ...previous,
        ...Object.fromEntries(outcomes.map((o) => [o.file, { status: o.status, seconds: o.seconds }])),
      },
    },
    null,
    2,
  )}\n`,
);

const render = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    join(here, "render.ts"),
    ...(QUICK ? ["--results", quickDir, "--out", join(quickDir, "BENCHMARKS.md")] : []),
  ],
  { stdio: "inherit", cwd: here },
);
const bad = outcomes.filter((o) => o.status !== "ok");
console.log(`\nbench: ${outcomes.length - bad.length}/${outcomes.length} ok in ${minutes(total * 1000)}`);
if (bad.length > 0 || render.status !== 0) {
  console.error(
    `bench: ${bad.map((o) => `${o.file} ${o.status}`).join(", ") || ""}${render.status !== 0 ? " render failed" : ""}`,
  );
  process.exit(1);
}
