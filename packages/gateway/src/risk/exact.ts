import { Decimal, divRound, MAX_SCALE, type RoundingMode } from "@openfloor/core";

/**
 * Exact decimal arithmetic without the 64-bit bound of a `Decimal`: products of prices, sizes and
 * multipliers (and sums of them over an account) outgrow that bound for ordinary values, and a
 * risk check must never fail with an overflow. Internal to the risk and execution engines.
 */
export interface Exact {
  readonly units: bigint;
  readonly scale: number;
}

export const EXACT_ZERO: Exact = { units: 0n, scale: 0 };

const INT64_MAX = (1n << 63n) - 1n;

const POW10: readonly bigint[] = Array.from({ length: 4 * MAX_SCALE + 1 }, (_, i) => 10n ** BigInt(i));

function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

export function exact(value: Decimal): Exact {
  return { units: value.units, scale: value.scale };
}

function align(a: Exact, b: Exact): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.units, b.units, a.scale];
  return a.scale > b.scale
    ? [a.units, b.units * pow10(a.scale - b.scale), a.scale]
    : [a.units * pow10(b.scale - a.scale), b.units, b.scale];
}

export function add(a: Exact, b: Exact): Exact {
  const [x, y, scale] = align(a, b);
  return { units: x + y, scale };
}

export function sub(a: Exact, b: Exact): Exact {
  const [x, y, scale] = align(a, b);
  return { units: x - y, scale };
}

export function mul(a: Exact, b: Exact): Exact {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** `a / b` rounded towards +∞ at `scale` places (valuations err on the side of more exposure). */
export function divCeil(a: Exact, b: Exact, scale = MAX_SCALE): Exact {
  const shift = scale + b.scale - a.scale;
  let num = a.units;
  let den = b.units;
  if (shift >= 0) num *= pow10(shift);
  else den *= pow10(-shift);
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  let q = num / den;
  if (num % den !== 0n && num > 0n) q += 1n;
  return { units: q, scale };
}

export function abs(a: Exact): Exact {
  return a.units < 0n ? { units: -a.units, scale: a.scale } : a;
}

export function neg(a: Exact): Exact {
  return { units: -a.units, scale: a.scale };
}

export function cmp(a: Exact, b: Exact): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The nearest `Decimal`: exact when it fits, otherwise rounded to the finest scale that fits
 * 64 bits; values beyond ±9.2e18 saturate at the bound.
 */
export function toDecimal(a: Exact, rounding: RoundingMode = "half-even"): Decimal {
  let units = a.units;
  let scale = a.scale;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  for (let s = Math.min(scale, MAX_SCALE); s >= 0; s--) {
    const rounded = roundUnits(units, scale, s, rounding);
    if (rounded <= INT64_MAX && rounded >= -INT64_MAX) return Decimal.fromUnits(rounded, s);
  }
  return Decimal.fromUnits(units < 0n ? -INT64_MAX : INT64_MAX, 0);
}

function roundUnits(units: bigint, from: number, to: number, rounding: RoundingMode): bigint {
  return to >= from ? units * pow10(to - from) : divRound(units, pow10(from - to), rounding);
}
