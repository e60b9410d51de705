import { mkdir } from "node:fs/promises";
import pg from "pg";
import type { BuildAggregatesResult } from "../aggregates/build-aggregates.js";
import { AnalyticsError, invalidArgument } from "../errors.js";
import { type Checkpoint, type JsonValue, readCheckpoint, writeCheckpoint } from "../lake/checkpoint.js";
import { type Cell, type LakeRow, PrecisionProblem, unitsOfText } from "../lake/flatten.js";
import { removeUncommitted, safeSourceId } from "../lake/lake-files.js";
import { LakeWriter, type WrittenPart } from "../lake/lake-writer.js";
import type { LakeTableName } from "../lake/schema.js";
import { lockSource, rebuildAggregates } from "./ingest.js";

/** Options of `ingestAudit`. */
export interface AuditIngestOptions {
  /** Lake directory; created if missing. */
  readonly lake: string;
  /** The audit store: a `pg` pool or a connection string. @example "postgres://user:pw@localhost/openfloor" */
  readonly database: pg.Pool | string;
  /** Names the checkpoint. Default `audit-<database name>`. */
  readonly id?: string;
  /**
   * Rows younger than this are left for the next run, so a transaction still committing (its rows
   * invisible now, with earlier ids or times) is never skipped. Default 5000 ms.
   */
  readonly settleMs?: number;
  /** Rows read per query. Default 10000. */
  readonly pageRows?: number;
  /**
   * Rebuild the lake's per-day aggregates (`buildAggregates`) after the run, so reports read them
   * instead of every raw row. Skipped when nothing changed. Default true.
   */
  readonly aggregates?: boolean;
}

export interface AuditIngestResult {
  readonly sourceId: string;
  readonly rows: Partial<Record<LakeTableName, number>>;
  readonly rejected: number;
  readonly parts: readonly WrittenPart[];
  readonly checkpoint: Checkpoint | undefined;
  /** The aggregates rebuilt after the run; undefined when turned off or failed. */
  readonly aggregates: BuildAggregatesResult | undefined;
  /** Why the aggregates could not be rebuilt, when they could not (see `IngestResult`). */
  readonly aggregatesError: AnalyticsError | undefined;
}

/** Where the export stands: the last key read of each table (keyset pagination). */
interface AuditPosition {
  /** order_events.id */
  orderEvent: string;
  /** fills (recorded_at, venue, fill_id) */
  fill: [string, string, string];
  /** orders (updated_ns, strategy_id, client_order_id): a new version of an order is exported again */
  order: [string, string, string];
}

const START: AuditPosition = { orderEvent: "0", fill: ["-infinity", "", ""], order: ["-1", "", ""] };

function positionOf(v: JsonValue | undefined): AuditPosition {
  if (v === null || v === undefined || typeof v !== "object" || Array.isArray(v)) return { ...START };
  const p = v as unknown as Partial<AuditPosition>;
  return {
    orderEvent: typeof p.orderEvent === "string" ? p.orderEvent : START.orderEvent,
    fill: Array.isArray(p.fill) && p.fill.length === 3 ? p.fill : START.fill,
    order: Array.isArray(p.order) && p.order.length === 3 ? p.order : START.order,
  };
}

interface Query<R> {
  readonly table: LakeTableName;
  sql(p: AuditPosition): { text: string; values: unknown[] };
  advance(p: AuditPosition, last: R): AuditPosition;
  row(r: R): Cell[];
  key(r: R): string;
}

const size = (t: string | null, f: string) => unitsOfText(t, "size", f);
const price = (t: string | null, f: string) => unitsOfText(t, "price", f);
const money = (t: string | null, f: string) => unitsOfText(t, "money", f);

interface OrderRow {
  strategy_id: string;
  client_order_id: string;
  account: string;
  venue: string;
  symbol: string;
  side: string;
  order_type: string;
  time_in_force: string;
  quantity: string;
  price: string | null;
  trigger_price: string | null;
  status: string;
  venue_order_id: string | null;
  filled_quantity: string;
  replaces_client_order_id: string | null;
  created_ns: string;
  updated_ns: string;
}

