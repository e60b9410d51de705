import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { isOpenfloorError, OpenfloorError, pb } from "@openfloor/core";

export type GatewayErrorCode =
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "SLOW_CONSUMER"
  | "SHUTTING_DOWN"
  | "FAILED_PRECONDITION";

/** An error the gRPC layer raises itself; `field` names the request field it is about. */
export class GatewayError extends OpenfloorError<GatewayErrorCode> {
  get field(): string | undefined {
    const f = this.context.field;
    return typeof f === "string" ? f : undefined;
  }
}

/** The one table from stable error codes to gRPC status. Codes not listed fall back by pattern, then INTERNAL. */
const STATUS_BY_CODE: Readonly<Record<string, status>> = {
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  SLOW_CONSUMER: status.RESOURCE_EXHAUSTED,
  SHUTTING_DOWN: status.UNAVAILABLE,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  // core
  DECIMAL_MALFORMED: status.INVALID_ARGUMENT,
  DECIMAL_NOT_FINITE: status.INVALID_ARGUMENT,
  DECIMAL_OVERFLOW: status.INVALID_ARGUMENT,
  DECIMAL_PRECISION: status.INVALID_ARGUMENT,
  DECIMAL_NEGATIVE: status.INVALID_ARGUMENT,
  DECIMAL_DIVISION_BY_ZERO: status.INVALID_ARGUMENT,
  INSTRUMENT_ID_MALFORMED: status.INVALID_ARGUMENT,
  INSTRUMENT_INVALID: status.INVALID_ARGUMENT,
  INSTRUMENT_UNKNOWN: status.NOT_FOUND,
  ORDER_INVALID: status.INVALID_ARGUMENT,
  ORDER_ILLEGAL_TRANSITION: status.FAILED_PRECONDITION,
  ORDER_MISMATCH: status.FAILED_PRECONDITION,
  ORDER_OVERFILL: status.INTERNAL,
  CURRENCY_MISMATCH: status.INVALID_ARGUMENT,
  // venues
  INVALID_ORDER: status.INVALID_ARGUMENT,
  ORDER_NOT_FOUND: status.NOT_FOUND,
  INSUFFICIENT_FUNDS: status.FAILED_PRECONDITION,
  AUTHENTICATION: status.FAILED_PRECONDITION,
  NOT_SUPPORTED: status.INVALID_ARGUMENT,
  NETWORK: status.UNAVAILABLE,
  RATE_LIMITED: status.RESOURCE_EXHAUSTED,
  VENUE_UNAVAILABLE: status.UNAVAILABLE,
  VENUE_ERROR: status.UNAVAILABLE,
  BAD_VENUE_MESSAGE: status.UNAVAILABLE,
  // execution and risk
  DUPLICATE_CLIENT_ORDER_ID: status.ALREADY_EXISTS,
  TRADING_HALTED: status.FAILED_PRECONDITION,
  KILL_SWITCH_ENGAGED: status.FAILED_PRECONDITION,
  NOT_RECONCILED: status.FAILED_PRECONDITION,
  AUDIT_UNAVAILABLE: status.UNAVAILABLE,
  UNKNOWN_VENUE: status.INVALID_ARGUMENT,
  UNKNOWN_ACCOUNT: status.INVALID_ARGUMENT,
};

/** gRPC status for an error code. */
export function grpcStatusOf(code: string): status {
  const direct = STATUS_BY_CODE[code];
  if (direct !== undefined) return direct;
  if (code.endsWith("NOT_FOUND")) return status.NOT_FOUND;
  if (code.startsWith("INVALID_") || code.endsWith("_INVALID")) return status.INVALID_ARGUMENT;
  if (code.endsWith("PERMISSION_DENIED") || code.endsWith("FORBIDDEN")) return status.PERMISSION_DENIED;
  if (
    code.includes("HALT") ||
    code.includes("KILL") ||
    code.includes("RECONCIL") ||
    code.startsWith("RISK_")
  ) {
    return status.FAILED_PRECONDITION;
  }
  if (code.includes("UNAVAILABLE")) return status.UNAVAILABLE;
  if (code.includes("EXHAUSTED") || code.includes("RATE_LIMIT")) return status.RESOURCE_EXHAUSTED;
  return status.INTERNAL;
}

/** Metadata key of the binary `openfloor.v1.ErrorDetail` trailer. */
export const ERROR_DETAIL_TRAILER = "openfloor-error-detail-bin";

/** Removes known secret values from text that leaves the process. */
export type Scrubber = (text: string) => string;

export const noScrub: Scrubber = (text) => text;

/** The field an error is about, from `error.field` or `error.context.field`. */
function fieldOf(error: OpenfloorError): string {
  const f = error.context.field;
  return typeof f === "string" ? f : "";
}

/**
 * Converts anything thrown inside a handler to a gRPC `ServiceError` with an `ErrorDetail` trailer
 * (`openfloor-error-detail-bin`, plus `openfloor-error-code` and `openfloor-error-field` as text).
 * Unknown errors become INTERNAL with a generic message: internals never reach the caller.
 */
export function toServiceError(error: unknown, scrub: Scrubber = noScrub): ServiceError {
  let code = "INTERNAL";
  let message = "internal error";
  let field = "";
  if (isOpenfloorError(error)) {
    code = error.code;
    message = scrub(error.message);
    field = fieldOf(error);
  }
  const grpcCode = code === "INTERNAL" ? status.INTERNAL : grpcStatusOf(code);
  const metadata = new Metadata();
  const detail: pb.ErrorDetail = { code, message, field };
  metadata.set(ERROR_DETAIL_TRAILER, Buffer.from(pb.ErrorDetail.encode(detail).finish()));
  metadata.set("openfloor-error-code", code);
  if (field !== "") metadata.set("openfloor-error-field", field);
  const shown = field !== "" && !message.includes(field) ? `${field}: ${message}` : message;
  return Object.assign(new Error(shown), { code: grpcCode, details: shown, metadata });
}

/** Reads the `ErrorDetail` trailer of a failed call (client side), if the gateway sent one. */
export function errorDetailOf(error: { metadata?: Metadata }): pb.ErrorDetail | undefined {
  const raw = error.metadata?.get(ERROR_DETAIL_TRAILER)[0];
  if (raw === undefined || typeof raw === "string") return undefined;
  return pb.ErrorDetail.decode(raw);
}
