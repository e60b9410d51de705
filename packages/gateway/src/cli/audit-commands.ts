import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import pg from "pg";
import { exportAudit } from "../audit/export.js";
import { verifyAuditChain } from "../audit/verify.js";
import { loadConfig } from "../config/load-config.js";
import { startEmbeddedAuditDatabase } from "../storage/audit-storage.js";

export interface AuditOptions {
  config?: string;
  databaseUrl?: string;
}

/** A pool on the audit database: --database-url, DATABASE_URL, the config's url, else the embedded store. */
async function openAuditDatabase(options: AuditOptions): Promise<{ pool: pg.Pool; close(): Promise<void> }> {
  const path = options.config ?? (existsSync("gateway.yaml") ? "gateway.yaml" : undefined);
  const storage = path === undefined ? undefined : loadConfig(path).storage;
  const url = options.databaseUrl ?? process.env.DATABASE_URL ?? storage?.url;
  if (url !== undefined) {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    return { pool, close: () => pool.end() };
  }
  const dataDir = resolve(
    path === undefined ? process.cwd() : dirname(path),
    storage?.dataDir ?? ".openfloor/postgres",
  );
  if (!existsSync(resolve(dataDir, "data", "PG_VERSION"))) {
    throw new Error(
      `no audit store found: no --database-url, DATABASE_URL or storage.url, and no embedded store in ${dataDir}`,
    );
  }
  const embedded = await startEmbeddedAuditDatabase(dataDir);
  const pool = new pg.Pool({ connectionString: embedded.url, max: 2 });
  return {
    pool,
    async close() {
      await pool.end();
      await embedded.stop();
    },
  };
}

/** `audit verify`: prints rows checked per chain and the first broken row; exit code 0 when intact, 1 when not. */
export async function runAuditVerify(
  options: AuditOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const db = await openAuditDatabase(options);
  try {
    const result = await verifyAuditChain(db.pool);
    for (const [gateway, n] of result.rows) out.write(`chain ${gateway}: ${n} rows intact\n`);
    if (result.ok) {
      out.write(`audit verify: ok (${[...result.rows.values()].reduce((a, b) => a + b, 0)} rows)\n`);
      return 0;
    }
    const b = result.firstBreak!;
    out.write(
      `audit verify: BROKEN at gateway ${b.gatewayId} seq ${b.seq}: ${b.problem}\n  kind ${b.kind}\n  payload ${b.payload}\n`,
    );
    return 1;
  } finally {
    await db.close();
  }
}

function parseTime(text: string | undefined, flag: string): bigint | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text)) return BigInt(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new Error(`${flag}: expected ISO 8601 or ns since the epoch, got ${JSON.stringify(text)}`);
  return BigInt(ms) * 1_000_000n;
}

/** `audit export`: writes the period to CSV or Parquet and prints the row count. */
export async function runAuditExport(
  options: AuditOptions & { out: string; format: string; from?: string; to?: string },
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  if (options.format !== "csv" && options.format !== "parquet") {
    throw new Error(`--format: expected csv or parquet, got ${JSON.stringify(options.format)}`);
  }
  const fromNs = parseTime(options.from, "--from");
  const toNs = parseTime(options.to, "--to");
  const db = await openAuditDatabase(options);
  try {
    const n = await exportAudit(db.pool, options.out, {
      format: options.format,
      ...(fromNs === undefined ? {} : { fromNs }),
      ...(toNs === undefined ? {} : { toNs }),
    });
    out.write(`audit export: ${n} rows to ${options.out} (${options.format})\n`);
    return n;
  } finally {
    await db.close();
  }
}
