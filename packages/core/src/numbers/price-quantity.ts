import { DecimalError } from "../errors/domain-errors.js";
import { Decimal, type DecimalLike } from "./decimal.js";

/** A price: an exact Decimal (may be negative for spreads and some energy markets). */
export type Price = Decimal;

/** A quantity (size): an exact, non-negative Decimal. The side of an order carries the direction. */
export type Quantity = Decimal;

/** Parses a price. @example price("50000.01") */
export function price(value: DecimalLike): Price {
  return Decimal.from(value);
}

/** Parses a quantity; negative values are a DECIMAL_NEGATIVE error. @example quantity("0.5") */
export function quantity(value: DecimalLike): Quantity {
  const q = Decimal.from(value);
  if (q.isNegative()) {
    throw new DecimalError("DECIMAL_NEGATIVE", `quantity must not be negative, got ${q.toString()}`, {
      context: { value: q.toString() },
    });
  }
  return q;
}
