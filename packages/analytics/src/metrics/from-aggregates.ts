import { join } from "node:path";
import {
  AGGREGATES_DIR,
  type AggregateManifest,
  currentManifest,
  readManifest,
} from "../aggregates/manifest.js";
import { DAY_NS } from "../lake/lake-files.js";
import type { LakeSession } from "../lake/lake-session.js";
import { sqlString, sqlStringList } from "../sql.js";
import {
  latencyRow,
  num,
  type OrderStats,
  orderStatsOf,
  type QuoteJoinResult,
  type SlippageRow,
} from "./execution.js";
import type { MetricsContext } from "./options.js";
import { big, GRID_SELECT, type GridRow } from "./pnl.js";
import type { RoundTripRow } from "./round-trips.js";

const AGGREGATE_TABLES = [
  "fill-day",
  "trips-day",
  "fee-currency",
  "markout-day",
  "exec-day",
  "order-day",
  "order-span",
  "latency",
  "decision-day",
  "internal-day",
] as const;

const view = (t: string) => `a_${t.replaceAll("-", "_")}`;

/**
 * The metrics of a report from the lake's aggregates (`buildAggregates`): the same values the raw
 * computation gives, read from per-day sums instead of every fill, order and quote. `open` says why
 * when they cannot serve a request (stale, another period grid, a lookback window that would join
 * differently); the caller then computes from the raw lake.
 */
export class AggregateReader {
  private constructor(
    private readonly s: LakeSession,
    private readonly ctx: MetricsContext,
    /** First day of the period and the day after it (days since the epoch). */
    private readonly fd: bigint,
    private readonly td: bigint,
    /** Days of quotes and records looked back before `from`. */
    private readonly lookbackDays: bigint,
  ) {}

  static async open(s: LakeSession, ctx: MetricsContext): Promise<AggregateReader | string> {
    if (ctx.fromNs % DAY_NS !== 0n || ctx.toNs % DAY_NS !== 0n)
      return "the period does not start and end at midnight UTC";
    if (ctx.periodNs % DAY_NS !== 0n) return "periodMs is not a whole number of days";
    if (ctx.lookbackNs % DAY_NS !== 0n) return "the lookback is not a whole number of days";
    const m: AggregateManifest | undefined = await currentManifest(s.lake);
    if (m === undefined) return "no aggregates of the lake's current parts (run ingest or buildAggregates)";
    if (ctx.decisionPriceName !== m.decisionPriceName)
      return `decision prices are aggregated as ${m.decisionPriceName}`;
    const horizons = new Set(m.horizonsMs.map((h) => BigInt(h) * 1_000_000n));
    if (ctx.horizonsNs.some((h) => !horizons.has(h)))
      return "markout horizons other than the aggregated ones";
    const strategy = m.strategies.find((x) => x.id === ctx.strategy);
    if (strategy === undefined) return `no aggregates of strategy ${ctx.strategy}`;
    const dir = join(s.lake, AGGREGATES_DIR);
    const files = new Map<string, string>([["quote_day", join(dir, "quote-day.parquet")]]);
    for (const t of AGGREGATE_TABLES) files.set(view(t).slice(2), join(dir, `${t}-${strategy.file}.parquet`));
    // the per-order tables can be as long as the orders: only the period's creation days are loaded
    const fd = ctx.fromNs / DAY_NS;
    const td = ctx.toNs / DAY_NS;
    const byCreation = new Set(["latency", "order_day", "order_span", "decision_day"]);
    try {
      for (const [name, file] of files) {
        const where = byCreation.has(name) ? ` WHERE created_day >= ${fd} AND created_day < ${td}` : "";
        await s.conn.run(
          `CREATE OR REPLACE TEMP TABLE a_${name} AS SELECT * FROM read_parquet(${sqlString(file)})${where}`,
        );
      }
    } catch (e) {
      return `the aggregates are not readable (${(e as Error).message.split("\n")[0]})`;
    }
    if ((await readManifest(s.lake))?.builtAt !== m.builtAt)
      return "the aggregates were rebuilt while being read";
    const r = new AggregateReader(s, ctx, ctx.fromNs / DAY_NS, ctx.toNs / DAY_NS, ctx.lookbackNs / DAY_NS);
    return (await r.joinsDiffer(strategy.internals)) ?? r;
  }

