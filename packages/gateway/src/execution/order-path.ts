import type { ExchangeAdapter } from "@openfloor/adapters";
import type { Clock, InstrumentId, Logger, Portfolio } from "@openfloor/core";
import { type Mark, RiskEngine } from "../risk/risk-engine.js";
import type { RiskLimits } from "../risk/risk-limits.js";
import { AccountPositions } from "./account-positions.js";
import { ExecutionEngine } from "./execution-engine.js";
import type { OrderJournal } from "./order-journal.js";

export interface OrderPathOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly venues: ReadonlyMap<string, ExchangeAdapter>;
  /** Limits in force at start. Default: none. */
  readonly limits?: RiskLimits;
  /** Current mark (mid) of an instrument, e.g. from the market-data engine's books. Default: none. */
  readonly marks?: (id: InstrumentId) => Mark | undefined;
  readonly journal?: OrderJournal;
  /** A core `Portfolio` fed with every fill the OMS applies (see `AccountPositions`). Default: none. */
  readonly portfolio?: Portfolio;
  readonly idGenerator?: () => string;
  readonly maxRetainedEndedOrders?: number;
}

/** The order path wired together: positions from fills, the risk engine reading them, the OMS feeding them. */
export interface OrderPath {
  readonly positions: AccountPositions;
  readonly risk: RiskEngine;
  readonly execution: ExecutionEngine;
}

/**
 * Builds the risk engine and the execution engine over one `AccountPositions`, so pre-trade checks see
 * every fill the OMS applies. Wire each adapter's order events with `execution.sinkFor(venue)`.
 * @example
 * const { execution } = createOrderPath({ clock, logger, venues, limits: parseRiskLimits(config.risk) });
 */
export function createOrderPath(options: OrderPathOptions): OrderPath {
  const marks = options.marks ?? (() => undefined);
  const positions = new AccountPositions({
    marks,
    logger: options.logger,
    ...(options.portfolio === undefined ? {} : { portfolio: options.portfolio }),
  });
  const risk = new RiskEngine({
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    clock: options.clock,
    marks,
    positions: (account, id) => positions.quantity(account, id),
    exposure: (account, currency) => positions.exposure(account, currency),
  });
  const execution = new ExecutionEngine({
    clock: options.clock,
    logger: options.logger,
    venues: options.venues,
    risk,
    positions,
    ...(options.journal === undefined ? {} : { journal: options.journal }),
    ...(options.idGenerator === undefined ? {} : { idGenerator: options.idGenerator }),
    ...(options.maxRetainedEndedOrders === undefined
      ? {}
      : { maxRetainedEndedOrders: options.maxRetainedEndedOrders }),
  });
  return { positions, risk, execution };
}
