import type { LakeSession } from "../lake/lake-session.js";
import { sqlString, sqlStringList } from "../sql.js";
import type { MetricsContext } from "./options.js";

export const big = (x: bigint): string => `${x}::BIGINT`;

/** Bucket of a timestamp: 0 before `from`, k for [from + (k−1)·period, from + k·period). */
export const bucket = (ctx: MetricsContext, ts: string): string =>
  `CASE WHEN ${ts} < ${big(ctx.fromNs)} THEN 0 ELSE (${ts} - ${big(ctx.fromNs)}) // ${big(ctx.periodNs)} + 1 END`;

/**
 * A table's rows of the given instruments with a small integer instrument id `iid` (1-based, in the
 * order of `instruments`) instead of the text: one filtered scan per instrument, so Parquet min/max
 * statistics skip the other instruments' row groups and no string is hashed per row.
 */
export function withInstrumentIds(
  instruments: readonly string[],
  select: string,
  from: string,
  where: string,
): string {
  if (instruments.length <= 32) {
    return instruments
      .map(
        (ins, i) =>
          `SELECT ${i + 1}::USMALLINT AS iid, ${select} FROM ${from} WHERE instrument = ${sqlString(ins)} AND ${where}`,
      )
      .join("\nUNION ALL ");
  }
  return `SELECT ins.iid, ${select} FROM ${from} JOIN ins USING (instrument) WHERE ${where}`;
}

/**
 * Temp tables of the strategy's fills up to `to` (all history: FIFO lots and positions carry in):
 * - `ins`: the instruments traded, with their id `iid`.
 * - `sf`: one row per fill, from the recorded `fill` table and the audit store's `audit_fill`,
 *   de-duplicated on (venue, fill id); `fh` = hash(venue, fill id) orders fills with the same time,
 *   `oh` = hash(client order id) joins them to orders.
 * - `sfc`: `sf` in time order per instrument with running sums: bought and sold quantity (`cb`, `cs`),
 *   cost of buys and proceeds of sells (`vb`, `vs`), fees (`cf`); position = cb − cs, cash = vs − vb.
 */
