import type { LakeSession } from "../lake/lake-session.js";
import { sqlString, sqlStringList } from "../sql.js";
import type { AggregateReader } from "./from-aggregates.js";
import type { MetricsContext } from "./options.js";
import { big } from "./pnl.js";
import type { InternalSeries } from "./types.js";

/**
 * Numeric strategy internals (`record(name, number)`) of the period: each down-sampled for a chart
 * (the last value in each time bucket), and joined as of each fill's time (the last value recorded at
 * or before the fill) to compare the value at buys and at sells.
 */
export async function internals(
  s: LakeSession,
  ctx: MetricsContext,
  agg?: AggregateReader,
): Promise<InternalSeries[]> {
  const base = `strategy_record WHERE strategy_id = ${sqlString(ctx.strategy)} AND value_kind = 'number' AND number IS NOT NULL`;
  const names = await s.rows<{ name: string; n: string }>(`
    SELECT name, count(*)::VARCHAR AS n FROM ${base} AND ts_ns >= ${big(ctx.fromNs)} AND ts_ns < ${big(ctx.toNs)}
    GROUP BY name ORDER BY count(*) DESC, name LIMIT ${ctx.maxInternals}`);
  if (names.length === 0) return [];
  const list = sqlStringList(names.map((n) => n.name));
  const span = Number(ctx.toNs - ctx.fromNs);
  const points = await s.rows<{ name: string; ms: number; value: number }>(`
    SELECT name, (max(ts_ns) // 1000000)::DOUBLE AS ms, arg_max(number, ts_ns) AS value
    FROM ${base} AND name IN (SELECT unnest(${list})) AND ts_ns >= ${big(ctx.fromNs)} AND ts_ns < ${big(ctx.toNs)}
    GROUP BY name, floor((ts_ns - ${big(ctx.fromNs)})::DOUBLE / ${span} * ${ctx.chartPoints})
    ORDER BY name, ms`);
  const atFills = agg
    ? await agg.internalsAtFills(names.map((n) => n.name))
    : await s.rows<{ name: string; n: string; buys: number | null; sells: number | null }>(`
    WITH p AS (
      SELECT f.ts, f.buy, n.name FROM (SELECT ts, buy FROM sf WHERE ts >= ${big(ctx.fromNs)}) f
      CROSS JOIN (SELECT unnest(${list}) AS name) n),
    r AS (SELECT name, ts_ns, number FROM ${base} AND name IN (SELECT unnest(${list})) AND ts_ns < ${big(ctx.toNs)})
    SELECT p.name, count(r.number)::VARCHAR AS n,
           avg(r.number) FILTER (WHERE p.buy) AS buys, avg(r.number) FILTER (WHERE NOT p.buy) AS sells
    FROM p ASOF JOIN r ON p.name = r.name AND p.ts >= r.ts_ns
    GROUP BY p.name`);
  const fills = new Map(atFills.map((a) => [a.name, a]));
  return names.map((n) => {
    const a = fills.get(n.name);
    return {
      name: n.name,
      count: Number(n.n),
      points: points.filter((p) => p.name === n.name).map((p) => ({ ms: p.ms, value: p.value })),
      atFills: { count: Number(a?.n ?? 0), meanAtBuys: a?.buys ?? null, meanAtSells: a?.sells ?? null },
    };
  });
}
