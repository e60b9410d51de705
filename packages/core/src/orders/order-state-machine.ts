import type { Nanos } from "../clock/clock.js";
import { OrderError } from "../errors/domain-errors.js";
import { formatInstrumentId, sameInstrument } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { addFillNotional, averagePrice, averagePriceScale } from "./fill-average.js";
import { ORDER_TRANSITIONS, type OrderTransitionStep } from "./order-transitions.js";
import type { Fill, Order, OrderEvent, OrderRequest, OrderStatus } from "./types.js";

export { validateOrderRequest } from "./order-request-validation.js";

/** How many non-fill event ids an order remembers to drop redelivered events. */
export const MAX_REMEMBERED_EVENT_IDS = 64;

/** The result of applying one event to an order. */
export interface OrderTransition {
  /** The order after the event; the same object as before when the outcome is `"duplicate"`. */
  readonly order: Order;
  /**
   * `"applied"`: the order changed. `"duplicate"`: nothing changed, because the event (its `eventId`, or a
   * fill's `fillId`) was applied before, or it is a stale report of something the order already reflects.
   */
  readonly outcome: "applied" | "duplicate";
  /** Set when this event took the filled quantity beyond the order quantity: the excess it added. */
  readonly overfill?: Decimal;
  /** Set when a fill was applied to an order that had already ended (canceled, expired or filled). */
  readonly lateFill?: boolean;
}

const TERMINAL: ReadonlySet<OrderStatus> = new Set(["denied", "rejected", "filled", "canceled", "expired"]);
const OPEN: ReadonlySet<OrderStatus> = new Set([
  "submitted",
  "accepted",
  "partially-filled",
  "pending-cancel",
  "pending-amend",
]);

/** True for statuses no event can leave: denied, rejected, filled, canceled, expired. */
export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * True while the order is at (or on its way to) the venue and may still trade: submitted, accepted,
 * partially-filled, pending-cancel, pending-amend. `initialized` is neither open nor terminal.
 */
export function isOpen(status: OrderStatus): boolean {
  return OPEN.has(status);
}

/** Quantity still to execute: quantity − filled, never negative, and zero once the order has ended. */
export function leavesQuantity(order: Order): Decimal {
  if (isTerminal(order.status)) return Decimal.ZERO;
  const leaves = order.quantity.sub(order.filledQuantity);
  return leaves.isPositive() ? leaves : Decimal.ZERO;
}

/**
 * A new order in status `initialized`, nothing filled, created and updated at `tsNs`. It does not validate
 * the request: an invalid request still becomes an order, which the risk engine then denies.
 * @example newOrder(request, clock.now())
 */
export function newOrder(request: OrderRequest, tsNs: Nanos): Order {
  return {
    ...request,
    status: "initialized",
    filledQuantity: Decimal.ZERO,
    filledNotional: Decimal.ZERO,
    fillIds: [],
    eventIds: [],
    overfilled: false,
    tsCreatedNs: tsNs,
    tsUpdatedNs: tsNs,
  };
}

/**
 * Applies one event to an order, following {@link ORDER_TRANSITIONS}. Pure: returns the next order and
 * never mutates its input.
 *
 * Duplicates (a known `eventId` or `fillId`, a repeat, a stale report) return the same order with outcome
 * `"duplicate"`. An acknowledgement only ever adds a venue order id (the first one wins). A fill that
 * takes the filled quantity beyond the order quantity is applied and flagged (`order.overfilled`,
 * `transition.overfill`), because the money moved at the venue. Amended quantities are the order's new
 * total quantity, not what is left.
 *
 * @throws OrderError `ORDER_ILLEGAL_TRANSITION` (context `{clientOrderId, from, event}`) for a pair the
 *   table does not allow, a rejection of an order with fills, or an amendment below the filled quantity;
 *   `ORDER_MISMATCH` for a fill of another order, instrument or side; `ORDER_INVALID` for a malformed event.
 * @example
 * const { order, outcome } = applyOrderEvent(order, { kind: "accepted", venueOrderId: "123", tsNs });
 */
