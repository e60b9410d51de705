import { randomBytes } from "node:crypto";
import { link, mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { AnalyticsError } from "../errors.js";
import { DAY_NS, dayOf } from "../lake/lake-files.js";
import { type DayRange, LakeSession } from "../lake/lake-session.js";
import type { LakeTableName } from "../lake/schema.js";
import { prepareOrders } from "../metrics/execution.js";
import { type MetricsContext, resolveOptions } from "../metrics/options.js";
import { big, firstUnitsSql, prepareFills, withInstrumentIds } from "../metrics/pnl.js";
import { closedTripsSql } from "../metrics/round-trips.js";
import { sqlString, sqlStringList } from "../sql.js";
import {
  AGGREGATE_DECISION_PRICE_NAME,
  AGGREGATE_HORIZONS_MS,
  AGGREGATES_DIR,
  AGGREGATES_VERSION,
  type AggregateManifest,
  type AggregateStrategy,
  inputSignature,
  readManifest,
} from "./manifest.js";

/** Options of `buildAggregates`. */
export interface BuildAggregatesOptions {
  /** Lake directory. */
  readonly lake: string;
  /** Recompute all history even when the aggregates are current or could be extended. Default false. */
  readonly force?: boolean;
  /** DuckDB worker threads. Default: the machine's cores. */
  readonly threads?: number;
  /** DuckDB memory limit, e.g. "8GB". Default: DuckDB's. */
  readonly memoryLimit?: string;
  /** Numeric internals per strategy joined at fills (the most recorded first). Default 32. */
  readonly maxInternals?: number;
  /** Called with each step's time in ms. Default: none. */
  readonly onTiming?: (step: string, ms: number) => void;
}

/** What `buildAggregates` did. */
export interface BuildAggregatesResult {
  /** False when the aggregates were already current (nothing read, nothing written). */
  readonly built: boolean;
  /** First UTC day (days since the epoch) recomputed, the days before kept; null when built from scratch. */
  readonly fromDay: number | null;
  readonly strategies: number;
  readonly ms: number;
}

const DAY = big(DAY_NS);
const MAX_NS = 1n << 62n;
/** Tables whose parts the aggregates read; a change elsewhere only renews the manifest. */
const INPUT_TABLES = new Set([
  "fill",
  "audit-fill",
  "quote",
  "order-event",
  "audit-order",
  "audit-order-event",
  "strategy-record",
]);
/** Per-strategy files, each with the column that says which day a row belongs to. */
const STRATEGY_TABLES = {
  "fill-day": "day",
  "trips-day": "day",
  "fee-currency": "day",
  "markout-day": "day",
  "exec-day": "day",
  "internal-day": "day",
  "decision-day": "created_day",
  "order-day": "",
  "order-span": "",
  latency: "",
} as const;
type StrategyTable = keyof typeof STRATEGY_TABLES;

class FullRebuildNeeded extends Error {}

/**
 * Derives the per-day tables reports read instead of every raw row (`<lake>/_aggregates/`): per
 * strategy, instrument and UTC day the position and cash carry (running sums, FIFO realized and the
 * open round trip at the day's end), round trips closed, markouts and slippage sums from the as-of joins
 * against the quotes, order counts, fill ratios and latency counts; per instrument and day the last quote
 * mid. Every value is the exact sum the raw computation takes, so a report from aggregates equals one
 * from the raw lake.
 *
 * Incremental and idempotent: the manifest records the committed parts read. Unchanged parts: nothing is
 * done. New parts: the days from the first one they touch (one day earlier, for markouts across midnight;
 * earlier still when they carry events or decision prices of older orders) are recomputed from the raw
 * parts of those days, continuing the running sums, open lots (a per-fill ledger), open round trips and
 * per-order rows stored for the day before; the days before are kept. A removed or rewritten part, a new
 * most-recorded internal or `force` rebuild from scratch. The new set is written to a temporary folder
 * and swapped in, so a reader sees the old or the new set, never half; a report whose lake changed since
 * reads the raw parts until the next build.
 * @example await buildAggregates({ lake: "./lake" })
 */
export async function buildAggregates(options: BuildAggregatesOptions): Promise<BuildAggregatesResult> {
  const started = performance.now();
  const signature = await inputSignature(options.lake);
  const prev = await readManifest(options.lake);
  if (!options.force && prev !== undefined && prev.inputs === signature) {
    return {
      built: false,
      fromDay: null,
      strategies: prev.strategies.length,
      ms: performance.now() - started,
    };
  }
  let fromDay =
    options.force || prev === undefined ? undefined : await firstChangedDay(options.lake, prev, signature);
  for (;;) {
    try {
      const strategies = await build(
        options,
        signature,
        fromDay === undefined ? undefined : prev,
        fromDay ?? 0,
      );
      return { built: true, fromDay: fromDay ?? null, strategies, ms: performance.now() - started };
    } catch (e) {
      if (!(e instanceof FullRebuildNeeded) || fromDay === undefined) throw e;
      fromDay = undefined;
    }
  }
}

async function build(
  options: BuildAggregatesOptions,
  signature: string,
  prev: AggregateManifest | undefined,
  fromDay: number,
): Promise<number> {
  const lake = options.lake;
  const final = join(lake, AGGREGATES_DIR);
  const days: Partial<Record<LakeTableName, DayRange>> = {};
  if (prev !== undefined) {
    for (const t of ["fill", "audit-fill", "quote"] as const) days[t] = { from: fromDay };
    // events of an order created just after midnight may carry a time just before it
    for (const t of ["order-event", "audit-order", "audit-order-event"] as const)
      days[t] = { from: fromDay - 1 };
  }
  const s = await LakeSession.open(lake, {
    days,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit }),
  });
  const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await mkdir(tmp, { recursive: true });
    let mark = performance.now();
    const lap = (step: string) => {
      const now = performance.now();
      options.onTiming?.(step, now - mark);
      mark = now;
    };
    const kept = (file: string, dayColumn: string) =>
      prev === undefined
        ? ""
        : `UNION ALL SELECT * FROM read_parquet(${sqlString(join(final, file))}) WHERE ${dayColumn} < ${fromDay}`;
    await s.run(`COPY (
      SELECT instrument, ts_event_ns // ${DAY} AS day, arg_max(mid, ts_event_ns) AS last_mid, max(ts_event_ns) AS last_ts
      FROM quote WHERE mid IS NOT NULL GROUP BY ALL
      ${kept("quote-day.parquet", "day")}) TO ${sqlString(join(tmp, "quote-day.parquet"))} (FORMAT parquet)`);
    // the last quote before the days recomputed: where their as-of joins start
    await s.run(`CREATE OR REPLACE TEMP TABLE qseed AS
      SELECT instrument, max(last_ts) AS t, arg_max(last_mid, last_ts) AS mid
      FROM read_parquet(${sqlString(join(tmp, "quote-day.parquet"))}) WHERE day < ${fromDay} GROUP BY instrument`);
    lap("quote-day");
    const active = await s.rows<{ id: string }>(`
      SELECT DISTINCT strategy_id AS id FROM (
        SELECT strategy_id FROM fill UNION ALL SELECT strategy_id FROM audit_fill
        UNION ALL SELECT strategy_id FROM order_event UNION ALL SELECT strategy_id FROM audit_order)
      WHERE strategy_id <> '' ORDER BY 1`);
    const ids = [
      ...new Set([...(prev?.strategies.map((x) => x.id) ?? []), ...active.map((a) => a.id)]),
    ].sort();
    const strategies: AggregateStrategy[] = [];
    for (const id of ids) {
      const file = `s${strategies.length}`;
      const before = prev?.strategies.find((x) => x.id === id);
      const out = (t: string) => join(tmp, fileName(t, file));
      const internals = await buildStrategy(s, {
        strategy: id,
        out,
        prev: before === undefined ? undefined : (t: string) => join(final, fileName(t, before.file)),
        previousInternals: before?.internals,
        fromDay,
        maxInternals: options.maxInternals ?? 32,
        lap,
      });
      if (internals !== undefined) strategies.push({ id, file, internals });
    }
    const manifest: AggregateManifest = {
      version: AGGREGATES_VERSION,
      builtAt: new Date().toISOString(),
      horizonsMs: AGGREGATE_HORIZONS_MS,
      decisionPriceName: AGGREGATE_DECISION_PRICE_NAME,
      inputs: signature,
      strategies,
    };
    await writeFile(join(tmp, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await swapIn(tmp, final);
    return strategies.length;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (e instanceof AnalyticsError || e instanceof FullRebuildNeeded) throw e;
    throw new AnalyticsError(
      "WRITE_FAILED",
      `cannot build the aggregates of ${lake}: ${(e as Error).message}`,
      {
        cause: e,
        context: { lake },
      },
    );
  } finally {
    s.close();
  }
}

