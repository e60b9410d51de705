import { bucketOf, extendKline, intervalMs, type Kline, startKline } from "../engine/klines.js";
import type { MatchingEngine } from "../engine/matching-engine.js";
import type { DepthDiff, ExecutionReport, PublicTrade } from "../engine/types.js";
import type { TopicHub, WirePeer, WireSocketHandler } from "../wire.js";
import * as fmt from "./format.js";
import type { BinanceRest } from "./rest.js";

const USER = "user";

interface WsApiRequest {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
}

/**
 * Binance spot websocket streams: market streams on `/ws/<n>` (SUBSCRIBE/UNSUBSCRIBE requests,
 * raw single-stream events), the user data stream on the WebSocket API `/ws-api/v3`
 * (`userDataStream.subscribe.signature`, events wrapped as `{ subscriptionId, event }`, which is what
 * ccxt uses for spot) and the legacy `/ws/<listenKey>` stream.
 */
export class BinanceStreams {
  private readonly klines = new Map<string, Kline>();
  private nextSubscriptionId = 0;
  /** ws-api peers subscribed to the user stream get wrapped events; listenKey peers get raw ones. */
  private readonly wrapped = new Set<WirePeer>();

  constructor(
    private readonly engine: MatchingEngine,
    private readonly hub: TopicHub,
    private readonly rest: BinanceRest,
  ) {
    engine.addListener({
      onTrade: (t) => this.onTrade(t),
      onDepth: (d) => this.onDepth(d),
      onExecution: (r) => this.onExecution(r),
    });
  }

  accept(path: string, peer: WirePeer): WireSocketHandler | undefined {
    const close = { onClose: () => this.forget(peer) };
    if (path === "/ws-api/v3") {
      return { ...close, onMessage: (text) => this.onApiRequest(peer, text) };
    }
    const m = /^\/(?:ws|stream)(?:\/([^/]+))?$/.exec(path);
    if (m === null) return undefined;
    const last = m[1];
    if (last !== undefined && this.rest.issuedListenKeys.has(last)) {
      this.hub.subscribe(USER, peer);
      return { ...close, onMessage: () => {} };
    }
    return { ...close, onMessage: (text) => this.onMarketRequest(peer, text) };
  }

  publishMalformedTrade(symbol: string): void {
    const now = Date.now();
    this.hub.publish(
      `${symbol.toLowerCase()}@trade`,
      JSON.stringify({
        e: "trade",
        E: now,
        s: symbol,
        t: 1,
        p: "not-a-price",
        q: "1.00000000",
        T: now,
        m: false,
        M: true,
      }),
    );
  }

  private forget(peer: WirePeer): void {
    this.hub.removePeer(peer);
    this.wrapped.delete(peer);
  }

  private onMarketRequest(peer: WirePeer, text: string): void {
    const req = parse(text);
    if (req === undefined) {
      peer.send(
        JSON.stringify({ error: { code: 3, msg: "Invalid JSON: expected value at line 1 column 1" } }),
      );
      return;
    }
    const params = Array.isArray(req.params)
      ? req.params.filter((x): x is string => typeof x === "string")
      : [];
    switch (req.method) {
      case "SUBSCRIBE":
        for (const stream of params) this.hub.subscribe(canonicalStream(stream), peer);
        peer.send(JSON.stringify({ result: null, id: req.id }));
        return;
      case "UNSUBSCRIBE":
        for (const stream of params) this.hub.unsubscribe(canonicalStream(stream), peer);
        peer.send(JSON.stringify({ result: null, id: req.id }));
        return;
      case "LIST_SUBSCRIPTIONS":
        peer.send(JSON.stringify({ result: this.hub.topicsOf(peer), id: req.id }));
        return;
      default:
        peer.send(JSON.stringify({ error: { code: 2, msg: "Invalid request: unknown method" }, id: req.id }));
    }
  }

