import type { SimExchange } from "@openfloor/adapters/sim";
import {
  type Decimal,
  formatInstrumentId,
  type Instrument,
  type MarketEvent,
  OrderBook,
  type Quote,
  type Trade,
} from "@openfloor/core";
import type { Subscriber } from "rxjs";

/** Subscribers of a depth-limited book: they get a top-`depth` snapshot after every book change. */
interface DepthView {
  readonly depth: number;
  subscribers: readonly Subscriber<MarketEvent>[];
}

/**
 * Everything the backtest keeps for one instrument: where its market data goes (the strategy's
 * subscribers) and how it reaches the simulated venue.
 *
 * The venue sees every book event, and every quote and trade while the strategy has an order working
 * in the instrument, so matching is exactly what it would be with every event applied. With nothing
 * working, only the latest quote and trade are kept and handed to the venue just before the next
 * order goes out: without resting orders a quote only replaces the venue's external top of book and a
 * trade only sets the last price, so the venue ends in the same state for a fraction of the cost.
 */
export class InstrumentRoute {
  readonly key: string;
  /** Orders of the strategy in this instrument that have not ended (counted from submit). */
  liveOrders = 0;
  lastQuote: Quote | undefined;
  lastTrade: Trade | undefined;
  /** The book as the data builds it, kept while the strategy watches the book. */
  book: OrderBook | undefined;
  // Subscriber lists are replaced, never mutated, so a subscriber may unsubscribe while being delivered to.
  quotes: readonly Subscriber<MarketEvent>[] = [];
  trades: readonly Subscriber<MarketEvent>[] = [];
  bars: readonly Subscriber<MarketEvent>[] = [];
  fullBooks: readonly Subscriber<MarketEvent>[] = [];
  readonly depthViews: DepthView[] = [];
  private pendingQuote: Quote | undefined;
  private pendingTrade: Trade | undefined;
  /** Book events have come for this instrument: the venue's liquidity follows them, not quotes. */
  private hasBookData = false;
  private lastBookSequence = 0n;

  constructor(
    readonly instrument: Instrument,
    readonly exchange: SimExchange,
  ) {
    this.key = formatInstrumentId(instrument.id);
  }

  onQuote(quote: Quote): void {
    this.lastQuote = quote;
    if (this.hasBookData) {
      // The venue takes its liquidity from the book stream; quotes add nothing to matching.
    } else if (this.liveOrders > 0) this.exchange.applyMarketEvent(quote);
    else this.pendingQuote = quote;
    deliver(this.quotes, quote);
  }

  onTrade(trade: Trade): void {
    this.lastTrade = trade;
    if (this.liveOrders > 0) this.exchange.applyMarketEvent(trade);
    else this.pendingTrade = trade;
    deliver(this.trades, trade);
  }

  onBook(event: MarketEvent & { type: "book-snapshot" | "book-delta" }): void {
    if (!this.hasBookData) {
      this.hasBookData = true;
      this.pendingQuote = undefined;
    }
    this.lastBookSequence = event.sequence;
    this.exchange.applyMarketEvent(event);
    const book = this.book;
    if (book === undefined) return;
    if (event.type === "book-snapshot") book.applySnapshot(event);
    else book.applyDelta(event);
    deliver(this.fullBooks, event);
    for (const view of this.depthViews) {
      if (view.subscribers.length > 0 && !book.stale) deliver(view.subscribers, book.snapshot(view.depth));
    }
  }

  /**
   * The book for book subscribers, kept from the first one on. It starts as the venue's book (which has
   * seen every book event) at the data's last sequence, so the deltas that follow apply to it.
   */
  watchBook(): OrderBook {
    if (this.book === undefined) {
      const book = OrderBook.forInstrument(this.instrument);
      if (this.hasBookData) {
        book.applySnapshot({
          ...this.exchange.bookSnapshot(this.instrument.id),
          sequence: this.lastBookSequence,
        });
      }
      this.book = book;
    }
    return this.book;
  }

  onBar(bar: MarketEvent & { type: "bar" }): void {
    deliver(this.bars, bar);
  }

  /** Hands the venue the latest quote and trade it has not seen; called before an order goes out. */
  sync(): void {
    const trade = this.pendingTrade;
    const quote = this.pendingQuote;
    this.pendingTrade = undefined;
    this.pendingQuote = undefined;
    if (trade !== undefined) this.exchange.applyMarketEvent(trade);
    if (quote !== undefined) this.exchange.applyMarketEvent(quote);
  }

  /** Mid of the last two-sided quote, else of the venue's book, else the last trade price. */
  markPrice(): Decimal | undefined {
    const q = this.lastQuote;
    const scale = this.instrument.priceIncrement.scale + 1;
    if (q !== undefined && q.bidSize.units > 0n && q.askSize.units > 0n) {
      return q.bidPrice.add(q.askPrice).div(2, { scale });
    }
    if (this.hasBookData) {
      const bid = this.exchange.bestBid(this.instrument.id);
      const ask = this.exchange.bestAsk(this.instrument.id);
      if (bid !== undefined && ask !== undefined) return bid.price.add(ask.price).div(2, { scale });
    }
    return this.lastTrade?.price;
  }

  depthView(depth: number): DepthView {
    let view = this.depthViews.find((v) => v.depth === depth);
    if (view === undefined) {
      view = { depth, subscribers: [] };
      this.depthViews.push(view);
    }
    return view;
  }
}

function deliver(subscribers: readonly Subscriber<MarketEvent>[], event: MarketEvent): void {
  for (let i = 0; i < subscribers.length; i++) subscribers[i]!.next(event);
}
