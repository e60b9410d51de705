import { loadavg } from "node:os";
import { numberArg as arg, rerunUnderSourceCondition } from "./lib/cli.js";
import { type Figure, percentile, summarize, writeResult } from "./lib/result.js";

rerunUnderSourceCondition(import.meta.url);

const ORDERS = arg("orders", 20_000);
const RUNS = arg("runs", 5);
const BATCH = arg("batch", 100);

const { SimAdapter, SimExchange } = await import("@openfloor/adapters");
const core = await import("@openfloor/core");
const { createOrderPath } = await import("../packages/gateway/src/execution/order-path.js");
const { MemoryOrderJournal } = await import("../packages/gateway/src/execution/memory-order-journal.js");
const { parseRiskLimits } = await import("../packages/gateway/src/risk/risk-limits.js");
type ExecutionEngine = import("../packages/gateway/src/execution/execution-engine.js").ExecutionEngine;
type OrderRequest = import("@openfloor/core").OrderRequest;
type VenueEventSink = import("@openfloor/adapters").VenueEventSink;

const { Decimal, LiveClock, defineInstrument, instrumentId, silentLogger } = core;
const BTC = defineInstrument({
  id: instrumentId("BTC/USDT", "sim"),
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
});
const who = { strategyId: "bench", account: "bench" };

async function world(journal: boolean): Promise<ExecutionEngine> {
  const clock = new LiveClock();
  const exchange = new SimExchange({
    venue: "sim",
    clock,
    instruments: [BTC],
    startingBalances: { USDT: "1000000000000", BTC: "1000000" },
  });
  let engine: ExecutionEngine | undefined;
  const sink: VenueEventSink = {
    onMarketEvent() {},
    onOrderEvent: (id, event) => engine?.handleVenueOrderEvent("sim", id, event),
  };
  const adapter = new SimAdapter({ exchange, context: { clock, sink, logger: silentLogger } });
  await adapter.connect();
  const level = (price: string) => ({ price: Decimal.from(price), size: Decimal.from("10") });
  exchange.applyMarketEvent({
    type: "book-snapshot",
    instrument: BTC.id,
    bids: [level("49990"), level("49980")],
    asks: [level("50010"), level("50020")],
    sequence: 1n,
    tsEventNs: clock.now(),
    tsRecvNs: clock.now(),
  });
  const mid = { mid: Decimal.from("50000") };
  const path = createOrderPath({
    clock,
    logger: silentLogger,
    venues: new Map([["sim", adapter]]),
    marks: () => mid,
    limits: parseRiskLimits({
      maxOrderQuantity: "10",
      maxOrderNotional: "1000000",
      maxPositionPerInstrument: "1000000",
      maxGrossExposure: "100000000000",
      maxNetExposure: "100000000000",
      priceBandBps: "500",
      maxOpenOrders: 1_000_000,
      maxOrdersPerSecond: 10_000_000,
    }),
    ...(journal ? { journal: new MemoryOrderJournal() } : {}),
  });
  engine = path.execution;
  return engine;
}

let seq = 0;
const prices = ["49900.00", "49901.50", "49902.25", "49950.00", "49960.10"].map((p) => Decimal.from(p));
function request(): OrderRequest {
  const n = seq++;
  return {
    clientOrderId: `b${n}`,
    instrument: BTC.id,
    side: "buy",
    type: "limit",
    timeInForce: "GTC",
    quantity: Decimal.from("0.001"),
    price: prices[n % prices.length]!,
    postOnly: false,
    reduceOnly: false,
    strategyId: "",
    account: "",
  };
}

interface RunResult {
  latenciesUs: number[];
  sequentialPerSecond: number;
  pipelinedPerSecond: number;
}

async function run(engine: ExecutionEngine, orders: number): Promise<RunResult> {
  const latenciesUs: number[] = new Array(orders);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < orders; i++) {
    const start = process.hrtime.bigint();
    const order = await engine.submit(who, request());
    latenciesUs[i] = Number(process.hrtime.bigint() - start) / 1000;
    if (order.status !== "accepted") throw new Error(`order ${order.clientOrderId} ended ${order.status}`);
  }
  const sequentialPerSecond = orders / (Number(process.hrtime.bigint() - t0) / 1e9);
  await engine.cancelAll(who);

  const t1 = process.hrtime.bigint();
  for (let i = 0; i < orders; i += BATCH) {
    const batch: Promise<unknown>[] = [];
    for (let j = 0; j < BATCH && i + j < orders; j++) batch.push(engine.submit(who, request()));
    await Promise.all(batch);
  }
  const pipelinedPerSecond = orders / (Number(process.hrtime.bigint() - t1) / 1e9);
  await engine.cancelAll(who);
  return { latenciesUs, sequentialPerSecond, pipelinedPerSecond };
}

const loadAtStart = loadavg()[0]!;
const figures: Record<string, Figure> = {};
for (const journal of [false, true]) {
  const engine = await world(journal);
  await run(engine, Math.min(ORDERS, 5000)); // warm-up
  const p50: number[] = [];
  const p99: number[] = [];
  const mean: number[] = [];
  const seqRate: number[] = [];
  const pipeRate: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    const res = await run(engine, ORDERS);
    p50.push(percentile(res.latenciesUs, 50));
    p99.push(percentile(res.latenciesUs, 99));
    mean.push(res.latenciesUs.reduce((a, b) => a + b, 0) / res.latenciesUs.length);
    seqRate.push(res.sequentialPerSecond);
    pipeRate.push(res.pipelinedPerSecond);
  }
  const suffix = journal ? "WithJournal" : "";
  figures[`submitToAckP50${suffix}`] = summarize(p50, "µs", { higherIsBetter: false });
  figures[`submitToAckP99${suffix}`] = summarize(p99, "µs", { higherIsBetter: false });
  figures[`submitToAckMean${suffix}`] = summarize(mean, "µs", { higherIsBetter: false });
  figures[`ordersPerSecondSequential${suffix}`] = summarize(seqRate, "orders/s");
  figures[`ordersPerSecondPipelined${suffix}`] = summarize(pipeRate, `orders/s (${BATCH} in flight)`);
  if (engine.openOrderCount() !== 0) throw new Error("orders left open");
}

writeResult({
  name: "gateway-oms",
  title: "Gateway order path in process (risk + OMS + sim venue, zero latency)",
  figures,
  notes: [
    `${ORDERS} limit orders per run, ${RUNS} runs after a warm-up; every risk limit enabled; resting orders canceled between phases (untimed).`,
    "Latency is submit() to its promise resolving with the order accepted by the SimAdapter (zero latency, synchronous venue).",
    `1-minute load average at start: ${loadAtStart.toFixed(2)} (other work on the machine widens the p99 and throughput spread).`,
    "`WithJournal` awaits an in-memory write-ahead journal (MemoryOrderJournal) before each order leaves; the Postgres journal (issue #8) adds its own commit latency.",
  ],
});
