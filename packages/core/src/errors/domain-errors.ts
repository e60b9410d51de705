import { OpenfloorError } from "./openfloor-error.js";

export type DecimalErrorCode =
  | "DECIMAL_MALFORMED"
  | "DECIMAL_NOT_FINITE"
  | "DECIMAL_OVERFLOW"
  | "DECIMAL_PRECISION"
  | "DECIMAL_DIVISION_BY_ZERO"
  | "DECIMAL_NEGATIVE";

/** A value that is not an exact decimal openfloor can carry: malformed, NaN/Infinity, too large, too fine. */
export class DecimalError extends OpenfloorError<DecimalErrorCode> {}

/** Money of two currencies combined without a conversion. */
export class CurrencyMismatchError extends OpenfloorError<"CURRENCY_MISMATCH"> {}

/** A malformed instrument id or instrument definition. */
export class InstrumentError extends OpenfloorError<"INSTRUMENT_ID_MALFORMED" | "INSTRUMENT_INVALID"> {}

export type OrderErrorCode =
  | "ORDER_ILLEGAL_TRANSITION"
  | "ORDER_INVALID"
  | "ORDER_OVERFILL"
  | "ORDER_MISMATCH";

/** An order request that is invalid on its face, or an event the order state machine cannot apply. */
export class OrderError extends OpenfloorError<OrderErrorCode> {}

/** An order book fed a message it cannot apply. */
export class BookError extends OpenfloorError<"BOOK_INSTRUMENT_MISMATCH" | "BOOK_SEQUENCE" | "BOOK_STALE"> {}
