import { Decimal, type Order } from "@openfloor/core";
import type pg from "pg";
import { orderFromStoredJson } from "./stored-order.js";

/** What the audit store says about one venue, loaded at start to reconcile against the venue. */
export interface VenueRecoveryState {
  readonly venue: string;
  /** Orders that were not terminal at their last record. */
  readonly openOrders: readonly Order[];
  /** Open orders plus every order touched since shortly before the last fill (for late fills). */
  readonly recentOrders: ReadonlyMap<string, Order>;
  readonly knownFillIds: ReadonlySet<string>;
  readonly lastFillTsNs: bigint;
  /** Net quantity per account and instrument id ("account|SYMBOL:venue"), from the fills table. */
  readonly positions: ReadonlyMap<string, Decimal>;
}

const TERMINAL = "('denied', 'rejected', 'filled', 'canceled', 'expired')";
const LOOKBACK_NS = 60_000_000_000n;

/** Loads the recovery state of one venue from the audit store. */
export async function loadVenueRecoveryState(pool: pg.Pool, venue: string): Promise<VenueRecoveryState> {
  const last = await pool.query<{ ts: string | null }>(
    "SELECT max(ts_ns)::text AS ts FROM fills WHERE venue = $1",
    [venue],
  );
  const lastFillTsNs = BigInt(last.rows[0]?.ts ?? "0");
  const since = lastFillTsNs > LOOKBACK_NS ? lastFillTsNs - LOOKBACK_NS : 0n;
  const [open, recent, fills, positions] = await Promise.all([
    pool.query<{ order_json: Record<string, unknown> }>(
      `SELECT order_json FROM orders WHERE venue = $1 AND status NOT IN ${TERMINAL} ORDER BY created_ns`,
      [venue],
    ),
    pool.query<{ order_json: Record<string, unknown> }>(
      `SELECT order_json FROM orders WHERE venue = $1 AND updated_ns >= $2::bigint AND status IN ${TERMINAL}`,
      [venue, since.toString()],
    ),
    pool.query<{ fill_id: string }>("SELECT fill_id FROM fills WHERE venue = $1 AND ts_ns >= $2::bigint", [
      venue,
      since.toString(),
    ]),
    pool.query<{ account: string; symbol: string; qty: string }>(
      `SELECT account, symbol, sum(CASE WHEN side = 'buy' THEN quantity ELSE -quantity END)::text AS qty
       FROM fills WHERE venue = $1 GROUP BY account, symbol`,
      [venue],
    ),
  ]);
  const openOrders = open.rows.map((r) => orderFromStoredJson(r.order_json));
  const recentOrders = new Map<string, Order>();
  for (const o of openOrders) recentOrders.set(o.clientOrderId, o);
  for (const r of recent.rows) {
    const o = orderFromStoredJson(r.order_json);
    recentOrders.set(o.clientOrderId, o);
  }
  const pos = new Map<string, Decimal>();
  for (const r of positions.rows)
    pos.set(`${r.account}|${r.symbol}:${venue}`, Decimal.parse(r.qty).normalize());
  return {
    venue,
    openOrders,
    recentOrders,
    knownFillIds: new Set(fills.rows.map((r) => r.fill_id)),
    lastFillTsNs,
    positions: pos,
  };
}
