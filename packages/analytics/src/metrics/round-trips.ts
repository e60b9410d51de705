import type { LakeSession } from "../lake/lake-session.js";
import type { MetricsContext } from "./options.js";
import { big } from "./pnl.js";

export interface RoundTripRow {
  readonly trips: string;
  readonly wins: string;
  readonly losses: string;
  readonly win_sum: string | null;
  readonly loss_sum: string | null;
  readonly net_sum: string | null;
  readonly holding_ms: number | null;
}

/**
 * Round trips: per instrument, from flat to a position and back to flat. A fill that flips the position
 * (long 1, sell 2) is split: the part that closes ends the trip, the rest opens the next one, and the
 * whole fee goes to the trip it closes (no fee is divided, so sums stay exact). A trip's net PnL is
 * Σ cash flows − Σ fees of its fills; trips closed in [from, to) count.
 *
 * Only the fills where a trip starts or ends are visited: with running cash C and fees F, a trip's PnL
 * is C and F at its end minus C and F just before its start (for a flip, at the split point).
 */
export async function roundTrips(s: LakeSession, ctx: MetricsContext): Promise<RoundTripRow> {
  const [row] = await s.rows<RoundTripRow>(`
    ${closedTripsSql(ctx.fromNs)}
    SELECT count(*)::VARCHAR AS trips,
           count(*) FILTER (WHERE net > 0)::VARCHAR AS wins,
           count(*) FILTER (WHERE net < 0)::VARCHAR AS losses,
           sum(net) FILTER (WHERE net > 0)::VARCHAR AS win_sum,
           sum(net) FILTER (WHERE net < 0)::VARCHAR AS loss_sum,
           sum(net)::VARCHAR AS net_sum,
           avg(ts - open_ts) / 1e6 AS holding_ms
    FROM done`);
  return row!;
}

/** CTEs ending in \`done\`: one row per round trip of \`sfc\` closed at or after \`fromNs\` (iid, ts, open_ts, net). */
export function closedTripsSql(fromNs: bigint, seed?: string): string {
  return `
    WITH x AS (
      SELECT iid, ts, seq, sq, price, fee, vs - vb AS cash, cf, cb - cs AS pos_after, cb - cs - sq AS pos_before
      FROM sfc),
    b AS (
      SELECT iid, ts, seq,
        pos_before <> 0 AND pos_after <> 0 AND sign(pos_before) <> sign(pos_after) AS flip,
        pos_before = 0 AND pos_after <> 0 AS opens,
        pos_before <> 0 AND pos_after = 0 AS closes,
        cash + sq * price AS cash_before, cash, pos_before * price AS close_part, cf, fee
      FROM x WHERE pos_before = 0 OR pos_after = 0 OR sign(pos_before) <> sign(pos_after)),
    ev AS (
      -- one row per trip end (kind 1) and start (kind 2), with cash and fees at that point; a seed
      -- row is the start of a trip still open before the first fill read
      SELECT iid, ts, seq, 1 AS kind, cash_before + close_part AS c, cf AS f FROM b WHERE flip
      UNION ALL SELECT iid, ts, seq, 2, cash_before + close_part, cf FROM b WHERE flip
      UNION ALL SELECT iid, ts, seq, 2, cash_before, cf - fee FROM b WHERE opens
      UNION ALL SELECT iid, ts, seq, 1, cash, cf FROM b WHERE closes
      ${seed === undefined ? "" : `UNION ALL SELECT iid, ts, seq, kind, c, f FROM (${seed})`}),
    trips AS (
      SELECT iid, kind, ts, lag(ts) OVER w AS open_ts, lag(kind) OVER w AS prev_kind,
             (c - lag(c) OVER w) - (f - lag(f) OVER w) AS net
      FROM ev WINDOW w AS (PARTITION BY iid ORDER BY seq, kind)),
    done AS (SELECT iid, ts, open_ts, net FROM trips WHERE kind = 1 AND prev_kind = 2 AND ts >= ${big(fromNs)})`;
}
