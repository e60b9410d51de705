/**
 * Exact money in TypeScript for values read back from DuckDB: a bigint of 10⁻¹⁸ units. Unbounded
 * (DuckDB's DECIMAL(38,18) goes to 10²⁰, beyond core `Decimal`'s 64-bit units), so sums never round.
 */
export type Exact = bigint;

const SCALE = 18;

/** Units of a decimal text (at most 18 places); null and undefined read as zero. */
export function exact(text: string | null | undefined): Exact {
  if (text === null || text === undefined || text === "") return 0n;
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (m === null) throw new Error(`not a decimal: ${JSON.stringify(text)}`);
  const frac = (m[3] ?? "").replace(/0+$/, "");
  if (frac.length > SCALE) throw new Error(`${text} has more than ${SCALE} decimal places`);
  const units = BigInt(`${m[2] || "0"}${frac.padEnd(SCALE, "0")}`);
  return m[1] === "-" ? -units : units;
}

/** The shortest exact decimal text: 1.5, -0.25, 0. */
export function exactText(units: Exact): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(SCALE + 1, "0");
  const int = digits.slice(0, digits.length - SCALE);
  const frac = digits.slice(digits.length - SCALE).replace(/0+$/, "");
  const body = frac === "" ? int : `${int}.${frac}`;
  return neg && body !== "0" ? `-${body}` : body;
}

/** units ÷ an integer, rounded half-even to 18 places. */
export function divideExact(units: Exact, by: number | bigint): Exact {
  const d = BigInt(by);
  if (d === 0n) throw new RangeError("division by zero");
  let q = units / d;
  const r = units % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const ad = d < 0n ? -d : d;
  const away = twice > ad || (twice === ad && (q & 1n) !== 0n);
  if (away) q += units < 0n !== d < 0n ? -1n : 1n;
  return q;
}

/** A float of the amount, for ratios and charts only. */
export function exactNumber(units: Exact): number {
  return Number(exactText(units));
}

export const maxExact = (a: Exact, b: Exact): Exact => (a > b ? a : b);
