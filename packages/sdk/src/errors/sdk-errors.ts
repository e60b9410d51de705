import { OpenfloorError, type Reason } from "@openfloor/core";

export type SdkErrorCode =
  | "RISK_DENIED"
  | "VENUE_REJECTED"
  | "NOT_CONNECTED"
  | "ORDER_FINISHED"
  | "INVALID_ORDER"
  | "UNKNOWN_INSTRUMENT"
  | "UNKNOWN_ORDER"
  | "PERMISSION_DENIED"
  | "TRANSPORT"
  | "INVALID_ARGUMENT";

/** Base of the errors a strategy sees; `code` is stable, `context` names the order and the reason. */
export class SdkError<C extends SdkErrorCode = SdkErrorCode> extends OpenfloorError<C> {}

/** The gateway's pre-trade risk engine denied the order; `reason.code` says which limit (e.g. RISK_MAX_NOTIONAL). */
export class RiskDenied extends SdkError<"RISK_DENIED"> {
  get reason(): Reason {
    return this.context.reason as Reason;
  }
}

/** The venue rejected the order (or a cancel/amend of it); `reason` carries the venue's code. */
export class VenueRejected extends SdkError<"VENUE_REJECTED"> {
  get reason(): Reason {
    return this.context.reason as Reason;
  }
}

/** A call made while the transport is not connected (it is retried by the transport only for reads). */
export class NotConnected extends SdkError<"NOT_CONNECTED"> {}

/** An amend or cancel of an order that is already finished (filled, canceled, rejected, expired). */
export class OrderFinished extends SdkError<"ORDER_FINISHED"> {}

/** An order request that is invalid on its face (size, price, instrument), refused before it was sent. */
export class InvalidOrder extends SdkError<"INVALID_ORDER" | "UNKNOWN_INSTRUMENT"> {}

/** A transport failure that is none of the above (gateway unreachable, protocol error). */
export class TransportError extends SdkError<"TRANSPORT" | "UNKNOWN_ORDER" | "PERMISSION_DENIED"> {}
