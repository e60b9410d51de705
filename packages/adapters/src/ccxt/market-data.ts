import {
  formatInstrumentId,
  type Instrument,
  type MarketEvent,
  NotSupportedError,
  type Quote,
} from "@openfloor/core";
import type { MarketSubscription } from "../contract/adapter.js";
import { BookFeed } from "./book-feed.js";
import type { CcxtOHLCV, CcxtTicker, CcxtTrade } from "./exchange.js";
import {
  classify,
  deferred,
  emitSafely,
  type Feed,
  pollEvery,
  RecentIds,
  sameTop,
  unwatch,
} from "./feeds.js";
import { BarAssembler } from "./normalize/bars.js";
import { normalizeQuote } from "./normalize/quotes.js";
import { normalizeTrade } from "./normalize/trades.js";
import type { CcxtSession } from "./session.js";
import { StreamLoop } from "./stream-loop.js";
import type { BybitBookSequencer, SubscriptionAcks } from "./taps.js";

/**
 * Market data over ccxt: one loop per market and channel, on ccxt's websocket `watch*` calls where the
 * venue has them and REST polling otherwise; ccxt's float structures normalized to exact core events.
 * Book streams publish a snapshot first, then deltas; after a reconnect or a sequence gap the book is
 * resynced from a fresh snapshot. Quotes come from the top of that same book by default.
 */
export class CcxtMarketData {
  private readonly subs = new Map<string, MarketSubscription>();
  private readonly books = new Map<string, BookFeed>();
  private readonly others = new Map<string, Feed>();

  constructor(
    private readonly session: CcxtSession,
    private readonly sequencer: BybitBookSequencer | undefined,
    private readonly acks: SubscriptionAcks | undefined,
  ) {}

  /**
   * Starts the stream and resolves once it is live: the venue acknowledged the subscription, the first
   * value arrived, or (for venues whose acknowledgements the adapter does not know) the connection is
   * open, at most `subscribeTimeoutMs` later. Events sent right after this resolves are not lost.
   */
  async subscribe(sub: MarketSubscription, instrument: Instrument): Promise<void> {
    const key = subscriptionKey(sub);
    if (this.subs.has(key)) return;
    const s = this.session;
    const symbol = instrument.id.symbol;
    let feed: Feed;
    let fresh: boolean;
    switch (sub.channel) {
      case "book":
      case "quotes": {
        if (sub.channel === "quotes" && s.config.quotes !== "book") {
          feed = this.quoteFeed(instrument);
          fresh = true;
          break;
        }
        fresh = !this.books.has(symbol);
        const book = this.bookFeed(instrument);
        if (sub.channel === "book") book.setBook(sub.depth ?? 0);
        else book.setQuotes(true);
        feed = book;
        break;
      }
      case "trades":
        feed = this.tradeFeed(instrument);
        fresh = true;
        break;
      case "bars": {
        const interval = sub.interval ?? "1m";
        const timeframes = s.exchange.timeframes;
        if (timeframes !== undefined && !(interval in timeframes)) {
          throw new NotSupportedError("NOT_SUPPORTED", `${s.venue}: no ${interval} bars for ${symbol}`, {
            context: { venue: s.venue, feature: `bars ${interval}`, field: "interval" },
          });
        }
        feed = this.barFeed(instrument, interval);
        fresh = true;
        break;
      }
    }
    this.subs.set(key, sub);
    // A book is live at its first snapshot (Binance's comes from REST after the subscription).
    const acked =
      fresh && feed.ws && !(feed instanceof BookFeed) && this.acks?.known === true
        ? this.acks.next("public")
        : undefined;
    if (fresh && !(feed instanceof BookFeed)) this.others.set(key, feed);
    feed.loop.start();
    await this.whenLive(feed, acked);
  }

