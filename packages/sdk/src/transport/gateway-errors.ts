import type { Reason } from "@openfloor/core";
import {
  InvalidOrder,
  NotConnected,
  OrderFinished,
  RiskDenied,
  type SdkError,
  TransportError,
} from "../errors/sdk-errors.js";

/** An error as the gateway reports it: its stable code, message and the request field it is about. */
export interface GatewayErrorDetail {
  readonly code: string;
  readonly message: string;
  /** Empty when the error is about no single field. */
  readonly field: string;
}

const INVALID = new Set([
  "INVALID_ARGUMENT",
  "INVALID_ORDER",
  "ORDER_INVALID",
  "ORDER_MISMATCH",
  "INSTRUMENT_INVALID",
  "INSTRUMENT_ID_MALFORMED",
  "NOT_SUPPORTED",
  "UNKNOWN_VENUE",
  "UNKNOWN_ACCOUNT",
  "CURRENCY_MISMATCH",
  "DUPLICATE_CLIENT_ORDER_ID",
]);
const HALTED = new Set(["TRADING_HALTED", "KILL_SWITCH_ENGAGED"]);
const UNREACHABLE = new Set(["UNAVAILABLE", "SHUTTING_DOWN", "NETWORK", "AUDIT_UNAVAILABLE"]);
const FINISHED = /\b(filled|canceled|cancelled|rejected|denied|expired)\b/;

/**
 * The SDK's typed error for a gateway error code: one table for the gRPC and the in-process transports,
 * so a strategy sees the same error class whichever transport it runs on.
 */
export function sdkErrorOf(
  detail: GatewayErrorDetail,
  cause?: unknown,
  extra: Readonly<Record<string, unknown>> = {},
): SdkError {
  const { code, message, field } = detail;
  const context: Record<string, unknown> = {
    ...extra,
    gatewayCode: code,
    ...(field === "" ? {} : { field }),
  };
  const options = { cause, context };
  if (
    code === "INSTRUMENT_UNKNOWN" ||
    (INVALID.has(code) && field.startsWith("instrument") && /unknown/i.test(message))
  ) {
    return new InvalidOrder("UNKNOWN_INSTRUMENT", message, options);
  }
  if (INVALID.has(code) || code.startsWith("DECIMAL_"))
    return new InvalidOrder("INVALID_ORDER", message, options);
  if (code === "ORDER_ILLEGAL_TRANSITION") {
    return FINISHED.test(message)
      ? new OrderFinished("ORDER_FINISHED", message, options)
      : new InvalidOrder("INVALID_ORDER", message, options);
  }
  if (code === "ORDER_NOT_FOUND" || code === "NOT_FOUND")
    return new TransportError("UNKNOWN_ORDER", message, options);
  if (code === "PERMISSION_DENIED") return new TransportError("PERMISSION_DENIED", message, options);
  if (HALTED.has(code) || code.startsWith("RISK_")) {
    const reason: Reason = { code, message, ...(field === "" ? {} : { field }) };
    return new RiskDenied("RISK_DENIED", message, { cause, context: { ...context, reason } });
  }
  if (UNREACHABLE.has(code)) return new NotConnected("NOT_CONNECTED", message, options);
  return new TransportError("TRANSPORT", message, options);
}
