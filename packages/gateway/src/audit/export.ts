import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { OpenfloorError } from "@openfloor/core";
import type pg from "pg";

export class AuditExportError extends OpenfloorError<"AUDIT_EXPORT_FORMAT" | "AUDIT_EXPORT_FAILED"> {}

export interface AuditExportOptions {
  /** Inclusive start and exclusive end, ns since the epoch. Default: everything. */
  fromNs?: bigint;
  toNs?: bigint;
  /** "csv" (default) or "parquet" (written through DuckDB). */
  format?: "csv" | "parquet";
}

const COLUMNS = [
  "gateway_id",
  "seq",
  "kind",
  "ts_ns",
  "recorded_at",
  "payload",
  "prev_hash",
  "hash",
] as const;
const PAGE = 5000;

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Writes a period's audit trail (with the hashes, so an auditor can re-verify it) to a file. Returns the row count. */
export async function exportAudit(
  pool: pg.Pool,
  path: string,
  options: AuditExportOptions = {},
): Promise<number> {
  const format = options.format ?? "csv";
  if (format !== "csv" && format !== "parquet") {
    throw new AuditExportError(
      "AUDIT_EXPORT_FORMAT",
      `unknown export format ${JSON.stringify(format)}: use csv or parquet`,
    );
  }
  const from = (options.fromNs ?? 0n).toString();
  const to = (options.toNs ?? 1n << 62n).toString();
  const pages = async function* () {
    let gateway = "";
    let seq = "0";
    for (;;) {
      const page = await pool.query<Record<(typeof COLUMNS)[number], string>>(
        `SELECT gateway_id, seq::text, kind, ts_ns::text, recorded_at::text, payload, encode(prev_hash, 'hex') AS prev_hash,
                encode(hash, 'hex') AS hash
         FROM audit_log WHERE (gateway_id, seq) > ($1, $2::bigint) AND ts_ns >= $3::bigint AND ts_ns < $4::bigint
         ORDER BY audit_log.gateway_id, audit_log.seq LIMIT ${PAGE}`,
        [gateway, seq, from, to],
      );
      if (page.rows.length > 0) yield page.rows;
      if (page.rows.length < PAGE) return;
      const last = page.rows[page.rows.length - 1]!;
      gateway = last.gateway_id;
      seq = last.seq;
    }
  };
  if (format === "csv") {
    const out = createWriteStream(path);
    let n = 0;
    out.write(`${COLUMNS.join(",")}\n`);
    for await (const rows of pages()) {
      for (const r of rows) {
        if (!out.write(`${COLUMNS.map((c) => csvField(r[c])).join(",")}\n`)) await once(out, "drain");
        n++;
      }
    }
    out.end();
    await once(out, "finish");
    return n;
  }
  return exportParquet(path, pages());
}

async function exportParquet(path: string, pages: AsyncIterable<Record<string, string>[]>): Promise<number> {
  let duck: typeof import("@duckdb/node-api");
  try {
    duck = await import("@duckdb/node-api");
  } catch (e) {
    throw new AuditExportError("AUDIT_EXPORT_FAILED", "parquet export needs @duckdb/node-api installed", {
      cause: e,
    });
  }
  const instance = await duck.DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    await conn.run(`CREATE TABLE audit (gateway_id VARCHAR, seq BIGINT, kind VARCHAR, ts_ns BIGINT, recorded_at VARCHAR,
      payload VARCHAR, prev_hash VARCHAR, hash VARCHAR)`);
    const appender = await conn.createAppender("audit");
    let n = 0;
    for await (const rows of pages) {
      for (const r of rows) {
        appender.appendVarchar(r.gateway_id!);
        appender.appendBigInt(BigInt(r.seq!));
        appender.appendVarchar(r.kind!);
        appender.appendBigInt(BigInt(r.ts_ns!));
        appender.appendVarchar(r.recorded_at!);
        appender.appendVarchar(r.payload!);
        appender.appendVarchar(r.prev_hash!);
        appender.appendVarchar(r.hash!);
        appender.endRow();
        n++;
      }
    }
    appender.closeSync();
    await conn.run(`COPY audit TO '${path.replaceAll("'", "''")}' (FORMAT parquet)`);
    return n;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
