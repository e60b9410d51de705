import type { Nanos } from "../clock/clock.js";
import { BookError } from "../errors/domain-errors.js";
import { formatInstrumentId, type InstrumentId, sameInstrument } from "../instruments/instrument-id.js";
import type { Decimal } from "../numbers/decimal.js";
import { derivedScale, halfOf, type PriceRounding, ratioToDecimal } from "./book-math.js";
import type { BookView } from "./book-view.js";
import type { BookLevel, Quote } from "./types.js";

/**
 * Top of book for venues that send only quotes (best bid and ask), with the same queries as the full
 * `OrderBook`. A side quoted with size zero counts as empty.
 *
 * @example
 * const top = new QuoteBook(instrumentId("AAPL", "sim"));
 * top.update(quote);
 * top.microprice()?.toString();
 */
export class QuoteBook implements BookView {
  readonly instrument: InstrumentId;
  private last: Quote | undefined;

  constructor(instrument: InstrumentId) {
    this.instrument = instrument;
  }

  /**
   * Takes a quote. A quote with an event time before the current one's is ignored (false), so quotes
   * arriving out of order over several connections cannot roll the view back.
   */
  update(quote: Quote): boolean {
    if (quote.instrument !== this.instrument && !sameInstrument(quote.instrument, this.instrument)) {
      throw new BookError(
        "BOOK_INSTRUMENT_MISMATCH",
        `quote book of ${formatInstrumentId(this.instrument)} fed a quote for ${formatInstrumentId(quote.instrument)}`,
        {
          context: {
            book: formatInstrumentId(this.instrument),
            update: formatInstrumentId(quote.instrument),
          },
        },
      );
    }
    if (this.last !== undefined && quote.tsEventNs < this.last.tsEventNs) return false;
    this.last = quote;
    return true;
  }

  /** The quote the view shows, if any. */
  get quote(): Quote | undefined {
    return this.last;
  }

  /** Event time of the current quote (0 before the first). */
  get tsEventNs(): Nanos {
    return this.last?.tsEventNs ?? 0n;
  }

  bestBid(): BookLevel | undefined {
    const q = this.last;
    return q === undefined || !q.bidSize.isPositive() ? undefined : { price: q.bidPrice, size: q.bidSize };
  }

  bestAsk(): BookLevel | undefined {
    const q = this.last;
    return q === undefined || !q.askSize.isPositive() ? undefined : { price: q.askPrice, size: q.askSize };
  }

  spread(): Decimal | undefined {
    const bid = this.bestBid();
    const ask = this.bestAsk();
    return bid === undefined || ask === undefined ? undefined : ask.price.sub(bid.price);
  }

  mid(): Decimal | undefined {
    const bid = this.bestBid();
    const ask = this.bestAsk();
    if (bid === undefined || ask === undefined) return undefined;
    const scale = Math.max(bid.price.scale, ask.price.scale);
    return halfOf(bid.price.unitsAt(scale) + ask.price.unitsAt(scale), scale);
  }

  microprice(options?: PriceRounding): Decimal | undefined {
    const bid = this.bestBid();
    const ask = this.bestAsk();
    if (bid === undefined || ask === undefined) return undefined;
    const priceScale = Math.max(bid.price.scale, ask.price.scale);
    const sizeScale = Math.max(bid.size.scale, ask.size.scale);
    const bidSize = bid.size.unitsAt(sizeScale);
    const askSize = ask.size.unitsAt(sizeScale);
    const num = bid.price.unitsAt(priceScale) * askSize + ask.price.unitsAt(priceScale) * bidSize;
    return ratioToDecimal(
      num,
      bidSize + askSize,
      priceScale,
      derivedScale(priceScale, options),
      options?.rounding,
    );
  }

  isCrossed(): boolean {
    const bid = this.bestBid();
    const ask = this.bestAsk();
    return bid !== undefined && ask !== undefined && bid.price.gte(ask.price);
  }
}
