import { DecimalError } from "../errors/domain-errors.js";
import type { Decimal as ProtoDecimal } from "../gen/openfloor/v1/common.js";
import { divRound } from "./rounding.js";

/**
 * How a result that does not fit the requested scale is rounded.
 * - `half-even`: to nearest, ties to even (banker's rounding; the default)
 * - `half-up` / `half-down`: to nearest, ties away from / towards zero
 * - `up` / `down`: away from / towards zero
 * - `ceil` / `floor`: towards +∞ / −∞
 */
export type RoundingMode = "half-even" | "half-up" | "half-down" | "up" | "down" | "ceil" | "floor";

/** Finest scale a value may carry: 18 decimal places. */
export const MAX_SCALE = 18;
const INT64_MAX = (1n << 63n) - 1n;
const POW10: bigint[] = Array.from({ length: 2 * MAX_SCALE + 2 }, (_, i) => 10n ** BigInt(i));
const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

/** Anything that converts to a Decimal exactly: a decimal string, a bigint, a safe integer, or a Decimal. */
export type DecimalLike = Decimal | string | bigint | number;

/**
 * An exact fixed-point decimal: `units × 10^-scale`, with `scale` from 0 to 18 and `units` fitting a
 * signed 64-bit integer (so it travels losslessly as the protobuf `Decimal`). Immutable.
 *
 * Prices, sizes, fees and money are Decimals; there is no binary floating point on money anywhere.
 * Equality is by value: `1.50` equals `1.5`; `toString()` keeps the scale it was given.
 *
 * @example
 * Decimal.from("0.1").add("0.2").toString() // "0.3"
 */
export class Decimal {
  /** The integer mantissa: value = units × 10^-scale. */
  readonly units: bigint;
  /** Number of decimal places, 0..18. */
  readonly scale: number;

  private constructor(units: bigint, scale: number) {
    this.units = units;
    this.scale = scale;
  }

  static readonly ZERO = new Decimal(0n, 0);
  static readonly ONE = new Decimal(1n, 0);

  /** Builds a Decimal from `units × 10^-scale`, checking the range and precision. */
  static fromUnits(units: bigint, scale: number): Decimal {
    return Decimal.make(units, scale, () => `${units}e-${scale}`);
  }

  /** `shown` names the value in errors; pass a function when building the text costs (hot paths). */
  private static make(units: bigint, scale: number, shown: string | (() => string)): Decimal {
    if (!Number.isInteger(scale) || scale < 0) {
      throw new DecimalError(
        "DECIMAL_MALFORMED",
        `decimal scale must be a non-negative integer, got ${scale}`,
        {
          context: { value: typeof shown === "function" ? shown() : shown, scale },
        },
      );
    }
    let u = units;
    let s = scale;
    if (s > MAX_SCALE || u > INT64_MAX || u < -INT64_MAX) {
      const text = typeof shown === "function" ? shown() : shown;
      // Zero is zero at any scale; without this a wire value such as scale 4e9 would strip digits for ages.
      if (u === 0n) return new Decimal(0n, Math.min(s, MAX_SCALE));
      // Trailing zeros carry no information: drop them before deciding it does not fit.
      while (s > 0 && u % 10n === 0n && (s > MAX_SCALE || u > INT64_MAX || u < -INT64_MAX)) {
        u /= 10n;
        s -= 1;
      }
      if (s > MAX_SCALE) {
        throw new DecimalError(
          "DECIMAL_PRECISION",
          `decimal ${text} is finer than the ${MAX_SCALE} decimal places openfloor carries; round it first`,
          { context: { value: text, scale: s, maxScale: MAX_SCALE } },
        );
      }
      if (u > INT64_MAX || u < -INT64_MAX) {
        throw new DecimalError("DECIMAL_OVERFLOW", `decimal ${text} does not fit 64-bit fixed point`, {
          context: { value: text },
        });
      }
    }
    return new Decimal(u, s);
  }

  /**
   * Parses a decimal string: `"123"`, `"-0.001"`, `"1.5e-3"`. Anything else (empty, `"1,5"`, `"NaN"`,
   * `"Infinity"`, `"0x10"`) is a `DecimalError` naming the value.
   */
  static parse(text: string): Decimal {
    const m = DECIMAL_RE.exec(text.trim());
    if (m === null) {
      const code = /^[+-]?(nan|inf(inity)?)$/i.test(text.trim()) ? "DECIMAL_NOT_FINITE" : "DECIMAL_MALFORMED";
      throw new DecimalError(code, `not a decimal number: ${JSON.stringify(text)}`, {
        context: { value: text },
      });
    }
    const [, sign, intPart = "0", frac = "", exp] = m;
    let units = BigInt(intPart + frac);
    let scale = frac.length;
    if (exp !== undefined) {
      const e = Number(exp);
      if (!Number.isSafeInteger(e) || Math.abs(e) > 4 * MAX_SCALE + 20) {
        throw new DecimalError("DECIMAL_OVERFLOW", `decimal exponent out of range: ${JSON.stringify(text)}`, {
          context: { value: text },
        });
      }
      scale -= e;
      if (scale < 0) {
        units *= pow10(-scale);
        scale = 0;
      }
    }
    if (sign === "-") units = -units;
    return Decimal.make(units, scale, text);
  }

