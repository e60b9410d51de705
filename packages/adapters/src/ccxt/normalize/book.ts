import {
  type BookDelta,
  type BookLevel,
  type BookSnapshot,
  type Instrument,
  type Nanos,
  priceDecimals,
  type Quote,
  sizeDecimals,
} from "@openfloor/core";
import type { CcxtLevel, CcxtOrderBook } from "../exchange.js";
import { exactDecimal, finite, msToNs } from "./numbers.js";

interface Side {
  prices: number[];
  sizes: number[];
}

/**
 * Turns successive states of a ccxt order book (ccxt applies the venue's deltas itself and hands back
 * the whole book) into a core snapshot followed by deltas: the levels that changed between two states,
 * size 0 for a level that went away. Sequence numbers are the venue's when known (`nonce`, or a raw
 * update id), else a local counter; deltas chain (`firstSequence` = previous `sequence` + 1).
 *
 * Binance `depthUpdate` → ccxt book: `{ e: "depthUpdate", s: "BTCUSDT", U: 1007, u: 1009,
 *   b: [["49999.99000000", "0.11300000"]], a: [["50000.01000000", "0"]] }` → `bids[0] = [49999.99, 0.113]`,
 *   level 50000.01 removed, `nonce = 1009`.
 */
export class BookTracker {
  private bids: Side | undefined;
  private asks: Side | undefined;
  private sequence = 0n;
  private readonly priceScale: number;
  private readonly sizeScale: number;

  /** @param depth levels per side to publish; 0 for all ccxt holds */
  constructor(
    private readonly instrument: Instrument,
    private readonly depth: number,
  ) {
    this.priceScale = priceDecimals(instrument);
    this.sizeScale = sizeDecimals(instrument);
  }

  /** False until the first state, and again after `reset()`: the next update is a snapshot. */
  get synced(): boolean {
    return this.bids !== undefined;
  }

  reset(): void {
    this.bids = undefined;
    this.asks = undefined;
  }

  /** Best bid and ask of the last state folded in. */
  top(recvNs: Nanos, tsEventNs: Nanos): Quote | undefined {
    const bp = this.bids?.prices[0];
    const ap = this.asks?.prices[0];
    if (bp === undefined || ap === undefined) return undefined;
    return {
      type: "quote",
      instrument: this.instrument.id,
      bidPrice: exactDecimal(bp, this.priceScale, "bid"),
      bidSize: exactDecimal(this.bids!.sizes[0], this.sizeScale, "bidSize"),
      askPrice: exactDecimal(ap, this.priceScale, "ask"),
      askSize: exactDecimal(this.asks!.sizes[0], this.sizeScale, "askSize"),
      tsEventNs,
      tsRecvNs: recvNs,
    };
  }

  /**
   * Folds the latest ccxt state in. Returns a snapshot when not synced, a delta when levels changed,
   * undefined when nothing did.
   */
  update(
    book: CcxtOrderBook,
    venueSequence: bigint | undefined,
    recvNs: Nanos,
  ): BookSnapshot | BookDelta | undefined {
    const tsEventNs = msToNs(book.timestamp, recvNs);
    const bids = this.read(book.bids, "bids");
    const asks = this.read(book.asks, "asks");
    if (this.bids === undefined || this.asks === undefined) {
      this.sequence = venueSequence ?? this.sequence + 1n;
      this.bids = bids;
      this.asks = asks;
      return {
        type: "book-snapshot",
        instrument: this.instrument.id,
        bids: this.levels(bids),
        asks: this.levels(asks),
        sequence: this.sequence,
        tsEventNs,
        tsRecvNs: recvNs,
      };
    }
    const bidChanges = this.diff(this.bids, bids, true);
    const askChanges = this.diff(this.asks, asks, false);
    this.bids = bids;
    this.asks = asks;
    if (bidChanges.length === 0 && askChanges.length === 0) return undefined;
    const first = this.sequence + 1n;
    this.sequence = venueSequence !== undefined && venueSequence >= first ? venueSequence : first;
    return {
      type: "book-delta",
      instrument: this.instrument.id,
      bids: bidChanges,
      asks: askChanges,
      firstSequence: first,
      sequence: this.sequence,
      tsEventNs,
      tsRecvNs: recvNs,
    };
  }

  private read(levels: readonly CcxtLevel[], field: string): Side {
    const n = this.depth > 0 ? Math.min(this.depth, levels.length) : levels.length;
    const prices = new Array<number>(n);
    const sizes = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const level = levels[i]!;
      prices[i] = finite(level[0], `${field}[${i}].price`);
      sizes[i] = finite(level[1], `${field}[${i}].size`);
    }
    return { prices, sizes };
  }

  private levels(side: Side): BookLevel[] {
    return side.prices.map((p, i) => this.level(p, side.sizes[i]!));
  }

  private level(price: number, size: number): BookLevel {
    return {
      price: exactDecimal(price, this.priceScale, "price"),
      size: exactDecimal(size, this.sizeScale, "size"),
    };
  }

  /** Equal sizes, or two floats of the same exact size (0.1 + 0.2 vs 0.3). */
  private sameSize(a: number, b: number): boolean {
    return a === b || exactDecimal(a, this.sizeScale, "size").eq(exactDecimal(b, this.sizeScale, "size"));
  }

  /** Merge walk over two best-first sides. */
  private diff(prev: Side, next: Side, bid: boolean): BookLevel[] {
    const out: BookLevel[] = [];
    let i = 0;
    let j = 0;
    const np = next.prices;
    const pp = prev.prices;
    while (i < pp.length || j < np.length) {
      if (j >= np.length) {
        out.push(this.level(pp[i]!, 0));
        i++;
      } else if (i >= pp.length) {
        out.push(this.level(np[j]!, next.sizes[j]!));
        j++;
      } else if (pp[i] === np[j]) {
        if (!this.sameSize(prev.sizes[i]!, next.sizes[j]!)) out.push(this.level(np[j]!, next.sizes[j]!));
        i++;
        j++;
      } else if (bid ? np[j]! > pp[i]! : np[j]! < pp[i]!) {
        out.push(this.level(np[j]!, next.sizes[j]!));
        j++;
      } else {
        out.push(this.level(pp[i]!, 0));
        i++;
      }
    }
    return out;
  }
}
