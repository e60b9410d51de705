import {
  type BookLevel,
  formatInstrumentId,
  type Instrument,
  type MarketEvent,
  OrderBook,
} from "@openfloor/core";

/** What a book stream check found: the problems, and how many snapshots and deltas it saw. */
export interface BookStreamReport {
  readonly problems: string[];
  readonly snapshots: number;
  readonly deltas: number;
}

/**
 * Checks the book events of one instrument in delivery order, as a consumer sees them: a snapshot
 * before any delta; each delta continuing the sequence (`firstSequence ≤ last + 1 ≤ sequence`)
 * unless a snapshot resynced; levels sorted best first, prices on the tick grid and sizes on the
 * lot grid (zero only in deltas). Each event is also folded into a core `OrderBook`, which must
 * never report a gap.
 */
export function checkBookStream(events: readonly MarketEvent[], instrument: Instrument): BookStreamReport {
  const key = formatInstrumentId(instrument.id);
  const problems: string[] = [];
  const book = OrderBook.forInstrument(instrument);
  let synced = false;
  let last = 0n;
  let snapshots = 0;
  let deltas = 0;
  const levels = (where: string, side: "bid" | "ask", list: readonly BookLevel[], allowZero: boolean) => {
    for (let i = 0; i < list.length; i++) {
      const l = list[i]!;
      if (!l.price.isMultipleOf(instrument.priceIncrement)) {
        problems.push(`${where}: ${side} price ${l.price} is off the tick grid ${instrument.priceIncrement}`);
      }
      if (!l.size.isMultipleOf(instrument.sizeIncrement)) {
        problems.push(`${where}: ${side} size ${l.size} is off the lot grid ${instrument.sizeIncrement}`);
      }
      if (l.size.isNegative() || (!allowZero && l.size.isZero()))
        problems.push(`${where}: ${side} size ${l.size}`);
      const prev = list[i - 1];
      if (prev !== undefined && (side === "bid" ? !prev.price.gt(l.price) : !prev.price.lt(l.price))) {
        problems.push(`${where}: ${side} levels are not sorted best first (${prev.price} then ${l.price})`);
      }
    }
  };
  for (const e of events) {
    if (formatInstrumentId(e.instrument) !== key) continue;
    if (e.type === "book-snapshot") {
      snapshots++;
      const where = `snapshot #${e.sequence}`;
      levels(where, "bid", e.bids, false);
      levels(where, "ask", e.asks, false);
      synced = true;
      last = e.sequence;
      book.applySnapshot(e);
    } else if (e.type === "book-delta") {
      deltas++;
      const where = `delta #${e.firstSequence}..${e.sequence}`;
      if (!synced) {
        problems.push(`${where} arrived before any snapshot`);
        continue;
      }
      if (e.sequence < e.firstSequence) problems.push(`${where}: sequence below firstSequence`);
      if (e.sequence <= last) problems.push(`${where}: sequence does not increase (last ${last})`);
      else if (e.firstSequence > last + 1n)
        problems.push(`${where}: gap after ${last} delivered without a resync`);
      levels(where, "bid", e.bids, true);
      levels(where, "ask", e.asks, true);
      const r = book.applyDelta(e);
      if (r.status === "gap" || r.status === "stale")
        problems.push(`${where}: core OrderBook says ${r.status}`);
      last = e.sequence > last ? e.sequence : last;
    }
  }
  return { problems, snapshots, deltas };
}
