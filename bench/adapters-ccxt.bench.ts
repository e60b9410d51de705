// Normalization throughput of the ccxt path: venue messages per second from the emulator's websocket,
// through ccxt's own exchange classes (pro), to core events (Trade, BookDelta) at the sink. The
// emulator runs in a child process (its own core) and writes each burst of pre-built messages as fast
// as it can, so the adapter side is the bottleneck being measured. Plain node script:
//   npx tsx bench/adapters-ccxt.bench.ts [--trades 50000] [--depth 20000] [--runs 5]
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { numberArg as arg } from "./lib/cli.js";

const here = dirname(fileURLToPath(import.meta.url));

// Workspace packages resolve to their TypeScript sources only under this condition: re-run with it.
if (!process.execArgv.some((a) => a.includes("@openfloor/source"))) {
  const r = spawnSync(
    process.execPath,
    [
      "--conditions=@openfloor/source",
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: "inherit" },
  );
  process.exit(r.status ?? 1);
}

const { Decimal, defineInstrument, instrumentId, LiveClock, silentLogger } = await import("@openfloor/core");
type MarketEvent = import("@openfloor/core").MarketEvent;
const { BookTracker, CcxtAdapter, ccxtAdapterConfigSchema, ccxtVersion } = await import(
  "../packages/adapters/src/ccxt/index.js"
);

const args = process.argv.slice(2);
const TRADES = arg("trades", 50_000);
const DEPTH = arg("depth", 20_000);
const RUNS = arg("runs", 5);
const onlyAt = args.indexOf("--only");
const ONLY = onlyAt >= 0 ? args[onlyAt + 1] : undefined;

type Exchange = "binance" | "bybit";
type Kind = "trades" | "depth";

class Emulator {
  private readonly lines: Interface;
  private readonly pending: ((line: string) => void)[] = [];
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    lines: Interface,
  ) {
    this.lines = lines;
    lines.on("line", (l) => this.pending.shift()?.(l));
  }

  static async start(): Promise<Emulator> {
    const child = spawn(
      process.execPath,
      ["--conditions=@openfloor/source", "--import", "tsx", join(here, "adapters-ccxt-emulator.ts")],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve) => lines.once("line", resolve));
    return new Emulator(child, (JSON.parse(first) as { port: number }).port, lines);
  }

  burst(exchange: Exchange, kind: Kind, n: number): Promise<{ sent: number; last: string }> {
    return new Promise((resolve) => {
      this.pending.push((l) => resolve(JSON.parse(l) as { sent: number; last: string }));
      this.child.stdin!.write(`${JSON.stringify({ cmd: "burst", exchange, kind, n })}\n`);
    });
  }

  stop(): void {
    this.lines.close();
    this.child.kill();
  }
}

/** A sink that counts events, remembers the newest trade id and book sequence, and wakes a waiter. */
class CountingSink {
  events = 0;
  lastTradeId = "";
  bookSequence = -1n;
  private waiter: { check: () => boolean; resolve: () => void } | undefined;
  onMarketEvent(e: MarketEvent): void {
    this.events++;
    if (e.type === "trade") this.lastTradeId = e.tradeId;
    else if (e.type === "book-delta" || e.type === "book-snapshot") this.bookSequence = e.sequence;
    if (this.waiter?.check()) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve();
    }
  }
  onOrderEvent(): void {}
  /** Resolves once `check` holds (at once if it already does). */
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = { check, resolve };
    });
  }
}

function urls(port: number, exchange: Exchange): Record<string, unknown> {
  const http = `http://127.0.0.1:${port}`;
  const ws = `ws://127.0.0.1:${port}`;
  return exchange === "binance"
    ? {
        api: {
          public: `${http}/binance/api/v3`,
          private: `${http}/binance/api/v3`,
          ws: { spot: `${ws}/binance/ws`, "ws-api": { spot: `${ws}/binance/ws-api/v3` } },
        },
      }
    : {
        api: {
          public: `${http}/bybit`,
          private: `${http}/bybit`,
          ws: {
            public: { spot: `${ws}/bybit/v5/public/spot` },
            private: { contract: `${ws}/bybit/v5/private` },
          },
        },
      };
}

