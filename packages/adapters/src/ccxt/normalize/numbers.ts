import { BadVenueMessageError, Decimal, InvalidOrderError, MAX_SCALE, type Nanos } from "@openfloor/core";

/**
 * ccxt's unified structures carry binary floats (`0.1 + 0.2` arrives as `0.30000000000000004`). A value on
 * the instrument's grid is recovered exactly by rounding to the grid's decimals; a value that is not within
 * float noise of that grid (an average price, a fee) keeps the 15 significant digits a double holds.
 * @example exactDecimal(0.1 + 0.2, 2, "price") // Decimal "0.30"
 */
export function exactDecimal(value: unknown, scale: number, field: string): Decimal {
  const x = finite(value, field);
  const rounded = Decimal.fromNumber(x, { scale: Math.min(scale, MAX_SCALE) });
  if (Math.abs(rounded.toNumber() - x) <= Math.abs(x) * 1e-12) return rounded;
  return Decimal.parse(x.toPrecision(15)).normalize();
}

/** Like `exactDecimal`, for a value that may be absent (undefined/null → undefined). */
export function optionalDecimal(value: unknown, scale: number, field: string): Decimal | undefined {
  return value === undefined || value === null ? undefined : exactDecimal(value, scale, field);
}

/** A number that must be finite; anything else is a malformed venue message naming the field. */
export function finite(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new BadVenueMessageError("BAD_VENUE_MESSAGE", `${field} is not a finite number: ${String(value)}`, {
      context: { field, value: String(value) },
    });
  }
  return value;
}

/** Milliseconds since the epoch (ccxt timestamps) to nanoseconds; `fallback` when absent. */
export function msToNs(ms: unknown, fallback: Nanos): Nanos {
  return typeof ms === "number" && Number.isFinite(ms) ? BigInt(Math.round(ms)) * 1_000_000n : fallback;
}

/** Decimal places of a ccxt precision value in TICK_SIZE mode (a tick such as 0.01 or 1e-8). */
export function tickDecimals(tick: number): number {
  return Decimal.fromNumber(tick).normalize().scale;
}

/**
 * An exact decimal as the JavaScript number ccxt's order methods take. ccxt turns it back into text by
 * its shortest round-trip form, which is exact up to 15 significant digits; a value that would not come
 * back identical is refused rather than sent altered.
 */
export function toCcxtNumber(value: Decimal, field: string): number {
  const n = value.toNumber();
  if (!Decimal.fromNumber(n).eq(value)) {
    throw new InvalidOrderError(
      "INVALID_ORDER",
      `${field} ${value.toString()} has more digits than ccxt can carry`,
      {
        context: { field, value: value.toString() },
      },
    );
  }
  return n;
}
