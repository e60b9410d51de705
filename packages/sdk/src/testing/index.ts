// @openfloor/sdk/testing — run a strategy against the simulated venue inside a test and assert on it.

import {
  type Decimal,
  type Fill,
  formatInstrumentId,
  type Order,
  type OrderSide,
  type OrderStatus,
  type PositionSnapshot,
} from "@openfloor/core";
import { type BacktestOptions, type BacktestResult, runBacktest } from "../backtest/run-backtest.js";
import type { Strategy } from "../strategy/strategy.js";
import type { RecordValue } from "../transport/transport.js";

/** Options of `backtestStrategy`: those of `runBacktest` without the strategy. Defaults are the same. */
export type StrategyTestOptions = Omit<BacktestOptions, "strategy">;

/** A backtest result with accessors that make assertions short. */
export interface StrategyTestResult extends BacktestResult {
  /** Orders, optionally only those with one of the statuses. */
  ordersWith(...statuses: OrderStatus[]): Order[];
  /** Fills of one side, or all. */
  fillsOf(side?: OrderSide): Fill[];
  /** Final position in an instrument (`"BTC/USDT:sim"`), undefined if it never traded. */
  position(instrument: string): PositionSnapshot | undefined;
  /** Net quantity traded: Σ buys − Σ sells, exact. */
  netQuantity(instrument: string): Decimal | undefined;
  /** Values recorded under `name`, in order. */
  recorded(name: string): RecordValue["value"][];
  /** Net PnL in the report currency as a string, for `toBe` comparisons: `"-12.34"`. */
  readonly netPnl: string;
}

/**
 * Runs a strategy in a backtest (synthetic data by default) and returns the result with accessors for
 * assertions. Throws when the strategy's `onStart` throws; errors in its callbacks are in
 * `strategyErrors`.
 *
 * @example
 * const r = await backtestStrategy(new MyStrategy(), { seed: 7, to: "2024-01-01T01:00:00Z" });
 * expect(r.ordersWith("rejected")).toHaveLength(0);
 * expect(r.fills.length).toBeGreaterThan(0);
 * expect(r.openOrders).toBe(0);
 */
export async function backtestStrategy(
  strategy: Strategy,
  options: StrategyTestOptions = {},
): Promise<StrategyTestResult> {
  const result = await runBacktest({ ...options, strategy });
  return withAccessors(result);
}

/** Adds the assertion accessors of `StrategyTestResult` to a backtest result. */
export function withAccessors(result: BacktestResult): StrategyTestResult {
  const positionOf = (instrument: string) =>
    result.positions.find((p) => formatInstrumentId(p.instrument) === instrument);
  return {
    ...result,
    ordersWith: (...statuses) =>
      statuses.length === 0 ? [...result.orders] : result.orders.filter((o) => statuses.includes(o.status)),
    fillsOf: (side) => (side === undefined ? [...result.fills] : result.fills.filter((f) => f.side === side)),
    position: positionOf,
    netQuantity: (instrument) => positionOf(instrument)?.quantity,
    recorded: (name) => result.records.filter((r) => r.name === name).map((r) => r.value),
    netPnl: result.pnl.net.toString(),
  };
}

export type { BacktestResult } from "../backtest/run-backtest.js";