export async function prepareFills(
  s: LakeSession,
  ctx: MetricsContext,
  /**
   * Only the fills from `ns` on, their running sums continued from `carry` (a table of instrument,
   * cb, cs, vb, vs, cf and n, the fills before): how the aggregates extend the days they already hold.
   */
  since?: { readonly ns: bigint; readonly carry: string },
): Promise<string[]> {
  const strategy = sqlString(ctx.strategy);
  const where = `strategy_id = ${strategy} AND ts_event_ns < ${big(ctx.toNs)}${since === undefined ? "" : ` AND ts_event_ns >= ${big(since.ns)}`}`;
  const tables = s.has("audit-fill") ? ["fill", "audit_fill"] : ["fill"];
  const created = `strategy_id = ${strategy} AND created_ns >= ${big(ctx.fromNs)} AND created_ns < ${big(ctx.toNs)}`;
  const sources = [
    ...tables.map((t) => `SELECT DISTINCT instrument FROM ${t} WHERE ${where}`),
    `SELECT DISTINCT instrument FROM order_event WHERE ${created}`,
    ...(s.has("audit-order") ? [`SELECT DISTINCT instrument FROM audit_order WHERE ${created}`] : []),
  ];
  const instruments = (await s.rows<{ instrument: string }>(`${sources.join(" UNION ")} ORDER BY 1`))
    .map((r) => r.instrument)
    .filter((i) => i !== "");
  await s.run(`CREATE OR REPLACE TEMP TABLE ins AS
    SELECT instrument, (row_number() OVER (ORDER BY instrument))::USMALLINT AS iid
    FROM (SELECT unnest(${sqlStringList(instruments.length === 0 ? [""] : instruments)}) AS instrument)`);
  if (instruments.length === 0) {
    await s.run(
      `CREATE OR REPLACE TEMP TABLE sf AS SELECT NULL::USMALLINT AS iid, NULL::BIGINT AS ts WHERE false`,
    );
    return [];
  }
  const carried = (c: string) => (since === undefined ? "" : ` + coalesce(k.${c}, 0)`);
  const select = `hash(venue, fill_id) AS fh, hash(client_order_id) AS oh, side = 'buy' AS buy, price, quantity, fee,
    fee_currency, ts_event_ns AS ts`;
  const union = tables
    .map((t, i) => `SELECT ${i} AS src, * FROM (${withInstrumentIds(instruments, select, t, where)})`)
    .join(" UNION ALL ");
  await s.run(`CREATE OR REPLACE TEMP TABLE sf0 AS ${union}`);
  const [dup] = await s.rows<{ dups: boolean }>("SELECT count(*) <> count(DISTINCT fh) AS dups FROM sf0");
  // sorted once: the running sums below stream over the rows in this order (no window sort), which
  // needs the insertion order kept for these two statements
  await s.run("SET preserve_insertion_order = true");
  await s.run(`CREATE OR REPLACE TEMP TABLE sf AS
    SELECT iid, fh, oh, buy, price, quantity, fee, fee_currency, ts,
           CASE WHEN buy THEN quantity ELSE -quantity END AS sq
    FROM sf0 ${dup?.dups ? "QUALIFY row_number() OVER (PARTITION BY fh ORDER BY src) = 1" : ""}
    ORDER BY iid, ts, fh`);
  await s.run("DROP TABLE sf0");
  // Running sums over the whole sorted table, then minus what the instruments before had: per-instrument
  // running sums without sorting again (DuckDB streams a window that has no PARTITION BY / ORDER BY).
  await s.run(`CREATE OR REPLACE TEMP TABLE sfc AS
    WITH r AS (
      SELECT iid, ts, oh, buy, price, quantity, sq, fee,
        SUM(CASE WHEN buy THEN quantity ELSE 0 END) OVER w AS cb,
        SUM(CASE WHEN buy THEN 0 ELSE quantity END) OVER w AS cs,
        SUM(CASE WHEN buy THEN quantity * price ELSE 0 END) OVER w AS vb,
        SUM(CASE WHEN buy THEN 0 ELSE quantity * price END) OVER w AS vs,
        SUM(fee) OVER w AS cf,
        row_number() OVER w AS seq
      FROM sf WINDOW w AS (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
    t AS (
      SELECT iid, sum(CASE WHEN buy THEN quantity ELSE 0 END) AS cb, sum(CASE WHEN buy THEN 0 ELSE quantity END) AS cs,
             sum(CASE WHEN buy THEN quantity * price ELSE 0 END) AS vb, sum(CASE WHEN buy THEN 0 ELSE quantity * price END) AS vs,
             sum(fee) AS cf, count(*) AS n
      FROM sf GROUP BY iid),
    base AS (
      SELECT iid, coalesce(sum(cb) OVER p, 0) AS cb, coalesce(sum(cs) OVER p, 0) AS cs, coalesce(sum(vb) OVER p, 0) AS vb,
             coalesce(sum(vs) OVER p, 0) AS vs, coalesce(sum(cf) OVER p, 0) AS cf, coalesce(sum(n) OVER p, 0) AS n
      FROM t WINDOW p AS (ORDER BY iid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
    SELECT r.iid, r.ts, r.oh, r.buy, r.price, r.quantity, r.sq, r.fee,
           r.cb - base.cb${carried("cb")} AS cb, r.cs - base.cs${carried("cs")} AS cs, r.vb - base.vb${carried("vb")} AS vb,
           r.vs - base.vs${carried("vs")} AS vs, r.cf - base.cf${carried("cf")} AS cf, r.seq - base.n${carried("n")} AS seq
    FROM r JOIN base USING (iid)
    ${since === undefined ? "" : `LEFT JOIN (SELECT ins.iid, k.* EXCLUDE (instrument) FROM ${since.carry} k JOIN ins USING (instrument)) k USING (iid)`}`);
  await s.run("SET preserve_insertion_order = false");
  return instruments;
}

