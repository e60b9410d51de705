import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { usePostgres } from "@openfloor/testkit/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The real audit schema (gateway migration v1) so the export is tested against the tables the gateway
// writes; analytics itself only reads them through SQL.
import { MIGRATIONS } from "../../../gateway/src/audit/migrations.js";
import { LakeSession } from "../lake/lake-session.js";
import { computeMetrics } from "../metrics/compute-metrics.js";
import { asSourceRecord } from "../testing/records.js";
import { SCENARIO_LEGS, scenarioFill, scenarioRecords } from "../testing/scenario.js";
import { ingestAudit } from "./audit-export.js";
import { ingest } from "./ingest.js";
import { iterableSource } from "./source.js";

let pool: pg.Pool;
let dir: string;

async function insertScenario(): Promise<void> {
  for (const leg of SCENARIO_LEGS) {
    const o = leg.order;
    const [symbol, venue] = [
      o.instrument.slice(0, o.instrument.lastIndexOf(":")),
      o.instrument.slice(o.instrument.lastIndexOf(":") + 1),
    ];
    const filled = leg.fill === undefined ? "0" : o.quantity;
    const ackNs = o.createdNs + BigInt(leg.ackMs) * 1_000_000n;
    const updated = leg.fill === undefined ? o.createdNs + 60_000_000_000n : scenarioFill(leg).tsNs;
    await pool.query(
      `INSERT INTO orders (strategy_id, client_order_id, account, venue, symbol, side, order_type, time_in_force, quantity, price,
         post_only, reduce_only, status, venue_order_id, filled_quantity, order_json, created_ns, updated_ns)
       VALUES ($1, $2, 'acc', $3, $4, $5, $6, 'GTC', $7, $8, false, false, $9, $10, $11, '{}', $12, $13)`,
      [
        o.strategyId,
        o.clientOrderId,
        venue,
        symbol,
        o.side,
        o.price === undefined ? "market" : "limit",
        o.quantity,
        o.price ?? null,
        leg.fill === undefined ? "canceled" : "filled",
        `v-${o.clientOrderId}`,
        filled,
        o.createdNs.toString(),
        updated.toString(),
      ],
    );
    await pool.query(
      `INSERT INTO order_events (strategy_id, client_order_id, kind, event_id, status_after, event_json, ts_ns)
       VALUES ($1, $2, 'intent', NULL, 'initialized', '{}', $3), ($1, $2, 'accepted', $4, 'accepted', '{}', $5)`,
      [o.strategyId, o.clientOrderId, o.createdNs.toString(), `${o.clientOrderId}-ack`, ackNs.toString()],
    );
    if (leg.fill !== undefined) {
      const f = scenarioFill(leg);
      await pool.query(
        `INSERT INTO fills (venue, fill_id, strategy_id, client_order_id, venue_order_id, account, symbol, side, price, quantity,
           fee, fee_currency, liquidity, ts_ns)
         VALUES ($1, $2, $3, $4, $5, 'acc', $6, $7, $8, $9, $10, 'USDT', 'taker', $11)`,
        [
          venue,
          f.fillId,
          f.strategyId,
          f.clientOrderId,
          `v-${f.clientOrderId}`,
          symbol,
          f.side,
          f.price,
          f.quantity,
          f.fee,
          f.tsNs.toString(),
        ],
      );
    }
  }
}

beforeAll(async () => {
  const db = await usePostgres();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  for (const m of MIGRATIONS) await pool.query(m.sql);
  await insertScenario();
  dir = await mkdtemp(join(tmpdir(), "of-audit-"));
});
afterAll(async () => {
  await pool?.end();
  await rm(dir, { recursive: true, force: true });
});

const base = { strategy: "alpha", from: "2024-01-01", to: "2024-01-04", capital: "100" } as const;

describe("audit store export (Postgres → pg → DuckDB appender → Parquet)", () => {
  it("exports orders, order events and fills once; a second run adds nothing; new rows come next run", async () => {
    const lake = join(dir, "audit-only");
    const first = await ingestAudit({ lake, database: pool, settleMs: 0 });
    expect(first.rows).toEqual({ "audit-order": 5, "audit-order-event": 10, "audit-fill": 4 });
    const again = await ingestAudit({ lake, database: pool, settleMs: 0 });
    expect(again.rows).toEqual({});
    await pool.query(
      `INSERT INTO fills (venue, fill_id, strategy_id, client_order_id, venue_order_id, account, symbol, side, price, quantity,
         fee, fee_currency, liquidity, ts_ns)
       VALUES ('sim', 'late', 'other', 'x', 'vx', 'acc', 'BTC/USDT', 'buy', 1.5, 2, 0, 'USDT', 'maker', 1704067200000000000)`,
    );
    const third = await ingestAudit({ lake, database: pool, settleMs: 0 });
    expect(third.rows).toEqual({ "audit-fill": 1 });
    const s = await LakeSession.open(lake);
    try {
      const [row] = await s.rows<{ n: string; notional: string }>(
        "SELECT count(*)::VARCHAR AS n, sum(price * quantity)::VARCHAR AS notional FROM audit_fill WHERE strategy_id = 'alpha'",
      );
      expect(row).toEqual({ n: "4", notional: "596.80000000000000000" });
    } finally {
      s.close();
    }
    // a young row waits for the settle window
    const settled = await ingestAudit({ lake, database: pool, settleMs: 60_000 });
    expect(settled.rows).toEqual({});
  });

  it("gives the same PnL from the audit store alone, and from Kafka records and the audit store together", async () => {
    const auditOnly = join(dir, "audit-only");
    const both = join(dir, "both");
    await ingest({
      lake: both,
      source: iterableSource("fixture", () => scenarioRecords().map(asSourceRecord)),
    });
    await ingestAudit({ lake: both, database: pool, settleMs: 0 });
    const a = await computeMetrics({ lake: auditOnly, ...base });
    const b = await computeMetrics({ lake: both, ...base });
    expect(a.pnl).toEqual({
      gross: "0.8",
      net: "0.2",
      realizedGross: "0.8",
      realizedNet: "0.2",
      unrealizedGross: "0",
      fees: "0.6",
    });
    expect(b.pnl).toEqual(a.pnl);
    expect(b.activity.fills).toBe(4);
    // orders and acknowledgements from the audit store: same latency and fill ratio as from the records
    expect(a.execution.orders).toBe(5);
    expect(a.execution.orderToAck.p50Ms).toBe(5);
    expect(a.execution.fillRatio).toBeCloseTo(0.8, 12);
    expect(b.execution.orderToAck).toEqual(a.execution.orderToAck);
  });
});