  /**
   * Why the raw computation would join differently, if it would: it reads quotes and records from
   * the lookback window only, so a mid or record older than that, joined in the aggregates, is absent there.
   */
  private async joinsDiffer(internals: readonly string[]): Promise<string | undefined> {
    const { fd, td } = this;
    const lo = big(this.ctx.fromNs - this.ctx.lookbackNs);
    const period = (c: string) => `${c} >= ${fd} AND ${c} < ${td}`;
    const names = await this.periodInternals();
    if (names.some((n) => !internals.includes(n))) return "an internal that is not aggregated";
    const [row] = await this.s.rows<Record<string, boolean | null>>(`
      SELECT
        (SELECT min(min_quote_ts) < ${lo} FROM a_markout_day WHERE ${period("day")}) AS markout,
        (SELECT min(arr_min_ts) < ${lo} FROM a_exec_day WHERE ${period("day")} AND ${period("created_day")}) AS arrival,
        (SELECT bool_or(json_min_ts < ${lo} OR json_max_ts >= ${big(this.ctx.toNs)} OR dec_min_ts < ${lo})
           FROM a_decision_day WHERE ${period("created_day")}) AS decision,
        (SELECT min(min_first_fill_day) < ${fd} FROM a_order_day WHERE ${period("created_day")}) AS early_fill,
        (SELECT min(min_ts) < ${lo} FROM a_internal_day WHERE ${period("day")} AND name IN (SELECT unnest(${sqlStringList(names.length === 0 ? [""] : names)}))) AS internal`);
    const why = Object.entries(row ?? {}).find(([, v]) => v === true)?.[0];
    return why === undefined ? undefined : `a ${why} join reaches before the lookback window`;
  }

  /** The internals a report charts: the most recorded in the period (as `internals` picks them). */
  private async periodInternals(): Promise<string[]> {
    const rows = await this.s.rows<{ name: string }>(`
      SELECT name FROM strategy_record WHERE strategy_id = ${sqlString(this.ctx.strategy)} AND value_kind = 'number'
        AND number IS NOT NULL AND ts_ns >= ${big(this.ctx.fromNs)} AND ts_ns < ${big(this.ctx.toNs)}
      GROUP BY name ORDER BY count(*) DESC, name LIMIT ${this.ctx.maxInternals}`);
    return rows.map((r) => r.name);
  }

  /** `ins`: instruments with fills before `to` or orders created in the period. */
  async prepare(): Promise<string[]> {
    const { fd, td } = this;
    await this.s.run(`CREATE OR REPLACE TEMP TABLE ins AS
      SELECT instrument, (row_number() OVER (ORDER BY instrument))::USMALLINT AS iid FROM (
        SELECT instrument FROM a_fill_day WHERE day < ${td}
        UNION SELECT instrument FROM a_order_day WHERE created_day >= ${fd} AND created_day < ${td})
      WHERE instrument <> ''`);
    return (await this.s.rows<{ instrument: string }>("SELECT instrument FROM ins ORDER BY iid")).map(
      (r) => r.instrument,
    );
  }

  async fillsInPeriod(): Promise<number> {
    const [row] = await this.s.rows<{ n: string | null }>(
      `SELECT sum(fills)::VARCHAR AS n FROM a_fill_day WHERE day >= ${this.fd} AND day < ${this.td}`,
    );
    return Number(row?.n ?? 0);
  }

  /** The period boundary index of the boundary after a day: 0 before `from`. */
  private k(day: string): string {
    return `CASE WHEN ${day} < ${this.fd} THEN 0 ELSE (${day} * ${big(DAY_NS)} - ${big(this.ctx.fromNs)}) // ${big(this.ctx.periodNs)} + 1 END`;
  }

