import {
  InsufficientFundsError,
  InvalidOrderError,
  OrderNotFoundError,
  type Reason,
  type VenueError,
} from "@openfloor/core";

/**
 * Reason codes the simulated venue puts on rejections, cancels and expiries. Codes that are also a
 * `VenueErrorCode` (`INSUFFICIENT_FUNDS`, `INVALID_ORDER`, `ORDER_NOT_FOUND`) map to that error class.
 */
export type SimReasonCode =
  | "INSUFFICIENT_FUNDS"
  | "INVALID_ORDER"
  | "ORDER_NOT_FOUND"
  | "DUPLICATE_CLIENT_ORDER_ID"
  | "POST_ONLY_WOULD_CROSS"
  | "REDUCE_ONLY"
  | "EXPIRE_TIME_PASSED"
  | "IOC_UNFILLED"
  | "FOK_UNFILLABLE"
  | "NO_LIQUIDITY"
  | "GTD_EXPIRED"
  | "DAY_ENDED";

export function reason(code: SimReasonCode, message: string, field?: string): Reason {
  return field === undefined ? { code, message } : { code, message, field };
}

/** The typed error a refusal becomes, e.g. for the promise of `submitOrder`. */
export function reasonError(venue: string, r: Reason, context: Record<string, unknown> = {}): VenueError {
  const ctx = { venue, reason: r.code, ...(r.field === undefined ? {} : { field: r.field }), ...context };
  const message = `${venue}: ${r.message}`;
  switch (r.code) {
    case "INSUFFICIENT_FUNDS":
      return new InsufficientFundsError("INSUFFICIENT_FUNDS", message, { context: ctx });
    case "ORDER_NOT_FOUND":
      return new OrderNotFoundError("ORDER_NOT_FOUND", message, { context: ctx });
    default:
      return new InvalidOrderError("INVALID_ORDER", message, { context: ctx });
  }
}
