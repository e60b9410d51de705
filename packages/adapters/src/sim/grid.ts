import { Decimal, type Instrument, InvalidOrderError, type RoundingMode } from "@openfloor/core";

/**
 * Converts an instrument's prices and sizes to integer ticks and lots (JavaScript numbers, exact
 * below 2^53) and back. The matching engine works on these integers: it is much faster than
 * bigint decimals, and every value on the grid is representable exactly.
 */
export class InstrumentGrid {
  readonly instrument: Instrument;
  private readonly priceScale: number;
  private readonly priceUnits: bigint;
  private readonly sizeScale: number;
  private readonly sizeUnits: bigint;
  // Decimals are immutable: the prices and sizes a book keeps meeting are built once.
  private readonly prices = new Map<number, Decimal>();
  private readonly sizes = new Map<number, Decimal>();

  constructor(instrument: Instrument) {
    this.instrument = instrument;
    const p = instrument.priceIncrement.normalize();
    const s = instrument.sizeIncrement.normalize();
    this.priceScale = p.scale;
    this.priceUnits = p.units;
    this.sizeScale = s.scale;
    this.sizeUnits = s.units;
  }

  /** Whole ticks of an on-grid price; an off-grid price is an InvalidOrderError naming `field`. */
  ticks(price: Decimal, field = "price"): number {
    const units = exactUnits(price, this.priceScale);
    if (units === undefined || units % this.priceUnits !== 0n) {
      throw this.offGrid(field, price, this.instrument.priceIncrement);
    }
    return toSafeNumber(units / this.priceUnits);
  }

  /** Ticks of any price, rounded to the grid (for recorded data that is not on it). */
  ticksRounded(price: Decimal, rounding: RoundingMode = "half-even"): number {
    return Number(price.div(this.instrument.priceIncrement, { scale: 0, rounding }).units);
  }

  price(ticks: number): Decimal {
    let d = this.prices.get(ticks);
    if (d === undefined) {
      d = Decimal.fromUnits(BigInt(ticks) * this.priceUnits, this.priceScale);
      if (this.prices.size >= CACHE_SIZE) this.prices.clear();
      this.prices.set(ticks, d);
    }
    return d;
  }

  /** Whole lots of an on-grid size; off-grid is an InvalidOrderError naming `field`. */
  lots(size: Decimal, field = "quantity"): number {
    const units = exactUnits(size, this.sizeScale);
    if (units === undefined || units % this.sizeUnits !== 0n) {
      throw this.offGrid(field, size, this.instrument.sizeIncrement);
    }
    return toSafeNumber(units / this.sizeUnits);
  }

  /** Lots of any size, rounded down to the grid. */
  lotsFloor(size: Decimal): number {
    return Number(size.div(this.instrument.sizeIncrement, { scale: 0, rounding: "floor" }).units);
  }

  size(lots: number): Decimal {
    let d = this.sizes.get(lots);
    if (d === undefined) {
      d = Decimal.fromUnits(BigInt(lots) * this.sizeUnits, this.sizeScale);
      if (this.sizes.size >= CACHE_SIZE) this.sizes.clear();
      this.sizes.set(lots, d);
    }
    return d;
  }

  /** `Σ lots × ticks` (an integer) as a value in quote units: price × size, without the multiplier. */
  value(lotTicks: bigint): Decimal {
    return Decimal.fromUnits(lotTicks * this.priceUnits * this.sizeUnits, this.priceScale + this.sizeScale);
  }

  private offGrid(field: string, value: Decimal, increment: Decimal): InvalidOrderError {
    const symbol = this.instrument.id.symbol;
    return new InvalidOrderError(
      "INVALID_ORDER",
      `${field} ${value.toString()} is not a multiple of ${increment.toString()} for ${symbol}`,
      {
        context: {
          venue: this.instrument.id.venue,
          field,
          value: value.toString(),
          increment: increment.toString(),
        },
      },
    );
  }
}

/** Units of `value` at `scale` places, or undefined when it is finer than that. */
function exactUnits(value: Decimal, scale: number): bigint | undefined {
  if (value.scale <= scale) return value.units * 10n ** BigInt(scale - value.scale);
  const d = 10n ** BigInt(value.scale - scale);
  return value.units % d === 0n ? value.units / d : undefined;
}

function toSafeNumber(n: bigint): number {
  if (n > MAX_SAFE || n < -MAX_SAFE) {
    throw new RangeError(`${n} ticks or lots is beyond what the simulated venue represents exactly`);
  }
  return Number(n);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const CACHE_SIZE = 4096;
