import { SimAdapter, SimExchange } from "@openfloor/adapters";
import {
  Decimal,
  defineInstrument,
  instrumentId,
  type Order,
  type OrderEvent,
  type OrderRequest,
  SimulatedClock,
  silentLogger,
} from "@openfloor/core";
import { usePostgres } from "@openfloor/testkit/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditStore } from "../audit/audit-store.js";
import { migrate } from "../audit/migrate.js";
import { verifyAuditChain } from "../audit/verify.js";
import type { ExecutionEngine } from "../execution/execution-engine.js";
import { createOrderPath } from "../execution/order-path.js";
import { parseRiskLimits } from "../risk/risk-limits.js";
import { recoverExecutionState } from "./recover.js";

const BTC = defineInstrument({
  id: instrumentId("BTC/USDT", "sim"),
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
});
const WHO = { strategyId: "mm", account: "default" };

let pool: pg.Pool;
const stores: AuditStore[] = [];
beforeAll(async () => {
  const { url } = await usePostgres();
  pool = new pg.Pool({ connectionString: url, max: 6 });
  await migrate(pool);
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await pool?.end();
});

function limit(id: string, side: "buy" | "sell", price: string, qty = "1"): OrderRequest {
  return {
    clientOrderId: id,
    instrument: BTC.id,
    side,
    type: "limit",
    timeInForce: "GTC",
    quantity: Decimal.from(qty),
    price: Decimal.from(price),
    postOnly: false,
    reduceOnly: false,
    strategyId: "",
    account: "",
  };
}

/** One gateway "process": an engine, its audit store, an adapter on the shared venue. */
async function startGateway(exchange: SimExchange, clock: SimulatedClock) {
  let engine: ExecutionEngine | undefined;
  let alive = true;
  const adapter = new SimAdapter({
    exchange,
    context: {
      clock,
      logger: silentLogger,
      sink: {
        onMarketEvent() {},
        onOrderEvent: (id: string, e: OrderEvent) => {
          if (alive) engine?.handleVenueOrderEvent("sim", id, e);
        },
      },
    },
  });
  await adapter.connect();
  const store = await AuditStore.open(pool, { gatewayId: "gw-recovery" });
  stores.push(store);
  const path = createOrderPath({
    clock,
    logger: silentLogger,
    venues: new Map([["sim", adapter]]),
    limits: parseRiskLimits(undefined),
    journal: store,
  });
  engine = path.execution;
  return {
    engine: path.execution,
    store,
    adapter,
    /** A crash: events stop reaching this gateway and whatever was not committed is lost. */
    async crash() {
      alive = false;
      await adapter.disconnect();
      await store.close();
    },
  };
}

describe("recovery after a crash (real PostgreSQL, real sim venue)", () => {
  it("reloads orders, applies fills missed while down, closes orders that ended, and agrees with the venue", async () => {
    const clock = new SimulatedClock(1_700_000_000_000_000_000n);
    const exchange = new SimExchange({
      venue: "sim",
      clock,
      instruments: [BTC],
      startingBalances: { USDT: "10000000", BTC: "1000" },
    });
    const a = await startGateway(exchange, clock);
    for (let i = 0; i < 10; i++) await a.engine.submit(WHO, limit(`b${i}`, "buy", `${49_000 - i * 10}`));
    for (let i = 0; i < 5; i++) await a.engine.submit(WHO, limit(`s${i}`, "sell", `${51_000 + i * 10}`));
    // A partial fill while the gateway is up.
    exchange.submit("taker", { ...limit("t0", "sell", "49000", "0.4"), strategyId: "x", account: "taker" });
    await a.store.drain();
    expect(a.engine.orders(WHO, { openOnly: true })).toHaveLength(15);
    // One more order whose intent is committed but whose events are lost in the crash.
    await a.engine.submit(WHO, limit("late", "buy", "48000"));
    await a.crash();

    // While the gateway is down the venue moves on: fills and a cancel it never hears about.
    exchange.submit("taker", { ...limit("t1", "sell", "48950", "3"), strategyId: "x", account: "taker" });
    exchange.submit("taker", { ...limit("t2", "buy", "51000", "0.25"), strategyId: "x", account: "taker" });
    exchange.cancel("default", "b9");
    clock.advanceBy(1000);

    const b = await startGateway(exchange, clock);
    const reports = await recoverExecutionState({
      pool,
      engine: b.engine,
      venues: new Map([["sim", b.adapter]]),
      logger: silentLogger,
      nowNs: () => clock.now(),
    });
    await b.store.drain();
    const report = reports[0]!;
    expect(report.missedFills.length).toBeGreaterThan(0);
    expect(report.closedMeanwhile).toContain("b9");
    expect(report.positionMismatches).toEqual([]);

    // Every order agrees with the venue: status, filled quantity.
    const venueOpen = new Set(exchange.openOrders("default").map((r) => r.clientOrderId));
    const mine = b.engine.orders(WHO);
    const open = mine.filter((o: Order) => ["accepted", "partially-filled", "submitted"].includes(o.status));
    expect(new Set(open.map((o) => o.clientOrderId))).toEqual(venueOpen);
    for (const o of mine) {
      const atVenue = exchange.order("default", o.clientOrderId);
      expect(o.filledQuantity.eq(atVenue?.filledQuantity ?? Decimal.ZERO), o.clientOrderId).toBe(true);
    }
    // Positions equal the venue's, and no fill is stored twice.
    const venuePos = exchange.positions("default").find((p) => p.instrument.symbol === "BTC/USDT");
    expect(b.engine.positions.quantity("default", BTC.id).eq(venuePos?.quantity ?? Decimal.ZERO)).toBe(true);
    const venueFills = exchange.fills("default");
    const stored = await pool.query<{ n: number; q: string }>(
      "SELECT count(*)::int AS n, coalesce(sum(quantity), 0)::text AS q FROM fills WHERE venue = 'sim'",
    );
    expect(stored.rows[0]!.n).toBe(venueFills.length);
    expect(
      Decimal.parse(stored.rows[0]!.q).eq(venueFills.reduce((s, f) => s.add(f.quantity), Decimal.ZERO)),
    ).toBe(true);
    expect((await verifyAuditChain(pool)).ok).toBe(true);

    // Orders are refused while a venue is unreconciled, accepted after.
    b.engine.markUnreconciled("sim");
    const refused = await b.engine.submit(WHO, limit("while-recon", "buy", "40000"));
    expect(refused.status).toBe("denied");
    expect(refused.lastReason?.code).toBe("NOT_RECONCILED");
    b.engine.markReconciled("sim");
    expect((await b.engine.submit(WHO, limit("after-recon", "buy", "40000"))).status).toBe("accepted");
    await b.crash();
  });
});
