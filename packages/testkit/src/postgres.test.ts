import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestkitError } from "./errors.js";
import { type PostgresServer, startPostgres } from "./postgres/start-postgres.js";

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startPostgres", () => {
  let server: PostgresServer;
  let client: pg.Client;
  let startMs: number;

  beforeAll(async () => {
    const started = performance.now();
    server = await startPostgres({ database: "audit" });
    client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query("select 1");
    startMs = performance.now() - started;
  });

  afterAll(async () => {
    await client?.end();
    await server?.stop();
  });

  it("is a real PostgreSQL 18 server on loopback, ready within a few seconds", async () => {
    const { rows } = await client.query<{ version: string; db: string }>(
      "select version() as version, current_database() as db",
    );
    expect(rows[0]?.version).toMatch(/^PostgreSQL 18\./);
    expect(rows[0]?.db).toBe("audit");
    expect(server.host).toBe("127.0.0.1");
    expect(server.url).toBe(`postgres://postgres:postgres@127.0.0.1:${server.port}/audit`);
    expect(startMs).toBeLessThan(10_000);
  });

  it("writes rows and reads them back exactly", async () => {
    await client.query(
      "create table fills (id bigint primary key, instrument text not null, price numeric(38, 18) not null)",
    );
    const prices = Array.from({ length: 500 }, (_, i) => `${50_000 + i}.${String(i).padStart(18, "0")}`);
    await client.query(
      "insert into fills (id, instrument, price) select i, 'BTC-USDT', p from unnest($1::bigint[], $2::numeric[]) as t(i, p)",
      [prices.map((_, i) => i), prices],
    );
    const { rows } = await client.query<{ id: string; price: string }>(
      "select id, price from fills order by id",
    );
    expect(rows.map((row) => row.price)).toEqual(prices);
  });

  it("creates databases on demand", async () => {
    const db = await server.createDatabase();
    expect(db.database).toMatch(/^test_[0-9a-f]{12}$/);
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    const { rows } = await other.query<{ db: string }>("select current_database() as db");
    await other.end();
    expect(rows[0]?.db).toBe(db.database);
  });

  it("stop() ends the server and removes its data directory", async () => {
    const own = await startPostgres();
    await own.stop();
    expect(isRunning(own.pid)).toBe(false);
    expect(existsSync(own.dataDir)).toBe(false);
    await own.stop();
  });
});

describe("startPostgres on a busy port", () => {
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    port = typeof address === "object" && address !== null ? address.port : 0;
  });

  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it("fails with PORT_BUSY naming the port", async () => {
    const attempt = startPostgres({ port });
    await expect(attempt).rejects.toBeInstanceOf(TestkitError);
    await expect(attempt).rejects.toMatchObject({
      code: "PORT_BUSY",
      message: expect.stringContaining(String(port)),
    });
  });
});

describe("startPostgres with a persistent data directory", () => {
  it("keeps the cluster across restarts, durably, and never removes it", async () => {
    const { mkdtempSync, rmSync, chmodSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const base = mkdtempSync(join(tmpdir(), "openfloor-pg-persist-"));
    chmodSync(base, 0o755);
    const dataDir = join(base, "postgres");
    try {
      const first = await startPostgres({ dataDir });
      const c1 = new pg.Client({ connectionString: first.url });
      await c1.connect();
      await c1.query("CREATE TABLE kept (v text)");
      await c1.query("INSERT INTO kept VALUES ('survives a restart')");
      expect((await c1.query("SHOW fsync")).rows[0].fsync).toBe("on");
      await c1.end();
      await first.stop();
      expect(existsSync(join(dataDir, "data", "PG_VERSION"))).toBe(true);

      const second = await startPostgres({ dataDir });
      const c2 = new pg.Client({ connectionString: second.url });
      await c2.connect();
      expect((await c2.query("SELECT v FROM kept")).rows).toEqual([{ v: "survives a restart" }]);
      await c2.end();
      await second.stop();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
