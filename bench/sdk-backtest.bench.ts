// Backtest throughput of @openfloor/sdk: events per second through runBacktest for a strategy that
// reacts to every quote (an order-book imbalance signal) and trades sometimes (a market order about
// every 2 000 quotes, a post-only limit order it cancels again about every 5 000 quotes), over a CSV
// file of ~2M quotes and trades generated once into bench/data/ (gitignored). The file is streamed,
// so memory must stay flat as the data grows: peak RSS is reported for the full file and for a quarter
// of it.
// Plain script: npx tsx --expose-gc bench/sdk-backtest.bench.ts [--events 2000000] [--runs 5]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { numberArg as arg, rerunUnderSourceCondition } from "./lib/cli.js";
import { summarize, writeResult } from "./lib/result.js";
import { cents, lots, MARKET_CSV_HEADER, writeCsvAtomically } from "./lib/synthetic-market.js";

rerunUnderSourceCondition(import.meta.url);

const args = process.argv.slice(2);
const EVENTS = arg("events", 2_000_000);
const RUNS = arg("runs", 5);
// Internal: one measured run in a child process (so peak RSS is that run's alone).
const CHILD = args.includes("--child");

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, "data");

/** ~2M rows: a random walk on a 0.01 tick, 9 quotes for every trade, 1 ms apart. Same file on every machine. */
async function generate(path: string, events: number): Promise<void> {
  await writeCsvAtomically(path, MARKET_CSV_HEADER, walkLines(events));
}

function* walkLines(events: number): Generator<string> {
  let a = 7 >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let mid = 4_200_000; // 42 000.00 in cents
  let ts = 1_704_067_200_000_000_000n;
  for (let i = 0; i < events; i++) {
    ts += 1_000_000n;
    if (i % 10 === 9) {
      const buy = random() < 0.5;
      yield `${ts},trade,BTC/USDT:sim,,,,,${cents(buy ? mid + 1 : mid - 1)},${lots(1 + Math.floor(random() * 5000))},${buy ? "buy" : "sell"},t${i}\n`;
    } else {
      mid += Math.floor(random() * 5) - 2;
      yield `${ts},quote,BTC/USDT:sim,${cents(mid - 1)},${lots(1000 + Math.floor(random() * 30_000))},${cents(mid + 1)},${lots(1000 + Math.floor(random() * 30_000))},,,,\n`;
    }
  }
}

async function child(path: string): Promise<void> {
  const { Strategy } = await import("../packages/sdk/src/index.js");
  const { runBacktest } = await import("../packages/sdk/src/backtest/index.js");
  type Quote = import("../packages/core/src/index.js").Quote;
  type OrderHandle = import("../packages/sdk/src/index.js").OrderHandle;
  const BTC = "BTC/USDT:sim";

  /** Reacts to every quote; a market order every ~2 000 quotes, a resting order every ~5 000 (canceled 500 later). */
  class QuoteReactor extends Strategy {
    quotes = 0;
    trades = 0;
    imbalance = 0;
    resting: OrderHandle | undefined;
    restedAt = 0;
    override onStart(): void {
      this.data.trades(BTC).subscribe(() => {
        this.trades++;
      });
      this.data.quotes(BTC).subscribe((q: Quote) => this.onQuote(q));
    }
    private onQuote(q: Quote): void {
      const n = ++this.quotes;
      this.imbalance += q.bidSize.gt(q.askSize) ? 1 : -1;
      if (n % 2000 === 0) {
        // Trade on the signal, but keep the position within ±0.05 BTC.
        const position = this.positions.get(BTC).quantity;
        const buy = position.lt("-0.04") || (this.imbalance > 0 && position.lt("0.05"));
        void (buy ? this.orders.buy(BTC, "0.01") : this.orders.sell(BTC, "0.01"));
      } else if (n % 5000 === 1000 && this.resting === undefined) {
        void this.orders.buy(BTC, "0.01", { price: q.bidPrice, postOnly: true }).then((h) => {
          this.resting = h;
          this.restedAt = n;
        });
      } else if (this.resting !== undefined && n - this.restedAt >= 500) {
        const h = this.resting;
        this.resting = undefined;
        if (!h.isDone) void h.cancel().catch(() => undefined);
      }
    }
  }

  const cpu0 = process.threadCpuUsage();
  const result = await runBacktest({
    strategy: new QuoteReactor(),
    data: path,
    venue: { balances: { USDT: "100000000", BTC: "1000" } },
  });
  const cpu = process.threadCpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rss = process.resourceUsage().maxRSS * 1024;
  // What the run left live (with --expose-gc): must not grow with the length of the data.
  (globalThis as { gc?: () => void }).gc?.();
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  process.stdout.write(
    `${JSON.stringify({ events: result.events, eventsPerSecond: result.eventsPerSecond, eventsPerCpuSecond: result.events / cpuSeconds, wallMs: result.wallTimeMs, fills: result.fills.length, orders: result.orders.length, pnl: result.pnl.net.toString(), peakRssMiB: rss / 2 ** 20, heapAfterGcMiB: heapMiB })}\n`,
  );
}

