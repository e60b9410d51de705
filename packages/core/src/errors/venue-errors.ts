import { OpenfloorError } from "./openfloor-error.js";

export type VenueErrorCode =
  | "VENUE_ERROR"
  | "INVALID_ORDER"
  | "ORDER_NOT_FOUND"
  | "INSUFFICIENT_FUNDS"
  | "AUTHENTICATION"
  | "NOT_SUPPORTED"
  | "NETWORK"
  | "RATE_LIMITED"
  | "VENUE_UNAVAILABLE"
  | "BAD_VENUE_MESSAGE";

/**
 * Errors from (or about) a venue, one hierarchy for every adapter, so callers branch on the class
 * or `code`, never on a message string. `context.venue` names the venue.
 *
 * VenueError
 * ├─ InvalidOrderError ─ OrderNotFoundError
 * ├─ InsufficientFundsError
 * ├─ AuthenticationError
 * ├─ NotSupportedError
 * ├─ BadVenueMessageError
 * └─ NetworkError ─ RateLimitedError, VenueUnavailableError
 */
export class VenueError<C extends VenueErrorCode = VenueErrorCode> extends OpenfloorError<C> {
  get venue(): string {
    return String(this.context.venue ?? "");
  }
}
export class InvalidOrderError extends VenueError<"INVALID_ORDER" | "ORDER_NOT_FOUND"> {}
export class OrderNotFoundError extends InvalidOrderError {}
export class InsufficientFundsError extends VenueError<"INSUFFICIENT_FUNDS"> {}
export class AuthenticationError extends VenueError<"AUTHENTICATION"> {}
/** A capability the venue does not declare: raised before anything is sent. */
export class NotSupportedError extends VenueError<"NOT_SUPPORTED"> {}
/** A venue message that could not be parsed (logged, counted, skipped by streams). */
export class BadVenueMessageError extends VenueError<"BAD_VENUE_MESSAGE"> {}
export class NetworkError extends VenueError<"NETWORK" | "RATE_LIMITED" | "VENUE_UNAVAILABLE"> {}
export class RateLimitedError extends NetworkError {}
export class VenueUnavailableError extends NetworkError {}
