import type { ExchangeAdapter } from "@openfloor/adapters";
import {
  applyOrderEvent,
  Decimal,
  type Fill,
  type Logger,
  Money,
  newOrder,
  type Order,
  type OrderSide,
} from "@openfloor/core";
import type pg from "pg";
import type { ExecutionEngine } from "../execution/execution-engine.js";
import { planReconciliation, type ReconciliationReport, type UnknownOrderPolicy } from "./reconciler.js";
import { loadVenueRecoveryState } from "./recovery-state.js";

export interface RecoverOptions {
  readonly pool: pg.Pool;
  readonly engine: ExecutionEngine;
  readonly venues: ReadonlyMap<string, ExchangeAdapter>;
  readonly logger: Logger;
  readonly nowNs: () => bigint;
  /** What to do with open venue orders the gateway has no record of. Default "flag". */
  readonly unknownOrders?: UnknownOrderPolicy;
  /** Strategy that owns adopted orders. Default "adopted". */
  readonly adoptAs?: { strategyId: string; account: string };
  /** Makes what reconciliation changed durable before the venue takes orders again (the audit store's drain). */
  readonly flush?: () => Promise<void>;
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
}

function fillFromRow(r: FillRow): Fill {
  return {
    fillId: r.fill_id,
    clientOrderId: r.client_order_id,
    venueOrderId: r.venue_order_id,
    instrument: { symbol: r.symbol, venue: r.venue },
    side: r.side as OrderSide,
    price: Decimal.parse(r.price).normalize(),
    quantity: Decimal.parse(r.quantity).normalize(),
    fee: Money.of(Decimal.parse(r.fee).normalize(), r.fee_currency),
    liquidity: r.liquidity === "maker" ? "maker" : "taker",
    tsEventNs: BigInt(r.ts_ns),
    strategyId: r.strategy_id,
    account: r.account,
  };
}

/**
 * Brings the OMS back after a start: for each venue, refuses new orders (NOT_RECONCILED), reloads
 * every open order and recent order from the audit store and every fill into positions, then
 * reconciles with the venue (missed fills applied, orders that ended meanwhile closed, late
 * acknowledgements taken, unknown venue orders adopted or flagged) through the engine, so every
 * change is journaled like a live event. Logs one report per venue and opens the venue for orders.
 */
export async function recoverExecutionState(options: RecoverOptions): Promise<ReconciliationReport[]> {
  const { pool, engine, logger } = options;
  const log = logger.child({ component: "recovery" });
  const reports: ReconciliationReport[] = [];
  for (const venue of options.venues.keys()) engine.markUnreconciled(venue);
  for (const [venue, adapter] of options.venues) {
    const state = await loadVenueRecoveryState(pool, venue);
    for (const o of state.recentOrders.values()) engine.restoreOrder(o);
    const fills = await pool.query<FillRow>(
      `SELECT venue, fill_id, strategy_id, client_order_id, venue_order_id, account, symbol, side, price::text,
              quantity::text, fee::text, fee_currency, liquidity, ts_ns::text
       FROM fills WHERE venue = $1 ORDER BY ts_ns, fill_id`,
      [venue],
    );
    for (const row of fills.rows) engine.restoreFill(fillFromRow(row));

    const gatewayPositions = new Map<string, Decimal>();
    for (const [key, q] of state.positions) {
      const [, instrument] = key.split("|");
      if (instrument !== undefined)
        gatewayPositions.set(instrument, (gatewayPositions.get(instrument) ?? Decimal.ZERO).add(q));
    }
    const plan = await planReconciliation({
      adapter,
      openOrders: state.openOrders,
      findOrder: (id) => engine.findAtVenue(venue, id) ?? state.recentOrders.get(id),
      knownFillIds: state.knownFillIds,
      lastFillTsNs: state.lastFillTsNs,
      policy: options.unknownOrders ?? "flag",
      gatewayPositions,
      nowNs: options.nowNs(),
    });
    for (const { clientOrderId, event } of plan.events)
      engine.handleVenueOrderEvent(venue, clientOrderId, event);
    for (const report of plan.adopt) {
      const owner = options.adoptAs ?? { strategyId: "adopted", account: "default" };
      const instrument = adapter.instrument(report.instrument);
      if (instrument === undefined) continue;
      let order: Order = newOrder(
        {
          clientOrderId: report.clientOrderId ?? `adopted-${report.venueOrderId}`,
          instrument: report.instrument,
          side: report.side,
          type: report.type,
          timeInForce: "GTC",
          quantity: report.quantity,
          ...(report.price === undefined ? {} : { price: report.price }),
          postOnly: false,
          reduceOnly: false,
          strategyId: owner.strategyId,
          account: owner.account,
        },
        report.tsNs,
      );
      order = applyOrderEvent(order, { kind: "submitted", tsNs: report.tsNs }).order;
      order = applyOrderEvent(order, {
        kind: "accepted",
        venueOrderId: report.venueOrderId,
        tsNs: report.tsNs,
      }).order;
      engine.restoreOrder(order);
    }
    await options.flush?.();
    engine.markReconciled(venue);
    const level =
      plan.report.unknownOrders.length +
        plan.report.orphanFills.length +
        plan.report.positionMismatches.length >
      0
        ? "warn"
        : "info";
    log[level]({ report: plan.report }, `reconciled ${venue}`);
    reports.push(plan.report);
  }
  return reports;
}