interface EventRow {
  id: string;
  strategy_id: string;
  client_order_id: string;
  kind: string;
  event_id: string | null;
  status_after: string;
  ts_ns: string;
}

interface FillRow {
  venue: string;
  fill_id: string;
  strategy_id: string;
  client_order_id: string;
  venue_order_id: string;
  account: string;
  symbol: string;
  side: string;
  price: string;
  quantity: string;
  fee: string;
  fee_currency: string;
  liquidity: string;
  ts_ns: string;
  recorded_at: string;
}

function queries(settleMs: number, page: number): [Query<OrderRow>, Query<EventRow>, Query<FillRow>] {
  const settled = `now() - make_interval(secs => ${settleMs / 1000})`;
  return [
    {
      table: "audit-order",
      sql: (p) => ({
        text: `SELECT strategy_id, client_order_id, account, venue, symbol, side, order_type, time_in_force, quantity::text,
                 price::text, trigger_price::text, status, venue_order_id, filled_quantity::text, replaces_client_order_id,
                 created_ns::text, updated_ns::text
               FROM orders
               WHERE (orders.updated_ns, orders.strategy_id, orders.client_order_id) > ($1::bigint, $2, $3)
                 AND orders.updated_ns < (extract(epoch FROM ${settled}) * 1e9)::bigint
               ORDER BY orders.updated_ns, orders.strategy_id, orders.client_order_id LIMIT ${page}`,
        values: p.order,
      }),
      advance: (p, r) => ({ ...p, order: [r.updated_ns, r.strategy_id, r.client_order_id] }),
      key: (r) => `${r.strategy_id}/${r.client_order_id}@${r.updated_ns}`,
      row: (r) => [
        r.strategy_id,
        r.client_order_id,
        r.account,
        `${r.symbol}:${r.venue}`,
        r.side,
        r.order_type,
        r.time_in_force,
        size(r.quantity, "quantity"),
        price(r.price, "price"),
        price(r.trigger_price, "trigger_price"),
        r.status,
        r.venue_order_id,
        size(r.filled_quantity, "filled_quantity"),
        r.replaces_client_order_id,
        BigInt(r.created_ns),
        BigInt(r.updated_ns),
      ],
    },
    {
      table: "audit-order-event",
      sql: (p) => ({
        text: `SELECT id::text, strategy_id, client_order_id, kind, event_id, status_after, ts_ns::text
               FROM order_events WHERE order_events.id > $1::bigint AND order_events.recorded_at < ${settled}
               ORDER BY order_events.id LIMIT ${page}`,
        values: [p.orderEvent],
      }),
      advance: (p, r) => ({ ...p, orderEvent: r.id }),
      key: (r) => `order_events/${r.id}`,
      row: (r) => [
        BigInt(r.id),
        r.strategy_id,
        r.client_order_id,
        r.kind,
        r.event_id,
        r.status_after,
        BigInt(r.ts_ns),
      ],
    },
    {
      table: "audit-fill",
      sql: (p) => ({
        text: `SELECT venue, fill_id, strategy_id, client_order_id, venue_order_id, account, symbol, side, price::text,
                 quantity::text, fee::text, fee_currency, liquidity, ts_ns::text, recorded_at::text AS recorded_at
               FROM fills
               WHERE (fills.recorded_at, fills.venue, fills.fill_id) > ($1::timestamptz, $2, $3) AND fills.recorded_at < ${settled}
               ORDER BY fills.recorded_at, fills.venue, fills.fill_id LIMIT ${page}`,
        values: p.fill,
      }),
      advance: (p, r) => ({ ...p, fill: [r.recorded_at, r.venue, r.fill_id] }),
      key: (r) => `fills/${r.venue}/${r.fill_id}`,
      row: (r) => [
        r.fill_id,
        r.client_order_id,
        r.venue_order_id,
        r.strategy_id,
        r.account,
        `${r.symbol}:${r.venue}`,
        r.venue,
        r.side,
        price(r.price, "price"),
        size(r.quantity, "quantity"),
        money(r.fee, "fee"),
        r.fee_currency,
        r.liquidity,
        BigInt(r.ts_ns),
        null,
      ],
    },
  ];
}

