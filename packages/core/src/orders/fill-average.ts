import { DecimalError } from "../errors/domain-errors.js";
import { type Decimal, MAX_SCALE } from "../numbers/decimal.js";

/** Places the average fill price carries beyond the finest fill price's scale (capped at 18). */
export const AVERAGE_PRICE_EXTRA_SCALE = 8;

function outOfRange(error: unknown): boolean {
  return (
    error instanceof DecimalError && (error.code === "DECIMAL_OVERFLOW" || error.code === "DECIMAL_PRECISION")
  );
}

/**
 * `notional + price × quantity`, exact whenever the result fits 64-bit fixed point. When it does not (a
 * very fine price times a very fine size), it keeps as many places as fit, rounding half-even: a fill
 * must never be refused over arithmetic range.
 */
export function addFillNotional(notional: Decimal, price: Decimal, quantity: Decimal): Decimal {
  try {
    return notional.add(price.mul(quantity));
  } catch (error) {
    if (!outOfRange(error)) throw error;
  }
  let lastError: unknown;
  for (let scale = Math.min(MAX_SCALE, price.scale + quantity.scale); scale >= 0; scale--) {
    try {
      return notional.round(Math.min(scale, notional.scale)).add(price.mul(quantity, { scale }));
    } catch (error) {
      if (!outOfRange(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * `notional / quantity` rounded half-even to `scale` places, or to fewer when the quotient would not fit
 * 64-bit fixed point at that scale (a large price with a fine scale).
 */
export function averagePrice(notional: Decimal, quantity: Decimal, scale: number): Decimal {
  let lastError: unknown;
  for (let s = Math.min(scale, MAX_SCALE); s >= 0; s--) {
    try {
      return notional.div(quantity, { scale: s, rounding: "half-even" });
    } catch (error) {
      if (!outOfRange(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/** The scale of the average after a fill at `price`: the finest fill price's scale + 8, at most 18. */
export function averagePriceScale(price: Decimal, previousAverage: Decimal | undefined): number {
  return Math.min(MAX_SCALE, Math.max(price.scale + AVERAGE_PRICE_EXTRA_SCALE, previousAverage?.scale ?? 0));
}
