import { Decimal, MAX_SCALE, type RoundingMode } from "../numbers/decimal.js";
import { divRound } from "../numbers/rounding.js";

/** How a derived price (microprice, average fill price) is rounded. */
export interface PriceRounding {
  /** Decimal places of the result. Default: the price's decimal places + 4, at most 18. */
  readonly scale?: number;
  /** Default: `half-even`. */
  readonly rounding?: RoundingMode;
}

/** Extra places a derived price keeps by default: a tick split ten thousand ways. */
const DERIVED_EXTRA_SCALE = 4;

const POW10: bigint[] = Array.from({ length: 2 * MAX_SCALE + 2 }, (_, i) => 10n ** BigInt(i));

/** 10^n as a bigint. */
export function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

/** The default scale of a price derived from prices with `priceScale` places. */
export function derivedScale(priceScale: number, options: PriceRounding | undefined): number {
  return options?.scale ?? Math.min(MAX_SCALE, priceScale + DERIVED_EXTRA_SCALE);
}

/**
 * `num / den` where `num` is in units of 10^-`scale`, as a Decimal at `outScale` places. Done in
 * bigint because products of ticks and lots outgrow the 64-bit range a Decimal may hold.
 */
export function ratioToDecimal(
  num: bigint,
  den: bigint,
  scale: number,
  outScale: number,
  rounding: RoundingMode = "half-even",
): Decimal {
  let n = num;
  let d = den;
  if (outScale >= scale) n *= pow10(outScale - scale);
  else d *= pow10(scale - outScale);
  return Decimal.fromUnits(divRound(n, d, rounding), outScale);
}

/** Half of `units × 10^-scale`, exact: one more decimal place only when the value is odd. */
export function halfOf(units: bigint, scale: number): Decimal {
  if (units % 2n === 0n) return Decimal.fromUnits(units / 2n, scale);
  if (scale < MAX_SCALE) return Decimal.fromUnits(units * 5n, scale + 1);
  return ratioToDecimal(units, 2n, scale, scale);
}
