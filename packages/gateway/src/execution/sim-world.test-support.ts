// Test support: the order path over the real simulated venue, with a simulated clock.
import { SIM_CAPABILITIES, SimAdapter, SimExchange, type VenueCapabilities } from "@openfloor/adapters";
import {
  Decimal,
  defineInstrument,
  type InstrumentId,
  instrumentId,
  type OrderRequest,
  type Portfolio,
  SimulatedClock,
  silentLogger,
} from "@openfloor/core";
import type { Mark } from "../risk/risk-engine.js";
import { parseRiskLimits, type RiskLimitsConfig } from "../risk/risk-limits.js";
import type { ExecutionEngine, StrategyIdentity } from "./execution-engine.js";
import type { OrderJournal } from "./order-journal.js";
import { createOrderPath, type OrderPath } from "./order-path.js";

export const BTC = defineInstrument({
  id: instrumentId("BTC/USDT", "sim"),
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
});

export const S1: StrategyIdentity = { strategyId: "s1", account: "acct-1" };
export const S2: StrategyIdentity = { strategyId: "s2", account: "acct-2" };

/** A sim venue that amends only by cancel-replace, like many real venues. */
export class NoAmendSimAdapter extends SimAdapter {
  override readonly capabilities: VenueCapabilities = { ...SIM_CAPABILITIES, amendOrder: false };
}

export interface SimWorld extends OrderPath {
  readonly clock: SimulatedClock;
  readonly exchange: SimExchange;
  readonly adapter: SimAdapter;
  readonly execution: ExecutionEngine;
}

export interface SimWorldOptions {
  readonly limits?: RiskLimitsConfig;
  readonly journal?: OrderJournal;
  readonly portfolio?: Portfolio;
  /** Default true. */
  readonly nativeAmend?: boolean;
  /** One-way latency between adapter and venue, in ms of the simulated clock. Default 0 (synchronous). */
  readonly latencyMs?: number;
  /** External book around 50 000: bids from 49 990 down, asks from 50 010 up. Default true. */
  readonly liquidity?: boolean;
}

export async function simWorld(options: SimWorldOptions = {}): Promise<SimWorld> {
  const clock = new SimulatedClock(1_700_000_000_000_000_000n);
  const exchange = new SimExchange({
    venue: "sim",
    clock,
    instruments: [BTC],
    startingBalances: { USDT: "100000000", BTC: "10000" },
  });
  let execution: ExecutionEngine | undefined;
  const context = {
    clock,
    logger: silentLogger,
    sink: {
      onMarketEvent() {},
      onOrderEvent: (clientOrderId: string, event: Parameters<ExecutionEngine["handleVenueOrderEvent"]>[2]) =>
        execution?.handleVenueOrderEvent("sim", clientOrderId, event),
    },
  };
  const adapterOptions = {
    exchange,
    context,
    ...(options.latencyMs === undefined ? {} : { latency: { fixedMs: options.latencyMs, jitterMs: 0 } }),
  };
  const adapter =
    options.nativeAmend === false ? new NoAmendSimAdapter(adapterOptions) : new SimAdapter(adapterOptions);
  await adapter.connect();
  if (options.liquidity !== false) {
    const level = (price: string, size: string) => ({ price: Decimal.from(price), size: Decimal.from(size) });
    exchange.applyMarketEvent({
      type: "book-snapshot",
      instrument: BTC.id,
      bids: [level("49990", "5"), level("49980", "5"), level("49970", "5")],
      asks: [level("50010", "5"), level("50020", "5"), level("50030", "5")],
      sequence: 1n,
      tsEventNs: clock.now(),
      tsRecvNs: clock.now(),
    });
  }
  const marks = (id: InstrumentId): Mark | undefined => {
    const bid = exchange.bestBid(id);
    const ask = exchange.bestAsk(id);
    if (bid === undefined || ask === undefined) return undefined;
    return { mid: bid.price.add(ask.price).div(2, { scale: 8 }) };
  };
  const path = createOrderPath({
    clock,
    logger: silentLogger,
    venues: new Map([["sim", adapter]]),
    limits: parseRiskLimits(options.limits),
    marks,
    ...(options.journal === undefined ? {} : { journal: options.journal }),
    ...(options.portfolio === undefined ? {} : { portfolio: options.portfolio }),
  });
  execution = path.execution;
  return { ...path, clock, exchange, adapter };
}

/** A limit buy of 1 BTC at 49 000 (rests), unless overridden. */
export function limitOrder(clientOrderId: string, overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientOrderId,
    instrument: BTC.id,
    side: "buy",
    type: "limit",
    timeInForce: "GTC",
    quantity: Decimal.from("1"),
    price: Decimal.from("49000"),
    postOnly: false,
    reduceOnly: false,
    strategyId: "",
    account: "",
    ...overrides,
  };
}

/** A market order that fills against the external book. */
export function marketOrder(clientOrderId: string, side: "buy" | "sell", quantity: string): OrderRequest {
  return limitOrder(clientOrderId, {
    side,
    type: "market",
    timeInForce: "IOC",
    price: undefined,
    quantity: Decimal.from(quantity),
  });
}

/** A promise with its resolve function outside, to hold a journal write open. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
