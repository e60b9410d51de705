import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decimal, instrumentId, type OrderRequest } from "@openfloor/core";
import { usePostgres } from "@openfloor/testkit/vitest";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { runAuditVerify } from "../cli/audit-commands.js";
import { parseConfig } from "../config/load-config.js";
import { CapturedLog, simVenueConfig } from "../e2e/grpc-harness.js";
import { createGateway } from "../gateway.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function config(storage: Record<string, unknown>) {
  return parseConfig(
    {
      listen: "127.0.0.1:0",
      venues: { sim: { adapter: "sim", config: simVenueConfig() } },
      accounts: { main: { venue: "sim" } },
      strategies: { alpha: { token: "alpha-token-0123456789abcdef" } },
      logging: { level: "info" },
      storage,
    },
    { env: {}, file: "test.yaml" },
  );
}

function limit(id: string): OrderRequest {
  return {
    clientOrderId: id,
    instrument: instrumentId("BTC/USDT", "sim"),
    side: "buy",
    type: "limit",
    timeInForce: "GTC",
    quantity: Decimal.from("0.01"),
    price: Decimal.from("50"),
    postOnly: false,
    reduceOnly: false,
    strategyId: "alpha",
    account: "main",
  };
}

const ALPHA = { strategyId: "alpha", account: "main" };

describe("gateway with the audit store", () => {
  it("writes orders ahead to Postgres, and a restarted gateway reconciles them with the venue", async () => {
    const { url } = await usePostgres();
    const first = createGateway(config({ mode: "postgres", url, gatewayId: "gw-storage" }), { grpc: false });
    await first.start();
    expect(first.status().auditAvailable).toBe(true);
    expect(first.status().venues[0]?.reconciled).toBe(true);
    expect(await first.metrics.registry.getSingleMetricAsString("openfloor_audit_available")).toMatch(
      /openfloor_audit_available 1/,
    );
    expect(await first.metrics.registry.getSingleMetricAsString("openfloor_unreconciled_venues")).toMatch(
      /openfloor_unreconciled_venues 0/,
    );
    const order = await first.execution.submit(ALPHA, limit("persisted-1"));
    expect(order.status).toBe("accepted");
    await first.stop();

    const pool = new pg.Pool({ connectionString: url });
    const row = await pool.query("SELECT status FROM orders WHERE client_order_id = 'persisted-1'");
    expect(row.rows[0]?.status).toBe("accepted");

    // The in-process sim venue does not survive the restart: the order is gone there, so
    // reconciliation must close it rather than believe it is still working.
    const log = new CapturedLog();
    const second = createGateway(config({ mode: "postgres", url, gatewayId: "gw-storage" }), {
      grpc: false,
      logDestination: log,
    });
    await second.start();
    const recovered = second.execution.order(ALPHA, "persisted-1");
    expect(recovered?.status).toBe("canceled");
    expect(log.text).toContain("reconciled sim");
    expect(log.text).not.toContain(new URL(url).password);
    await second.stop();
    const after = await pool.query("SELECT status FROM orders WHERE client_order_id = 'persisted-1'");
    expect(after.rows[0]?.status).toBe("canceled");
    await pool.end();

    const out: string[] = [];
    const code = await runAuditVerify({ databaseUrl: url }, {
      write: (s: string) => out.push(s),
    } as unknown as NodeJS.WritableStream);
    expect(code).toBe(0);
    expect(out.join("")).toMatch(/chain gw-storage: \d+ rows intact/);
  });

  it("starts an embedded PostgreSQL in its data directory when no database is configured, and says so", async () => {
    const base = mkdtempSync(join(tmpdir(), "openfloor-gw-embedded-"));
    chmodSync(base, 0o755);
    dirs.push(base);
    const log = new CapturedLog();
    const gateway = createGateway(config({ mode: "auto", dataDir: join(base, "pg") }), {
      grpc: false,
      logDestination: log,
    });
    await gateway.start();
    expect(log.text).toContain("audit store: embedded PostgreSQL in");
    const order = await gateway.execution.submit(ALPHA, limit("embedded-1"));
    expect(order.status).toBe("accepted");
    await gateway.stop();
  });
});