  /**
   * Converts a DecimalLike exactly. Numbers must be integers (use `fromNumber` for a float that
   * came from outside, such as a ccxt field, and round it to the instrument's increment).
   */
  static from(value: DecimalLike): Decimal {
    if (value instanceof Decimal) return value;
    if (typeof value === "string") return Decimal.parse(value);
    if (typeof value === "bigint") return Decimal.make(value, 0, () => value.toString());
    if (!Number.isFinite(value)) {
      throw new DecimalError("DECIMAL_NOT_FINITE", `not a finite number: ${value}`, { context: { value } });
    }
    if (!Number.isSafeInteger(value)) {
      throw new DecimalError(
        "DECIMAL_PRECISION",
        `number ${value} is not a safe integer; pass a string, or use Decimal.fromNumber with a scale`,
        { context: { value } },
      );
    }
    return Decimal.make(BigInt(value), 0, () => String(value));
  }

  /**
   * Converts a JavaScript number from an outside source (a JSON API, ccxt) through its shortest
   * round-trip text, e.g. `0.1 + 0.2` → `0.30000000000000004`. Pass `scale` (and a rounding mode) to
   * round it to the precision the value really has, e.g. the instrument's price decimals.
   */
  static fromNumber(value: number, options: { scale?: number; rounding?: RoundingMode } = {}): Decimal {
    if (!Number.isFinite(value)) {
      throw new DecimalError("DECIMAL_NOT_FINITE", `not a finite number: ${value}`, { context: { value } });
    }
    const text = String(value);
    if (options.scale === undefined) return Decimal.parse(text);
    // Parse at full width first (a float can print more than 18 places), then round.
    const m = DECIMAL_RE.exec(text);
    if (m === null) throw new DecimalError("DECIMAL_MALFORMED", `not a decimal number: ${text}`);
    const [, sign, intPart = "0", frac = "", exp] = m;
    let units = BigInt(intPart + frac);
    let scale = frac.length - (exp === undefined ? 0 : Number(exp));
    if (scale < 0) {
      units *= pow10(-scale);
      scale = 0;
    }
    if (sign === "-") units = -units;
    return Decimal.make(
      roundUnits(units, scale, options.scale, options.rounding ?? "half-even"),
      options.scale,
      text,
    );
  }

  /** From the protobuf `Decimal` (lossless). */
  static fromProto(value: ProtoDecimal | undefined): Decimal {
    if (value === undefined) return Decimal.ZERO;
    return Decimal.make(value.mantissa, value.scale, () => `${value.mantissa}e-${value.scale}`);
  }

  /** To the protobuf `Decimal` (lossless). */
  toProto(): ProtoDecimal {
    return { mantissa: this.units, scale: this.scale };
  }

  add(other: DecimalLike): Decimal {
    const o = Decimal.from(other);
    if (this.scale === o.scale) return Decimal.make(this.units + o.units, this.scale, "sum");
    return this.scale > o.scale
      ? Decimal.make(this.units + o.units * pow10(this.scale - o.scale), this.scale, "sum")
      : Decimal.make(this.units * pow10(o.scale - this.scale) + o.units, o.scale, "sum");
  }

  sub(other: DecimalLike): Decimal {
    return this.add(Decimal.from(other).neg());
  }

  /**
   * Exact product. When the exact product would be finer than 18 places, pass `scale` and
   * `rounding` to round it; otherwise it is a DECIMAL_PRECISION error.
   */
  mul(other: DecimalLike, options?: { scale: number; rounding?: RoundingMode }): Decimal {
    const o = Decimal.from(other);
    const units = this.units * o.units;
    const scale = this.scale + o.scale;
    if (options === undefined) return Decimal.make(units, scale, () => `${this.toString()}*${o.toString()}`);
    return Decimal.make(
      roundUnits(units, scale, options.scale, options.rounding ?? "half-even"),
      options.scale,
      "product",
    );
  }

  /** Quotient rounded to `scale` places (default 18) with `rounding` (default half-even). */
  div(other: DecimalLike, options: { scale?: number; rounding?: RoundingMode } = {}): Decimal {
    const o = Decimal.from(other);
    if (o.units === 0n) {
      throw new DecimalError("DECIMAL_DIVISION_BY_ZERO", `division of ${this.toString()} by zero`, {
        context: { value: this.toString() },
      });
    }
    const target = options.scale ?? MAX_SCALE;
    // this/o = (tu / 10^ts) / (ou / 10^os); compute at target+1 guard digits and round once.
    const shift = target + o.scale - this.scale;
    let num = this.units;
    let den = o.units;
    if (shift >= 0) num *= pow10(shift);
    else den *= pow10(-shift);
    return Decimal.make(divRound(num, den, options.rounding ?? "half-even"), target, "quotient");
  }

