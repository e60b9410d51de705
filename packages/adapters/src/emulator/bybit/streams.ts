import { bucketOf, extendKline, intervalMs, type Kline, startKline } from "../engine/klines.js";
import type { MatchingEngine } from "../engine/matching-engine.js";
import type { DepthDiff, ExecutionReport, PublicTrade } from "../engine/types.js";
import type { TopicHub, WirePeer, WireSocketHandler } from "../wire.js";
import * as fmt from "./format.js";
import type { BybitRest } from "./rest.js";

interface BybitRequest {
  readonly op?: unknown;
  readonly req_id?: unknown;
  readonly args?: unknown;
}

const PRIVATE_TOPICS = new Set(["order", "execution", "wallet", "execution.fast"]);
// Bybit topics share a hub with other dialects: keep them apart.
const T = (topic: string) => `bybit:${topic}`;

/**
 * Bybit v5 websockets: public spot on `/v5/public/spot` (orderbook.{1,50,200}, publicTrade, tickers,
 * kline; an orderbook subscription starts with a snapshot, then deltas whose `u` rises by one per
 * message) and private on `/v5/private` (`auth`, then the `order`, `execution` and `wallet` topics).
 */
export class BybitStreams {
  private readonly klines = new Map<string, Kline>();
  private readonly lastTop = new Map<string, string>();
  private connections = 0;

  constructor(
    private readonly engine: MatchingEngine,
    private readonly hub: TopicHub,
    private readonly rest: BybitRest,
  ) {
    engine.addListener({
      onTrade: (t) => this.onTrade(t),
      onDepth: (d) => this.onDepth(d),
      onExecution: (r) => this.onExecution(r),
    });
  }

  accept(path: string, peer: WirePeer): WireSocketHandler | undefined {
    const connId = `emu-${++this.connections}`;
    const onClose = () => this.hub.removePeer(peer);
    if (path === "/v5/public/spot") {
      return { onClose, onMessage: (text) => this.onPublic(peer, connId, text) };
    }
    if (path === "/v5/private") {
      let authenticated = false;
      return {
        onClose,
        onMessage: (text) => {
          const req = parse(text);
          if (req?.op === "auth") {
            authenticated = true;
            peer.send(JSON.stringify({ success: true, ret_msg: "", op: "auth", conn_id: connId }));
            return;
          }
          if (req?.op === "ping") {
            peer.send(
              JSON.stringify({ req_id: req.req_id, op: "pong", args: [String(Date.now())], conn_id: connId }),
            );
            return;
          }
          if (req?.op === "subscribe" && !authenticated) {
            peer.send(
              JSON.stringify({
                success: false,
                ret_msg: "Request not authorized",
                conn_id: connId,
                req_id: req.req_id,
                op: "subscribe",
              }),
            );
            return;
          }
          this.onSubscription(peer, connId, req, (topic) => PRIVATE_TOPICS.has(topic));
        },
      };
    }
    return undefined;
  }

  publishMalformedTrade(symbol: string): void {
    const now = Date.now();
    this.hub.publish(
      T(`publicTrade.${symbol}`),
      JSON.stringify({
        topic: `publicTrade.${symbol}`,
        ts: now,
        type: "snapshot",
        data: [{ i: "1", T: now, p: "not-a-price", v: "1", S: "Buy", s: symbol, BT: false }],
      }),
    );
  }

  private onPublic(peer: WirePeer, connId: string, text: string): void {
    const req = parse(text);
    if (req?.op === "ping") {
      peer.send(
        JSON.stringify({ success: true, ret_msg: "pong", conn_id: connId, req_id: req.req_id, op: "ping" }),
      );
      return;
    }
    this.onSubscription(peer, connId, req, (topic) => this.publicTopic(topic));
  }

  private onSubscription(
    peer: WirePeer,
    connId: string,
    req: BybitRequest | undefined,
    known: (topic: string) => boolean,
  ): void {
    const op = req?.op;
    const args = Array.isArray(req?.args) ? req.args.filter((x): x is string => typeof x === "string") : [];
    if (op !== "subscribe" && op !== "unsubscribe") {
      peer.send(
        JSON.stringify({
          success: false,
          ret_msg: "error:invalid op",
          conn_id: connId,
          request: req ?? null,
        }),
      );
      return;
    }
    const unknown = args.find((a) => !known(a));
    if (unknown !== undefined) {
      peer.send(
        JSON.stringify({
          success: false,
          ret_msg: `error:handler not found,topic:${unknown}`,
          conn_id: connId,
          req_id: req?.req_id,
          op,
        }),
      );
      return;
    }
    for (const topic of args) {
      if (op === "subscribe") this.hub.subscribe(T(topic), peer);
      else this.hub.unsubscribe(T(topic), peer);
    }
    peer.send(
      JSON.stringify({
        success: true,
        ret_msg: op === "subscribe" ? "subscribe" : "",
        conn_id: connId,
        req_id: req?.req_id,
        op,
      }),
    );
    if (op === "subscribe") for (const topic of args) this.sendInitial(peer, topic);
  }