interface RunOutput {
  events: number;
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
  wallMs: number;
  fills: number;
  orders: number;
  pnl: string;
  peakRssMiB: number;
  heapAfterGcMiB: number;
}

function measure(path: string): RunOutput {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), "--child", path],
    {
      encoding: "utf8",
      env: { ...process.env, NODE_ENV: "production" },
      maxBuffer: 1 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`backtest run failed: ${r.stderr}`);
  const line = r.stdout.trim().split("\n").pop()!;
  return JSON.parse(line) as RunOutput;
}

if (CHILD) {
  await child(args[args.indexOf("--child") + 1]!);
} else {
  const full = join(dataDir, `sdk-backtest-${EVENTS}.csv`);
  const quarter = join(dataDir, `sdk-backtest-${Math.round(EVENTS / 4)}.csv`);
  for (const [path, n] of [
    [full, EVENTS],
    [quarter, Math.round(EVENTS / 4)],
  ] as const) {
    if (!existsSync(path)) {
      console.log(`generating ${path} (${n} events)…`);
      await generate(path, n);
    }
  }
  const runs: RunOutput[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = measure(full);
    console.log(
      `run ${i + 1}: ${Math.round(r.eventsPerSecond).toLocaleString("en-US")} events/s (${Math.round(r.eventsPerCpuSecond).toLocaleString("en-US")} per CPU-second of the main thread), ${r.events} events in ${Math.round(r.wallMs)} ms, ${r.orders} orders, ${r.fills} fills, pnl ${r.pnl}, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
    );
    runs.push(r);
  }
  if (new Set(runs.map((r) => `${r.fills}/${r.pnl}`)).size !== 1)
    throw new Error("runs disagree on fills or PnL: not deterministic");
  const small = [measure(quarter), measure(quarter)];
  writeResult({
    name: "sdk-backtest",
    title: "Backtest throughput (SDK, CSV quotes+trades, strategy reacting to every quote)",
    figures: {
      eventsPerSecond: summarize(
        runs.map((r) => r.eventsPerSecond),
        "events/s",
        { goal: 1_000_000, higherIsBetter: true },
      ),
      eventsPerCpuSecond: summarize(
        runs.map((r) => r.eventsPerCpuSecond),
        "events/CPU-s",
        { goal: 1_000_000, higherIsBetter: true },
      ),
      peakRssMiB: summarize(
        runs.map((r) => r.peakRssMiB),
        "MiB",
        { higherIsBetter: false },
      ),
      heapAfterGcMiB: summarize(
        runs.map((r) => r.heapAfterGcMiB),
        "MiB",
        { higherIsBetter: false },
      ),
      heapAfterGcMiBQuarterData: summarize(
        small.map((r) => r.heapAfterGcMiB),
        "MiB",
        { higherIsBetter: false },
      ),
      peakRssMiBQuarterData: summarize(
        small.map((r) => r.peakRssMiB),
        "MiB",
        { higherIsBetter: false },
      ),
    },
    notes: [
      `${runs[0]!.events.toLocaleString("en-US")} events (9 quotes : 1 trade) streamed from a ${EVENTS.toLocaleString("en-US")}-row CSV file; each run in a fresh process; wall time includes reading and decoding the file.`,
      `The strategy reacts to every quote and trade; ${runs[0]!.orders} orders and ${runs[0]!.fills} fills per run, identical in every run (determinism checked).`,
      "events/CPU-s divides by the main thread's CPU time (process.threadCpuUsage): on a busy machine it shows what the code does when it is not waiting for a core.",
      "Peak RSS is the whole process (Node, tsx, sources; it moves with GC timing); the JS heap left after a forced GC at the end is what the run keeps: the same for the full and the quarter-size file, so memory does not grow with the data.",
    ],
  });
}
