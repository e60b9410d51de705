import { DecimalError } from "../errors/domain-errors.js";
import { Decimal, type DecimalLike } from "../numbers/decimal.js";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Converts exact Decimals to whole steps of an increment (price ticks, size lots) held in plain JS
 * numbers, and back. Integers are exact in a number up to 2^53, which keeps book arithmetic exact
 * while staying off bigint on the hot path.
 *
 * @example
 * const ticks = new TickScale("0.5");
 * ticks.toTicks(Decimal.from("101.5")) // 203
 * ticks.fromTicks(203).toString()      // "101.5"
 */
export class TickScale {
  /** The step, normalized (`0.010` → `0.01`). */
  readonly increment: Decimal;
  /** Decimal places of the increment. */
  readonly scale: number;
  /** The increment in units of 10^-scale (1 for 0.01, 5 for 0.5). */
  readonly incrementUnits: bigint;

  constructor(increment: DecimalLike) {
    const inc = Decimal.from(increment).normalize();
    if (!inc.isPositive()) {
      throw new DecimalError("DECIMAL_NEGATIVE", `increment must be positive, got ${inc.toString()}`, {
        context: { increment: inc.toString() },
      });
    }
    this.increment = inc;
    this.scale = inc.scale;
    this.incrementUnits = inc.units;
  }

  /**
   * Whole steps in `value`. A value off the increment's grid is a DECIMAL_PRECISION error and one past
   * ±2^53 steps a DECIMAL_OVERFLOW error, both naming the value.
   */
  toTicks(value: Decimal): number {
    let units = value.scale === this.scale ? value.units : value.unitsAt(this.scale);
    if (this.incrementUnits !== 1n) {
      if (units % this.incrementUnits !== 0n) {
        throw new DecimalError(
          "DECIMAL_PRECISION",
          `${value.toString()} is not a multiple of the increment ${this.increment.toString()}`,
          { context: { value: value.toString(), increment: this.increment.toString() } },
        );
      }
      units /= this.incrementUnits;
    }
    if (units > MAX_SAFE || units < -MAX_SAFE) {
      throw new DecimalError(
        "DECIMAL_OVERFLOW",
        `${value.toString()} is more than 2^53 steps of ${this.increment.toString()}`,
        { context: { value: value.toString(), increment: this.increment.toString() } },
      );
    }
    return Number(units);
  }

  /** The Decimal of `ticks` whole steps, at the increment's scale. `ticks` must be an integer. */
  fromTicks(ticks: number): Decimal {
    return Decimal.fromUnits(BigInt(ticks) * this.incrementUnits, this.scale);
  }
}