export async function fillsInPeriod(s: LakeSession, ctx: MetricsContext): Promise<number> {
  const [row] = await s.rows<{ n: string }>(
    `SELECT count(*)::VARCHAR AS n FROM sf WHERE ts >= ${big(ctx.fromNs)}`,
  );
  return Number(row?.n ?? 0);
}

export interface GridRow {
  readonly instrument: string;
  readonly k: number;
  readonly pos: string;
  readonly mark: string | null;
  readonly mark_source: "quote" | "fill" | "none";
  readonly mtm: string;
  readonly fees: string;
  readonly rc: string;
  readonly pnl_gross: string | null;
  readonly fees_p: string | null;
  readonly realized_gross: string | null;
  readonly unrealized: string;
  readonly gross_exposure: string;
  readonly net_exposure: string;
  readonly notional: string;
  readonly fills: string;
}

/**
 * The state of every instrument at every period boundary k = 0..n (k = 0 is `from`): position, cash,
 * fees of the fills before the boundary, the mark (last quote mid before it, else the last fill price),
 * and realized FIFO PnL. Last-before-boundary values are the last row of each period bucket (one hash
 * aggregate per source) carried forward, never an as-of join over every quote.
 *
 * FIFO: the i-th unit bought is closed by the i-th unit sold, so with B bought, S sold, cost of buys
 * VB and proceeds of sells VS before the boundary, realized = VS − cost of the first S units bought
 * when B ≥ S, and proceeds of the first B units sold − VB when short.
 */
export async function gridState(
  s: LakeSession,
  ctx: MetricsContext,
  instruments: readonly string[],
): Promise<GridRow[]> {
  const k = (ts: string) => bucket(ctx, ts);
  const quotes = withInstrumentIds(
    instruments,
    "ts_event_ns, mid",
    "quote",
    `ts_event_ns < ${big(ctx.toNs)} AND ts_event_ns >= ${big(ctx.fromNs - ctx.lookbackNs)} AND mid IS NOT NULL`,
  );
  await s.run(`CREATE OR REPLACE TEMP TABLE qb AS
    SELECT iid, ${k("ts_event_ns")} AS k, arg_max(mid, ts_event_ns) AS mid FROM (${quotes}) GROUP BY ALL`);
  await s.run(`CREATE OR REPLACE TEMP TABLE gs AS
    WITH grid AS (SELECT ins.iid, ins.instrument, g.k FROM ins, range(0, ${ctx.periods + 1}) g(k)),
    fb AS (
      SELECT iid, ${k("ts")} AS k, arg_max(cb, seq) AS cb, arg_max(cs, seq) AS cs, arg_max(vb, seq) AS vb,
             arg_max(vs, seq) AS vs, arg_max(cf, seq) AS cf, arg_max(price, seq) AS last_price,
             sum(quantity * price) AS notional, count(*) AS fills
      FROM sfc GROUP BY ALL),
    j AS (SELECT grid.*, fb.cb, fb.cs, fb.vb, fb.vs, fb.cf, fb.last_price, fb.notional, fb.fills, qb.mid
          FROM grid LEFT JOIN fb USING (iid, k) LEFT JOIN qb USING (iid, k))
    SELECT iid, instrument, k,
      coalesce(last_value(cb IGNORE NULLS) OVER w, 0) AS cb, coalesce(last_value(cs IGNORE NULLS) OVER w, 0) AS cs,
      coalesce(last_value(vb IGNORE NULLS) OVER w, 0) AS vb, coalesce(last_value(vs IGNORE NULLS) OVER w, 0) AS vs,
      coalesce(last_value(cf IGNORE NULLS) OVER w, 0) AS fees,
      last_value(mid IGNORE NULLS) OVER w AS qmid, last_value(last_price IGNORE NULLS) OVER w AS fmark,
      coalesce(notional, 0) AS notional, coalesce(fills, 0) AS fills
    FROM j WINDOW w AS (PARTITION BY iid ORDER BY k ROWS UNBOUNDED PRECEDING)`);
  return s.rows<GridRow>(`
    WITH fb AS (${firstUnitsSql(true, "gs", "k")}), fs AS (${firstUnitsSql(false, "gs", "k")}),
    m AS (
      SELECT g.*, coalesce(g.qmid, g.fmark::DECIMAL(38,10)) AS mark,
        CASE WHEN g.qmid IS NOT NULL THEN 'quote' WHEN g.fmark IS NOT NULL THEN 'fill' ELSE 'none' END AS mark_source,
        g.cb - g.cs AS pos, g.vs - g.vb AS cash,
        CASE WHEN g.cb >= g.cs THEN g.vs - coalesce(fb.v, 0) ELSE coalesce(fs.v, 0) - g.vb END AS rc
      FROM gs g LEFT JOIN fb USING (iid, k) LEFT JOIN fs USING (iid, k))
    ${GRID_SELECT}`);
}

