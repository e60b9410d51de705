import type { Decimal, Order } from "@openfloor/core";
import type { SimAccount } from "./accounts.js";
import type { InstrumentState } from "./instrument-state.js";
import type { BookSide } from "./ladder.js";
import type { OwnLevel } from "./own-book.js";

/**
 * The venue's record of one order: the core `Order` (advanced only through `applyOrderEvent`) plus
 * the integer ticks and lots the matching engine works with, and its links in the book.
 */
export interface VenueOrder {
  readonly account: string;
  readonly acct: SimAccount;
  readonly venueOrderId: string;
  readonly market: InstrumentState;
  /** The venue's own view of the order, folded by the core state machine. */
  order: Order;
  readonly side: BookSide;
  /** Limit price in ticks; undefined for market and stop-market orders. */
  limitTicks: number | undefined;
  /** Trigger price in ticks for stop orders. */
  triggerTicks: number | undefined;
  /** True once a stop order has triggered (or for any non-stop order). */
  triggered: boolean;
  quantityLots: number;
  filledLots: number;
  /** Lots of external liquidity queued ahead of this order at its price (the queue-position model). */
  queueAhead: number;
  level: OwnLevel | undefined;
  prev: VenueOrder | undefined;
  next: VenueOrder | undefined;
  /** Funds locked per lot still open (spot only), and in which currency. */
  lockPerLot: Decimal | undefined;
  lockCurrency: string | undefined;
  /** Cancels the GTD/DAY expiry timer. */
  cancelExpiry: (() => void) | undefined;
  /** Set once the order reached a terminal state and its funds were released. */
  ended: boolean;
}

export function leavesLots(o: VenueOrder): number {
  return o.quantityLots - o.filledLots;
}
