// Crash test of issue #8: a real gateway process trades against a sim venue whose state lives outside it
// (in this test process, over HTTP), and is killed with SIGKILL at seeded random points, then restarted.
// After every restart: no order or fill lost or duplicated, positions equal the venue's, the audit
// chain verifies.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type SimVenueServer, startSimVenueServer } from "@openfloor/adapters";
import { Decimal, pb } from "@openfloor/core";
import { usePostgres } from "@openfloor/testkit/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../audit/verify.js";
import { auth, call, clientsFor, limitOrder, simVenueConfig } from "../e2e/grpc-harness.js";

const RUNS = 20;
const TOKEN = "crash-token-0123456789abcdef012345";
const root = fileURLToPath(new URL("../../../..", import.meta.url));
const cli = join(root, "packages/gateway/src/cli/main.ts");
const dir = mkdtempSync(join(tmpdir(), "openfloor-crash-"));

let venue: SimVenueServer;
let pool: pg.Pool;
let url: string;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolves when the process has exited (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function startGatewayProcess(configPath: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--conditions=@openfloor/source", "--import", "tsx", cli, "start", "-c", configPath],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.on("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGKILL" && signal !== "SIGTERM" && code !== null) {
      // Surfaces in the readiness timeout below.
      stderr += `\n(exited ${code})`;
    }
  });
  (child as ChildProcess & { stderrText: () => string }).stderrText = () => stderr;
  return child;
}

/** Waits until the gateway answers and every venue is reconciled. */
async function waitReady(address: string, child: ChildProcess): Promise<void> {
  const c = clientsFor(address);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      try {
        const st = await call(c.admin, c.admin.getStatus, {}, auth(TOKEN), 1000);
        if (st.venues.length > 0 && st.venues.every((v) => v.reconciled)) return;
      } catch {}
      if (child.exitCode !== null)
        throw new Error(
          `gateway exited: ${(child as ChildProcess & { stderrText: () => string }).stderrText()}`,
        );
      if (Date.now() > deadline) throw new Error("gateway not ready within 60 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  url = (await usePostgres()).url;
  pool = new pg.Pool({ connectionString: url, max: 2 });
  venue = await startSimVenueServer({
    ...(simVenueConfig({ account: "default" }) as object),
    port: 0,
  } as Parameters<typeof startSimVenueServer>[0]);
});
afterAll(async () => {
  await venue?.close();
  await pool?.end();
  rmSync(dir, { recursive: true, force: true });
});

describe(`kill -9 of the gateway mid-flow, ${RUNS} seeded runs (real processes, real PostgreSQL)`, () => {
  it("loses and duplicates no order or fill, and ends level with the venue every time", async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const configPath = join(dir, "gateway.yaml");
    writeFileSync(
      configPath,
      JSON.stringify({
        listen: address,
        venues: { sim: { adapter: "sim-remote", config: { url: venue.url } } },
        accounts: { main: { venue: "sim" } },
        strategies: { alpha: { token: TOKEN, admin: true } },
        logging: { level: "warn" },
        storage: { mode: "postgres", url, gatewayId: "crash" },
      }),
    );
    const acked = new Set<string>();
    let next = 0;
    for (let run = 0; run < RUNS; run++) {
      const rng = mulberry32(1000 + run);
      const gateway = await startGatewayProcess(configPath);
      await waitReady(address, gateway);
      const c = clientsFor(address);
      const killAt = Date.now() + 30 + Math.floor(rng() * 250);
      const killer = setTimeout(() => gateway.kill("SIGKILL"), killAt - Date.now());
      // The order flow: resting and crossing limit orders, a few cancels, until the gateway dies.
      while (gateway.exitCode === null && gateway.signalCode === null) {
        const id = `r${run}-${next++}`;
        const side = rng() < 0.5 ? "buy" : "sell";
        const offset = Math.floor(rng() * 80) - 40; // ticks around 100.00: some cross the spread
        const price = (100 + (side === "buy" ? offset : -offset) / 100).toFixed(2);
        try {
          const r = await call(
            c.orders,
            c.orders.submitOrder,
            limitOrder(id, side, "1", price),
            auth(TOKEN),
            2000,
          );
          if (r.order?.status !== pb.OrderStatus.ORDER_STATUS_DENIED) acked.add(id);
          if (rng() < 0.2)
            await call(c.orders, c.orders.cancelOrder, { clientOrderId: id }, auth(TOKEN), 2000);
        } catch {
          break;
        }
      }
      clearTimeout(killer);
      gateway.kill("SIGKILL");
      c.close();
      await exited(gateway);

      // Restart against the same venue and database, and compare once reconciled.
      const again = await startGatewayProcess(configPath);
      try {
        await waitReady(address, again);
        // Durable: every acknowledged order is in the audit store. Live: the open ones are in the OMS again.
        const recorded = await pool.query<{ client_order_id: string }>("SELECT client_order_id FROM orders");
        const known = new Set(recorded.rows.map((r) => r.client_order_id));
        for (const id of acked)
          expect(known.has(id), `run ${run}: acknowledged order ${id} was lost`).toBe(true);
        const c2 = clientsFor(address);
        const listed = await call(c2.orders, c2.orders.listOrders, { openOnly: true }, auth(TOKEN), 5000);
        c2.close();
        const venueOpenIds = new Set(venue.exchange.openOrders("default").map((r) => r.clientOrderId));
        expect(
          new Set(listed.orders.map((o) => o.clientOrderId)),
          `run ${run}: the OMS's open orders differ from the venue's`,
        ).toEqual(venueOpenIds);

        const venueFills = venue.exchange.fills("default");
        const venueIds = new Set(venueFills.map((f) => f.fillId));
        expect(venueIds.size, `run ${run}: the venue reported a fill twice`).toBe(venueFills.length);
        const stored = await pool.query<{ fill_id: string; quantity: string; side: string }>(
          "SELECT fill_id, quantity::text, side FROM fills WHERE venue = 'sim'",
        );
        const storedIds = new Set(stored.rows.map((r) => r.fill_id));
        expect(storedIds, `run ${run}: fills stored differ from the venue's`).toEqual(venueIds);
        const net = stored.rows.reduce(
          (s, r) => (r.side === "buy" ? s.add(Decimal.parse(r.quantity)) : s.sub(Decimal.parse(r.quantity))),
          Decimal.ZERO,
        );
        const atVenue = venue.exchange.positions("default").find((p) => p.instrument.symbol === "BTC/USDT");
        expect(
          net.eq(atVenue?.quantity ?? Decimal.ZERO),
          `run ${run}: position ${net} vs venue ${atVenue?.quantity}`,
        ).toBe(true);
        const open = await pool.query<{ client_order_id: string }>(
          "SELECT client_order_id FROM orders WHERE venue = 'sim' AND status IN ('submitted', 'accepted', 'partially-filled', 'pending-cancel', 'pending-amend')",
        );
        const venueOpen = new Set(venue.exchange.openOrders("default").map((r) => r.clientOrderId));
        expect(
          new Set(open.rows.map((r) => r.client_order_id)),
          `run ${run}: open orders differ from the venue's`,
        ).toEqual(venueOpen);
        const chain = await verifyAuditChain(pool);
        expect(chain.firstBreak, `run ${run}: audit chain broken`).toBeUndefined();
      } finally {
        again.kill("SIGTERM");
        await exited(again);
      }
    }
    expect(acked.size).toBeGreaterThan(RUNS);
  }, 900_000);
});
