import { Decimal, type Nanos } from "@openfloor/core";
import { SdkError } from "../../errors/sdk-errors.js";

const ZERO = 48;
const NINE = 57;
const DOT = 46;
const MINUS = 45;
const CACHE_SIZE = 4096;
const NS_PER_S = 1_000_000_000n;

/**
 * Parses decimal fields of a text file without allocating for values it has seen: prices and sizes in
 * market data repeat a lot, so each distinct value becomes one shared (immutable) `Decimal`. Plain
 * decimals of up to 15 digits are read digit by digit; anything else goes through `Decimal.parse`.
 * Exact either way.
 */
export class DecimalFieldParser {
  // Direct-mapped: small enough to stay in the CPU cache, a miss costs one Decimal.
  private readonly keys = new Float64Array(CACHE_SIZE).fill(Number.NaN);
  private readonly values: (Decimal | undefined)[] = new Array<Decimal | undefined>(CACHE_SIZE).fill(
    undefined,
  );

  /** The decimal in `text[start, end)`; throws a `DecimalError` naming the text when it is not one. */
  parse(text: string, start: number, end: number): Decimal {
    let units = 0;
    let scale = -1;
    let digits = 0;
    let i = start;
    const negative = text.charCodeAt(i) === MINUS;
    if (negative) i++;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= ZERO && c <= NINE) {
        units = units * 10 + (c - ZERO);
        digits++;
        if (scale >= 0) scale++;
      } else if (c === DOT && scale < 0 && digits > 0) scale = 0;
      else return Decimal.parse(text.slice(start, end));
    }
    if (digits === 0 || digits > 15 || scale === 0) return Decimal.parse(text.slice(start, end));
    return this.of(negative ? -units : units, Math.max(scale, 0));
  }

  /** `units × 10^-scale` for |units| < 2^53 and scale ≤ 15, shared with earlier equal values. */
  of(units: number, scale: number): Decimal {
    // 32 scales per unit value: scale is at most 15 here.
    const key = units * 32 + scale;
    const slot = (units ^ (units >>> 12) ^ (scale << 7)) & (CACHE_SIZE - 1);
    if (this.keys[slot] === key) return this.values[slot]!;
    const value = Decimal.fromUnits(BigInt(units), scale);
    this.keys[slot] = key;
    this.values[slot] = value;
    return value;
  }
}

/**
 * Parses timestamps of a text file to nanoseconds since the epoch: an integer of nanoseconds, or an
 * ISO 8601 time (`2024-01-02T03:04:05.123456789Z`, up to nine fractional digits; no zone means UTC).
 * Integer timestamps that share their seconds with the previous one cost one small bigint addition.
 */
export class TimestampParser {
  private lastSeconds = -1;
  private lastSecondsNs = 0n;

  parse(text: string, start: number, end: number): Nanos {
    const split = end - 9;
    if (split > start && split <= start + 10) {
      let seconds = 0;
      let nanos = 0;
      let bad = 0;
      for (let i = start; i < split; i++) {
        const d = text.charCodeAt(i) - ZERO;
        bad |= d | (9 - d);
        seconds = seconds * 10 + d;
      }
      for (let i = split; i < end; i++) {
        const d = text.charCodeAt(i) - ZERO;
        bad |= d | (9 - d);
        nanos = nanos * 10 + d;
      }
      // A negative `d` or `9 - d` (a non-digit) sets the sign bit.
      if (bad >= 0) {
        if (seconds !== this.lastSeconds) {
          this.lastSeconds = seconds;
          this.lastSecondsNs = BigInt(seconds) * NS_PER_S;
        }
        return this.lastSecondsNs + BigInt(nanos);
      }
    }
    return parseTimestamp(text.slice(start, end));
  }
}

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A timestamp as nanoseconds since the epoch, from an integer of nanoseconds (digits), an ISO 8601 time,
 * a `Date`, or a bigint. Throws `INVALID_ARGUMENT` naming the value for anything else.
 */
export function parseTimestamp(value: string | bigint | Date): Nanos {
  if (typeof value === "bigint") return value;
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) throw badTime(String(value));
    return BigInt(ms) * 1_000_000n;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return BigInt(text);
  const m = ISO.exec(text);
  if (m === null) throw badTime(text);
  const [, date, time = "00:00:00", fraction = "", zone = "Z"] = m;
  const offset = zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${date}T${time.length === 5 ? `${time}:00` : time}${offset}`);
  if (!Number.isFinite(ms)) throw badTime(text);
  return BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, "0"));
}

function badTime(text: string): SdkError {
  return new SdkError(
    "INVALID_ARGUMENT",
    `timestamp ${JSON.stringify(text)} must be nanoseconds since the epoch or an ISO 8601 time such as 2024-01-02T03:04:05Z`,
    { context: { value: text } },
  );
}
