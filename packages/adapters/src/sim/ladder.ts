/** Side of a book: bids (buy orders) or asks (sell orders). */
export type BookSide = "bid" | "ask";

/**
 * The price levels of one book side in integer ticks, sorted so the best price is last: taking
 * and removing the best level, the common case when matching, is O(1). Inserting a new level is a
 * binary search plus a splice.
 */
export class PriceLadder {
  /** Sort keys: the tick itself for bids (ascending), its negation for asks (so the lowest ask is last). */
  private readonly keys: number[] = [];
  private readonly sign: 1 | -1;

  constructor(readonly side: BookSide) {
    this.sign = side === "bid" ? 1 : -1;
  }

  get length(): number {
    return this.keys.length;
  }

  /** Best price in ticks, or undefined when the side is empty. */
  best(): number | undefined {
    const k = this.keys[this.keys.length - 1];
    return k === undefined ? undefined : k * this.sign;
  }

  /** The `i`-th price from the best (0 = best). */
  at(i: number): number | undefined {
    const k = this.keys[this.keys.length - 1 - i];
    return k === undefined ? undefined : k * this.sign;
  }

  /** True when `ticks` is at least as good as `other` on this side (higher bid, lower ask). */
  atLeastAsGood(ticks: number, other: number): boolean {
    return ticks * this.sign >= other * this.sign;
  }

  insert(ticks: number): void {
    const key = ticks * this.sign;
    const keys = this.keys;
    const n = keys.length;
    if (n === 0 || keys[n - 1]! < key) {
      keys.push(key);
      return;
    }
    const i = this.lowerBound(key);
    if (keys[i] !== key) keys.splice(i, 0, key);
  }

  remove(ticks: number): void {
    const key = ticks * this.sign;
    const keys = this.keys;
    const n = keys.length;
    if (n > 0 && keys[n - 1] === key) {
      keys.pop();
      return;
    }
    const i = this.lowerBound(key);
    if (keys[i] === key) keys.splice(i, 1);
  }

  clear(): void {
    this.keys.length = 0;
  }

  /** Prices from best to worst. */
  *prices(): IterableIterator<number> {
    for (let i = this.keys.length - 1; i >= 0; i--) yield this.keys[i]! * this.sign;
  }

  private lowerBound(key: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
