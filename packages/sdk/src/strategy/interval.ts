import { SdkError } from "../errors/sdk-errors.js";

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "250ms", "1s", "5m", "1h", "1d" (or a number of milliseconds) into milliseconds. */
export function intervalMs(interval: string | number): number {
  if (typeof interval === "number") {
    if (!(interval > 0) || !Number.isFinite(interval)) throw badInterval(String(interval));
    return interval;
  }
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(interval.trim());
  if (m === null) throw badInterval(interval);
  const ms = Number(m[1]) * UNITS[m[2]!]!;
  if (!(ms > 0)) throw badInterval(interval);
  return ms;
}

function badInterval(value: string): SdkError {
  return new SdkError(
    "INVALID_ARGUMENT",
    `interval ${JSON.stringify(value)} must look like "500ms", "1s", "5m", "1h" or "1d"`,
    {
      context: { value },
    },
  );
}
