import type { Instrument, MarketEvent, Quote } from "@openfloor/core";
import { isBookGap } from "./errors.js";
import type { CcxtOrderBook } from "./exchange.js";
import { classify, deferred, emitSafely, type Feed, pollEvery, sameTop, unwatch } from "./feeds.js";
import { BookTracker } from "./normalize/book.js";
import type { CcxtSession } from "./session.js";
import { StreamLoop } from "./stream-loop.js";
import type { BybitBookSequencer } from "./taps.js";

/**
 * The L2 stream of one market, feeding the book channel (snapshot, then deltas) and, when quotes come
 * from the book, the quote channel (a quote whenever the top changes).
 */
export class BookFeed implements Feed {
  readonly loop: StreamLoop<CcxtOrderBook>;
  readonly ws: boolean;
  private readonly first = deferred();
  /** The book object ccxt keeps updating in place; lets a new consumer start from a snapshot at once. */
  private lastBook: CcxtOrderBook | undefined;
  private bookDepth: number | undefined;
  private quotes = false;
  private tracker: BookTracker;
  private lastQuote: Quote | undefined;
  private readonly symbol: string;

  constructor(
    private readonly session: CcxtSession,
    private readonly instrument: Instrument,
    private readonly sequencer: BybitBookSequencer | undefined,
  ) {
    const s = session;
    this.symbol = instrument.id.symbol;
    this.ws = s.transports.book === "ws";
    this.tracker = new BookTracker(instrument, 1);
    const name = `book ${this.symbol}`;
    const loop = new StreamLoop<CcxtOrderBook>({
      name,
      clock: s.context.clock,
      backoff: s.config.reconnect,
      next: this.ws
        ? () => s.exchange.watchOrderBook(this.symbol)
        : pollEvery(s, () => s.exchange.fetchOrderBook(this.symbol)),
      onHealth: s.healthHook(name),
      isConnected: () => s.websocketsOpen(),
      onFailure: (e, n) => {
        if (isBookGap(e)) {
          this.gap(e);
          return "retry";
        }
        const action = classify(s, "orderbook", this.symbol, e, n);
        // After a reconnect ccxt starts the book over from a snapshot; so do we.
        if (action === "backoff") this.tracker.reset();
        return action;
      },
      onData: (book) => this.onBook(book),
    });
    this.loop = loop;
  }

  get ready(): Promise<void> {
    return this.first.promise;
  }

  /** No consumer left. */
  get idle(): boolean {
    return this.bookDepth === undefined && !this.quotes;
  }

  setBook(depth: number | undefined): void {
    this.bookDepth = depth;
    this.retrack();
  }

  setQuotes(on: boolean): void {
    this.quotes = on;
    if (this.bookDepth === undefined) this.retrack();
  }

  async stop(tell = true): Promise<void> {
    const stopped = this.loop.stop();
    if (this.ws && tell)
      await unwatch(
        this.session,
        () => this.session.exchange.unWatchOrderBook(this.symbol),
        "unWatchOrderBook",
      );
    await stopped;
  }

  private retrack(): void {
    if (this.idle) return;
    this.tracker = new BookTracker(this.instrument, this.bookDepth ?? 1);
    this.lastQuote = undefined;
    // A new consumer of a running stream starts from a snapshot of the book ccxt already holds.
    if (this.lastBook !== undefined && this.loop.running) void this.onBook(this.lastBook);
  }

  private gap(detail: unknown): void {
    const s = this.session;
    s.stats.sequenceGaps++;
    s.logger.warn(
      { symbol: this.symbol, err: detail, gaps: s.stats.sequenceGaps },
      "ccxt adapter: book sequence gap, resyncing",
    );
    this.tracker.reset();
    this.lastQuote = undefined;
  }

  private async onBook(book: CcxtOrderBook): Promise<void> {
    const s = this.session;
    this.first.resolve();
    this.lastBook = book;
    const marketId = s.marketId(this.symbol);
    const tapped = marketId === undefined ? undefined : this.sequencer?.state(marketId);
    if (tapped?.gap === true && marketId !== undefined) {
      this.gap(`update id ${tapped.sequence} does not follow the previous one`);
      this.sequencer?.clear(marketId);
      // Resubscribing makes the venue send a fresh snapshot; the next watch call subscribes again.
      await unwatch(s, () => s.exchange.unWatchOrderBook(this.symbol), "unWatchOrderBook");
      return;
    }
    const sequence =
      tapped !== undefined
        ? tapped.sequence
        : typeof book.nonce === "number"
          ? BigInt(book.nonce)
          : undefined;
    const recv = s.context.clock.now();
    let event: MarketEvent | undefined;
    try {
      event = this.tracker.update(book, sequence, recv);
    } catch (e) {
      this.tracker.reset();
      s.malformed("orderbook", this.symbol, e);
      return;
    }
    if (event !== undefined && this.bookDepth !== undefined)
      emitSafely(s, "orderbook", this.symbol, () => event);
    if (this.quotes) {
      emitSafely(s, "orderbook", this.symbol, () => {
        const q = this.tracker.top(recv, event?.tsEventNs ?? recv);
        if (q === undefined || (this.lastQuote !== undefined && sameTop(this.lastQuote, q))) return undefined;
        this.lastQuote = q;
        return q;
      });
    }
  }
}
