import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { numberArg as arg, rerunUnderSourceCondition } from "./lib/cli.js";
import { type Figure, fmt, machine, summarize } from "./lib/result.js";

rerunUnderSourceCondition(import.meta.url);

const args = process.argv.slice(2);
const ORDERS = arg("orders", 200_000);
const RUNS = arg("runs", 5);
const MIX = { limit: 0.6, cancel: 0.25, marketable: 0.15 };

const { SeededRandom, SimAdapter, SimExchange } = await import("@openfloor/adapters");
const core = await import("@openfloor/core");
const { applyOrderEvent, Decimal, defineInstrument, instrumentId, newOrder, SimulatedClock, silentLogger } =
  core;
type OrderRequest = import("@openfloor/core").OrderRequest;
type Order = import("@openfloor/core").Order;

const BTC = defineInstrument({
  id: instrumentId("BTC/USDT", "sim"),
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
  makerFee: "0.0002",
  takerFee: "0.0007",
});
const ACCOUNTS = ["a1", "a2", "a3", "a4"];
const MID = 5_000_000; // 50 000.00 in ticks

type Step =
  | { kind: "submit"; account: string; request: OrderRequest }
  | { kind: "cancel"; account: string; clientOrderId: string };

/** The same steps on every machine: a seeded mix around a fixed mid. */
function workload(n: number, seed: number): Step[] {
  const rng = new SeededRandom(seed);
  const steps: Step[] = [];
  const live: Array<{ account: string; id: string }> = [];
  const price = (ticks: number) => Decimal.fromUnits(BigInt(ticks), 2);
  for (let i = 0; i < n; i++) {
    const account = ACCOUNTS[rng.int(ACCOUNTS.length)]!;
    const u = rng.next();
    const buy = rng.next() < 0.5;
    if (u < MIX.cancel && live.length > 0) {
      const j = rng.int(live.length);
      const victim = live[j]!;
      live[j] = live[live.length - 1]!;
      live.pop();
      steps.push({ kind: "cancel", account: victim.account, clientOrderId: victim.id });
      continue;
    }
    const marketable = u >= 1 - MIX.marketable;
    const offset = marketable ? -rng.intBetween(20, 60) : rng.intBetween(1, 50);
    const request: OrderRequest = {
      clientOrderId: `b${i}`,
      instrument: BTC.id,
      side: buy ? "buy" : "sell",
      type: "limit",
      timeInForce: marketable ? "IOC" : "GTC",
      quantity: Decimal.fromUnits(BigInt(rng.intBetween(1, 200)), 4),
      price: price(buy ? MID - offset : MID + offset),
      postOnly: false,
      reduceOnly: false,
      strategyId: "bench",
      account,
    };
    steps.push({ kind: "submit", account, request });
    if (!marketable) live.push({ account, id: request.clientOrderId });
  }
  return steps;
}

