import { Decimal } from "@openfloor/core";
import { buildKlines, intervalMs, tapeStats } from "../engine/klines.js";
import type { MatchingEngine, OrderRef } from "../engine/matching-engine.js";
import { type EmulatedFill, EngineError, type EngineRejection } from "../engine/types.js";
import type { FaultPlan, OrderFault, OrderOperation, WireReply, WireRequest } from "../wire.js";
import * as fmt from "./format.js";

/** A Binance error reply: HTTP status plus `{ code, msg }`. */
function error(status: number, code: number, msg: string): WireReply {
  return { status, body: { code, msg } };
}

const FAULTS: Record<OrderFault, WireReply> = {
  "insufficient-funds": error(400, -2010, "Account has insufficient balance for requested action."),
  "unknown-order": error(400, -2011, "Unknown order sent."),
  "rate-limit": error(
    429,
    -1003,
    "Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute. Please use the websocket for live updates to avoid polling the API.",
  ),
  "invalid-price": error(400, -1013, "Filter failure: PRICE_FILTER"),
  auth: error(401, -2015, "Invalid API-key, IP, or permissions for action."),
};

function rejection(e: EngineRejection, query: boolean): WireReply {
  switch (e) {
    case "unknown-symbol":
      return error(400, -1121, "Invalid symbol.");
    case "invalid-price":
      return error(400, -1013, "Filter failure: PRICE_FILTER");
    case "invalid-quantity":
      return error(400, -1013, "Filter failure: LOT_SIZE");
    case "min-notional":
      return error(400, -1013, "Filter failure: NOTIONAL");
    case "insufficient-balance":
      return FAULTS["insufficient-funds"];
    case "unknown-order":
      return query ? error(400, -2013, "Order does not exist.") : FAULTS["unknown-order"];
    case "duplicate-client-order-id":
      return error(400, -2010, "Duplicate order sent.");
    case "post-only-would-take":
      return error(400, -2010, "Order would immediately match and take.");
    case "order-not-amendable":
      return error(400, -2010, "Order amend is not supported for this order.");
  }
}

const PRIVATE = new Set(["account", "order", "openOrders", "allOrders", "myTrades", "order/cancelReplace"]);

/**
 * Binance spot REST (`/api/v3/...`) over the engine: the endpoints ccxt's binance class calls for
 * markets, books, trades, tickers, klines, balances and order entry. Signatures are accepted without
 * being checked; a private call only needs the `X-MBX-APIKEY` header and a signature parameter.
 */
export class BinanceRest {
  private listenKeys = 0;
  readonly issuedListenKeys = new Set<string>();

  constructor(
    private readonly engine: MatchingEngine,
    private readonly faults: FaultPlan,
    private readonly now: () => number,
  ) {}