  /** As `gridState`, from the day-end states (FIFO realized included) carried to each boundary. */
  async gridState(): Promise<GridRow[]> {
    const { fd, td, lookbackDays } = this;
    await this.s.run(`CREATE OR REPLACE TEMP TABLE qb AS
      SELECT ins.iid, ${this.k("day")} AS k, arg_max(last_mid, last_ts) AS mid
      FROM a_quote_day JOIN ins USING (instrument) WHERE day >= ${fd - lookbackDays} AND day < ${td} GROUP BY ALL`);
    return this.s.rows<GridRow>(`
      WITH grid AS (SELECT ins.iid, ins.instrument, g.k FROM ins, range(0, ${this.ctx.periods + 1}) g(k)),
      fb AS (
        SELECT ins.iid, ${this.k("day")} AS k, arg_max(cb, day) AS cb, arg_max(cs, day) AS cs, arg_max(vb, day) AS vb,
               arg_max(vs, day) AS vs, arg_max(cf, day) AS cf, arg_max(rc, day) AS rc, arg_max(last_price, day) AS last_price,
               sum(notional) AS notional, sum(fills) AS fills
        FROM a_fill_day JOIN ins USING (instrument) WHERE day < ${td} GROUP BY ALL),
      j AS (SELECT grid.*, fb.cb, fb.cs, fb.vb, fb.vs, fb.cf, fb.rc, fb.last_price, fb.notional, fb.fills, qb.mid
            FROM grid LEFT JOIN fb USING (iid, k) LEFT JOIN qb USING (iid, k)),
      gs AS (
        SELECT iid, instrument, k,
          coalesce(last_value(cb IGNORE NULLS) OVER w, 0) AS cb, coalesce(last_value(cs IGNORE NULLS) OVER w, 0) AS cs,
          coalesce(last_value(vb IGNORE NULLS) OVER w, 0) AS vb, coalesce(last_value(vs IGNORE NULLS) OVER w, 0) AS vs,
          coalesce(last_value(cf IGNORE NULLS) OVER w, 0) AS fees, coalesce(last_value(rc IGNORE NULLS) OVER w, 0) AS rc,
          last_value(mid IGNORE NULLS) OVER w AS qmid, last_value(last_price IGNORE NULLS) OVER w AS fmark,
          coalesce(notional, 0) AS notional, coalesce(fills, 0) AS fills
        FROM j WINDOW w AS (PARTITION BY iid ORDER BY k ROWS UNBOUNDED PRECEDING)),
      m AS (
        SELECT g.*, coalesce(g.qmid, g.fmark::DECIMAL(38,10)) AS mark,
          CASE WHEN g.qmid IS NOT NULL THEN 'quote' WHEN g.fmark IS NOT NULL THEN 'fill' ELSE 'none' END AS mark_source,
          g.cb - g.cs AS pos, g.vs - g.vb AS cash
        FROM gs g)
      ${GRID_SELECT}`);
  }

  async instrumentsWithoutQuotes(): Promise<string[]> {
    const rows = await this.s.rows<{ instrument: string }>(
      "SELECT instrument FROM ins WHERE iid NOT IN (SELECT DISTINCT iid FROM qb) ORDER BY 1",
    );
    return rows.map((r) => r.instrument);
  }

  async peakPositionValue(): Promise<string> {
    const [row] = await this.s.rows<{ v: string | null }>(
      `SELECT max(peak_value)::VARCHAR AS v FROM a_fill_day WHERE day >= ${this.fd} AND day < ${this.td}`,
    );
    return row?.v ?? "0";
  }