function venue() {
  const clock = new SimulatedClock(1_700_000_000_000_000_000n);
  const exchange = new SimExchange({
    venue: "sim",
    clock,
    instruments: [BTC],
    startingBalances: { USDT: "1000000000", BTC: "100000" },
  });
  const levels = (side: 1 | -1) =>
    Array.from({ length: 50 }, (_, i) => ({
      price: Decimal.fromUnits(BigInt(MID + side * (10 + i)), 2),
      size: Decimal.from("0.5"),
    }));
  exchange.applyMarketEvent({
    type: "book-snapshot",
    instrument: BTC.id,
    bids: levels(-1),
    asks: levels(1),
    sequence: 1n,
    tsEventNs: clock.now(),
    tsRecvNs: clock.now(),
  });
  let events = 0;
  let fills = 0;
  exchange.addListener({
    onOrderEvent: (_a, _c, e) => {
      events++;
      if (e.kind === "filled") fills++;
    },
  });
  return { clock, exchange, counts: () => ({ events, fills }) };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function runVenue(steps: readonly Step[]): {
  perSecond: number;
  perCpuSecond: number;
  fills: number;
  events: number;
} {
  const { exchange, counts } = venue();
  gc();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const s of steps) {
    if (s.kind === "submit") exchange.submit(s.account, s.request);
    else exchange.cancel(s.account, s.clientOrderId);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { perSecond: steps.length / seconds, perCpuSecond: steps.length / cpuSeconds, ...counts() };
}

async function runAdapter(steps: readonly Step[]): Promise<number> {
  const { clock, exchange } = venue();
  const adapters = new Map(
    ACCOUNTS.map((account) => [
      account,
      new SimAdapter({
        exchange,
        account,
        context: { clock, logger: silentLogger, sink: { onMarketEvent() {}, onOrderEvent() {} } },
      }),
    ]),
  );
  for (const a of adapters.values()) await a.connect();
  const orders: Array<{ account: string; order: Order; cancel: boolean }> = steps.map((s) => {
    if (s.kind === "submit") {
      const order = applyOrderEvent(newOrder(s.request, 1n), { kind: "submitted", tsNs: 1n }).order;
      return { account: s.account, order, cancel: false };
    }
    const request = { ...steps[0]!, clientOrderId: s.clientOrderId } as unknown as OrderRequest;
    return {
      account: s.account,
      order: { ...newOrder(request, 1n), clientOrderId: s.clientOrderId },
      cancel: true,
    };
  });
  gc();
  const t0 = process.hrtime.bigint();
  const inFlight: Array<Promise<void>> = [];
  for (const o of orders) {
    const adapter = adapters.get(o.account)!;
    inFlight.push((o.cancel ? adapter.cancelOrder(o.order) : adapter.submitOrder(o.order)).catch(() => {}));
    if (inFlight.length === 1000) {
      await Promise.all(inFlight);
      inFlight.length = 0;
    }
  }
  await Promise.all(inFlight);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return orders.length / seconds;
}

const loadBefore = loadavg()[0]!;
const steps = workload(ORDERS, 42);
const mix = {
  submits: steps.filter((s) => s.kind === "submit" && s.request.timeInForce === "GTC").length,
  marketable: steps.filter((s) => s.kind === "submit" && s.request.timeInForce === "IOC").length,
  cancels: steps.filter((s) => s.kind === "cancel").length,
};
runVenue(steps); // warm-up: a full unmeasured run so the JIT has settled
const venueRuns: number[] = [];
const venueCpuRuns: number[] = [];
const adapterRuns: number[] = [];
let last = { fills: 0, events: 0 };
for (let r = 0; r < RUNS; r++) {
  const v = runVenue(steps);
  venueRuns.push(v.perSecond);
  venueCpuRuns.push(v.perCpuSecond);
  last = { fills: v.fills, events: v.events };
  adapterRuns.push(args.includes("--venue-only") ? 0 : await runAdapter(steps));
  console.log(
    `run ${r + 1}/${RUNS}: venue ${fmt(v.perSecond)} orders/s (${fmt(v.perCpuSecond)} per CPU s), adapter ${fmt(adapterRuns[r]!)} orders/s`,
  );
}

const figures: Record<string, Figure> = {
  venueOrdersPerSecond: summarize(venueRuns, "orders/s"),
  venueOrdersPerCpuSecond: summarize(venueCpuRuns, "orders/CPU s"),
  adapterOrdersPerSecond: summarize(adapterRuns, "orders/s (1000 in flight)"),
};
const m = machine();
const result = {
  name: "adapters-sim",
  title: "Simulated venue matching throughput (limit adds, cancels, marketable orders)",
  date: new Date().toISOString(),
  machine: m,
  cores: m.cores,
  node: m.node,
  runs: RUNS,
  loadAverage: { before: Math.round(loadBefore * 100) / 100, after: Math.round(loadavg()[0]! * 100) / 100 },
  workload: { orders: ORDERS, ...mix, fillsPerRun: last.fills, orderEventsPerRun: last.events, seed: 42 },
  results: {
    venueOrdersPerSecond: figures.venueOrdersPerSecond,
    venueOrdersPerCpuSecond: figures.venueOrdersPerCpuSecond,
    adapterOrdersPerSecond: figures.adapterOrdersPerSecond,
  },
  figures,
  notes: [
    `${fmt(ORDERS)} requests per run: ${fmt(mix.submits)} resting limit adds, ${fmt(mix.marketable)} marketable IOC limits, ${fmt(mix.cancels)} cancels; 4 accounts, one spot instrument, 50 external levels per side; ${fmt(last.fills)} fills per run.`,
    "Every order advances through the core order state machine (applyOrderEvent) at the venue; fees and balances are exact decimals.",
    "The adapter figure adds pre-venue validation (instrument, grid, capabilities) and a promise per request, with zero latency.",
    "Orders per CPU second (process user + system time) is the steadier figure on a shared machine; see loadAverage.",
  ],
};
const here = dirname(fileURLToPath(import.meta.url));
writeFileSync(join(here, "results", "adapters-sim.json"), `${JSON.stringify(result, null, 2)}\n`);
for (const [k, f] of Object.entries(figures)) {
  console.log(
    `adapters-sim ${k}: ${fmt(f.median)} ${f.unit} (min ${fmt(f.min)}, max ${fmt(f.max)}, ${f.runs} runs)`,
  );
}