export function applyOrderEvent(order: Order, event: OrderEvent): OrderTransition {
  if (event.eventId !== undefined && order.eventIds.includes(event.eventId)) {
    return { order, outcome: "duplicate" };
  }
  const step = ORDER_TRANSITIONS[order.status][event.kind];
  if (step === undefined) throw illegal(order, event);
  if (step === "stale") return { order, outcome: "duplicate" };
  if (event.kind === "filled") return applyFill(order, event, step);

  let next: Order = order;
  switch (event.kind) {
    case "accepted":
      if (event.venueOrderId.length === 0) {
        throw invalidEvent(order, event, "venueOrderId", "must not be empty");
      }
      if (!order.venueOrderId) next = { ...order, venueOrderId: event.venueOrderId };
      break;
    case "denied":
    case "rejected":
    case "cancel-rejected":
    case "amend-rejected":
      next = { ...order, lastReason: event.reason };
      break;
    case "pending-amend":
      checkAmendedQuantity(order, event, event.quantity);
      break;
    case "amended": {
      checkAmendedQuantity(order, event, event.quantity);
      const quantity = event.quantity ?? order.quantity;
      const price = event.price ?? order.price;
      const triggerPrice = event.triggerPrice ?? order.triggerPrice;
      if (
        !quantity.eq(order.quantity) ||
        !sameValue(price, order.price) ||
        !sameValue(triggerPrice, order.triggerPrice)
      ) {
        next = { ...order, quantity, price, triggerPrice };
      }
      break;
    }
  }
  const status = statusAfter(step, order.status, next);
  if (status === "rejected" && order.filledQuantity.isPositive()) {
    throw illegal(order, event, "the order already has fills");
  }
  if (status !== next.status) next = { ...next, status };
  const overfill = newOverfill(order, next);
  if (overfill === undefined && next === order) return { order, outcome: "duplicate" };
  next = {
    ...next,
    overfilled: next.overfilled || overfill !== undefined,
    eventIds: rememberEventId(order.eventIds, event.eventId),
    tsUpdatedNs: event.tsNs,
  };
  return overfill === undefined
    ? { order: next, outcome: "applied" }
    : { order: next, outcome: "applied", overfill };
}

function applyFill(
  order: Order,
  event: OrderEvent & { kind: "filled" },
  step: OrderTransitionStep,
): OrderTransition {
  const fill = event.fill;
  checkFillBelongs(order, fill);
  if (order.fillIds.includes(fill.fillId)) return { order, outcome: "duplicate" };
  if (!fill.quantity.isPositive()) {
    throw invalidEvent(order, event, "fill.quantity", `must be positive, got ${fill.quantity.toString()}`);
  }
  const filledQuantity = order.filledQuantity.add(fill.quantity);
  const filledNotional = addFillNotional(order.filledNotional, fill.price, fill.quantity);
  let next: Order = {
    ...order,
    // A fill before the acknowledgement implies it, and carries the venue's order id.
    venueOrderId: order.venueOrderId || fill.venueOrderId || undefined,
    filledQuantity,
    filledNotional,
    averageFillPrice: averagePrice(
      filledNotional,
      filledQuantity,
      averagePriceScale(fill.price, order.averageFillPrice),
    ),
    fillIds: [...order.fillIds, fill.fillId],
    tsUpdatedNs: event.tsNs,
  };
  next = { ...next, status: statusAfter(step, order.status, next) };
  const overfill = newOverfill(order, next);
  if (overfill !== undefined) next = { ...next, overfilled: true };
  return {
    order: next,
    outcome: "applied",
    ...(overfill === undefined ? {} : { overfill }),
    ...(isTerminal(order.status) ? { lateFill: true } : {}),
  };
}