  async roundTrips(): Promise<RoundTripRow> {
    const [row] = await this.s.rows<RoundTripRow>(`
      SELECT coalesce(sum(trips), 0)::VARCHAR AS trips, coalesce(sum(wins), 0)::VARCHAR AS wins,
        coalesce(sum(losses), 0)::VARCHAR AS losses, sum(win_sum)::VARCHAR AS win_sum, sum(loss_sum)::VARCHAR AS loss_sum,
        sum(net_sum)::VARCHAR AS net_sum,
        CASE WHEN sum(trips) > 0 THEN sum(hold_ns)::DOUBLE / sum(trips)::DOUBLE / 1e6 END AS holding_ms
      FROM a_trips_day WHERE day >= ${this.fd} AND day < ${this.td}`);
    return { ...row!, holding_ms: num(row?.holding_ms) };
  }

  /**
   * Orders created in the period. An order whose fills run past `to` counts only the fills before it:
   * those few are recounted from their per-day fills.
   */
  async orderStats(): Promise<OrderStats> {
    const { fd, td } = this;
    await this.s.run(`CREATE OR REPLACE TEMP TABLE od AS
      SELECT instrument, orders, with_fills, ratio_sum, ratio_n, quantity, filled
      FROM a_order_day WHERE created_day >= ${fd} AND created_day < ${td} AND (last_fill_day IS NULL OR last_fill_day < ${td})
      UNION ALL
      SELECT instrument, 1, (filled > 0)::INTEGER, CASE WHEN quantity > 0 THEN least(1, filled / quantity) END,
             (quantity > 0)::INTEGER, quantity, filled
      FROM (SELECT instrument, oh, any_value(quantity) AS quantity, coalesce(sum(filled) FILTER (WHERE fill_day < ${td}), 0) AS filled
            FROM a_order_span WHERE created_day >= ${fd} AND created_day < ${td}
            GROUP BY instrument, oh HAVING max(fill_day) >= ${td})`);
    const [r] = await this.s.rows<Record<string, unknown>>(`
      SELECT coalesce(sum(orders), 0) AS orders, coalesce(sum(with_fills), 0) AS with_fills,
        CASE WHEN sum(ratio_n) > 0 THEN sum(ratio_sum) / sum(ratio_n) END AS fill_ratio FROM od`);
    const byInstrument = await this.s.rows<{ instrument: string; ratio: number | null }>(
      `SELECT instrument, CASE WHEN sum(quantity) > 0 THEN (sum(filled) / sum(quantity))::DOUBLE END AS ratio
       FROM od GROUP BY 1`,
    );
    await this.s.run(`CREATE OR REPLACE TEMP TABLE lv AS
      SELECT kind, ms, sum(n) AS n FROM a_latency
      WHERE created_day >= ${fd} AND created_day < ${td} AND (kind = 'ack' OR first_fill_day < ${td})
      GROUP BY kind, ms`);
    // quantile_cont: the values at ranks ⌊(N − 1)q⌋ and ⌈(N − 1)q⌉, interpolated linearly
    const stats = await this.s.rows<{ kind: string; n: string; mean: number; mx: number; q: number[] }>(`
      WITH c AS (SELECT kind, ms, n, sum(n) OVER (PARTITION BY kind ORDER BY ms ROWS UNBOUNDED PRECEDING) - n AS below FROM lv),
      t AS (SELECT kind, sum(n) AS total, sum(ms * n) / sum(n) AS mean, max(ms) AS mx FROM lv GROUP BY kind),
      r AS (SELECT kind, total, mean, mx, i, (total - 1)::DOUBLE * q AS pos FROM t, unnest([0.5, 0.9, 0.99]) WITH ORDINALITY u(q, i)),
      v AS (
        SELECT r.*, (SELECT ms FROM c WHERE c.kind = r.kind AND c.below <= floor(r.pos) AND floor(r.pos) < c.below + c.n) AS vlo,
               (SELECT ms FROM c WHERE c.kind = r.kind AND c.below <= ceil(r.pos) AND ceil(r.pos) < c.below + c.n) AS vhi
        FROM r)
      SELECT kind, total::VARCHAR AS n, any_value(mean) AS mean, any_value(mx) AS mx,
             list(vlo + (pos - floor(pos)) * (vhi - vlo) ORDER BY i) AS q
      FROM v GROUP BY kind, total`);
    const histogram = await this.s.rows<{ b: number; ack: number; fill: number }>(`
      SELECT floor(log10(greatest(ms, 0.001)) * 4)::INTEGER AS b,
        coalesce(sum(n) FILTER (WHERE kind = 'ack'), 0)::INTEGER AS ack, coalesce(sum(n) FILTER (WHERE kind = 'fill'), 0)::INTEGER AS fill
      FROM lv GROUP BY b ORDER BY b`);
    const lat = (kind: string) => {
      const x = stats.find((st) => st.kind === kind);
      return latencyRow(x?.n, x?.mean, x?.q, x?.mx);
    };
    return orderStatsOf(r, byInstrument, lat("ack"), lat("fill"), histogram);
  }

