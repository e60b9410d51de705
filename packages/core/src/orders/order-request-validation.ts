import { OrderError } from "../errors/domain-errors.js";
import { type Instrument, notional } from "../instruments/instrument.js";
import { formatInstrumentId, sameInstrument } from "../instruments/instrument-id.js";
import type { OrderRequest } from "./types.js";

/**
 * Checks an order request on its face and, given its instrument, against the instrument's grid and
 * minimums. Passes silently or throws at the first problem found.
 *
 * On its face: `clientOrderId` non-empty; `quantity` > 0; `price` present for limit and stop-limit and
 * absent otherwise; `triggerPrice` present for stop-market and stop-limit and absent otherwise;
 * `expireTimeNs` present (and positive) exactly for GTD; `postOnly` only on a limit order that may rest
 * (not IOC or FOK). A value that would be ignored is an error rather than a surprise.
 *
 * With an instrument: same instrument id; `price` and `triggerPrice` on the tick grid (`priceIncrement`);
 * `quantity` on the lot grid (`sizeIncrement`) and at least `minSize`; notional at the limit (or trigger)
 * price at least `minNotional` (market orders have no price to check it with).
 *
 * @throws OrderError `ORDER_INVALID` whose context names the `field`, e.g. `{ field: "price" }`.
 * @example validateOrderRequest(request, instrument)
 */
export function validateOrderRequest(request: OrderRequest, instrument?: Instrument): void {
  const invalid = (field: string, why: string): never => {
    throw new OrderError("ORDER_INVALID", `order ${JSON.stringify(request.clientOrderId)}: ${field} ${why}`, {
      context: { clientOrderId: request.clientOrderId, field },
    });
  };
  const { type, timeInForce, quantity, price, triggerPrice, expireTimeNs } = request;
  if (request.clientOrderId.length === 0) invalid("clientOrderId", "must not be empty");
  if (!quantity.isPositive()) invalid("quantity", `must be positive, got ${quantity.toString()}`);

  const hasLimit = type === "limit" || type === "stop-limit";
  const hasTrigger = type === "stop-market" || type === "stop-limit";
  if (hasLimit && price === undefined) invalid("price", `is required for a ${type} order`);
  if (!hasLimit && price !== undefined) invalid("price", `must be absent for a ${type} order`);
  if (hasTrigger && triggerPrice === undefined) invalid("triggerPrice", `is required for a ${type} order`);
  if (!hasTrigger && triggerPrice !== undefined)
    invalid("triggerPrice", `must be absent for a ${type} order`);

  if (timeInForce === "GTD" && expireTimeNs === undefined) invalid("expireTimeNs", "is required for GTD");
  if (timeInForce !== "GTD" && expireTimeNs !== undefined) {
    invalid("expireTimeNs", `is only for GTD, not ${timeInForce}`);
  }
  if (expireTimeNs !== undefined && expireTimeNs <= 0n) invalid("expireTimeNs", "must be positive");

  if (request.postOnly && type !== "limit") invalid("postOnly", `is only for limit orders, not ${type}`);
  if (request.postOnly && (timeInForce === "IOC" || timeInForce === "FOK")) {
    invalid("postOnly", `cannot be combined with ${timeInForce}: a post-only order must be able to rest`);
  }

  if (instrument === undefined) return;
  if (!sameInstrument(request.instrument, instrument.id)) {
    invalid(
      "instrument",
      `${formatInstrumentId(request.instrument)} does not match instrument ${formatInstrumentId(instrument.id)}`,
    );
  }
  const tick = instrument.priceIncrement;
  if (price !== undefined && !price.isMultipleOf(tick)) {
    invalid("price", `${price.toString()} is not a multiple of the tick size ${tick.toString()}`);
  }
  if (triggerPrice !== undefined && !triggerPrice.isMultipleOf(tick)) {
    invalid(
      "triggerPrice",
      `${triggerPrice.toString()} is not a multiple of the tick size ${tick.toString()}`,
    );
  }
  const lot = instrument.sizeIncrement;
  if (!quantity.isMultipleOf(lot)) {
    invalid("quantity", `${quantity.toString()} is not a multiple of the lot size ${lot.toString()}`);
  }
  if (quantity.lt(instrument.minSize)) {
    invalid("quantity", `${quantity.toString()} is below the minimum size ${instrument.minSize.toString()}`);
  }
  const reference = price ?? triggerPrice;
  // An inverse contract's notional divides by the price, so a zero price has none to compare.
  if (
    reference !== undefined &&
    instrument.minNotional.isPositive() &&
    !(instrument.inverse && reference.isZero())
  ) {
    const value = notional(instrument, reference, quantity).abs();
    if (value.lt(instrument.minNotional)) {
      invalid(
        "quantity",
        `notional ${value.toString()} at ${reference.toString()} is below the minimum ${instrument.minNotional.toString()}`,
      );
    }
  }
}
