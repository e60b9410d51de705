import { type BookSide, PriceLadder } from "./ladder.js";
import type { VenueOrder } from "./venue-order.js";

/** Resting strategy orders at one price, in time priority (a doubly linked list: O(1) cancel). */
export interface OwnLevel {
  readonly ticks: number;
  head: VenueOrder | undefined;
  tail: VenueOrder | undefined;
  /** Σ leaves of the orders at this level, in lots. */
  lots: number;
}

/**
 * One side of the book of resting orders sent to the simulated venue (as opposed to the external
 * liquidity of the synthetic market or the replayed data, see `ExternalBookSide`).
 */
export class OwnBookSide {
  readonly ladder: PriceLadder;
  private readonly levels = new Map<number, OwnLevel>();

  constructor(readonly side: BookSide) {
    this.ladder = new PriceLadder(side);
  }

  level(ticks: number): OwnLevel | undefined {
    return this.levels.get(ticks);
  }

  bestLevel(): OwnLevel | undefined {
    const best = this.ladder.best();
    return best === undefined ? undefined : this.levels.get(best);
  }

  lotsAt(ticks: number): number {
    return this.levels.get(ticks)?.lots ?? 0;
  }

  /** Appends `order` at the back of the queue at its limit price. */
  append(order: VenueOrder, ticks: number, leavesLots: number): void {
    let level = this.levels.get(ticks);
    if (level === undefined) {
      level = { ticks, head: undefined, tail: undefined, lots: 0 };
      this.levels.set(ticks, level);
      this.ladder.insert(ticks);
    }
    order.level = level;
    order.prev = level.tail;
    order.next = undefined;
    if (level.tail === undefined) level.head = order;
    else level.tail.next = order;
    level.tail = order;
    level.lots += leavesLots;
  }

  /** Takes `order` out of its level (it keeps no book links afterwards). */
  unlink(order: VenueOrder, leavesLots: number): void {
    const level = order.level;
    if (level === undefined) return;
    if (order.prev === undefined) level.head = order.next;
    else order.prev.next = order.next;
    if (order.next === undefined) level.tail = order.prev;
    else order.next.prev = order.prev;
    level.lots -= leavesLots;
    order.level = undefined;
    order.prev = undefined;
    order.next = undefined;
    if (level.head === undefined) {
      this.levels.delete(level.ticks);
      this.ladder.remove(level.ticks);
    }
  }

  /** Orders from best price to worst, each level in time priority. */
  *orders(): IterableIterator<VenueOrder> {
    for (const ticks of this.ladder.prices()) {
      for (let o = this.levels.get(ticks)?.head; o !== undefined; o = o.next) yield o;
    }
  }
}