  handle(req: WireRequest): WireReply | undefined {
    // ccxt asks for margin pairs while loading markets with credentials; this venue has none.
    if (req.path === "/sapi/v1/margin/allPairs" || req.path === "/sapi/v1/margin/isolated/allPairs") {
      return { status: 200, body: [] };
    }
    const path = req.path.replace(/^\/api\/v3\//, "");
    if (path === req.path) return undefined;
    const p = req.params;
    if (PRIVATE.has(path)) {
      if (req.headers["x-mbx-apikey"] === undefined || !p.has("signature")) {
        return error(401, -2014, "API-key format invalid.");
      }
    }
    try {
      return this.route(req.method, path, p);
    } catch (e) {
      if (e instanceof EngineError) return rejection(e.rejection, req.method === "GET");
      if (e instanceof MissingParameter) return error(400, -1102, e.message);
      throw e;
    }
  }

  private route(method: string, path: string, p: ReadonlyMap<string, string>): WireReply | undefined {
    const ok = (body: unknown): WireReply => ({ status: 200, body });
    const key = `${method} ${path}`;
    switch (key) {
      case "GET ping":
        return ok({});
      case "GET time":
        return ok({ serverTime: this.now() });
      case "GET exchangeInfo":
        return ok(fmt.exchangeInfo(this.engine.marketSpecs(), this.now()));
      case "GET depth":
        return ok(fmt.depth(this.engine.depth(required(p, "symbol"), Number(p.get("limit") ?? 100))));
      case "GET trades":
        return ok(
          this.engine.recentTrades(required(p, "symbol"), Number(p.get("limit") ?? 500)).map(fmt.restTrade),
        );
      case "GET aggTrades":
        return ok(this.aggTrades(p));
      case "GET klines":
        return ok(this.klines(p));
      case "GET ticker/24hr":
        return ok(fmt.ticker24hr(this.stats(required(p, "symbol"))));
      case "GET ticker/bookTicker":
        return ok(this.bookTicker(required(p, "symbol")));
      case "GET account":
        return ok(fmt.account(this.engine.balanceList(), this.now()));
      case "POST order":
        return this.newOrder(p);
      case "DELETE order":
        return this.cancel(p);
      case "DELETE openOrders":
        return this.cancelAll(p);
      case "GET openOrders":
        return ok(this.engine.openOrders(p.get("symbol")).map(fmt.order));
      case "GET allOrders":
        return ok(this.engine.allOrders(required(p, "symbol")).map(fmt.order));
      case "GET order": {
        const o = this.engine.findOrder(required(p, "symbol"), orderRef(p, "orderId", "origClientOrderId"));
        return o === undefined ? rejection("unknown-order", true) : ok(fmt.order(o));
      }
      case "GET myTrades":
        return ok(this.myTrades(p));
      case "POST order/cancelReplace":
        return this.cancelReplace(p);
      case "POST userDataStream": {
        const listenKey = `emu${String(++this.listenKeys).padStart(57, "0")}`;
        this.issuedListenKeys.add(listenKey);
        return ok({ listenKey });
      }
      case "PUT userDataStream":
      case "DELETE userDataStream":
        return ok({});
      default:
        return undefined;
    }
  }

  private fault(operation: OrderOperation): WireReply | undefined {
    const f = this.faults.take(operation);
    return f === undefined ? undefined : FAULTS[f];
  }

  private newOrder(p: ReadonlyMap<string, string>): WireReply {
    const injected = this.fault("create");
    if (injected !== undefined) return injected;
    const { order, fills } = this.place(p, p.get("newClientOrderId"));
    return { status: 200, body: fmt.newOrderFull(order, fills) };
  }

  private place(p: ReadonlyMap<string, string>, clientOrderId: string | undefined) {
    const type = required(p, "type");
    const quantity = p.get("quantity");
    const quoteQty = p.get("quoteOrderQty");
    const price = p.get("price");
    const tif = p.get("timeInForce");
    const before = new Set(this.engine.userFills().map((f) => f.tradeId));
    const order = this.engine.placeOrder({
      symbol: required(p, "symbol"),
      side: required(p, "side") === "SELL" ? "sell" : "buy",
      type: type === "MARKET" ? "market" : "limit",
      timeInForce: tif === "IOC" || tif === "FOK" ? tif : "GTC",
      postOnly: type === "LIMIT_MAKER",
      ...(quantity === undefined ? {} : { quantity: Decimal.parse(quantity) }),
      ...(quoteQty === undefined ? {} : { quoteQuantity: Decimal.parse(quoteQty) }),
      ...(price === undefined ? {} : { price: Decimal.parse(price) }),
      ...(clientOrderId === undefined ? {} : { clientOrderId }),
    });
    const fills: EmulatedFill[] = this.engine
      .userFills(order.symbol)
      .filter((f) => f.orderId === order.id && !before.has(f.tradeId));
    return { order, fills };
  }

  private cancel(p: ReadonlyMap<string, string>): WireReply {
    const injected = this.fault("cancel");
    if (injected !== undefined) return injected;
    const symbol = required(p, "symbol");
    const o = this.engine.cancelOrder(symbol, orderRef(p, "orderId", "origClientOrderId"));
    return { status: 200, body: fmt.canceledOrder(o, p.get("newClientOrderId") ?? `cancel-${o.id}`) };
  }

  private cancelAll(p: ReadonlyMap<string, string>): WireReply {
    const injected = this.fault("cancel");
    if (injected !== undefined) return injected;
    const canceled = this.engine.cancelAll(required(p, "symbol"));
    return { status: 200, body: canceled.map((o) => fmt.canceledOrder(o, `cancel-${o.id}`)) };
  }

  private cancelReplace(p: ReadonlyMap<string, string>): WireReply {
    const injected = this.fault("amend");
    if (injected !== undefined) return injected;
    const symbol = required(p, "symbol");
    const canceled = this.engine.cancelOrder(symbol, orderRef(p, "cancelOrderId", "cancelOrigClientOrderId"));
    const { order, fills } = this.place(p, p.get("newClientOrderId"));
    return {
      status: 200,
      body: {
        cancelResult: "SUCCESS",
        newOrderResult: "SUCCESS",
        cancelResponse: fmt.canceledOrder(
          canceled,
          p.get("cancelNewClientOrderId") ?? `cancel-${canceled.id}`,
        ),
        newOrderResponse: fmt.newOrderFull(order, fills),
      },
    };
  }

  private myTrades(p: ReadonlyMap<string, string>) {
    const since = p.get("startTime");
    const limit = Number(p.get("limit") ?? 500);
    const orderId = p.get("orderId");
    const fills = this.engine
      .userFills(required(p, "symbol"), since === undefined ? undefined : Number(since))
      .filter((f) => orderId === undefined || f.orderId === orderId);
    return fills.slice(0, limit).map(fmt.myTrade);
  }

  private aggTrades(p: ReadonlyMap<string, string>) {
    const start = p.get("startTime");
    const end = p.get("endTime");
    return this.engine
      .recentTrades(required(p, "symbol"), Number(p.get("limit") ?? 500))
      .filter(
        (t) =>
          (start === undefined || t.timeMs >= Number(start)) &&
          (end === undefined || t.timeMs <= Number(end)),
      )
      .map(fmt.aggTrade);
  }

  private klines(p: ReadonlyMap<string, string>) {
    const period = intervalMs(required(p, "interval"));
    if (period === undefined) throw new MissingParameter("Invalid interval.");
    const start = p.get("startTime");
    const limit = Number(p.get("limit") ?? 500);
    const all = buildKlines(this.engine.recentTrades(required(p, "symbol"), 5_000), period).filter(
      (k) => start === undefined || k.openMs >= Number(start),
    );
    return all.slice(Math.max(0, all.length - limit)).map(fmt.kline);
  }

  stats(symbol: string): fmt.TickerStats {
    const trades = this.engine.recentTrades(symbol, 5_000);
    const bid = this.engine.bestBid(symbol);
    const ask = this.engine.bestAsk(symbol);
    const mid = Decimal.parse(this.engine.spec(symbol).initialMid);
    const s = tapeStats(trades, mid);
    const now = this.now();
    return {
      symbol,
      ...s,
      bid: [bid?.price ?? Decimal.ZERO, bid?.total ?? Decimal.ZERO],
      ask: [ask?.price ?? Decimal.ZERO, ask?.total ?? Decimal.ZERO],
      openMs: now - 86_400_000,
      closeMs: now,
    };
  }

  private bookTicker(symbol: string) {
    const s = this.stats(symbol);
    return {
      symbol,
      bidPrice: fmt.b8(s.bid[0]),
      bidQty: fmt.b8(s.bid[1]),
      askPrice: fmt.b8(s.ask[0]),
      askQty: fmt.b8(s.ask[1]),
    };
  }
}

class MissingParameter extends Error {}

function required(p: ReadonlyMap<string, string>, name: string): string {
  const v = p.get(name);
  if (v === undefined || v === "") {
    throw new MissingParameter(`Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
  }
  return v;
}

function orderRef(p: ReadonlyMap<string, string>, idKey: string, clientKey: string): OrderRef {
  const orderId = p.get(idKey);
  const clientOrderId = p.get(clientKey);
  return {
    ...(orderId === undefined ? {} : { orderId }),
    ...(clientOrderId === undefined ? {} : { clientOrderId }),
  };
}