  private publicTopic(topic: string): boolean {
    const parts = topic.split(".");
    const symbol = parts[parts.length - 1] ?? "";
    if (!this.engine.hasMarket(symbol)) return false;
    if (parts[0] === "orderbook") return parts.length === 3 && ["1", "50", "200", "1000"].includes(parts[1]!);
    if (parts[0] === "kline") return parts.length === 3 && intervalOf(parts[1]!) !== undefined;
    return parts.length === 2 && (parts[0] === "publicTrade" || parts[0] === "tickers");
  }

  /** A new orderbook or tickers subscriber gets the current state at once, as on Bybit. */
  private sendInitial(peer: WirePeer, topic: string): void {
    const parts = topic.split(".");
    const symbol = parts[parts.length - 1]!;
    if (parts[0] === "orderbook") {
      const depth = Number(parts[1]);
      const snap = this.engine.depth(symbol, depth);
      peer.send(JSON.stringify(fmt.orderbookMessage(this.engine.spec(symbol), depth, "snapshot", snap)));
    } else if (parts[0] === "tickers") {
      peer.send(JSON.stringify(this.tickerMessage(symbol)));
    }
  }

  private tickerMessage(symbol: string) {
    const now = Date.now();
    return {
      topic: `tickers.${symbol}`,
      ts: now,
      type: "snapshot",
      cs: now,
      data: fmt.wsTickerData(this.engine.spec(symbol), this.rest.stats(symbol)),
    };
  }

  private onTrade(trade: PublicTrade): void {
    const spec = this.engine.spec(trade.symbol);
    const tradeTopic = T(`publicTrade.${trade.symbol}`);
    if (this.hub.has(tradeTopic))
      this.hub.publish(tradeTopic, JSON.stringify(fmt.publicTradeMessage(spec, trade)));
    const tickerTopic = T(`tickers.${trade.symbol}`);
    if (this.hub.has(tickerTopic))
      this.hub.publish(tickerTopic, JSON.stringify(this.tickerMessage(trade.symbol)));
    for (const topic of this.hub.topicsStartingWith(T("kline."))) {
      const [, interval, symbol] = topic.slice(6).split(".");
      if (symbol !== trade.symbol || interval === undefined) continue;
      const period = intervalOf(interval);
      if (period === undefined) continue;
      const prev = this.klines.get(topic);
      const send = (k: Kline, confirm: boolean) =>
        this.hub.publish(
          topic,
          JSON.stringify({
            topic: topic.slice(6),
            data: [fmt.klineData(spec, interval, k, confirm, trade.timeMs)],
            ts: trade.timeMs,
            type: "snapshot",
          }),
        );
      let next: Kline;
      if (prev !== undefined && prev.openMs === bucketOf(trade.timeMs, period)) {
        next = extendKline(prev, trade);
      } else {
        if (prev !== undefined) send(prev, true);
        next = startKline(trade, period);
      }
      this.klines.set(topic, next);
      send(next, false);
    }
  }

  private onDepth(diff: DepthDiff): void {
    const spec = this.engine.spec(diff.symbol);
    for (const topic of this.hub.topicsStartingWith(T("orderbook."))) {
      const [, depthText, symbol] = topic.slice(6).split(".");
      if (symbol !== diff.symbol) continue;
      const depth = Number(depthText);
      if (depth === 1) {
        const snap = this.engine.depth(diff.symbol, 1);
        const top = JSON.stringify([snap.bids, snap.asks].map((s) => s.map(([p, q]) => `${p}:${q}`)));
        if (this.lastTop.get(topic) === top) continue;
        this.lastTop.set(topic, top);
        this.hub.publish(
          topic,
          JSON.stringify(fmt.orderbookMessage(spec, 1, "snapshot", { ...snap, batchId: diff.batchId })),
        );
      } else {
        this.hub.publish(topic, JSON.stringify(fmt.orderbookMessage(spec, depth, "delta", diff)));
      }
    }
  }

  private onExecution(report: ExecutionReport): void {
    const spec = this.engine.spec(report.order.symbol);
    const creationTime = report.timeMs;
    if (report.fill !== undefined && this.hub.has(T("execution"))) {
      this.hub.publish(
        T("execution"),
        JSON.stringify({
          id: `${report.fill.tradeId}-exec`,
          topic: "execution",
          creationTime,
          data: [fmt.execution(spec, report.fill, report.order)],
        }),
      );
    }
    if (this.hub.has(T("order"))) {
      const fills = this.engine.userFills(report.order.symbol).filter((f) => f.orderId === report.order.id);
      this.hub.publish(
        T("order"),
        JSON.stringify({
          id: `${report.order.id}-${creationTime}`,
          topic: "order",
          creationTime,
          data: [fmt.order(spec, report.order, fills)],
        }),
      );
    }
  }
}

function intervalOf(interval: string): number | undefined {
  if (interval === "D") return 86_400_000;
  if (interval === "W") return 604_800_000;
  return /^\d+$/.test(interval) ? intervalMs(`${interval}m`) : undefined;
}

function parse(text: string): BybitRequest | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? (v as BybitRequest) : undefined;
  } catch {
    return undefined;
  }
}