  /** Slippage against arrival mids and markouts, from the per-day sums of the as-of joins. */
  async quoteJoins(): Promise<QuoteJoinResult> {
    const { fd, td } = this;
    const [arrival] = await this.s.rows<SlippageRow>(`
      SELECT sum(arr_cost)::VARCHAR AS cost, sum(arr_notional)::VARCHAR AS notional, coalesce(sum(arr_fills), 0)::VARCHAR AS fills
      FROM a_exec_day WHERE day >= ${fd} AND day < ${td} AND created_day >= ${fd} AND created_day < ${td}`);
    const markouts = await this.s.rows<{
      h: string;
      amount: string | null;
      notional: string | null;
      fills: string;
    }>(`
      SELECT h::VARCHAR AS h, sum(amount)::VARCHAR AS amount, sum(notional)::VARCHAR AS notional, coalesce(sum(fills), 0)::VARCHAR AS fills
      FROM a_markout_day WHERE day >= ${fd} AND day < ${td} AND h IN (${this.ctx.horizonsNs.join(", ") || "NULL"})
      GROUP BY h ORDER BY h`);
    return { arrival: arrival!, markouts };
  }

  async decisionSlippage(): Promise<SlippageRow> {
    const { fd, td } = this;
    const [row] = await this.s.rows<SlippageRow>(`
      SELECT sum(dec_cost)::VARCHAR AS cost, sum(dec_notional)::VARCHAR AS notional, coalesce(sum(dec_fills), 0)::VARCHAR AS fills
      FROM a_exec_day WHERE day >= ${fd} AND day < ${td} AND created_day >= ${fd} AND created_day < ${td}`);
    return row!;
  }

  /** Mean of each internal at buys and at sells over the period's fills. */
  async internalsAtFills(
    names: readonly string[],
  ): Promise<{ name: string; n: string; buys: number | null; sells: number | null }[]> {
    return this.s.rows(`
      SELECT name, sum(n)::VARCHAR AS n,
        CASE WHEN sum(buy_n) > 0 THEN sum(buy_sum) / sum(buy_n) END AS buys,
        CASE WHEN sum(sell_n) > 0 THEN sum(sell_sum) / sum(sell_n) END AS sells
      FROM a_internal_day WHERE day >= ${this.fd} AND day < ${this.td} AND name IN (SELECT unnest(${sqlStringList(names)}))
      GROUP BY name`);
  }

  async feeCurrencies(): Promise<{ instrument: string; fee_currency: string }[]> {
    return this.s.rows(`SELECT DISTINCT instrument, fee_currency FROM a_fee_currency
      WHERE day >= ${this.fd} AND day < ${this.td} ORDER BY 1, 2`);
  }

  /** Fills of the period whose order was not created in it. */
  async fillsOfEarlierOrders(): Promise<number> {
    const { fd, td } = this;
    const [row] = await this.s.rows<{ n: string | null }>(`
      SELECT sum(fills)::VARCHAR AS n FROM a_exec_day
      WHERE day >= ${fd} AND day < ${td} AND (created_day IS NULL OR created_day < ${fd} OR created_day >= ${td})`);
    return Number(row?.n ?? 0);
  }
}
