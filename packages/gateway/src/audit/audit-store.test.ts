import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyOrderEvent,
  Decimal,
  instrumentId,
  Money,
  newOrder,
  type Order,
  type OrderRequest,
} from "@openfloor/core";
import { usePostgres } from "@openfloor/testkit/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditStore } from "./audit-store.js";
import { exportAudit } from "./export.js";
import { migrate } from "./migrate.js";
import { verifyAuditChain } from "./verify.js";

let pool: pg.Pool;
const dir = mkdtempSync(join(tmpdir(), "openfloor-audit-"));

beforeAll(async () => {
  const { url } = await usePostgres();
  pool = new pg.Pool({ connectionString: url, max: 4 });
  await migrate(pool);
});
afterAll(async () => {
  await pool?.end();
  rmSync(dir, { recursive: true, force: true });
});

function request(id: string): OrderRequest {
  return {
    clientOrderId: id,
    instrument: instrumentId("BTC/USDT", "sim"),
    side: "buy",
    type: "limit",
    timeInForce: "GTC",
    quantity: Decimal.from("0.5"),
    price: Decimal.from("60000.01"),
    postOnly: false,
    reduceOnly: false,
    strategyId: "mm",
    account: "acct",
  };
}

function lifecycle(
  id: string,
  t0: bigint,
): { order: Order; steps: [Order, Parameters<typeof applyOrderEvent>[1]][] } {
  let order = newOrder(request(id), t0);
  const steps: [Order, Parameters<typeof applyOrderEvent>[1]][] = [];
  const events: Parameters<typeof applyOrderEvent>[1][] = [
    { kind: "submitted", tsNs: t0 + 1n },
    { kind: "accepted", venueOrderId: `v-${id}`, tsNs: t0 + 2n },
    {
      kind: "filled",
      tsNs: t0 + 3n,
      fill: {
        fillId: `f-${id}`,
        clientOrderId: id,
        venueOrderId: `v-${id}`,
        instrument: instrumentId("BTC/USDT", "sim"),
        side: "buy",
        price: Decimal.from("60000.01"),
        quantity: Decimal.from("0.5"),
        fee: Money.of("0.03000001", "USDT"),
        liquidity: "maker",
        tsEventNs: t0 + 3n,
        strategyId: "mm",
        account: "acct",
      },
    },
  ];
  for (const e of events) {
    order = applyOrderEvent(order, e).order;
    steps.push([order, e]);
  }
  return { order, steps };
}

describe("audit store (real PostgreSQL)", () => {
  it("migrates idempotently, also when two gateways start together", async () => {
    const { url } = await usePostgres();
    const fresh = new pg.Pool({ connectionString: url, max: 4 });
    try {
      const [a, b] = await Promise.all([migrate(fresh), migrate(fresh)]);
      expect([...a, ...b]).toEqual([1]);
      expect(await migrate(fresh)).toEqual([]);
    } finally {
      await fresh.end();
    }
  });

  it("commits intents before resolving and group-commits events into a verifiable chain", async () => {
    const store = await AuditStore.open(pool, { gatewayId: "gw-a" });
    const first = newOrder(request("o-1"), 1_000n);
    await store.recordIntent(first);
    const row = await pool.query(
      "SELECT status, quantity::text, price::text FROM orders WHERE client_order_id = 'o-1'",
    );
    expect(row.rows[0]).toEqual({ status: "initialized", quantity: "0.5", price: "60000.01" });

    for (let i = 0; i < 200; i++) {
      const { steps } = lifecycle(`o-${i + 2}`, BigInt(10_000 + i * 10));
      for (const [o, e] of steps) store.recordEvent(o, e);
    }
    // a redelivered fill is stored once
    const { steps } = lifecycle("o-2", 10_000n);
    store.recordEvent(steps[2]![0], steps[2]![1]);
    await store.drain();
    expect(store.stats.batches).toBeLessThan(store.stats.committed); // grouped, not one commit per event
    const fills = await pool.query("SELECT count(*)::int AS n, sum(fee)::text AS fees FROM fills");
    expect(fills.rows[0]).toEqual({ n: 200, fees: "6.00000200" });
    const filled = await pool.query("SELECT count(*)::int AS n FROM orders WHERE status = 'filled'");
    expect(filled.rows[0].n).toBe(200);

    const verified = await verifyAuditChain(pool);
    expect(verified.firstBreak).toBeUndefined();
    expect(verified.ok).toBe(true);
    expect(verified.rows.get("gw-a")).toBe(1 + 200 * 3 + 1);

    // One writer per chain: a second store for the same gateway id is refused while the first is open.
    await expect(AuditStore.open(pool, { gatewayId: "gw-a" })).rejects.toThrow(/another gateway is writing/);
    await store.close();
    // Reopening continues the same chain.
    const again = await AuditStore.open(pool, { gatewayId: "gw-a" });
    again.recordRiskEvent("kill-switch", { reason: "test" }, 99_999n);
    await again.drain();
    expect((await verifyAuditChain(pool)).ok).toBe(true);
    await again.close();
  });

  it("refuses UPDATE, DELETE and TRUNCATE on the audit tables", async () => {
    for (const sql of [
      "UPDATE audit_log SET kind = 'x'",
      "DELETE FROM fills",
      "UPDATE order_events SET kind = 'x'",
      "TRUNCATE risk_events",
    ]) {
      await expect(pool.query(sql), sql).rejects.toThrow(/append-only/);
    }
  });

  it("finds an altered row with verify (tampering needs the trigger disabled by a superuser)", async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only");
      await client.query(
        `UPDATE audit_log SET payload = replace(payload, '60000.01', '60000.02') WHERE gateway_id = 'gw-a' AND seq = 7`,
      );
      const result = await verifyAuditChain({ query: client.query.bind(client) } as unknown as pg.Pool);
      expect(result.ok).toBe(false);
      expect(result.firstBreak).toMatchObject({ gatewayId: "gw-a", seq: 7n, problem: "hash mismatch" });
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect((await verifyAuditChain(pool)).ok).toBe(true);
  });

  it("exports a period to CSV and Parquet with the hashes", async () => {
    const csv = join(dir, "audit.csv");
    const n = await exportAudit(pool, csv, { fromNs: 0n, toNs: 1n << 62n });
    const lines = readFileSync(csv, "utf8").trim().split("\n");
    expect(lines[0]).toBe("gateway_id,seq,kind,ts_ns,recorded_at,payload,prev_hash,hash");
    expect(lines.length).toBe(n + 1);
    const parquet = join(dir, "audit.parquet");
    expect(await exportAudit(pool, parquet, { format: "parquet" })).toBe(n);
    expect(readFileSync(parquet).subarray(0, 4).toString()).toBe("PAR1");
  });
});