  private onApiRequest(peer: WirePeer, text: string): void {
    const req = parse(text);
    const id = req?.id ?? null;
    const reply = (body: Record<string, unknown>) =>
      peer.send(JSON.stringify({ id, ...body, rateLimits: [] }));
    switch (req?.method) {
      case "userDataStream.subscribe.signature":
      case "userDataStream.subscribe": {
        this.hub.subscribe(USER, peer);
        this.wrapped.add(peer);
        reply({ status: 200, result: { subscriptionId: this.nextSubscriptionId++ } });
        return;
      }
      case "userDataStream.unsubscribe":
        this.hub.unsubscribe(USER, peer);
        reply({ status: 200, result: {} });
        return;
      case "ping":
        reply({ status: 200, result: {} });
        return;
      default:
        reply({ status: 400, error: { code: -1100, msg: "Unsupported method in the emulator." } });
    }
  }

  private onTrade(trade: PublicTrade): void {
    const sym = trade.symbol.toLowerCase();
    const tradeTopic = `${sym}@trade`;
    const aggTopic = `${sym}@aggTrade`;
    if (this.hub.has(tradeTopic)) this.hub.publish(tradeTopic, JSON.stringify(fmt.tradeEvent(trade)));
    if (this.hub.has(aggTopic)) {
      this.hub.publish(
        aggTopic,
        JSON.stringify({ e: "aggTrade", E: trade.timeMs, s: trade.symbol, ...fmt.aggTrade(trade) }),
      );
    }
    const tickerTopic = `${sym}@ticker`;
    if (this.hub.has(tickerTopic)) {
      this.hub.publish(
        tickerTopic,
        JSON.stringify(fmt.tickerEvent(this.rest.stats(trade.symbol), trade.timeMs)),
      );
    }
    for (const topic of this.hub.topicsStartingWith(`${sym}@kline_`)) {
      const interval = topic.slice(topic.indexOf("_") + 1);
      const period = intervalMs(interval);
      if (period === undefined) continue;
      const prev = this.klines.get(topic);
      let next: Kline;
      if (prev !== undefined && prev.openMs === bucketOf(trade.timeMs, period)) {
        next = extendKline(prev, trade);
      } else {
        if (prev !== undefined) {
          this.hub.publish(
            topic,
            JSON.stringify(fmt.klineEvent(trade.symbol, interval, prev, true, trade.timeMs)),
          );
        }
        next = startKline(trade, period);
      }
      this.klines.set(topic, next);
      this.hub.publish(
        topic,
        JSON.stringify(fmt.klineEvent(trade.symbol, interval, next, false, trade.timeMs)),
      );
    }
  }

  private onDepth(diff: DepthDiff): void {
    const sym = diff.symbol.toLowerCase();
    const depthTopic = `${sym}@depth`;
    if (this.hub.has(depthTopic)) this.hub.publish(depthTopic, JSON.stringify(fmt.depthUpdateEvent(diff)));
    const bookTopic = `${sym}@bookTicker`;
    if (this.hub.has(bookTopic)) {
      const bid = this.engine.bestBid(diff.symbol);
      const ask = this.engine.bestAsk(diff.symbol);
      if (bid !== undefined && ask !== undefined) {
        const msg = fmt.bookTicker(
          diff.symbol,
          diff.lastUpdateId,
          [bid.price, bid.total],
          [ask.price, ask.total],
        );
        this.hub.publish(bookTopic, JSON.stringify(msg));
      }
    }
  }

  private onExecution(report: ExecutionReport): void {
    if (!this.hub.has(USER)) return;
    const events: object[] = [fmt.executionReport(report)];
    if (report.kind !== "new" || report.order.type === "limit") {
      events.push(fmt.accountPosition(this.engine.balanceList(), report.timeMs));
    }
    for (const event of events) {
      const raw = JSON.stringify(event);
      const wrapped = JSON.stringify({ subscriptionId: 0, event });
      this.hub.publishEach(USER, (peer) => (this.wrapped.has(peer) ? wrapped : raw));
    }
  }
}

/** Binance stream names are case-insensitive on the symbol; the update speed suffix does not change content. */
export function canonicalStream(stream: string): string {
  const s = stream.replace(/@100ms$|@1000ms$/, "");
  const at = s.indexOf("@");
  return at < 0 ? s.toLowerCase() : s.slice(0, at).toLowerCase() + s.slice(at);
}

function parse(text: string): WsApiRequest | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? (v as WsApiRequest) : undefined;
  } catch {
    return undefined;
  }
}
