/** How many levels below the touch a search walks before switching to binary search. */
const LINEAR_STEPS = 8;

/**
 * One side of an L2 book as parallel typed arrays of integer keys and sizes, sorted ascending with
 * the best level last. Bids key by price ticks, asks by negated price ticks, so one ordering serves
 * both sides, and top-of-book changes (most of the flow) touch the end of the arrays: reads are
 * O(1) and inserts or removals near the touch shift only a few slots.
 *
 * Internal to the order book: keys and sizes are not validated here.
 */
export class BookLadder {
  keys: Float64Array;
  sizes: Float64Array;
  count = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  /** Sets the size at `key`; size 0 removes the level (removing an absent level is a no-op). */
  set(key: number, size: number): void {
    const keys = this.keys;
    const n = this.count;
    let i = n - 1;
    const stop = n > LINEAR_STEPS ? n - LINEAR_STEPS : 0;
    while (i >= stop && keys[i]! > key) i--;
    if (i >= 0 && i < stop && keys[i]! > key) i = lastAtOrBelow(keys, key, i - 1);
    if (i >= 0 && keys[i] === key) {
      if (size > 0) {
        this.sizes[i] = size;
        return;
      }
      const sizes = this.sizes;
      for (let j = i + 1; j < n; j++) {
        keys[j - 1] = keys[j]!;
        sizes[j - 1] = sizes[j]!;
      }
      this.count = n - 1;
      return;
    }
    if (size <= 0) return;
    if (n === keys.length) this.grow();
    const k = this.keys;
    const sizes = this.sizes;
    for (let j = n; j > i + 1; j--) {
      k[j] = k[j - 1]!;
      sizes[j] = sizes[j - 1]!;
    }
    k[i + 1] = key;
    sizes[i + 1] = size;
    this.count = n + 1;
  }

  /** Size at `key`, 0 when there is no level. */
  sizeAt(key: number): number {
    const i = lastAtOrBelow(this.keys, key, this.count - 1);
    return i >= 0 && this.keys[i] === key ? this.sizes[i]! : 0;
  }

  clear(): void {
    this.count = 0;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const sizes = new Float64Array(this.sizes.length * 2);
    keys.set(this.keys);
    sizes.set(this.sizes);
    this.keys = keys;
    this.sizes = sizes;
  }
}

/** Index of the last key ≤ `key` within `keys[0..hi]`, or -1. */
function lastAtOrBelow(keys: Float64Array, key: number, hi: number): number {
  let lo = 0;
  let h = hi;
  while (lo <= h) {
    const mid = (lo + h) >>> 1;
    if (keys[mid]! <= key) lo = mid + 1;
    else h = mid - 1;
  }
  return lo - 1;
}