/**
 * Exports the audit store's orders, order events and fills from Postgres (through `pg`, keyset-paged)
 * into the lake (`audit-order`, `audit-order-event`, `audit-fill`) through the DuckDB appender. Like
 * `ingest`: incremental, each batch's Parquet parts durable before the checkpoint that commits them;
 * running it twice adds nothing twice. Orders are versioned rows (an order updated since the last run
 * is exported again; readers take the latest `updated_ns`).
 * @example await ingestAudit({ lake: "./lake", database: process.env.DATABASE_URL! })
 */
export async function ingestAudit(options: AuditIngestOptions): Promise<AuditIngestResult> {
  const settleMs = options.settleMs ?? 5000;
  const page = options.pageRows ?? 10_000;
  if (!Number.isFinite(settleMs) || settleMs < 0) throw invalidArgument("settleMs", "must be ≥ 0");
  if (!Number.isInteger(page) || page < 1) throw invalidArgument("pageRows", "must be a positive integer");
  const ownPool = typeof options.database === "string";
  const pool =
    typeof options.database === "string"
      ? new pg.Pool({ connectionString: options.database, max: 2 })
      : options.database;
  let dbName: string;
  try {
    dbName = (await pool.query<{ db: string }>("SELECT current_database() AS db")).rows[0]!.db;
  } catch (e) {
    if (ownPool) await pool.end().catch(() => {});
    throw new AnalyticsError("SOURCE_FAILED", `cannot reach the audit store: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const sourceId = safeSourceId(options.id ?? `audit-${dbName}`);
  await mkdir(options.lake, { recursive: true });
  const release = await lockSource(options.lake, sourceId);
  let writer: LakeWriter | undefined;
  try {
    let checkpoint = await readCheckpoint(options.lake, sourceId);
    await removeUncommitted(options.lake, sourceId, checkpoint?.nextBatch ?? 0);
    writer = await LakeWriter.open(options.lake, sourceId);
    let position = positionOf(checkpoint?.position);
    const rows: Partial<Record<LakeTableName, number>> = {};
    const parts: WrittenPart[] = [];
    let rejected = 0;
    let total = checkpoint?.records ?? 0;
    for (const q of queries(settleMs, page) as Query<unknown>[]) {
      for (;;) {
        const { text, values } = q.sql(position);
        let result: pg.QueryResult<Record<string, unknown>>;
        try {
          result = await pool.query(text, values);
        } catch (e) {
          throw new AnalyticsError(
            "SOURCE_FAILED",
            `reading ${q.table} from the audit store failed: ${(e as Error).message}`,
            {
              cause: e,
            },
          );
        }
        for (const r of result.rows) {
          let row: LakeRow;
          try {
            row = { table: q.table, cells: q.row(r) };
          } catch (e) {
            if (!(e instanceof PrecisionProblem)) throw e;
            rejected++;
            row = {
              table: "_rejected",
              cells: [
                sourceId,
                q.table,
                q.key(r),
                BigInt(Date.now()),
                q.table,
                `precision: ${e.message}`,
                "{}",
                Buffer.from(JSON.stringify(r)).toString("base64"),
              ],
            };
          }
          if (!writer.appendSync(row)) await writer.append(row);
        }
        if (result.rows.length > 0) position = q.advance(position, result.rows[result.rows.length - 1]);
        total += result.rows.length;
        if (result.rows.length > 0) {
          const batch = checkpoint?.nextBatch ?? 0;
          const written = await writer.commit(batch);
          checkpoint = {
            version: 1,
            sourceId,
            nextBatch: batch + 1,
            position: position as unknown as JsonValue,
            records: total,
            updatedAt: new Date().toISOString(),
          };
          await writeCheckpoint(options.lake, checkpoint);
          parts.push(...written);
          for (const p of written) rows[p.table] = (rows[p.table] ?? 0) + p.rows;
        }
        if (result.rows.length < page) break;
      }
    }
    const { aggregates, aggregatesError } = await rebuildAggregates(options.lake, options.aggregates);
    return { sourceId, rows, rejected, parts, checkpoint, aggregates, aggregatesError };
  } finally {
    writer?.close();
    await release();
    if (ownPool) await pool.end().catch(() => {});
  }
}