function statusAfter(step: OrderTransitionStep, from: OrderStatus, next: Order): OrderStatus {
  const nothingLeft = next.filledQuantity.isPositive() && next.filledQuantity.gte(next.quantity);
  switch (step) {
    case "fill":
      return nothingLeft ? "filled" : "partially-filled";
    case "fill-or-stay":
      return nothingLeft ? "filled" : from;
    case "fill-and-stay":
    case "stale":
      return from;
    case "ack":
      return from === "submitted" ? "accepted" : from;
    case "resting":
      if (nothingLeft) return "filled";
      if (next.filledQuantity.isPositive()) return "partially-filled";
      return next.venueOrderId ? "accepted" : "submitted";
    default:
      return step;
  }
}

/**
 * The excess over the order quantity that this transition newly exposes, if any. Not judged while an
 * amendment is pending: it may raise the quantity; its outcome settles whether the fills were too many.
 */
function newOverfill(before: Order, after: Order): Decimal | undefined {
  if (after.status === "pending-amend") return undefined;
  const excess = (o: Order) => Decimal.max(Decimal.ZERO, o.filledQuantity.sub(o.quantity));
  const flaggedBefore = before.overfilled ? excess(before) : Decimal.ZERO;
  const added = excess(after).sub(flaggedBefore);
  return added.isPositive() ? added : undefined;
}

function sameValue(a: Decimal | undefined, b: Decimal | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.eq(b);
}

function rememberEventId(eventIds: readonly string[], eventId: string | undefined): readonly string[] {
  if (eventId === undefined) return eventIds;
  const kept =
    eventIds.length >= MAX_REMEMBERED_EVENT_IDS ? eventIds.slice(1 - MAX_REMEMBERED_EVENT_IDS) : eventIds;
  return [...kept, eventId];
}

function checkAmendedQuantity(order: Order, event: OrderEvent, quantity: Decimal | undefined): void {
  if (quantity === undefined) return;
  if (!quantity.isPositive()) {
    throw invalidEvent(order, event, "quantity", `must be positive, got ${quantity.toString()}`);
  }
  if (quantity.lt(order.filledQuantity)) {
    throw illegal(
      order,
      event,
      `quantity ${quantity.toString()} is below the filled quantity ${order.filledQuantity.toString()}`,
      { quantity: quantity.toString(), filledQuantity: order.filledQuantity.toString() },
    );
  }
}

function checkFillBelongs(order: Order, fill: Fill): void {
  const mismatch = (field: string, got: string, want: string): OrderError =>
    new OrderError(
      "ORDER_MISMATCH",
      `fill ${fill.fillId} has ${field} ${got} but order ${order.clientOrderId} has ${want}`,
      { context: { clientOrderId: order.clientOrderId, fillId: fill.fillId, field } },
    );
  if (fill.clientOrderId !== order.clientOrderId) {
    throw mismatch("clientOrderId", fill.clientOrderId, order.clientOrderId);
  }
  if (!sameInstrument(fill.instrument, order.instrument)) {
    throw mismatch("instrument", formatInstrumentId(fill.instrument), formatInstrumentId(order.instrument));
  }
  if (fill.side !== order.side) throw mismatch("side", fill.side, order.side);
}

function illegal(
  order: Order,
  event: OrderEvent,
  why?: string,
  extra: Record<string, unknown> = {},
): OrderError {
  return new OrderError(
    "ORDER_ILLEGAL_TRANSITION",
    `order ${order.clientOrderId}: ${event.kind} is not allowed when ${order.status}${why === undefined ? "" : ` (${why})`}`,
    { context: { clientOrderId: order.clientOrderId, from: order.status, event: event.kind, ...extra } },
  );
}

function invalidEvent(order: Order, event: OrderEvent, field: string, why: string): OrderError {
  return new OrderError(
    "ORDER_INVALID",
    `order ${order.clientOrderId}: ${event.kind} event ${field} ${why}`,
    {
      context: { clientOrderId: order.clientOrderId, event: event.kind, field },
    },
  );
}
