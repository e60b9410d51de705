import {
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  InvalidOrderError,
  OrderError,
  type OrderRequest,
  validateOrderRequest,
} from "@openfloor/core";
import type { AmendRequest } from "../contract/adapter.js";
import { assertCapability, assertOrderSupported, type VenueCapabilities } from "../contract/capabilities.js";

/**
 * The checks every adapter runs before an order reaches its venue, as typed errors:
 * an unknown instrument or an invalid request (size below minimum, price off the tick grid, …) is an
 * `InvalidOrderError` whose `context.field` names the field; an order type, time in force or flag the
 * venue does not declare is a `NotSupportedError`. Returns the instrument.
 *
 * @example const instrument = checkOrderForVenue("binance", capabilities, (id) => this.instrument(id), order);
 */
export function checkOrderForVenue(
  venue: string,
  capabilities: VenueCapabilities,
  lookup: (id: InstrumentId) => Instrument | undefined,
  request: OrderRequest,
): Instrument {
  const instrument = lookup(request.instrument);
  if (instrument === undefined) {
    const id = formatInstrumentId(request.instrument);
    throw new InvalidOrderError("INVALID_ORDER", `${venue}: unknown instrument ${id}`, {
      context: { venue, field: "instrument", instrument: id, clientOrderId: request.clientOrderId },
    });
  }
  assertOrderSupported(venue, capabilities, request);
  try {
    validateOrderRequest(request, instrument);
  } catch (error) {
    if (error instanceof OrderError) {
      throw new InvalidOrderError("INVALID_ORDER", `${venue}: ${error.message}`, {
        cause: error,
        context: { venue, ...error.context },
      });
    }
    throw error;
  }
  return instrument;
}

/** The same checks for an amendment: the venue amends natively, and new values are on the grid. */
export function checkAmendForVenue(
  venue: string,
  capabilities: VenueCapabilities,
  instrument: Instrument | undefined,
  clientOrderId: string,
  change: AmendRequest,
): void {
  assertCapability(venue, capabilities.amendOrder, "amending orders");
  const invalid = (field: string, why: string): never => {
    throw new InvalidOrderError("INVALID_ORDER", `${venue}: amend of ${clientOrderId}: ${field} ${why}`, {
      context: { venue, field, clientOrderId },
    });
  };
  if (instrument === undefined) return;
  const { quantity, price, triggerPrice } = change;
  if (quantity !== undefined) {
    if (!quantity.isPositive()) invalid("quantity", "must be positive");
    if (!quantity.isMultipleOf(instrument.sizeIncrement))
      invalid("quantity", `is not a multiple of ${instrument.sizeIncrement}`);
    if (quantity.lt(instrument.minSize))
      invalid("quantity", `is below the minimum size ${instrument.minSize}`);
  }
  if (price !== undefined && !price.isMultipleOf(instrument.priceIncrement)) {
    invalid("price", `is not a multiple of the tick size ${instrument.priceIncrement}`);
  }
  if (triggerPrice !== undefined && !triggerPrice.isMultipleOf(instrument.priceIncrement)) {
    invalid("triggerPrice", `is not a multiple of the tick size ${instrument.priceIncrement}`);
  }
}

/** Just the request fields of an order (an `Order` carries its state too). */
export function orderRequestOf(r: OrderRequest): OrderRequest {
  return {
    clientOrderId: r.clientOrderId,
    instrument: r.instrument,
    side: r.side,
    type: r.type,
    timeInForce: r.timeInForce,
    quantity: r.quantity,
    ...(r.price === undefined ? {} : { price: r.price }),
    ...(r.triggerPrice === undefined ? {} : { triggerPrice: r.triggerPrice }),
    postOnly: r.postOnly,
    reduceOnly: r.reduceOnly,
    ...(r.expireTimeNs === undefined ? {} : { expireTimeNs: r.expireTimeNs }),
    strategyId: r.strategyId,
    account: r.account,
  };
}
