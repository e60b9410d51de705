import { assertOrderSupported, type ExchangeAdapter } from "@openfloor/adapters";
import {
  Decimal,
  type Instrument,
  type InstrumentId,
  isOpenfloorError,
  OrderError,
  type OrderRequest,
  sameInstrument,
  validateOrderRequest,
} from "@openfloor/core";
import type { StrategyIdentity } from "../risk/risk-engine.js";
import { permissionDenied } from "./execution-errors.js";

/**
 * Checks a request on its face, against the instrument's tick and lot grid and minimums, and (given
 * the adapter) against what the venue supports. Every failure is `OrderError` ORDER_INVALID with
 * `context.field`.
 */
export function validateForVenue(
  request: OrderRequest,
  instrument: Instrument,
  adapter: ExchangeAdapter | undefined,
): void {
  try {
    validateOrderRequest(request, instrument);
    if (adapter !== undefined) assertOrderSupported(adapter.venue, adapter.capabilities, request);
  } catch (error) {
    if (error instanceof OrderError) throw error;
    // NotSupportedError names the field; a DecimalError (a value too large to check) is about the size.
    const field =
      isOpenfloorError(error) && typeof error.context.field === "string" ? error.context.field : "quantity";
    throw new OrderError(
      "ORDER_INVALID",
      `order ${JSON.stringify(request.clientOrderId)}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, context: { clientOrderId: request.clientOrderId, field } },
    );
  }
}

/** A request may leave `strategyId` and `account` empty (the caller's) but not name someone else's. */
export function checkIdentity(who: StrategyIdentity, request: OrderRequest): void {
  if (request.strategyId !== "" && request.strategyId !== who.strategyId) {
    throw permissionDenied(`strategy ${who.strategyId} cannot submit for another strategy`, "strategyId");
  }
  if (request.account !== "" && request.account !== who.account) {
    throw permissionDenied(`strategy ${who.strategyId} cannot trade account ${request.account}`, "account");
  }
}

const COMPARED_FIELDS = [
  "instrument",
  "side",
  "type",
  "timeInForce",
  "quantity",
  "price",
  "triggerPrice",
  "postOnly",
  "reduceOnly",
  "expireTimeNs",
] as const;

/**
 * A resubmit must repeat the first request; a different order under a used client order id is a
 * client bug: `OrderError` ORDER_MISMATCH naming the first field that differs.
 */
export function checkSameRequest(first: OrderRequest, again: OrderRequest): void {
  for (const field of COMPARED_FIELDS) {
    if (!sameValue(first[field], again[field])) {
      throw new OrderError(
        "ORDER_MISMATCH",
        `client order id ${JSON.stringify(first.clientOrderId)} is already used by a different order (${field} differs)`,
        { context: { clientOrderId: first.clientOrderId, field } },
      );
    }
  }
}

function sameValue(a: OrderRequest[(typeof COMPARED_FIELDS)[number]], b: typeof a): boolean {
  if (a instanceof Decimal || b instanceof Decimal) {
    return a instanceof Decimal && b instanceof Decimal && a.eq(b);
  }
  if (isInstrumentId(a) || isInstrumentId(b)) {
    return isInstrumentId(a) && isInstrumentId(b) && sameInstrument(a, b);
  }
  return a === b;
}

function isInstrumentId(value: unknown): value is InstrumentId {
  return typeof value === "object" && value !== null && "venue" in value && "symbol" in value;
}

/** The `OrderRequest` part of an order (or request), without the order's state. */
export function requestFields(order: OrderRequest): OrderRequest {
  return {
    clientOrderId: order.clientOrderId,
    instrument: order.instrument,
    side: order.side,
    type: order.type,
    timeInForce: order.timeInForce,
    quantity: order.quantity,
    ...(order.price === undefined ? {} : { price: order.price }),
    ...(order.triggerPrice === undefined ? {} : { triggerPrice: order.triggerPrice }),
    postOnly: order.postOnly,
    reduceOnly: order.reduceOnly,
    ...(order.expireTimeNs === undefined ? {} : { expireTimeNs: order.expireTimeNs }),
    strategyId: order.strategyId,
    account: order.account,
  };
}