  neg(): Decimal {
    return this.units === 0n ? this : new Decimal(-this.units, this.scale);
  }

  abs(): Decimal {
    return this.units < 0n ? new Decimal(-this.units, this.scale) : this;
  }

  /** -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.units > 0n ? 1 : this.units < 0n ? -1 : 0;
  }

  cmp(other: DecimalLike): -1 | 0 | 1 {
    const o = Decimal.from(other);
    let a = this.units;
    let b = o.units;
    if (this.scale > o.scale) b *= pow10(this.scale - o.scale);
    else if (o.scale > this.scale) a *= pow10(o.scale - this.scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  eq(other: DecimalLike): boolean {
    return this.cmp(other) === 0;
  }
  lt(other: DecimalLike): boolean {
    return this.cmp(other) < 0;
  }
  lte(other: DecimalLike): boolean {
    return this.cmp(other) <= 0;
  }
  gt(other: DecimalLike): boolean {
    return this.cmp(other) > 0;
  }
  gte(other: DecimalLike): boolean {
    return this.cmp(other) >= 0;
  }
  isZero(): boolean {
    return this.units === 0n;
  }
  isNegative(): boolean {
    return this.units < 0n;
  }
  isPositive(): boolean {
    return this.units > 0n;
  }

  /** Rounds to `scale` decimal places. */
  round(scale: number, rounding: RoundingMode = "half-even"): Decimal {
    if (scale >= this.scale)
      return Decimal.make(this.units * pow10(scale - this.scale), scale, () => this.toString());
    return Decimal.make(roundUnits(this.units, this.scale, scale, rounding), scale, () => this.toString());
  }

  /** Rounds to a multiple of `increment` (a tick or lot size), e.g. 50000.037 to 0.01 → 50000.04. */
  roundToIncrement(increment: DecimalLike, rounding: RoundingMode = "half-even"): Decimal {
    const inc = Decimal.from(increment);
    if (!inc.isPositive()) {
      throw new DecimalError("DECIMAL_NEGATIVE", `increment must be positive, got ${inc.toString()}`, {
        context: { increment: inc.toString() },
      });
    }
    const steps = this.div(inc, { scale: 0, rounding });
    return steps.mul(inc);
  }

  /** True when this value is a whole multiple of `increment`. */
  isMultipleOf(increment: DecimalLike): boolean {
    const inc = Decimal.from(increment);
    if (inc.isZero()) return false;
    const scale = Math.max(this.scale, inc.scale);
    const a = this.units * pow10(scale - this.scale);
    const b = inc.units * pow10(scale - inc.scale);
    return a % b === 0n;
  }

  /** The same value with trailing zeros removed (`1.500` → `1.5`). */
  normalize(): Decimal {
    let u = this.units;
    let s = this.scale;
    while (s > 0 && u % 10n === 0n) {
      u /= 10n;
      s -= 1;
    }
    return s === this.scale ? this : new Decimal(u, s);
  }

  /** Units at `scale` places, exact (throws DECIMAL_PRECISION if the value is finer). Used for integer ticks. */
  unitsAt(scale: number): bigint {
    if (scale >= this.scale) return this.units * pow10(scale - this.scale);
    const d = pow10(this.scale - scale);
    if (this.units % d !== 0n) {
      throw new DecimalError(
        "DECIMAL_PRECISION",
        `${this.toString()} is finer than ${scale} decimal places`,
        {
          context: { value: this.toString(), scale },
        },
      );
    }
    return this.units / d;
  }

  static min(a: DecimalLike, b: DecimalLike): Decimal {
    const x = Decimal.from(a);
    const y = Decimal.from(b);
    return x.lte(y) ? x : y;
  }

  static max(a: DecimalLike, b: DecimalLike): Decimal {
    const x = Decimal.from(a);
    const y = Decimal.from(b);
    return x.gte(y) ? x : y;
  }

  toString(): string {
    if (this.scale === 0) return this.units.toString();
    const neg = this.units < 0n;
    const digits = (neg ? -this.units : this.units).toString().padStart(this.scale + 1, "0");
    const cut = digits.length - this.scale;
    return `${neg ? "-" : ""}${digits.slice(0, cut)}.${digits.slice(cut)}`;
  }

  toJSON(): string {
    return this.toString();
  }

  /** A float approximation, for charts and statistics only; never feed it back into money. */
  toNumber(): number {
    return Number(this.toString());
  }
}

function roundUnits(units: bigint, fromScale: number, toScale: number, mode: RoundingMode): bigint {
  if (toScale >= fromScale) return units * pow10(toScale - fromScale);
  return divRound(units, pow10(fromScale - toScale), mode);
}