/** Replaces `final` by `tmp`; a concurrent build that swapped first wins (its inputs are as new). */
async function swapIn(tmp: string, final: string): Promise<void> {
  const old = `${final}.old-${process.pid}-${randomBytes(4).toString("hex")}`;
  await rename(final, old).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT") throw e;
  });
  try {
    await rename(tmp, final);
  } catch {
    await rm(tmp, { recursive: true, force: true });
  }
  await rm(old, { recursive: true, force: true });
}

/** The per-fill ledger and the per-order rows: folders of one part per day (of fill, of creation). */
const PARTITIONED: Readonly<Record<string, { readonly by: string; readonly empty: string }>> = {
  ledger: {
    by: "day",
    empty: `SELECT NULL::VARCHAR AS instrument, NULL::BIGINT AS ts, NULL::UBIGINT AS oh, NULL::BOOLEAN AS buy,
      NULL::DECIMAL(38,8) AS quantity, NULL::DECIMAL(38,9) AS price, NULL::DECIMAL(38,8) AS cum, NULL::DECIMAL(38,17) AS val,
      NULL::BIGINT AS day WHERE false`,
  },
  orders: {
    by: "created_day",
    empty: `SELECT NULL::VARCHAR AS instrument, NULL::UBIGINT AS oh, NULL::DECIMAL(38,8) AS quantity, NULL::BIGINT AS created_ns,
      NULL::BIGINT AS ack_ts, NULL::DECIMAL(38,10) AS arr, NULL::BIGINT AS arr_ts, NULL::DECIMAL(38,10) AS dp,
      NULL::BIGINT AS first_fill, NULL::BIGINT AS last_fill_day, NULL::DECIMAL(38,8) AS filled, NULL::BIGINT AS created_day WHERE false`,
  },
};

