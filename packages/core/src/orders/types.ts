import type { Nanos } from "../clock/clock.js";
import type { InstrumentId } from "../instruments/instrument-id.js";
import type { Decimal } from "../numbers/decimal.js";
import type { Money } from "../numbers/money.js";

export type OrderSide = "buy" | "sell";
export type OrderType = "market" | "limit" | "stop-market" | "stop-limit";
export type TimeInForce = "GTC" | "IOC" | "FOK" | "GTD" | "DAY";
export type Liquidity = "maker" | "taker";

/** Chosen by the strategy; resubmitting the same id never creates a second order. */
export type ClientOrderId = string;
export type VenueOrderId = string;

/** States of the one order state machine (see `order-state-machine.ts`). */
export type OrderStatus =
  | "initialized"
  | "denied"
  | "submitted"
  | "accepted"
  | "rejected"
  | "partially-filled"
  | "filled"
  | "pending-cancel"
  | "canceled"
  | "pending-amend"
  | "expired";

/** A reason carried by denials and rejections; `code` is stable, `message` is for people. */
export interface Reason {
  readonly code: string;
  readonly message: string;
  /** The request field the reason is about, e.g. "price". */
  readonly field?: string;
}

/** What a strategy asks for. */
export interface OrderRequest {
  readonly clientOrderId: ClientOrderId;
  readonly instrument: InstrumentId;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly quantity: Decimal;
  /** Limit price: required for limit and stop-limit. */
  readonly price?: Decimal;
  /** Trigger price: required for stop-market and stop-limit. */
  readonly triggerPrice?: Decimal;
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  /** Required for GTD. */
  readonly expireTimeNs?: Nanos;
  readonly strategyId: string;
  readonly account: string;
}

/** One execution. Fills are de-duplicated by `fillId` (the venue's trade id) per venue. */
export interface Fill {
  readonly fillId: string;
  readonly clientOrderId: ClientOrderId;
  readonly venueOrderId: VenueOrderId;
  readonly instrument: InstrumentId;
  readonly side: OrderSide;
  readonly price: Decimal;
  readonly quantity: Decimal;
  /** Fee charged (negative for a rebate), in any currency. */
  readonly fee: Money;
  readonly liquidity: Liquidity;
  readonly tsEventNs: Nanos;
  readonly strategyId: string;
  readonly account: string;
}

interface EventBase {
  /** Unique per event where the source has one; used to drop duplicates. */
  readonly eventId?: string;
  readonly tsNs: Nanos;
}

/** Everything that can happen to an order; the state machine folds these into an `Order`. */
export type OrderEvent =
  | (EventBase & { readonly kind: "denied"; readonly reason: Reason })
  | (EventBase & { readonly kind: "submitted" })
  | (EventBase & { readonly kind: "accepted"; readonly venueOrderId: VenueOrderId })
  | (EventBase & { readonly kind: "rejected"; readonly reason: Reason })
  | (EventBase & { readonly kind: "filled"; readonly fill: Fill })
  | (EventBase & { readonly kind: "pending-cancel" })
  | (EventBase & { readonly kind: "canceled" })
  | (EventBase & { readonly kind: "cancel-rejected"; readonly reason: Reason })
  | (EventBase & {
      readonly kind: "pending-amend";
      readonly quantity?: Decimal;
      readonly price?: Decimal;
      readonly triggerPrice?: Decimal;
    })
  | (EventBase & {
      readonly kind: "amended";
      readonly quantity?: Decimal;
      readonly price?: Decimal;
      readonly triggerPrice?: Decimal;
    })
  | (EventBase & { readonly kind: "amend-rejected"; readonly reason: Reason })
  | (EventBase & { readonly kind: "expired" });

export type OrderEventKind = OrderEvent["kind"];

/** The current state of one order, as the state machine computed it. Immutable snapshot. */
export interface Order extends OrderRequest {
  readonly status: OrderStatus;
  readonly venueOrderId?: VenueOrderId;
  readonly filledQuantity: Decimal;
  /**
   * Volume-weighted average fill price, `filledNotional / filledQuantity` rounded half-even to the finest
   * fill price's scale + 8 places (at most 18); undefined before the first fill.
   */
  readonly averageFillPrice?: Decimal;
  /**
   * Σ fill price × fill quantity over the applied fills, exact (without the contract multiplier): the
   * numerator of `averageFillPrice`, kept so the average never compounds rounding. Zero before the first fill.
   */
  readonly filledNotional: Decimal;
  /** Ids of the fills applied, in order. */
  readonly fillIds: readonly string[];
  /**
   * Ids of the most recent non-fill events applied (oldest first, at most 64), so a redelivered event is a
   * no-op; fills are de-duplicated by `fillIds` instead.
   */
  readonly eventIds: readonly string[];
  /** Set when this order replaced another through cancel-replace. */
  readonly replacesClientOrderId?: ClientOrderId;
  /** Fills beyond the order quantity were seen: the venue and our books disagree. */
  readonly overfilled: boolean;
  readonly lastReason?: Reason;
  readonly tsCreatedNs: Nanos;
  readonly tsUpdatedNs: Nanos;
}
