import { NotSupportedError, type OrderRequest, type OrderType, type TimeInForce } from "@openfloor/core";

/**
 * What a venue supports, declared by its adapter (ccxt's `has` map). Asking for anything not
 * declared fails with `NotSupportedError` before a request reaches the venue.
 */
export interface VenueCapabilities {
  readonly orderTypes: readonly OrderType[];
  readonly timeInForce: readonly TimeInForce[];
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  /** Native amend; without it the OMS amends by cancel-replace. */
  readonly amendOrder: boolean;
  readonly cancelAllOrders: boolean;
  readonly marketData: {
    readonly trades: boolean;
    readonly quotes: boolean;
    readonly book: boolean;
    /** Native bars; without them bars are built from trades. */
    readonly bars: boolean;
  };
  /** The venue's book stream carries sequence numbers (gaps are detectable). */
  readonly bookSequenceNumbers: boolean;
  readonly fetchFillsSince: boolean;
  readonly balances: boolean;
  readonly positions: boolean;
}

/** Throws `NotSupportedError` when `request` asks for something `caps` does not declare. */
export function assertOrderSupported(venue: string, caps: VenueCapabilities, request: OrderRequest): void {
  const refuse = (feature: string, field: string): never => {
    throw new NotSupportedError("NOT_SUPPORTED", `venue ${venue} does not support ${feature}`, {
      context: { venue, feature, field, clientOrderId: request.clientOrderId },
    });
  };
  if (!caps.orderTypes.includes(request.type)) refuse(`${request.type} orders`, "type");
  if (!caps.timeInForce.includes(request.timeInForce))
    refuse(`time in force ${request.timeInForce}`, "timeInForce");
  if (request.postOnly && !caps.postOnly) refuse("post-only orders", "postOnly");
  if (request.reduceOnly && !caps.reduceOnly) refuse("reduce-only orders", "reduceOnly");
}

/** Throws `NotSupportedError` for a feature flag the venue lacks. */
export function assertCapability(venue: string, supported: boolean, feature: string): void {
  if (!supported) {
    throw new NotSupportedError("NOT_SUPPORTED", `venue ${venue} does not support ${feature}`, {
      context: { venue, feature },
    });
  }
}
