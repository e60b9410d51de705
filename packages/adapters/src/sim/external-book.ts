import { type BookSide, PriceLadder } from "./ladder.js";

/**
 * One side of the liquidity the venue gets from outside: the synthetic market or replayed book data.
 * Sizes in lots by price in ticks. Strategy orders that take from it deplete it until the source
 * updates that level again (the source's next delta or snapshot is the truth).
 */
export class ExternalBookSide {
  readonly ladder: PriceLadder;
  private readonly sizes = new Map<number, number>();

  constructor(readonly side: BookSide) {
    this.ladder = new PriceLadder(side);
  }

  lotsAt(ticks: number): number {
    return this.sizes.get(ticks) ?? 0;
  }

  /** Sets the size at a price; zero removes the level. */
  set(ticks: number, lots: number): void {
    const had = this.sizes.has(ticks);
    if (lots > 0) {
      this.sizes.set(ticks, lots);
      if (!had) this.ladder.insert(ticks);
    } else if (had) {
      this.sizes.delete(ticks);
      this.ladder.remove(ticks);
    }
  }

  clear(): void {
    this.sizes.clear();
    this.ladder.clear();
  }

  /** Prices from best to worst. */
  prices(): IterableIterator<number> {
    return this.ladder.prices();
  }
}
