import type { InstrumentId } from "../instruments/instrument-id.js";
import type { Decimal } from "../numbers/decimal.js";
import type { PriceRounding } from "./book-math.js";
import type { BookLevel } from "./types.js";

/** A side of a book: resting buy interest (`bid`) or sell interest (`ask`). */
export type BookSide = "bid" | "ask";

/**
 * What a strategy reads from any book, full depth (`OrderBook`) or top of book only (`QuoteBook`).
 * Every query is `undefined` while a side it needs is empty.
 */
export interface BookView {
  readonly instrument: InstrumentId;
  /** Highest bid and its size. */
  bestBid(): BookLevel | undefined;
  /** Lowest ask and its size. */
  bestAsk(): BookLevel | undefined;
  /** Best ask − best bid (negative when the book is crossed). */
  spread(): Decimal | undefined;
  /** (best bid + best ask) / 2, exact: one decimal place more than the prices when needed. */
  mid(): Decimal | undefined;
  /**
   * Size-weighted mid leaning towards the thinner side:
   * (bid × askSize + ask × bidSize) / (bidSize + askSize), rounded as `options` says.
   */
  microprice(options?: PriceRounding): Decimal | undefined;
  /** True when the best bid is at or above the best ask. */
  isCrossed(): boolean;
}