/**
 * Cost of the first x units bought (x = units sold, when long) or proceeds of the first x units sold
 * (x = units bought, when short) at each row of \`table\` (columns iid, key, cb, cs): the fill of \`sfc\`
 * where the running quantity reaches x, minus the part of it beyond x.
 */
export function firstUnitsSql(buy: boolean, table: string, key: string, lots = "sfc"): string {
  const x = buy ? "cs" : "cb";
  return `
    SELECT g.iid, g.${key}, f.${buy ? "vb" : "vs"} - (f.${buy ? "cb" : "cs"} - g.${x}) * f.price AS v
    FROM ${table} g ASOF JOIN (SELECT iid, ${buy ? "cb" : "cs"}, ${buy ? "vb" : "vs"}, price FROM ${lots} WHERE ${buy ? "" : "NOT "}buy) f
      ON g.iid = f.iid AND g.${x} <= f.${buy ? "cb" : "cs"}
    WHERE g.${x} > 0 AND g.${buy ? "cb >= g.cs" : "cs > g.cb"}`;
}

/**
 * The grid rows from \`m\` (iid, instrument, k, pos, cash, fees, rc, mark, mark_source, notional,
 * fills): PnL of each period as the change since the boundary before.
 */
export const GRID_SELECT = `,
    v AS (SELECT *, cash + pos * coalesce(mark, 0) AS mtm FROM m)
    SELECT instrument, k::INTEGER AS k, pos::VARCHAR AS pos, mark::VARCHAR AS mark, mark_source, mtm::VARCHAR AS mtm,
      fees::VARCHAR AS fees, rc::VARCHAR AS rc,
      (mtm - lag(mtm) OVER w2)::VARCHAR AS pnl_gross, (fees - lag(fees) OVER w2)::VARCHAR AS fees_p,
      (rc - lag(rc) OVER w2)::VARCHAR AS realized_gross, (mtm - rc)::VARCHAR AS unrealized,
      (abs(pos) * coalesce(mark, 0))::VARCHAR AS gross_exposure, (pos * coalesce(mark, 0))::VARCHAR AS net_exposure,
      notional::VARCHAR AS notional, fills::VARCHAR AS fills
    FROM v WINDOW w2 AS (PARTITION BY iid ORDER BY k)
    ORDER BY k, instrument`;

/** Instruments with no quote in the lookback window or the period. */
export async function instrumentsWithoutQuotes(s: LakeSession): Promise<string[]> {
  const rows = await s.rows<{ instrument: string }>(
    "SELECT instrument FROM ins WHERE iid NOT IN (SELECT DISTINCT iid FROM qb) ORDER BY 1",
  );
  return rows.map((r) => r.instrument);
}

/** Largest |position| × fill price after a fill in the period (the default capital). */
export async function peakPositionValue(s: LakeSession, ctx: MetricsContext): Promise<string> {
  const [row] = await s.rows<{ v: string | null }>(
    `SELECT max(abs(cb - cs) * price)::VARCHAR AS v FROM sfc WHERE ts >= ${big(ctx.fromNs)}`,
  );
  return row?.v ?? "0";
}
