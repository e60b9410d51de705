// Outage test of issue #8: PostgreSQL stops for a few seconds mid-flow and starts again. Orders are
// refused while it is down (fail closed), venue events that arrive meanwhile are kept and written
// once it is back, and trading resumes.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimAdapter, SimExchange } from "@openfloor/adapters";
import {
  Decimal,
  defineInstrument,
  instrumentId,
  type OrderEvent,
  type OrderRequest,
  SimulatedClock,
  silentLogger,
} from "@openfloor/core";
import { type PostgresServer, startPostgres } from "@openfloor/testkit";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { ExecutionEngine } from "../execution/execution-engine.js";
import { createOrderPath } from "../execution/order-path.js";
import { parseRiskLimits } from "../risk/risk-limits.js";
import { AuditStore } from "./audit-store.js";
import { migrate } from "./migrate.js";
import { verifyAuditChain } from "./verify.js";

const BTC = defineInstrument({
  id: instrumentId("BTC/USDT", "sim"),
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
});
const WHO = { strategyId: "s", account: "default" };
const base = mkdtempSync(join(tmpdir(), "openfloor-outage-"));
chmodSync(base, 0o755);
let server: PostgresServer | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(base, { recursive: true, force: true });
});

function limit(id: string, side: "buy" | "sell", price: string): OrderRequest {
  return {
    clientOrderId: id,
    instrument: BTC.id,
    side,
    type: "limit",
    timeInForce: "GTC",
    quantity: Decimal.from("1"),
    price: Decimal.from(price),
    postOnly: false,
    reduceOnly: false,
    strategyId: "",
    account: "",
  };
}

describe("PostgreSQL outage mid-flow (real server stopped and started)", () => {
  it("refuses orders while the audit store is down, loses no event, and resumes", async () => {
    const dataDir = join(base, "pg");
    server = await startPostgres({ dataDir });
    const port = server.port;
    const pool = new pg.Pool({ connectionString: server.url, max: 4, connectionTimeoutMillis: 1000 });
    pool.on("error", () => undefined);
    await migrate(pool);
    const store = await AuditStore.open(pool, {
      gatewayId: "outage",
      intentTimeoutMs: 1000,
      retryDelayMs: 100,
    });

    const clock = new SimulatedClock(1_700_000_000_000_000_000n);
    const exchange = new SimExchange({
      venue: "sim",
      clock,
      instruments: [BTC],
      startingBalances: { USDT: "10000000", BTC: "1000" },
    });
    let engine: ExecutionEngine | undefined;
    const adapter = new SimAdapter({
      exchange,
      context: {
        clock,
        logger: silentLogger,
        sink: {
          onMarketEvent() {},
          onOrderEvent: (id: string, e: OrderEvent) => engine?.handleVenueOrderEvent("sim", id, e),
        },
      },
    });
    await adapter.connect();
    engine = createOrderPath({
      clock,
      logger: silentLogger,
      venues: new Map([["sim", adapter]]),
      limits: parseRiskLimits(undefined),
      journal: store,
    }).execution;

    for (let i = 0; i < 5; i++)
      expect((await engine.submit(WHO, limit(`before-${i}`, "buy", `${100 - i}`))).status).toBe("accepted");
    await store.drain();

    await server.stop();
    // The first order after the outage waits for its intent, times out and is denied; then the store knows.
    const refused = await engine.submit(WHO, limit("during-1", "buy", "90"));
    expect(refused.status).toBe("denied");
    expect(refused.lastReason?.code).toBe("AUDIT_UNAVAILABLE");
    // Venue events keep arriving while the database is down: fills of resting orders.
    exchange.submit("taker", {
      ...limit("t1", "sell", "98"),
      quantity: Decimal.from("2.5"),
      strategyId: "x",
      account: "taker",
    });
    const fillsDuringOutage = exchange.fills("default").length;
    expect(fillsDuringOutage).toBeGreaterThan(0);
    await new Promise<void>((resolve) => {
      if (!store.isAvailable()) return resolve();
      const off = store.onAvailability((ok) => {
        if (!ok) {
          off();
          resolve();
        }
      });
    });
    const alsoRefused = await engine.submit(WHO, limit("during-2", "buy", "90"));
    expect(alsoRefused.lastReason?.code).toBe("AUDIT_UNAVAILABLE");

    // Back up on the same port and data directory: the queued events are written, trading resumes.
    server = await startPostgres({ dataDir, port });
    await new Promise<void>((resolve) => {
      if (store.isAvailable()) return resolve();
      const off = store.onAvailability((ok) => {
        if (ok) {
          off();
          resolve();
        }
      });
    });
    await store.drain();
    expect((await engine.submit(WHO, limit("after-1", "buy", "80"))).status).toBe("accepted");
    await store.drain();

    const stored = await pool.query<{ fill_id: string }>("SELECT fill_id FROM fills");
    expect(new Set(stored.rows.map((r) => r.fill_id))).toEqual(
      new Set(exchange.fills("default").map((f) => f.fillId)),
    );
    const statuses = await pool.query<{ client_order_id: string; status: string }>(
      "SELECT client_order_id, status FROM orders",
    );
    const byId = new Map(statuses.rows.map((r) => [r.client_order_id, r.status]));
    for (const o of engine.orders(WHO)) expect(byId.get(o.clientOrderId), o.clientOrderId).toBe(o.status);
    expect((await verifyAuditChain(pool)).ok).toBe(true);
    expect(store.stats.failures).toBeGreaterThan(0);
    await store.close();
    await pool.end();
  }, 120_000);
});
