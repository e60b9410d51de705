import {
  Decimal,
  DecimalError,
  InstrumentError,
  type InstrumentId,
  instrumentId,
  MAX_SCALE,
  type pb,
} from "@openfloor/core";
import { GatewayError } from "./status-map.js";

/** INVALID_ARGUMENT about `field`. */
export function invalidField(field: string, why: string, cause?: unknown): GatewayError {
  return new GatewayError("INVALID_ARGUMENT", `${field} ${why}`, {
    context: { field },
    ...(cause === undefined ? {} : { cause }),
  });
}

const MAX_ID_LENGTH = 128;

/** A non-empty printable id of at most 128 characters (client order ids, names). */
export function requireId(value: string, field: string): string {
  if (value.length === 0) throw invalidField(field, "is missing");
  if (value.length > MAX_ID_LENGTH) throw invalidField(field, `is longer than ${MAX_ID_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalidField(field, "contains control characters");
  return value;
}

/**
 * Refuses a wire Decimal whose scale no 64-bit mantissa can bring within 18 places. Checked before
 * anything converts it: normalizing `{ mantissa: 0, scale: 4294967295 }` digit by digit would spin
 * for billions of steps.
 */
export function checkScale(value: pb.Decimal | undefined, field: string): void {
  if (value !== undefined && value.scale > 2 * MAX_SCALE + 1) {
    throw invalidField(field, `has scale ${value.scale}; at most ${MAX_SCALE} decimal places are carried`);
  }
}

/** The exact value of a protobuf Decimal, or INVALID_ARGUMENT naming `field` (scale > 18, out of range). */
export function decimalField(value: pb.Decimal, field: string): Decimal {
  checkScale(value, field);
  try {
    return Decimal.fromProto(value);
  } catch (error) {
    if (error instanceof DecimalError)
      throw invalidField(field, `is not a valid decimal: ${error.message}`, error);
    throw error;
  }
}

export function optionalDecimalField(value: pb.Decimal | undefined, field: string): Decimal | undefined {
  return value === undefined ? undefined : decimalField(value, field);
}

export function instrumentField(value: pb.InstrumentId | undefined, field: string): InstrumentId {
  if (value === undefined) throw invalidField(field, "is missing");
  if (value.symbol.length === 0) throw invalidField(`${field}.symbol`, "is missing");
  if (value.venue.length === 0) throw invalidField(`${field}.venue`, "is missing");
  if (value.symbol.length > MAX_ID_LENGTH) throw invalidField(`${field}.symbol`, "is too long");
  try {
    return instrumentId(value.symbol, value.venue);
  } catch (error) {
    if (error instanceof InstrumentError) throw invalidField(field, `is malformed: ${error.message}`, error);
    throw error;
  }
}

/** A proto3 enum value that must be one of `allowed` (0 = unspecified is refused unless listed). */
export function enumField<T extends number>(value: T, allowed: readonly T[], field: string, name: string): T {
  if (!allowed.includes(value)) {
    throw invalidField(field, value === 0 ? `is unspecified; set a ${name}` : `has unknown ${name} ${value}`);
  }
  return value;
}
