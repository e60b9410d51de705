// http/errors.ts (REQUIRED): one table from the venue's error codes to the shared error classes, so
// callers branch on the class (`InsufficientFundsError`), never on a message string.
import {
  AuthenticationError,
  InsufficientFundsError,
  InvalidOrderError,
  OrderNotFoundError,
  RateLimitedError,
  VenueError,
  VenueUnavailableError,
} from "@openfloor/core";

type ErrorMaker = (message: string, context: Record<string, unknown>) => VenueError;

/** The venue's numeric error codes (from its API docs) → error class. */
export const EXAMPLE_ERRORS: Readonly<Record<number, ErrorMaker>> = {
  [-1003]: (m, context) => new RateLimitedError("RATE_LIMITED", m, { context }),
  [-1013]: (m, context) => new InvalidOrderError("INVALID_ORDER", m, { context }),
  [-1022]: (m, context) => new AuthenticationError("AUTHENTICATION", m, { context }),
  [-2010]: (m, context) => new InsufficientFundsError("INSUFFICIENT_FUNDS", m, { context }),
  [-2011]: (m, context) => new OrderNotFoundError("ORDER_NOT_FOUND", m, { context }),
  [-2013]: (m, context) => new OrderNotFoundError("ORDER_NOT_FOUND", m, { context }),
};

/**
 * The typed error of a failed REST call. Unknown codes are a plain `VenueError`; HTTP 5xx and 429
 * without a body are venue-unavailable and rate-limited.
 */
export function mapVenueError(
  venue: string,
  status: number,
  code: number | undefined,
  message: string,
): VenueError {
  const context = { venue, status, venueCode: code };
  const text = `${venue}: ${message}`;
  const make = code === undefined ? undefined : EXAMPLE_ERRORS[code];
  if (make !== undefined) return make(text, context);
  if (status === 429) return new RateLimitedError("RATE_LIMITED", text, { context });
  if (status >= 500) return new VenueUnavailableError("VENUE_UNAVAILABLE", text, { context });
  return new VenueError("VENUE_ERROR", text, { context });
}
