import {
  AuthenticationError,
  BadVenueMessageError,
  InsufficientFundsError,
  InvalidOrderError,
  NetworkError,
  NotSupportedError,
  OrderNotFoundError,
  RateLimitedError,
  VenueError,
  VenueUnavailableError,
} from "@openfloor/core";
import ccxt from "ccxt";

/** What the adapter was doing when ccxt threw; order entry turns a generic bad request into an invalid order. */
export type CcxtOperation = "order" | "cancel" | "amend" | "query" | "stream" | "load";

interface ErrorContext {
  readonly venue: string;
  /** ccxt exchange id: ccxt starts its messages with it, which the venue prefix replaces. */
  readonly exchangeId?: string;
  readonly operation: CcxtOperation;
  readonly clientOrderId?: string;
  readonly symbol?: string;
  /** Values never to show in messages (API key, secret, password). */
  readonly secrets?: readonly string[];
}

type Make = (message: string, options: { cause: unknown; context: Record<string, unknown> }) => VenueError;
type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * ccxt error class → openfloor error, most specific first; the first `instanceof` match wins.
 * ccxt's hierarchy: OrderNotFound < InvalidOrder < ExchangeError; RateLimitExceeded, DDoSProtection,
 * ExchangeNotAvailable, RequestTimeout, InvalidNonce < NetworkError < OperationFailed; PermissionDenied,
 * AccountSuspended < AuthenticationError; BadSymbol < BadRequest.
 */
const TABLE: readonly (readonly [ErrorClass, (op: CcxtOperation) => Make])[] = [
  [ccxt.OrderNotFound, () => (m, o) => new OrderNotFoundError("ORDER_NOT_FOUND", m, o)],
  [ccxt.InsufficientFunds, () => (m, o) => new InsufficientFundsError("INSUFFICIENT_FUNDS", m, o)],
  [ccxt.InvalidOrder, () => (m, o) => new InvalidOrderError("INVALID_ORDER", m, o)],
  [ccxt.BadSymbol, () => (m, o) => new InvalidOrderError("INVALID_ORDER", m, o)],
  [ccxt.RateLimitExceeded, () => (m, o) => new RateLimitedError("RATE_LIMITED", m, o)],
  [ccxt.DDoSProtection, () => (m, o) => new RateLimitedError("RATE_LIMITED", m, o)],
  [ccxt.ExchangeNotAvailable, () => (m, o) => new VenueUnavailableError("VENUE_UNAVAILABLE", m, o)],
  [ccxt.NetworkError, () => (m, o) => new NetworkError("NETWORK", m, o)],
  [ccxt.AuthenticationError, () => (m, o) => new AuthenticationError("AUTHENTICATION", m, o)],
  [ccxt.NotSupported, () => (m, o) => new NotSupportedError("NOT_SUPPORTED", m, o)],
  [ccxt.BadResponse, () => (m, o) => new BadVenueMessageError("BAD_VENUE_MESSAGE", m, o)],
  [
    ccxt.BadRequest,
    (op) => (m, o) =>
      op === "order" || op === "amend"
        ? new InvalidOrderError("INVALID_ORDER", m, o)
        : new VenueError("VENUE_ERROR", m, o),
  ],
  [
    ccxt.OperationRejected,
    (op) => (m, o) =>
      op === "order" || op === "amend"
        ? new InvalidOrderError("INVALID_ORDER", m, o)
        : new VenueError("VENUE_ERROR", m, o),
  ],
  [ccxt.BaseError, () => (m, o) => new VenueError("VENUE_ERROR", m, o)],
];

/**
 * Maps anything ccxt threw to the shared venue error hierarchy, keeping the original as `cause`.
 * Messages are scrubbed of credentials and of URL query strings (which carry signatures); the cause's
 * own message and stack are scrubbed in place, because callers log causes too.
 * An error that is not from ccxt (a TypeError from a parser choking on a payload) is a bad venue message.
 */
export function mapCcxtError(error: unknown, ctx: ErrorContext): VenueError {
  if (error instanceof VenueError) return error;
  const secrets = ctx.secrets ?? [];
  const raw = error instanceof Error ? error : new Error(String(error));
  scrubInPlace(raw, secrets);
  const context: Record<string, unknown> = {
    venue: ctx.venue,
    operation: ctx.operation,
    ccxtError: raw.name,
    ...(ctx.clientOrderId === undefined ? {} : { clientOrderId: ctx.clientOrderId }),
    ...(ctx.symbol === undefined ? {} : { symbol: ctx.symbol }),
  };
  const text =
    ctx.exchangeId !== undefined && raw.message.startsWith(`${ctx.exchangeId} `)
      ? raw.message.slice(ctx.exchangeId.length + 1)
      : raw.message;
  const message = `${ctx.venue}: ${text}`;
  for (const [Class, make] of TABLE) {
    if (raw instanceof Class) return make(ctx.operation)(message, { cause: raw, context });
  }
  return new BadVenueMessageError("BAD_VENUE_MESSAGE", message, { cause: raw, context });
}

/** True for errors after which a request's outcome at the venue is unknown (it may have been executed). */
export function outcomeUnknown(error: VenueError): boolean {
  return error instanceof NetworkError && !(error instanceof RateLimitedError);
}

/** Removes credentials and URL query strings from a text. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text.replace(/((?:https?|wss?):\/\/[^\s?"']+)\?[^\s"']*/g, "$1?…");
  out = out.replace(/(signature|sign|apiKey|api_key|X-MBX-APIKEY|X-BAPI-API-KEY)=([^&\s"']+)/gi, "$1=…");
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("…");
  return out;
}

function scrubInPlace(error: Error, secrets: readonly string[]): void {
  try {
    error.message = scrub(error.message, secrets);
    if (typeof error.stack === "string") error.stack = scrub(error.stack, secrets);
  } catch {
    // A frozen error keeps its text; ours still carries the scrubbed message.
  }
}

/** ccxt raised this because the exchange was closed by us (disconnect), not because of a failure. */
export function isClosedByUser(error: unknown): boolean {
  return error instanceof ccxt.ExchangeClosedByUser || error instanceof ccxt.UnsubscribeError;
}

/** A book stream lost updates (ccxt checks sequence numbers and checksums and rejects the watch). */
export function isBookGap(error: unknown): boolean {
  return error instanceof ccxt.InvalidNonce;
}

/** The connection failed or dropped: retry with backoff. */
export function isNetworkFailure(error: unknown): boolean {
  return error instanceof ccxt.NetworkError && !(error instanceof ccxt.InvalidNonce);
}

/** Retrying cannot help: the configuration or the credentials are wrong, or the venue lacks the feature. */
export function isPermanent(error: unknown): boolean {
  return (
    error instanceof ccxt.AuthenticationError ||
    error instanceof ccxt.NotSupported ||
    error instanceof ccxt.BadSymbol ||
    error instanceof ccxt.ArgumentsRequired
  );
}
