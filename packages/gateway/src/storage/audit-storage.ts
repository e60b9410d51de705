import { resolve } from "node:path";
import type { Logger, Order, OrderEvent } from "@openfloor/core";
import pg from "pg";
import { AuditStore, AuditUnavailableError } from "../audit/audit-store.js";
import { migrate } from "../audit/migrate.js";
import type { StorageConfig } from "../config/load-config.js";
import type { OrderJournal } from "../execution/order-journal.js";

/** An open audit store and what runs it. */
export interface AuditStorage {
  readonly pool: pg.Pool;
  readonly store: AuditStore;
  /** Where the audit trail lives, for the start-up log (no password). */
  readonly description: string;
  close(): Promise<void>;
}

const DATABASE = "openfloor";

/**
 * Opens the audit store the config asks for: an external PostgreSQL (`url` / DATABASE_URL) or an
 * embedded one in `dataDir` (real PostgreSQL binaries from npm, kept across restarts), migrates it and
 * takes this gateway's hash chain. Returns undefined for `mode: "none"`.
 */
export async function openAuditStorage(
  config: StorageConfig,
  options: { logger: Logger; baseDir: string },
): Promise<AuditStorage | undefined> {
  if (config.mode === "none") return undefined;
  const external = config.mode === "postgres" || (config.mode === "auto" && config.url !== undefined);
  let url: string;
  let description: string;
  let stopServer: (() => Promise<void>) | undefined;
  if (external) {
    if (config.url === undefined) {
      throw new AuditUnavailableError(
        "AUDIT_UNAVAILABLE",
        "storage.mode is postgres but no storage.url or DATABASE_URL is set",
      );
    }
    url = config.url;
    const u = new URL(url);
    description = `PostgreSQL at ${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } else {
    const dataDir = resolve(options.baseDir, config.dataDir);
    const embedded = await startEmbeddedAuditDatabase(dataDir);
    url = embedded.url;
    description = `embedded PostgreSQL in ${dataDir} (port ${embedded.port})`;
    stopServer = embedded.stop;
  }
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000 });
  // A dropped connection is reported by the query that used it; the pool itself must not crash us.
  pool.on("error", (error) => options.logger.warn({ err: error }, "audit database connection error"));
  try {
    await migrate(pool);
    const store = await AuditStore.open(pool, { gatewayId: config.gatewayId, logger: options.logger });
    return {
      pool,
      store,
      description,
      async close() {
        await store.drain().catch(() => undefined);
        await store.close();
        await pool.end();
        await stopServer?.();
      },
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    await stopServer?.();
    throw error;
  }
}

/**
 * Starts the embedded PostgreSQL kept in `dataDir` (initialized on first use) and makes sure the audit
 * database exists in it. Shared by the gateway and the `audit` CLI commands.
 */
export async function startEmbeddedAuditDatabase(
  dataDir: string,
): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  // Loaded only here: a gateway pointed at an external database never needs the binaries.
  const { startPostgres } = await import("@openfloor/testkit");
  const server = await startPostgres({ dataDir });
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url: server.url.replace(/\/[^/]*$/, `/${DATABASE}`),
    port: server.port,
    stop: () => server.stop(),
  };
}

/**
 * The OMS's journal before the audit store is open: the OMS is built in the gateway's constructor,
 * the store opens in `start()`. Until attached it is unavailable, so no order can slip past it.
 */
export class DeferredJournal implements OrderJournal {
  private store: AuditStore | undefined;

  attach(store: AuditStore): void {
    this.store = store;
  }

  detach(): void {
    this.store = undefined;
  }

  recordIntent(order: Order): Promise<void> {
    if (this.store === undefined) {
      return Promise.reject(new AuditUnavailableError("AUDIT_UNAVAILABLE", "the audit store is not open"));
    }
    return this.store.recordIntent(order);
  }

  recordEvent(order: Order, event: OrderEvent): void {
    this.store?.recordEvent(order, event);
  }

  isAvailable(): boolean {
    return this.store?.isAvailable() ?? false;
  }
}
