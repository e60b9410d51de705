import type { BookLevel, BookSnapshot, Instrument, MarketEvent } from "@openfloor/core";
import { ExternalBookSide } from "./external-book.js";
import { InstrumentGrid } from "./grid.js";
import type { BookSide } from "./ladder.js";
import { OwnBookSide } from "./own-book.js";
import type { VenueOrder } from "./venue-order.js";

/** Top of the merged book in ticks and lots, for quotes and mid-price stop triggers. */
export interface TopOfBook {
  bidTicks: number | undefined;
  bidLots: number;
  askTicks: number | undefined;
  askLots: number;
}

/**
 * Everything the venue keeps for one instrument: resting strategy orders, external liquidity,
 * pending stops, the last trade, and what changed since the market data was last published.
 * The book the venue publishes is the merge of both: per price, external size + resting orders.
 */
export class InstrumentState {
  readonly grid: InstrumentGrid;
  readonly ownBids = new OwnBookSide("bid");
  readonly ownAsks = new OwnBookSide("ask");
  readonly extBids = new ExternalBookSide("bid");
  readonly extAsks = new ExternalBookSide("ask");
  /** Stop orders waiting for their trigger, in arrival order. */
  readonly stops: VenueOrder[] = [];
  /** Set once any book snapshot or delta came from the source; quotes then no longer set liquidity. */
  hasExternalBook = false;
  /** Queued for publication after the current operation. */
  queued = false;
  lastTradeTicks: number | undefined;
  /** Sequence of the published book stream; advances once per published change. */
  sequence = 0n;
  /** Changed levels awaiting publication (only tracked while someone watches the book). */
  readonly dirtyBids = new Set<number>();
  readonly dirtyAsks = new Set<number>();
  bookChanged = false;
  fullRefresh = false;
  /** Trades (and passed-through bars) to publish after the current operation, in order. */
  readonly outgoing: MarketEvent[] = [];
  readonly watchers = { book: 0, trades: 0, quotes: 0, bars: 0 };
  readonly top: TopOfBook = { bidTicks: undefined, bidLots: 0, askTicks: undefined, askLots: 0 };

  constructor(readonly instrument: Instrument) {
    this.grid = new InstrumentGrid(instrument);
  }

  own(side: BookSide): OwnBookSide {
    return side === "bid" ? this.ownBids : this.ownAsks;
  }

  ext(side: BookSide): ExternalBookSide {
    return side === "bid" ? this.extBids : this.extAsks;
  }

  /** Notes that the merged size at a price changed. */
  touch(side: BookSide, ticks: number): void {
    this.bookChanged = true;
    if (this.watchers.book > 0 && !this.fullRefresh)
      (side === "bid" ? this.dirtyBids : this.dirtyAsks).add(ticks);
  }

  /** Best merged price of a side, in ticks. */
  bestTicks(side: BookSide): number | undefined {
    const own = this.own(side).ladder.best();
    const ext = this.ext(side).ladder.best();
    if (own === undefined) return ext;
    if (ext === undefined) return own;
    return side === "bid" ? Math.max(own, ext) : Math.min(own, ext);
  }

  mergedLots(side: BookSide, ticks: number): number {
    return this.own(side).lotsAt(ticks) + this.ext(side).lotsAt(ticks);
  }

  /** Recomputes the top of book; true when it changed. */
  refreshTop(): boolean {
    const t = this.top;
    const bid = this.bestTicks("bid");
    const ask = this.bestTicks("ask");
    const bidLots = bid === undefined ? 0 : this.mergedLots("bid", bid);
    const askLots = ask === undefined ? 0 : this.mergedLots("ask", ask);
    if (bid === t.bidTicks && ask === t.askTicks && bidLots === t.bidLots && askLots === t.askLots)
      return false;
    t.bidTicks = bid;
    t.askTicks = ask;
    t.bidLots = bidLots;
    t.askLots = askLots;
    return true;
  }

  /** Prices of the merged side in ticks, best first, each once. */
  *mergedTicks(side: BookSide): Generator<number, void, undefined> {
    const own = this.own(side).ladder;
    const ext = this.ext(side).ladder;
    let i = 0;
    let j = 0;
    for (;;) {
      const a = own.at(i);
      const b = ext.at(j);
      if (a === undefined && b === undefined) return;
      if (a !== undefined && (b === undefined || (a !== b && own.atLeastAsGood(a, b)))) {
        i++;
        yield a;
      } else if (b !== undefined && (a === undefined || a !== b)) {
        j++;
        yield b;
      } else {
        i++;
        j++;
        yield b!;
      }
    }
  }

  /** Merged levels of one side, best first. */
  levels(side: BookSide, maxLevels = Number.POSITIVE_INFINITY): BookLevel[] {
    const out: BookLevel[] = [];
    for (const ticks of this.mergedTicks(side)) {
      if (out.length >= maxLevels) break;
      out.push({ price: this.grid.price(ticks), size: this.grid.size(this.mergedLots(side, ticks)) });
    }
    return out;
  }

  snapshot(tsNs: bigint): BookSnapshot {
    return {
      type: "book-snapshot",
      instrument: this.instrument.id,
      bids: this.levels("bid"),
      asks: this.levels("ask"),
      sequence: this.sequence,
      tsEventNs: tsNs,
      tsRecvNs: tsNs,
    };
  }

  /**
   * What changed during the operation, to publish in this order: trades (and bars), then the book
   * (a delta of the changed levels, or a snapshot after a full refresh), then the quote if the top
   * changed. Advances the book sequence once per change, watched or not. With `nowNs` undefined
   * (nobody listens) it only resets the change tracking.
   */
  takeUpdates(nowNs: bigint | undefined): MarketEvent[] {
    const out: MarketEvent[] = nowNs === undefined ? [] : this.outgoing.slice();
    this.outgoing.length = 0;
    if (this.bookChanged) {
      this.bookChanged = false;
      this.sequence++;
      if (nowNs !== undefined && this.watchers.book > 0) {
        if (this.fullRefresh) out.push(this.snapshot(nowNs));
        else if (this.dirtyBids.size > 0 || this.dirtyAsks.size > 0) {
          out.push({
            type: "book-delta",
            instrument: this.instrument.id,
            bids: this.changedLevels("bid"),
            asks: this.changedLevels("ask"),
            firstSequence: this.sequence,
            sequence: this.sequence,
            tsEventNs: nowNs,
            tsRecvNs: nowNs,
          });
        }
      }
      this.fullRefresh = false;
      this.dirtyBids.clear();
      this.dirtyAsks.clear();
    }
    if (this.watchers.quotes > 0 && this.refreshTop() && nowNs !== undefined) {
      const t = this.top;
      if (t.bidTicks !== undefined && t.askTicks !== undefined) {
        out.push({
          type: "quote",
          instrument: this.instrument.id,
          bidPrice: this.grid.price(t.bidTicks),
          bidSize: this.grid.size(t.bidLots),
          askPrice: this.grid.price(t.askTicks),
          askSize: this.grid.size(t.askLots),
          tsEventNs: nowNs,
          tsRecvNs: nowNs,
        });
      }
    }
    return out;
  }

  private changedLevels(side: BookSide): BookLevel[] {
    const set = side === "bid" ? this.dirtyBids : this.dirtyAsks;
    const ticks = [...set].sort(side === "bid" ? (a, b) => b - a : (a, b) => a - b);
    return ticks.map((t) => ({ price: this.grid.price(t), size: this.grid.size(this.mergedLots(side, t)) }));
  }
}
