import type { LakeSession } from "../lake/lake-session.js";
import { sqlString } from "../sql.js";
import type { MetricsContext } from "./options.js";
import { big, withInstrumentIds } from "./pnl.js";

/** A DuckDB value as a number; SQL NULL (or no row) as null. */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Temp tables of the strategy's orders created in [from, to):
 * - `so`: one row per order (`oh` = hash of the client order id) from the audit store's orders and the
 *   order snapshots in recorded order events (the latest version's quantity), with its creation time and
 *   first `accepted` event time;
 * - `fo`: per order, the period's fills: first fill time, filled quantity, Σ sq × price and Σ sq;
 * - `dp`: per order, the decision price (see `decisionPrices`).
 */
export async function prepareOrders(
  s: LakeSession,
  ctx: MetricsContext,
  instruments: readonly string[],
  /** Build `fo` too (the aggregates group fills per order themselves). */
  periodFills = true,
): Promise<void> {
  const strategy = sqlString(ctx.strategy);
  const created = `strategy_id = ${strategy} AND created_ns >= ${big(ctx.fromNs)} AND created_ns < ${big(ctx.toNs)}`;
  const parts = [
    withInstrumentIds(
      instruments,
      "hash(client_order_id) AS oh, quantity, created_ns, updated_ns, CASE WHEN kind = 'accepted' THEN ts_event_ns END AS ack_ts",
      "order_event",
      created,
    ),
  ];
  if (s.has("audit-order")) {
    parts.push(
      withInstrumentIds(
        instruments,
        "hash(client_order_id) AS oh, quantity, created_ns, updated_ns, NULL::BIGINT AS ack_ts",
        "audit_order",
        created,
      ),
    );
  }
  await s.run(`CREATE OR REPLACE TEMP TABLE so AS
    SELECT oh, any_value(iid) AS iid, arg_max(quantity, updated_ns) AS quantity, min(created_ns) AS created_ns,
           min(ack_ts) AS ack_ts
    FROM (${parts.join(" UNION ALL ")}) GROUP BY oh`);
  if (s.has("audit-order-event")) {
    await s.run(`UPDATE so SET ack_ts = least(coalesce(so.ack_ts, a.ts), a.ts) FROM (
        SELECT hash(client_order_id) AS oh, min(ts_ns) AS ts FROM audit_order_event
        WHERE strategy_id = ${strategy} AND kind = 'accepted' AND ts_ns >= ${big(ctx.fromNs)} GROUP BY 1) a
      WHERE so.oh = a.oh`);
  }
  if (periodFills) {
    await s.run(`CREATE OR REPLACE TEMP TABLE fo AS
      SELECT oh, min(ts) AS first_fill, sum(quantity) AS filled, sum(sq * price) AS sqp, sum(sq) AS ssq, count(*) AS n
      FROM sf WHERE ts >= ${big(ctx.fromNs)} GROUP BY oh`);
  }
  await decisionPrices(s, ctx);
}

/**
 * `dp`: the decision price of each order. A strategy records it under `decisionPriceName` either as
 * JSON `{"clientOrderId": "...", "price": "..."}` (joined on the client order id; wins) or as a decimal
 * (joined as of the order's creation: the last one recorded at or before it).
 */
async function decisionPrices(s: LakeSession, ctx: MetricsContext): Promise<void> {
  const rec = `strategy_record WHERE strategy_id = ${sqlString(ctx.strategy)} AND name = ${sqlString(ctx.decisionPriceName)}`;
  const [n] = await s.rows<{ json: string; dec: string }>(
    `SELECT count(*) FILTER (WHERE value_kind = 'json')::VARCHAR AS json, count(*) FILTER (WHERE value_kind = 'decimal')::VARCHAR AS dec FROM ${rec}`,
  );
  const json =
    Number(n?.json ?? 0) === 0
      ? "SELECT NULL::UBIGINT AS oh, NULL::DECIMAL(38,10) AS dp WHERE false"
      : `SELECT hash(json_extract_string(json, '$.clientOrderId')) AS oh,
                arg_max(TRY_CAST(json_extract_string(json, '$.price') AS DECIMAL(38,10)), ts_ns) AS dp
         FROM ${rec} AND value_kind = 'json' GROUP BY 1`;
  const asOf =
    Number(n?.dec ?? 0) === 0
      ? "SELECT NULL::UBIGINT AS oh, NULL::DECIMAL(38,10) AS dp WHERE false"
      : `SELECT so.oh, d.dp FROM so ASOF JOIN (
           SELECT ts_ns, CAST(decimal AS DECIMAL(38,10)) AS dp FROM ${rec} AND value_kind = 'decimal' AND decimal IS NOT NULL) d
         ON so.created_ns >= d.ts_ns`;
  await s.run(`CREATE OR REPLACE TEMP TABLE dp AS
    SELECT oh, coalesce(j.dp, a.dp) AS dp FROM (${json}) j FULL JOIN (${asOf}) a USING (oh)
    WHERE coalesce(j.dp, a.dp) IS NOT NULL AND oh IN (SELECT oh FROM so)`);
}

interface LatencyRow {
  count: number;
  mean: number | null;
  q: (number | null)[];
  max: number | null;
}

export interface OrderStats {
  orders: number;
  ordersWithFills: number;
  fillRatio: number | null;
  fillRatioByInstrument: Map<string, number | null>;
  ack: LatencyRow;
  fill: LatencyRow;
  histogram: { b: number; ack: number; fill: number }[];
}

/** Fill ratio and order-to-ack / order-to-fill latencies (first `accepted` event, first fill) of `so`. */
export async function orderStats(s: LakeSession): Promise<OrderStats> {
  await s.run(`CREATE OR REPLACE TEMP TABLE lat AS
    SELECT so.iid, so.quantity, coalesce(fo.filled, 0) AS filled,
           (so.ack_ts - so.created_ns) / 1e6 AS ack_ms, (fo.first_fill - so.created_ns) / 1e6 AS fill_ms
    FROM so LEFT JOIN fo USING (oh)`);
  const [r] = await s.rows<Record<string, unknown>>(`
    SELECT count(*) AS orders, count(*) FILTER (WHERE filled > 0) AS with_fills,
      avg(CASE WHEN quantity > 0 THEN least(1, filled / quantity) END) AS fill_ratio,
      count(ack_ms) AS ack_n, avg(ack_ms) AS ack_mean, quantile_cont(ack_ms, [0.5, 0.9, 0.99]) AS ack_q, max(ack_ms) AS ack_max,
      count(fill_ms) AS fill_n, avg(fill_ms) AS fill_mean, quantile_cont(fill_ms, [0.5, 0.9, 0.99]) AS fill_q, max(fill_ms) AS fill_max
    FROM lat`);
  const byInstrument = await s.rows<{ instrument: string; ratio: number | null }>(
    `SELECT ins.instrument, CASE WHEN sum(quantity) > 0 THEN (sum(filled) / sum(quantity))::DOUBLE END AS ratio
     FROM lat JOIN ins USING (iid) GROUP BY 1`,
  );
  // log-spaced bins, four per decade: bin b holds [10^(b/4), 10^((b+1)/4)) ms
  const histogram = await s.rows<{ b: number; ack: number; fill: number }>(`
    WITH x AS (
      SELECT floor(log10(greatest(ack_ms, 0.001)) * 4)::INTEGER AS b, 1 AS ack, 0 AS fill FROM lat WHERE ack_ms IS NOT NULL
      UNION ALL
      SELECT floor(log10(greatest(fill_ms, 0.001)) * 4)::INTEGER, 0, 1 FROM lat WHERE fill_ms IS NOT NULL)
    SELECT b, sum(ack)::INTEGER AS ack, sum(fill)::INTEGER AS fill FROM x GROUP BY b ORDER BY b`);
  const lat = (p: string) =>
    latencyRow(r?.[`${p}_n`], r?.[`${p}_mean`], r?.[`${p}_q`] as (number | null)[] | null, r?.[`${p}_max`]);
  return orderStatsOf(r, byInstrument, lat("ack"), lat("fill"), histogram);
}

/** One latency summary from the count, mean, p50/p90/p99 and max as DuckDB returned them. */
export function latencyRow(
  n: unknown,
  mean: unknown,
  q: readonly (number | null)[] | null | undefined,
  max: unknown,
): LatencyRow {
  return { count: Number(n ?? 0), mean: num(mean), q: (q ?? [null, null, null]).map(num), max: num(max) };
}

/**
 * `OrderStats` from the counts row (`orders`, `with_fills`, `fill_ratio`), the fill ratio per
 * instrument, the two latency summaries and the histogram: the raw lake's reading and the per-day
 * aggregates' end here alike.
 */
export function orderStatsOf(
  r: Record<string, unknown> | undefined,
  byInstrument: readonly { instrument: string; ratio: number | null }[],
  ack: LatencyRow,
  fill: LatencyRow,
  histogram: { b: number; ack: number; fill: number }[],
): OrderStats {
  return {
    orders: Number(r?.orders ?? 0),
    ordersWithFills: Number(r?.with_fills ?? 0),
    fillRatio: num(r?.fill_ratio),
    fillRatioByInstrument: new Map(byInstrument.map((b) => [b.instrument, num(b.ratio)])),
    ack,
    fill,
    histogram,
  };
}

export interface SlippageRow {
  readonly cost: string | null;
  readonly notional: string | null;
  readonly fills: string;
}

/** Slippage of the period's fills against their order's decision price: Σ sq × price − dp × Σ sq. */
export async function decisionSlippage(s: LakeSession): Promise<SlippageRow> {
  const [row] = await s.rows<SlippageRow>(`
    SELECT sum(fo.sqp - dp.dp * fo.ssq)::VARCHAR AS cost, sum(fo.filled * dp.dp)::VARCHAR AS notional,
           coalesce(sum(fo.n), 0)::VARCHAR AS fills
    FROM fo JOIN dp USING (oh)`);
  return row!;
}

export interface QuoteJoinResult {
  readonly arrival: SlippageRow;
  readonly markouts: readonly { h: string; amount: string | null; notional: string | null; fills: string }[];
}

/**
 * Every lookup of "the last quote mid at or before t" in one as-of join: each order's creation (the
 * arrival mid) and each fill time + each markout horizon probe the quotes of its instrument. Slippage against arrival is Σ over orders of
 * (Σ sq × price − arrival mid × Σ sq); the markout at h is Σ sq × (mid at t + h − price).
 */
export async function quoteJoins(
  s: LakeSession,
  ctx: MetricsContext,
  instruments: readonly string[],
): Promise<QuoteJoinResult> {
  const maxH = ctx.horizonsNs[ctx.horizonsNs.length - 1] ?? 0n; // sorted ascending
  const quotes = withInstrumentIds(
    instruments,
    "ts_event_ns AS t, mid",
    "quote",
    `mid IS NOT NULL AND ts_event_ns >= ${big(ctx.fromNs - ctx.lookbackNs)} AND ts_event_ns <= ${big(ctx.toNs + maxH)}`,
  );
  const horizons =
    ctx.horizonsNs.length === 0 ? "NULL::BIGINT" : `unnest([${ctx.horizonsNs.join(", ")}]::BIGINT[])`;
  const rows = await s.rows<{
    kind: string;
    h: string | null;
    amount: string | null;
    notional: string | null;
    fills: string;
  }>(`
    WITH p AS (
      SELECT f.iid, f.ts + hz.h AS t, hz.h, f.sq, f.price, f.quantity AS q, NULL::DECIMAL(38,17) AS sqp, 1::BIGINT AS nf
      FROM (SELECT * FROM sf WHERE ts >= ${big(ctx.fromNs)}) f, (SELECT ${horizons} AS h) hz
      WHERE hz.h IS NOT NULL
      UNION ALL
      SELECT so.iid, so.created_ns, NULL, fo.ssq, NULL, fo.filled, fo.sqp, fo.n FROM so JOIN fo USING (oh)),
    w AS (SELECT p.*, q.mid AS m FROM p ASOF LEFT JOIN (${quotes}) q ON p.iid = q.iid AND p.t >= q.t)
    SELECT CASE WHEN h IS NULL THEN 'arrival' ELSE 'markout' END AS kind, h::VARCHAR AS h,
      CASE WHEN h IS NULL THEN sum(sqp - m * sq) ELSE sum(sq * (m - price)) END::VARCHAR AS amount,
      CASE WHEN h IS NULL THEN sum(q * m) ELSE sum(q * price) FILTER (WHERE m IS NOT NULL) END::VARCHAR AS notional,
      coalesce(sum(nf) FILTER (WHERE m IS NOT NULL), 0)::VARCHAR AS fills
    FROM w GROUP BY h ORDER BY h NULLS FIRST`);
  const arrival = rows.find((r) => r.kind === "arrival");
  return {
    arrival: {
      cost: arrival?.amount ?? null,
      notional: arrival?.notional ?? null,
      fills: arrival?.fills ?? "0",
    },
    markouts: rows
      .filter((r) => r.kind === "markout")
      .map((r) => ({ h: r.h!, amount: r.amount, notional: r.notional, fills: r.fills })),
  };
}