  private whenLive(feed: Feed, acked: Promise<void> | undefined): Promise<void> {
    const s = this.session;
    const clock = s.context.clock;
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        cancelTimeout();
        resolve();
      };
      const cancelTimeout = clock.setTimer(s.config.subscribeTimeoutMs, () => {
        s.logger.warn({}, "ccxt adapter: subscription not confirmed in time; going on");
        finish();
      });
      void feed.ready.then(finish);
      void acked?.then(finish);
      if (feed.ws && acked === undefined && !(feed instanceof BookFeed)) {
        // Venue acknowledgements unknown: settle for an open connection.
        const poll = () => {
          if (done) return;
          if (s.websocketsOpen()) finish();
          else clock.setTimer(25, poll);
        };
        clock.setTimer(25, poll);
      }
    });
  }

  async unsubscribe(sub: MarketSubscription): Promise<void> {
    const key = subscriptionKey(sub);
    if (!this.subs.delete(key)) return;
    const symbol = sub.instrument.symbol;
    const book = this.books.get(symbol);
    if (sub.channel === "book" && book !== undefined) book.setBook(undefined);
    else if (sub.channel === "quotes" && this.session.config.quotes === "book" && book !== undefined)
      book.setQuotes(false);
    else {
      const feed = this.others.get(key);
      this.others.delete(key);
      await feed?.stop();
    }
    if (book?.idle) {
      this.books.delete(symbol);
      await book.stop();
    }
  }

  /** Stops every stream without unsubscribing one by one: the caller closes the connections. */
  async stop(): Promise<void> {
    const feeds: Feed[] = [...this.books.values(), ...this.others.values()];
    this.books.clear();
    this.others.clear();
    this.subs.clear();
    await this.session.stopAll(feeds.map((f) => ({ stop: () => f.stop(false) })));
  }

  private bookFeed(instrument: Instrument): BookFeed {
    const symbol = instrument.id.symbol;
    let feed = this.books.get(symbol);
    if (feed === undefined) {
      feed = new BookFeed(this.session, instrument, this.sequencer);
      this.books.set(symbol, feed);
    }
    return feed;
  }

  private tradeFeed(instrument: Instrument): Feed {
    const s = this.session;
    const symbol = instrument.id.symbol;
    const name = `trades ${symbol}`;
    const ws = s.transports.trades === "ws";
    const seen = new RecentIds(2_000);
    const first = deferred();
    let sinceMs = s.context.clock.nowMs();
    const poll = pollEvery(s, () => s.exchange.fetchTrades(symbol, sinceMs));
    const loop = new StreamLoop<readonly CcxtTrade[]>({
      name,
      clock: s.context.clock,
      backoff: s.config.reconnect,
      next: ws ? () => s.exchange.watchTrades(symbol) : poll,
      onHealth: s.healthHook(name),
      isConnected: () => s.websocketsOpen(),
      onFailure: (e, n) => classify(s, "trade", symbol, e, n),
      onData: (trades) => {
        first.resolve();
        const recv = s.context.clock.now();
        for (const t of trades) {
          // A websocket hands over only new trades; polled pages overlap.
          if (!ws && t.id !== undefined && !seen.add(t.id)) continue;
          if (typeof t.timestamp === "number" && t.timestamp > sinceMs) sinceMs = t.timestamp;
          emitSafely(s, "trade", symbol, () => normalizeTrade(t, instrument, recv));
        }
      },
    });
    return {
      loop,
      ready: first.promise,
      ws,
      stop: async (tell = true) => {
        const stopped = loop.stop();
        if (ws && tell) await unwatch(s, () => s.exchange.unWatchTrades(symbol), "unWatchTrades");
        await stopped;
      },
    };
  }

  private quoteFeed(instrument: Instrument): Feed {
    const s = this.session;
    const symbol = instrument.id.symbol;
    const name = `quotes ${symbol}`;
    const bidsAsks = s.config.quotes === "bidsAsks";
    const transport = bidsAsks ? s.transports.bidsAsks : s.transports.ticker;
    const ex = s.exchange;
    const fetch = async (): Promise<CcxtTicker | undefined> =>
      bidsAsks ? (await ex.fetchBidsAsks([symbol]))[symbol] : ex.fetchTicker(symbol);
    const watch = async (): Promise<CcxtTicker | undefined> =>
      bidsAsks ? (await ex.watchBidsAsks([symbol]))[symbol] : ex.watchTicker(symbol);
    let last: Quote | undefined;
    let warned = false;
    const first = deferred();
    const loop = new StreamLoop<CcxtTicker | undefined>({
      name,
      clock: s.context.clock,
      backoff: s.config.reconnect,
      next: transport === "ws" ? watch : pollEvery(s, fetch),
      onHealth: s.healthHook(name),
      isConnected: () => s.websocketsOpen(),
      onFailure: (e, n) => classify(s, bidsAsks ? "bidsAsks" : "ticker", symbol, e, n),
      onData: (resolved) => {
        first.resolve();
        // Updates that arrived while no watch call was pending are only in ccxt's cache.
        const cached = transport === "ws" ? (bidsAsks ? ex.bidsasks : ex.tickers)?.[symbol] : undefined;
        const ticker = cached ?? resolved;
        if (ticker === undefined) return;
        emitSafely(s, bidsAsks ? "bidsAsks" : "ticker", symbol, () => {
          const q = normalizeQuote(ticker, instrument, s.context.clock.now());
          if (q === undefined && !warned) {
            warned = true;
            s.logger.warn({ symbol }, 'ccxt adapter: the venue\'s ticker has no bid/ask; use quotes: "book"');
          }
          if (q === undefined || (last !== undefined && sameTop(last, q))) return undefined;
          last = q;
          return q;
        });
      },
    });
    return {
      loop,
      ready: first.promise,
      ws: transport === "ws",
      stop: async (tell = true) => {
        const stopped = loop.stop();
        if (transport === "ws" && tell) {
          await unwatch(
            s,
            () => (bidsAsks ? ex.unWatchBidsAsks([symbol]) : ex.unWatchTicker(symbol)),
            "unWatch quotes",
          );
        }
        await stopped;
      },
    };
  }

  private barFeed(instrument: Instrument, interval: string): Feed {
    const s = this.session;
    const symbol = instrument.id.symbol;
    const name = `bars ${interval} ${symbol}`;
    const clock = s.context.clock;
    const periodMs = s.exchange.parseTimeframe(interval) * 1_000;
    const startMs = clock.nowMs();
    const assembler = new BarAssembler(instrument, interval, periodMs, startMs);
    const ws = s.transports.bars === "ws";
    let cancelFlush: (() => void) | undefined;
    const first = deferred();
    const publish = (make: () => MarketEvent[]) => {
      let bars: MarketEvent[] = [];
      try {
        bars = make();
      } catch (e) {
        s.malformed("ohlcv", symbol, e);
      }
      for (const b of bars) emitSafely(s, "ohlcv", symbol, () => b);
    };
    // A quiet market sends no next candle: close the current one when its period is over.
    const scheduleFlush = () => {
      cancelFlush?.();
      const at = assembler.closesAtMs;
      if (at === undefined) return;
      cancelFlush = clock.setTimer(Math.max(0, at - clock.nowMs()), () => {
        cancelFlush = undefined;
        // The candle's last update may have come while no watch call was pending: take ccxt's cache.
        const cached = ws ? s.exchange.ohlcvs?.[symbol]?.[interval] : undefined;
        publish(() => [
          ...(cached === undefined ? [] : assembler.push(cached)),
          ...assembler.flush(clock.nowMs()),
        ]);
        scheduleFlush();
      });
    };
    const loop = new StreamLoop<readonly CcxtOHLCV[]>({
      name,
      clock,
      backoff: s.config.reconnect,
      next: ws
        ? () => s.exchange.watchOHLCV(symbol, interval)
        : pollEvery(s, () => s.exchange.fetchOHLCV(symbol, interval, startMs - periodMs)),
      onHealth: s.healthHook(name),
      isConnected: () => s.websocketsOpen(),
      onFailure: (e, n) => classify(s, "ohlcv", symbol, e, n),
      onData: (candles) => {
        first.resolve();
        publish(() => assembler.push(candles));
        scheduleFlush();
      },
    });
    return {
      loop,
      ready: first.promise,
      ws,
      stop: async (tell = true) => {
        cancelFlush?.();
        const stopped = loop.stop();
        if (ws && tell) await unwatch(s, () => s.exchange.unWatchOHLCV(symbol, interval), "unWatchOHLCV");
        await stopped;
      },
    };
  }
}

export function subscriptionKey(s: MarketSubscription): string {
  return `${s.channel}|${formatInstrumentId(s.instrument)}|${s.interval ?? ""}`;
}