/** One measured burst: messages per second from the first write to the event carrying the last message. */
async function measure(
  emulator: Emulator,
  exchange: Exchange,
  kind: Kind,
  n: number,
): Promise<{ msgs: number; events: number }> {
  const sink = new CountingSink();
  const adapter = new CcxtAdapter(
    exchange,
    ccxtAdapterConfigSchema.parse({ exchange, urls: urls(emulator.port, exchange), symbols: ["BTC/USDT"] }),
    { clock: new LiveClock(), sink, logger: silentLogger },
  );
  await adapter.connect();
  await adapter.subscribe({
    instrument: instrumentId("BTC/USDT", exchange),
    channel: kind === "trades" ? "trades" : "book",
  });
  if (kind === "depth") await sink.until(() => sink.bookSequence >= 0n);
  const lastOf = async (count: number) => {
    const started = process.hrtime.bigint();
    const expectLast = emulator.burst(exchange, kind, count);
    const { last } = await expectLast;
    const target = BigInt(last);
    const done = sink.until(() =>
      kind === "trades" ? sink.lastTradeId === last : sink.bookSequence >= target,
    );
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () =>
          reject(
            new Error(
              `${exchange} ${kind}: the last message never arrived (${JSON.stringify(adapter.stats)})`,
            ),
          ),
        120_000,
      ).unref(),
    );
    await Promise.race([done, timeout]);
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  await lastOf(Math.min(2_000, n)); // warm up ccxt's caches and the JIT
  const before = sink.events;
  const seconds = await lastOf(n);
  const events = sink.events - before;
  await adapter.disconnect();
  return { msgs: n / seconds, events: events / seconds };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: Math.round(median), min: Math.round(s[0]!), max: Math.round(s[s.length - 1]!) };
}

/**
 * The adapter's own share of the depth path, one delta per state (no coalescing): a 20-level ccxt-style
 * book where each successive state changes one level, diffed and converted to exact decimals.
 */
function bookTrackerDeltasPerSecond(n: number): number {
  const instrument = defineInstrument({
    id: instrumentId("BTC/USDT", "bench"),
    kind: "spot",
    base: "BTC",
    quote: "USDT",
    priceIncrement: "0.01",
    sizeIncrement: "0.00001",
  });
  const tracker = new BookTracker(instrument, 0);
  const bids = Array.from({ length: 20 }, (_, i) => [50_000 - (i + 1) * 0.01, 0.1 + i * 0.001]);
  const asks = Array.from({ length: 20 }, (_, i) => [50_000 + (i + 1) * 0.01, 0.1 + i * 0.001]);
  tracker.update({ bids, asks, nonce: 0 }, 0n, 0n);
  const started = process.hrtime.bigint();
  for (let i = 1; i <= n; i++) {
    const side = i % 2 === 0 ? bids : asks;
    side[i % 20]![1] = 0.001 + (i % 997) * 0.00001;
    if (tracker.update({ bids, asks, nonce: i }, BigInt(i), 0n) === undefined) throw new Error("no delta");
  }
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

const loadBefore = os.loadavg()[0];
const emulator = await Emulator.start();
const results: Record<string, { median: number; min: number; max: number }> = {};
try {
  for (const exchange of ["binance", "bybit"] as const) {
    for (const kind of ["trades", "depth"] as const) {
      if (ONLY !== undefined && `${exchange}.${kind}` !== ONLY) continue;
      const n = kind === "trades" ? TRADES : DEPTH;
      const msgs: number[] = [];
      const events: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const r = await measure(emulator, exchange, kind, n);
        msgs.push(r.msgs);
        events.push(r.events);
      }
      const key = `${exchange}.${kind}`;
      results[`${key}.messagesPerSecond`] = stats(msgs);
      results[`${key}.coreEventsPerSecond`] = stats(events);
      console.log(
        `adapters-ccxt ${key}: ${stats(msgs).median.toLocaleString("en-US")} msgs/s median ` +
          `(min ${stats(msgs).min.toLocaleString("en-US")}, max ${stats(msgs).max.toLocaleString("en-US")}), ` +
          `${stats(events).median.toLocaleString("en-US")} core events/s`,
      );
    }
  }
} finally {
  emulator.stop();
}

const tracker: number[] = [];
for (let run = 0; run < RUNS; run++) tracker.push(bookTrackerDeltasPerSecond(DEPTH * 10));
results["bookTracker.deltasPerSecond"] = stats(tracker);
console.log(
  `adapters-ccxt bookTracker.deltas: ${stats(tracker).median.toLocaleString("en-US")} deltas/s median`,
);

const result = {
  name: "adapters-ccxt",
  description:
    "ccxt path normalization throughput: venue websocket messages per second from the local emulator (child process) " +
    "through ccxt pro (binance, bybit) to core Trade / BookDelta events; depth deltas that arrive while the adapter is " +
    "busy are coalesced by ccxt's book, so core book events can be fewer than messages; bookTracker.deltas is the " +
    "adapter's own diff-and-convert cost per book delta, in process, without coalescing",
  machine: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  node: process.version,
  ccxt: ccxtVersion(),
  runs: RUNS,
  messagesPerRun: { trades: TRADES, depth: DEPTH, bookTrackerDeltas: DEPTH * 10 },
  results,
  exactness: Decimal.fromNumber(0.1 + 0.2, { scale: 2 }).toString(),
  // Other work on this machine moves these figures a lot; the load average says how busy it was.
  loadAverage: { before: round2(loadBefore ?? 0), after: round2(os.loadavg()[0] ?? 0) },
};
writeFileSync(join(here, "results", "adapters-ccxt.json"), `${JSON.stringify(result, null, 2)}\n`);
