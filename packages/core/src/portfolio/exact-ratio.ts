// Internal: exact rational arithmetic on Decimals, rounded once at the end. Not exported from the package.
import { DecimalError } from "../errors/domain-errors.js";
import { PortfolioError } from "../errors/portfolio-error.js";
import { Decimal, MAX_SCALE } from "../numbers/decimal.js";

const INT64_MAX = (1n << 63n) - 1n;

/** Places used for intermediate inverse-contract values, so that summing many of them loses nothing visible at 18. */
export const WIDE_SCALE = 2 * MAX_SCALE;

const POW10: bigint[] = Array.from({ length: 4 * MAX_SCALE + 1 }, (_, i) => 10n ** BigInt(i));

function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

/** num / den rounded to an integer, ties to even. */
export function divHalfEven(num: bigint, den: bigint): bigint {
  let n = num;
  let d = den;
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const odd = (q < 0n ? -q : q) % 2n === 1n;
  if (twice > d || (twice === d && odd)) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** A fixed-point value `units × 10^-scale` of any width: a Decimal, or a wide intermediate. */
export interface Fixed {
  readonly units: bigint;
  readonly scale: number;
}

/**
 * The exact value of Π nums / Π dens as integer units at `scale` places, rounded once, half-even.
 * @example ratioUnits([Decimal.from(1)], [Decimal.from(3)], 2) // 33n (0.33)
 */
export function ratioUnits(nums: readonly Fixed[], dens: readonly Fixed[], scale: number): bigint {
  let n = 1n;
  let d = 1n;
  let exp = scale;
  for (const x of nums) {
    n *= x.units;
    exp -= x.scale;
  }
  for (const x of dens) {
    d *= x.units;
    exp += x.scale;
  }
  if (exp >= 0) n *= pow10(exp);
  else d *= pow10(-exp);
  return divHalfEven(n, d);
}

/** Units at `from` places re-expressed at `to` places (rounded half-even when `to` is coarser). */
export function rescaleUnits(units: bigint, from: number, to: number): bigint {
  if (to >= from) return units * pow10(to - from);
  return divHalfEven(units, pow10(from - to));
}

/** Units at `scale` places as a Decimal; a value that does not fit 64 bits is a DecimalError. */
export function unitsToDecimal(units: bigint, scale: number): Decimal {
  return Decimal.fromUnits(units, scale).normalize();
}

/**
 * Units at `scale` places as a Decimal, dropping the finest places (half-even) until it fits 64 bits.
 * Only for derived figures such as exposure; ledger values (PnL, fees) never lose places silently.
 */
export function fitToDecimal(units: bigint, scale: number): Decimal {
  let u = units;
  let s = scale;
  while (s > MAX_SCALE || ((u > INT64_MAX || u < -INT64_MAX) && s > 0)) {
    u = divHalfEven(u, 10n);
    s -= 1;
  }
  return unitsToDecimal(u, s);
}

/**
 * The exact product a × b. Same result as `a.mul(b)`, without building the error text up front
 * (this is on the fill path); a product finer than 18 places still goes through `mul` and fails there.
 */
export function mulExact(a: Decimal, b: Decimal): Decimal {
  const options = EXACT_AT[a.scale + b.scale];
  return options === undefined ? a.mul(b) : a.mul(b, options);
}

const EXACT_AT = Array.from({ length: MAX_SCALE + 1 }, (_, scale) => Object.freeze({ scale }));

/** A DecimalError as the PortfolioError to throw instead; any other error unchanged. */
export function asPortfolioError(
  error: unknown,
  what: string,
  context: () => Record<string, unknown>,
): unknown {
  if (!(error instanceof DecimalError)) return error;
  return new PortfolioError("PORTFOLIO_PRECISION", `${what}: ${error.message}`, {
    cause: error,
    context: context(),
  });
}

/**
 * Runs `compute`, turning a DecimalError (a value finer than 18 places or wider than 64 bits) into a
 * PortfolioError that says which position and operation it was about.
 */
export function precisionGuard<T>(what: string, context: Record<string, unknown>, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    throw asPortfolioError(error, what, () => context);
  }
}
