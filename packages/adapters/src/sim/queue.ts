import type { OwnLevel } from "./own-book.js";
import { leavesLots, type VenueOrder } from "./venue-order.js";

/**
 * Executes up to `volume` lots at one price level, from the front of its queue.
 *
 * The queue at a price mixes external liquidity and resting strategy orders: each strategy order
 * knows how many external lots are ahead of it (`queueAhead`). Volume first takes the external
 * lots ahead of the first order, then that order, then the external lots between it and the next
 * one, and so on; what is left after the last order takes external lots behind it.
 *
 * `takeExternal(lots)` is called for external lots taken (bounded by `externalLots`, the external
 * size at the level; pass Infinity when the volume is an external trade that consumes no book).
 * `fillOrder(order, lots)` fills a strategy order and returns the lots actually filled (less when a
 * reduce-only cap applies; 0 when the order was canceled instead). Returns the volume executed.
 */
export function executeAtLevel(
  level: OwnLevel | undefined,
  externalLots: number,
  volume: number,
  takeExternal: (lots: number) => void,
  fillOrder: (order: VenueOrder, lots: number) => number,
): number {
  let remaining = volume;
  let externalTaken = 0;
  let order = level?.head;
  while (remaining > 0 && order !== undefined) {
    const next = order.next;
    const ahead = Math.min(order.queueAhead, externalLots) - externalTaken;
    if (ahead > 0) {
      const x = Math.min(remaining, ahead);
      takeExternal(x);
      externalTaken += x;
      remaining -= x;
      if (remaining === 0) break;
    }
    remaining -= fillOrder(order, Math.min(remaining, leavesLots(order)));
    order = next;
  }
  if (remaining > 0 && externalLots > externalTaken) {
    const x = Math.min(remaining, externalLots - externalTaken);
    takeExternal(x);
    externalTaken += x;
    remaining -= x;
  }
  if (externalTaken > 0 && level !== undefined) {
    for (let o = level.head; o !== undefined; o = o.next) {
      o.queueAhead = Math.max(0, o.queueAhead - externalTaken);
    }
  }
  return volume - remaining;
}