/** A table's file (or folder) in the aggregates folder. */
const fileName = (table: string, strategyFile: string) =>
  table in PARTITIONED ? `${table}-${strategyFile}` : `${table}-${strategyFile}.parquet`;

/** A partitioned table's rows as a table expression (typed and empty when it has no part yet). */
async function partitionedSql(table: string, dir: string): Promise<string> {
  const parts = await readdir(dir).catch(() => [] as string[]);
  if (parts.length === 0) return `(${PARTITIONED[table]!.empty})`;
  return `read_parquet(${sqlString(join(dir, "*", "*.parquet"))}, hive_partitioning = true)`;
}

/** Hard-links the previous build's parts of a partitioned table whose day `keep` says to keep. */
async function linkParts(
  table: string,
  from: string,
  to: string,
  keep: (day: number) => boolean,
): Promise<void> {
  await mkdir(to, { recursive: true });
  const by = PARTITIONED[table]!.by;
  for (const d of await readdir(from).catch(() => [] as string[])) {
    const day = d.startsWith(`${by}=`) ? Number(d.slice(by.length + 1)) : Number.NaN;
    if (!Number.isFinite(day) || !keep(day)) continue;
    await mkdir(join(to, d), { recursive: true });
    for (const f of await readdir(join(from, d))) await link(join(from, d, f), join(to, d, f));
  }
}

const lines = (signature: string) =>
  new Map(
    signature
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => [l.slice(0, l.lastIndexOf(" ")), l.slice(l.lastIndexOf(" ") + 1)] as const),
  );

/**
 * The first day to recompute after parts were added, or undefined to rebuild from scratch (a part
 * removed or rewritten). New order events, audit orders and decision prices reach back to the creation
 * and first fill of the orders they are about.
 */
