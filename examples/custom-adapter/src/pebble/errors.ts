// One table from Pebble's error codes to the shared error classes: callers branch on the class.
import {
  AuthenticationError,
  InsufficientFundsError,
  InvalidOrderError,
  OrderNotFoundError,
  VenueError,
  VenueUnavailableError,
} from "@openfloor/core";
import { PEBBLE_CODES } from "../venue/pebble-venue.js";

type ErrorMaker = (message: string, context: Record<string, unknown>) => VenueError;

export const PEBBLE_ERRORS: Readonly<Record<number, ErrorMaker>> = {
  [PEBBLE_CODES.UNKNOWN_SYMBOL]: (m, context) =>
    new InvalidOrderError("INVALID_ORDER", m, { context: { ...context, field: "instrument" } }),
  [PEBBLE_CODES.BAD_REQUEST]: (m, context) => new InvalidOrderError("INVALID_ORDER", m, { context }),
  [PEBBLE_CODES.DUPLICATE_CID]: (m, context) =>
    new InvalidOrderError("INVALID_ORDER", m, { context: { ...context, field: "clientOrderId" } }),
  [PEBBLE_CODES.INSUFFICIENT_FUNDS]: (m, context) =>
    new InsufficientFundsError("INSUFFICIENT_FUNDS", m, { context }),
  [PEBBLE_CODES.UNKNOWN_ORDER]: (m, context) => new OrderNotFoundError("ORDER_NOT_FOUND", m, { context }),
  [PEBBLE_CODES.UNAUTHORIZED]: (m, context) => new AuthenticationError("AUTHENTICATION", m, { context }),
};

/**
 * The typed error of a failed request: `{"code":2001,"msg":"insufficient USD"}` → InsufficientFundsError.
 * Unknown codes are a plain VenueError; 5xx without a known code is venue-unavailable.
 */
export function mapPebbleError(venue: string, status: number, body: string): VenueError {
  let code: number | undefined;
  let msg = body;
  try {
    const parsed = JSON.parse(body) as { code?: unknown; msg?: unknown };
    if (typeof parsed.code === "number") code = parsed.code;
    if (typeof parsed.msg === "string") msg = parsed.msg;
  } catch {
    // not JSON: keep the raw body as the message
  }
  const context = { venue, status, venueCode: code };
  const text = `${venue}: ${msg}`;
  const make = code === undefined ? undefined : PEBBLE_ERRORS[code];
  if (make !== undefined) return make(text, context);
  if (status >= 500) return new VenueUnavailableError("VENUE_UNAVAILABLE", text, { context });
  return new VenueError("VENUE_ERROR", text, { context });
}
