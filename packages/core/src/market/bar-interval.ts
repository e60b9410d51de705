import { OpenfloorError } from "../errors/openfloor-error.js";

/** A bar interval string that does not parse, or a trade fed to the bar builder of another instrument. */
export class BarError extends OpenfloorError<"BAR_INTERVAL_INVALID" | "BAR_INSTRUMENT_MISMATCH"> {}

/** A parsed bar length. */
export interface BarInterval {
  /** Canonical text, e.g. "5m". */
  readonly text: string;
  /** Length in nanoseconds. */
  readonly ns: bigint;
}

const UNIT_NS: Readonly<Record<string, bigint>> = {
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};

const INTERVAL_RE = /^([1-9]\d{0,5})([smhd])$/;

/**
 * Parses a bar interval: a positive count and a unit `s`, `m`, `h` or `d` ("1s", "5s", "1m", "5m",
 * "1h", "1d"). Anything else is a BarError naming the text. Bars align on multiples of the interval
 * since the Unix epoch, so "1d" bars run from UTC midnight.
 */
export function parseBarInterval(text: string): BarInterval {
  const m = INTERVAL_RE.exec(text);
  const unit = m?.[2] === undefined ? undefined : UNIT_NS[m[2]];
  if (m === null || unit === undefined) {
    throw new BarError(
      "BAR_INTERVAL_INVALID",
      `bar interval ${JSON.stringify(text)} must be a count and a unit s, m, h or d, e.g. "1m"`,
      { context: { interval: text } },
    );
  }
  return { text, ns: BigInt(m[1]!) * unit };
}