async function firstChangedDay(
  lake: string,
  prev: AggregateManifest,
  signature: string,
): Promise<number | undefined> {
  if (prev.decisionPriceName !== AGGREGATE_DECISION_PRICE_NAME) return undefined;
  if (prev.horizonsMs.join() !== AGGREGATE_HORIZONS_MS.join()) return undefined;
  const before = lines(prev.inputs);
  const now = lines(signature);
  for (const [path, size] of before) if (now.get(path) !== size) return undefined;
  const added = [...now.keys()]
    .filter((p) => !before.has(p) && INPUT_TABLES.has(p.split("/")[0]!))
    .map((p) => ({
      path: join(lake, p),
      table: p.split("/")[0]!,
      day: dayOf(/date=(\d{4}-\d{2}-\d{2})/.exec(p)?.[1] ?? ""),
    }));
  if (added.length === 0) return 1_000_000; // nothing the aggregates read: keep every day
  let first = Math.min(...added.map((a) => a.day));
  const files = (tables: string[]) =>
    sqlStringList(added.filter((a) => tables.includes(a.table)).map((a) => a.path));
  const ordersAbout: string[] = [];
  if (added.some((a) => a.table === "order-event" || a.table === "audit-order")) {
    ordersAbout.push(
      `SELECT hash(client_order_id) AS oh, created_ns FROM read_parquet(${files(["order-event", "audit-order"])}, union_by_name = true)`,
    );
  }
  if (added.some((a) => a.table === "audit-order-event")) {
    ordersAbout.push(
      `SELECT hash(client_order_id), NULL::BIGINT FROM read_parquet(${files(["audit-order-event"])})`,
    );
  }
  if (added.some((a) => a.table === "strategy-record")) {
    ordersAbout.push(`SELECT hash(json_extract_string(json, '$.clientOrderId')), NULL::BIGINT
      FROM read_parquet(${files(["strategy-record"])})
      WHERE name = ${sqlString(AGGREGATE_DECISION_PRICE_NAME)} AND value_kind = 'json'`);
  }
  if (ordersAbout.length > 0) {
    const known: string[] = [];
    for (const x of prev.strategies) {
      const dir = join(lake, AGGREGATES_DIR, fileName("orders", x.file));
      if ((await readdir(dir).catch(() => [])).length > 0) known.push(join(dir, "*", "*.parquet"));
    }
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    try {
      const stored =
        known.length === 0
          ? "SELECT NULL::UBIGINT AS oh, NULL::BIGINT AS created_ns, NULL::BIGINT AS first_fill WHERE false"
          : `SELECT oh, created_ns, first_fill FROM read_parquet(${sqlStringList(known)}, hive_partitioning = true)`;
      const r = await conn.runAndReadAll(`
        WITH a AS (${ordersAbout.join(" UNION ALL ")})
        SELECT (min(least(a.created_ns, o.created_ns, o.first_fill)) // ${DAY})::VARCHAR AS day
        FROM a LEFT JOIN (${stored}) o USING (oh)`);
      const day = r.getRowObjectsJson()[0]?.day;
      if (typeof day === "string") first = Math.min(first, Number(day));
    } catch {
      return undefined;
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  }
  return Math.max(0, first - 1);
}

interface StrategyBuild {
  readonly strategy: string;
  readonly out: (table: string) => string;
  /** The previous build's file of a table, when the strategy had one. */
  readonly prev: ((table: string) => string) | undefined;
  readonly previousInternals: readonly string[] | undefined;
  readonly fromDay: number;
  readonly maxInternals: number;
  readonly lap: (step: string) => void;
}

/**
 * One strategy's tables for the days from `fromDay` on, from the same temp tables the raw computation
 * uses (`sf`, `sfc`, `so`, `dp`), continued from what the previous build stored for the day before; the
 * earlier days' rows are copied over. Returns the internals joined, or undefined for a strategy with
 * nothing to aggregate.
 */
async function buildStrategy(s: LakeSession, b: StrategyBuild): Promise<readonly string[] | undefined> {
  const { fromDay, lap } = b;
  const fromNs = BigInt(fromDay) * DAY_NS;
  const base = resolveOptions({ lake: s.lake, strategy: b.strategy, from: 0, to: 1 });
  const ctx: MetricsContext = {
    ...base,
    fromNs,
    toNs: MAX_NS,
    decisionPriceName: AGGREGATE_DECISION_PRICE_NAME,
  };
  const prev = b.prev;
  const names = await internalNames(s, b.strategy, b.maxInternals);
  // the internals joined are kept per day: another set needs every day again
  const same = (x: readonly string[]) => [...x].sort().join("\n");
  if (prev !== undefined && same(names) !== same(b.previousInternals ?? [])) throw new FullRebuildNeeded();

  const p = (t: StrategyTable) => `read_parquet(${sqlString(prev!(t))})`;
  if (prev !== undefined) {
    await s.run(`CREATE OR REPLACE TEMP TABLE carry AS
      SELECT instrument, arg_max(cb, day) AS cb, arg_max(cs, day) AS cs, arg_max(vb, day) AS vb, arg_max(vs, day) AS vs,
             arg_max(cf, day) AS cf, arg_max(n, day) AS n, arg_max(open_ts, day) AS open_ts, arg_max(open_seq, day) AS open_seq,
             arg_max(open_c, day) AS open_c, arg_max(open_f, day) AS open_f
      FROM ${p("fill-day")} WHERE day < ${fromDay} GROUP BY instrument`);
  }
  const instruments = await prepareFills(
    s,
    ctx,
    prev === undefined ? undefined : { ns: fromNs, carry: "carry" },
  );
  if (instruments.length === 0) {
    if (prev === undefined) return undefined;
    // nothing of this strategy in the days recomputed: its files stay as they are
    for (const t of Object.keys(STRATEGY_TABLES)) await link(prev(t), b.out(t));
    for (const t of Object.keys(PARTITIONED)) await linkParts(t, prev(t), b.out(t), () => true);
    return names;
  }
  await prepareOrders(s, ctx, instruments, false);
  lap("fills and orders");
  const copy = async (table: StrategyTable, select: string) => {
    const day = STRATEGY_TABLES[table];
    // per creation day of the orders: the days whose orders did not change are kept
    const where =
      day === ""
        ? `created_day < ${fromDay} AND created_day NOT IN (SELECT created_day FROM cdays)`
        : `${day} < ${fromDay}`;
    const keep = prev === undefined ? "" : `UNION ALL SELECT * FROM ${p(table)} WHERE ${where}`;
    await s.run(`COPY (${select} ${keep}) TO ${sqlString(b.out(table))} (FORMAT parquet)`);
    lap(table);
  };

  // open lots before the days recomputed that FIFO may still close: from the ledger
  await s.run(`CREATE OR REPLACE TEMP TABLE lots AS
    SELECT iid, buy, cb, cs, vb, vs, price FROM sfc
    ${
      prev === undefined
        ? ""
        : `UNION ALL
    SELECT ins.iid, l.buy, CASE WHEN l.buy THEN l.cum END, CASE WHEN NOT l.buy THEN l.cum END,
           CASE WHEN l.buy THEN l.val END, CASE WHEN NOT l.buy THEN l.val END, l.price
    FROM ${await partitionedSql("ledger", prev("ledger"))} l JOIN ins USING (instrument) JOIN carry k USING (instrument)
    WHERE l.day < ${fromDay} AND ((l.buy AND l.cum >= k.cs) OR (NOT l.buy AND l.cum >= k.cb))`
    }`);
  const seed =
    prev === undefined
      ? undefined
      : `SELECT ins.iid, k.open_ts AS ts, k.open_seq AS seq, 2 AS kind, k.open_c AS c, k.open_f AS f
         FROM carry k JOIN ins USING (instrument) WHERE k.open_ts IS NOT NULL`;
  const trips = closedTripsSql(fromNs, seed);
  await s.run(`CREATE OR REPLACE TEMP TABLE tdone AS ${trips} SELECT * FROM done`);
  await s.run(`CREATE OR REPLACE TEMP TABLE tlast AS ${trips},
    o AS (SELECT *, seq * 4 + kind AS ord FROM ev)
    SELECT iid, ts // ${DAY} AS day, arg_max(kind, ord) AS kind, arg_max(ts, ord) AS ts, arg_max(seq, ord) AS seq,
           arg_max(c, ord) AS c, arg_max(f, ord) AS f
    FROM o GROUP BY ALL`);
  // position, cash, FIFO realized and the open round trip at the end of each day with fills
  await s.run(`CREATE OR REPLACE TEMP TABLE dd AS
    SELECT iid, ts // ${DAY} AS day, arg_max(cb, seq) AS cb, arg_max(cs, seq) AS cs, arg_max(vb, seq) AS vb,
           arg_max(vs, seq) AS vs, arg_max(cf, seq) AS cf, max(seq) AS n, arg_max(price, seq) AS last_price,
           sum(quantity * price) AS notional, count(*) AS fills, max(abs(cb - cs) * price) AS peak_value
    FROM sfc GROUP BY ALL`);
  await copy(
    "fill-day",
    `SELECT ins.instrument, d.day, d.cb, d.cs, d.vb, d.vs, d.cf, d.n, d.last_price, d.notional, d.fills, d.peak_value,
       CASE WHEN d.cb >= d.cs THEN d.vs - coalesce(fb.v, 0) ELSE coalesce(fs.v, 0) - d.vb END AS rc,
       CASE WHEN t.kind = 2 THEN t.ts END AS open_ts, CASE WHEN t.kind = 2 THEN t.seq END AS open_seq,
       CASE WHEN t.kind = 2 THEN t.c END AS open_c, CASE WHEN t.kind = 2 THEN t.f END AS open_f
     FROM dd d JOIN ins USING (iid)
       LEFT JOIN (${firstUnitsSql(true, "dd", "day", "lots")}) fb USING (iid, day)
       LEFT JOIN (${firstUnitsSql(false, "dd", "day", "lots")}) fs USING (iid, day)
       ASOF LEFT JOIN tlast t ON d.iid = t.iid AND d.day >= t.day`,
  );
  await copy(
    "trips-day",
    `SELECT ins.instrument, ts // ${DAY} AS day, count(*) AS trips, count(*) FILTER (WHERE net > 0) AS wins,
       count(*) FILTER (WHERE net < 0) AS losses, sum(net) FILTER (WHERE net > 0) AS win_sum,
       sum(net) FILTER (WHERE net < 0) AS loss_sum, sum(net) AS net_sum, sum(ts - open_ts)::DECIMAL(38,0) AS hold_ns
     FROM tdone JOIN ins USING (iid) GROUP BY ALL`,
  );
  await copy(
    "fee-currency",
    `SELECT DISTINCT ins.instrument, ts // ${DAY} AS day, fee_currency FROM sf JOIN ins USING (iid)
     WHERE fee_currency <> '' AND fee <> 0`,
  );
  // the ledger, one folder per day: the days recomputed are written, the days before linked
  await s.run(`COPY (
      SELECT ins.instrument, ts // ${DAY} AS day, ts, oh, buy, quantity, price,
        CASE WHEN buy THEN cb ELSE cs END AS cum, CASE WHEN buy THEN vb ELSE vs END AS val
      FROM sfc JOIN ins USING (iid))
    TO ${sqlString(b.out("ledger"))} (FORMAT parquet, PARTITION_BY (day))`);
  if (prev !== undefined) await linkParts("ledger", prev("ledger"), b.out("ledger"), (d) => d < fromDay);
  lap("ledger");

  // as-of joins against the quotes (from the last one before the days recomputed): the mid at each
  // fill + horizon, and at each order's creation
  const quotes = `${withInstrumentIds(instruments, "ts_event_ns AS t, mid", "quote", "mid IS NOT NULL")}
    UNION ALL SELECT ins.iid, q.t, q.mid FROM qseed q JOIN ins USING (instrument)`;
  await copy(
    "markout-day",
    `WITH p AS (
       SELECT f.iid, f.ts // ${DAY} AS day, f.ts + hz.h AS t, hz.h, f.sq, f.price, f.quantity
       FROM sf f, (SELECT unnest([${AGGREGATE_HORIZONS_MS.map((h) => BigInt(h) * 1_000_000n).join(", ")}]::BIGINT[]) AS h) hz),
     w AS (SELECT p.*, q.mid AS m, q.t AS qt FROM p ASOF LEFT JOIN (${quotes}) q ON p.iid = q.iid AND p.t >= q.t)
     SELECT ins.instrument, day, h, sum(sq * (m - price)) AS amount, sum(quantity * price) FILTER (WHERE m IS NOT NULL) AS notional,
       count(m) AS fills, min(qt) AS min_quote_ts
     FROM w JOIN ins USING (iid) GROUP BY ALL`,
  );
  await s.run(`CREATE OR REPLACE TEMP TABLE am AS
    SELECT so.oh, q.mid AS arr, q.t AS arr_ts FROM so ASOF JOIN (${quotes}) q ON so.iid = q.iid AND so.created_ns >= q.t`);
  lap("arrival mids");

  // one row per order: the orders created in the days recomputed, and the earlier ones (kept, with
  // their fills counted again when some are in the days recomputed)
  const ledger = prev === undefined ? undefined : await partitionedSql("ledger", prev("ledger"));
  const orders = prev === undefined ? undefined : await partitionedSql("orders", prev("orders"));
  await s.run(`CREATE OR REPLACE TEMP TABLE aff AS
    SELECT DISTINCT oh FROM (SELECT oh FROM sf UNION ALL SELECT oh FROM so
      ${ledger === undefined ? "" : `UNION ALL SELECT oh FROM ${ledger} WHERE day >= ${fromDay}`})`);
  await s.run(`CREATE OR REPLACE TEMP TABLE ofs AS
    SELECT oh, min(ts) AS first_fill, max(ts) // ${DAY} AS last_fill_day, sum(quantity) AS filled FROM (
      SELECT oh, ts, quantity FROM sf
      ${ledger === undefined ? "" : `UNION ALL SELECT oh, ts, quantity FROM ${ledger} WHERE day < ${fromDay} AND oh IN (SELECT oh FROM aff)`})
    GROUP BY oh`);
  // creation days whose orders change: the days recomputed, and earlier ones with orders filled again
  await s.run(`CREATE OR REPLACE TEMP TABLE cdays AS
    SELECT DISTINCT created_day FROM (
      SELECT created_ns // ${DAY} AS created_day FROM so
      ${orders === undefined ? "" : `UNION ALL SELECT created_day FROM ${orders} WHERE created_day < ${fromDay} AND oh IN (SELECT oh FROM aff)`})`);
  await s.run(`CREATE OR REPLACE TEMP TABLE ol AS
    SELECT ins.instrument, so.oh, so.quantity, so.created_ns, so.ack_ts, am.arr, am.arr_ts, dp.dp,
           f.first_fill, f.last_fill_day, coalesce(f.filled, 0) AS filled, so.created_ns // ${DAY} AS created_day
    FROM so JOIN ins USING (iid) LEFT JOIN am USING (oh) LEFT JOIN dp USING (oh) LEFT JOIN ofs f USING (oh)
    ${
      orders === undefined
        ? ""
        : `UNION ALL
    SELECT o.instrument, o.oh, o.quantity, o.created_ns, o.ack_ts, o.arr, o.arr_ts, o.dp,
           CASE WHEN a.oh IS NULL THEN o.first_fill ELSE f.first_fill END,
           CASE WHEN a.oh IS NULL THEN o.last_fill_day ELSE f.last_fill_day END,
           CASE WHEN a.oh IS NULL THEN o.filled ELSE coalesce(f.filled, 0) END, o.created_day
    FROM ${orders} o LEFT JOIN aff a USING (oh) LEFT JOIN ofs f USING (oh)
    WHERE o.created_day < ${fromDay} AND o.created_day IN (SELECT created_day FROM cdays)`
    }`);
  lap("orders per order");
  await copy(
    "exec-day",
    `SELECT ins.instrument, sf.ts // ${DAY} AS day, o.created_ns // ${DAY} AS created_day, count(*) AS fills,
       sum(sf.sq * sf.price - o.arr * sf.sq) AS arr_cost, sum(sf.quantity * o.arr) AS arr_notional,
       count(o.arr) AS arr_fills, min(o.arr_ts) AS arr_min_ts,
       sum(sf.sq * sf.price - o.dp * sf.sq) AS dec_cost, sum(sf.quantity * o.dp) AS dec_notional, count(o.dp) AS dec_fills
     FROM sf JOIN ins USING (iid) LEFT JOIN ol o USING (oh)
     GROUP BY ALL`,
  );
  await s.run(
    `COPY (SELECT * FROM ol) TO ${sqlString(b.out("orders"))} (FORMAT parquet, PARTITION_BY (created_day))`,
  );
  if (prev !== undefined) {
    const changed = new Set(
      (await s.rows<{ d: string }>("SELECT created_day::VARCHAR AS d FROM cdays")).map((r) => Number(r.d)),
    );
    await linkParts("orders", prev("orders"), b.out("orders"), (d) => d < fromDay && !changed.has(d));
  }
  lap("orders");
  await copy(
    "order-day",
    `SELECT instrument, created_ns // ${DAY} AS created_day, last_fill_day,
       count(*) AS orders, count(*) FILTER (WHERE filled > 0) AS with_fills,
       sum(CASE WHEN quantity > 0 THEN least(1, filled / quantity) END) AS ratio_sum,
       count(*) FILTER (WHERE quantity > 0) AS ratio_n, sum(quantity) AS quantity, sum(filled) AS filled,
       min(first_fill // ${DAY}) AS min_first_fill_day
     FROM ol GROUP BY ALL`,
  );
  // orders whose fills run past their creation day: a report ending between them recounts them
  await copy(
    "order-span",
    `WITH spans AS (SELECT instrument, oh, created_ns, quantity FROM ol WHERE last_fill_day > created_ns // ${DAY}),
     f AS (SELECT oh, ts, quantity FROM sf WHERE oh IN (SELECT oh FROM spans)
           ${ledger === undefined ? "" : `UNION ALL SELECT oh, ts, quantity FROM ${ledger} WHERE day < ${fromDay} AND oh IN (SELECT oh FROM spans)`})
     SELECT s.instrument, s.oh, s.created_ns // ${DAY} AS created_day, s.quantity, f.ts // ${DAY} AS fill_day, sum(f.quantity) AS filled
     FROM spans s JOIN f USING (oh) GROUP BY ALL`,
  );
  await copy(
    "latency",
    `SELECT instrument, created_ns // ${DAY} AS created_day, 'ack' AS kind, NULL::BIGINT AS first_fill_day,
       (ack_ts - created_ns) / 1e6 AS ms, count(*) AS n
     FROM ol WHERE ack_ts IS NOT NULL GROUP BY ALL
     UNION ALL
     SELECT instrument, created_ns // ${DAY}, 'fill', first_fill // ${DAY}, (first_fill - created_ns) / 1e6, count(*)
     FROM ol WHERE first_fill IS NOT NULL GROUP BY ALL`,
  );
  // the times of the decision prices joined, per creation day: a report whose lookback window leaves
  // one out reads the raw lake (it would join differently)
  const rec = `strategy_record WHERE strategy_id = ${sqlString(b.strategy)} AND name = ${sqlString(AGGREGATE_DECISION_PRICE_NAME)}`;
  await copy(
    "decision-day",
    `WITH j AS (
       SELECT so.created_ns // ${DAY} AS created_day, min(r.ts_ns) AS json_min_ts, max(r.ts_ns) AS json_max_ts
       FROM (SELECT ts_ns, json FROM ${rec} AND value_kind = 'json') r
         JOIN so ON so.oh = hash(json_extract_string(r.json, '$.clientOrderId'))
       GROUP BY ALL),
     d AS (
       SELECT so.created_ns // ${DAY} AS created_day, min(r.ts_ns) AS dec_min_ts
       FROM so ASOF JOIN (SELECT ts_ns FROM ${rec} AND value_kind = 'decimal' AND decimal IS NOT NULL) r
         ON so.created_ns >= r.ts_ns
       GROUP BY ALL)
     SELECT * FROM j FULL JOIN d USING (created_day)`,
  );
  // the mean of each numeric internal at buys and at sells: as-of sums per fill day
  const base2 = `strategy_record WHERE strategy_id = ${sqlString(b.strategy)} AND value_kind = 'number' AND number IS NOT NULL`;
  const list = sqlStringList(names.length === 0 ? [""] : names);
  await copy(
    "internal-day",
    `WITH p AS (SELECT f.ts, f.buy, n.name FROM sf f CROSS JOIN (SELECT unnest(${list}) AS name) n),
     r AS (SELECT name, ts_ns, number FROM ${base2} AND name IN (SELECT unnest(${list})))
     SELECT p.name, p.ts // ${DAY} AS day, count(r.number) AS n,
       sum(r.number) FILTER (WHERE p.buy) AS buy_sum, count(r.number) FILTER (WHERE p.buy) AS buy_n,
       sum(r.number) FILTER (WHERE NOT p.buy) AS sell_sum, count(r.number) FILTER (WHERE NOT p.buy) AS sell_n,
       min(r.ts_ns) AS min_ts
     FROM p ASOF JOIN r ON p.name = r.name AND p.ts >= r.ts_ns GROUP BY ALL`,
  );
  return names;
}

/** The numeric internals joined at fills: the most recorded (all history). */
async function internalNames(s: LakeSession, strategy: string, max: number): Promise<string[]> {
  const rows = await s.rows<{ name: string }>(`
    SELECT name FROM strategy_record WHERE strategy_id = ${sqlString(strategy)} AND value_kind = 'number'
      AND number IS NOT NULL GROUP BY name ORDER BY count(*) DESC, name LIMIT ${max}`);
  return rows.map((r) => r.name);
}
