import type { RoundingMode } from "./decimal.js";

/**
 * `num / den` as an integer, rounded with `mode`: the one rounding rule behind `Decimal` and every
 * exact computation on integer units (book math, the risk engine's unbounded products).
 * @example divRound(25n, 10n, "half-even") // 2n
 */
export function divRound(num: bigint, den: bigint, mode: RoundingMode): bigint {
  let q = num / den;
  const r = num % den;
  if (r === 0n) return q;
  const negative = num < 0n !== den < 0n;
  const absR2 = (r < 0n ? -r : r) * 2n;
  const absDen = den < 0n ? -den : den;
  let awayFromZero: boolean;
  switch (mode) {
    case "down":
      awayFromZero = false;
      break;
    case "up":
      awayFromZero = true;
      break;
    case "ceil":
      awayFromZero = !negative;
      break;
    case "floor":
      awayFromZero = negative;
      break;
    case "half-up":
      awayFromZero = absR2 >= absDen;
      break;
    case "half-down":
      awayFromZero = absR2 > absDen;
      break;
    case "half-even":
      awayFromZero = absR2 > absDen || (absR2 === absDen && (q < 0n ? -q : q) % 2n === 1n);
      break;
  }
  if (awayFromZero) q += negative ? -1n : 1n;
  return q;
}
