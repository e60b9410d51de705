import { Decimal } from "@openfloor/core";
import type { Kline } from "../engine/klines.js";
import type {
  Balance,
  DepthDiff,
  DepthSnapshot,
  EmulatedFill,
  EmulatedMarketSpec,
  EmulatedOrder,
  ExecutionReport,
  PublicTrade,
} from "../engine/types.js";

// Binance spot prints every decimal with 8 places: "50000.01000000".
export function b8(value: Decimal): string {
  return value.round(8).toString();
}

const STATUS = {
  new: "NEW",
  "partially-filled": "PARTIALLY_FILLED",
  filled: "FILLED",
  canceled: "CANCELED",
  rejected: "REJECTED",
  expired: "EXPIRED",
} as const;

export function orderType(order: EmulatedOrder): string {
  if (order.type === "market") return "MARKET";
  return order.postOnly ? "LIMIT_MAKER" : "LIMIT";
}

/** One `symbols[]` entry of GET /api/v3/exchangeInfo. */
export function symbolInfo(spec: EmulatedMarketSpec) {
  return {
    symbol: spec.symbol,
    status: "TRADING",
    baseAsset: spec.base,
    baseAssetPrecision: 8,
    quoteAsset: spec.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: "PRICE_FILTER",
        minPrice: spec.tickSize,
        maxPrice: "1000000.00000000",
        tickSize: spec.tickSize,
      },
      { filterType: "LOT_SIZE", minQty: spec.minQty, maxQty: "9000.00000000", stepSize: spec.stepSize },
      { filterType: "ICEBERG_PARTS", limit: 10 },
      { filterType: "MARKET_LOT_SIZE", minQty: "0.00000000", maxQty: "100.00000000", stepSize: "0.00000000" },
      { filterType: "TRAILING_DELTA", minTrailingAboveDelta: 10, maxTrailingAboveDelta: 2000 },
      {
        filterType: "NOTIONAL",
        minNotional: spec.minNotional,
        applyMinToMarket: true,
        maxNotional: "9000000.00000000",
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: "MAX_NUM_ORDERS", maxNumOrders: 200 },
    ],
    permissions: [],
    permissionSets: [["SPOT"]],
    defaultSelfTradePreventionMode: "EXPIRE_MAKER",
    allowedSelfTradePreventionModes: ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"],
  };
}

export function exchangeInfo(specs: readonly EmulatedMarketSpec[], timeMs: number) {
  return {
    timezone: "UTC",
    serverTime: timeMs,
    rateLimits: [
      { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 6000 },
      { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 100 },
    ],
    exchangeFilters: [],
    symbols: specs.map(symbolInfo),
  };
}

export function depth(snapshot: DepthSnapshot) {
  return {
    lastUpdateId: snapshot.lastUpdateId,
    bids: snapshot.bids.map(([p, q]) => [b8(p), b8(q)]),
    asks: snapshot.asks.map(([p, q]) => [b8(p), b8(q)]),
  };
}

/** GET /api/v3/trades entry. */
export function restTrade(trade: PublicTrade) {
  return {
    id: Number(trade.id),
    price: b8(trade.price),
    qty: b8(trade.quantity),
    quoteQty: b8(trade.price.mul(trade.quantity)),
    time: trade.timeMs,
    isBuyerMaker: trade.takerSide === "sell",
    isBestMatch: true,
  };
}

/** GET /api/v3/aggTrades entry (one trade per aggregate here). */
export function aggTrade(trade: PublicTrade) {
  return {
    a: Number(trade.id),
    p: b8(trade.price),
    q: b8(trade.quantity),
    f: Number(trade.id),
    l: Number(trade.id),
    T: trade.timeMs,
    m: trade.takerSide === "sell",
    M: true,
  };
}

export function kline(k: Kline): (string | number)[] {
  return [
    k.openMs,
    b8(k.open),
    b8(k.high),
    b8(k.low),
    b8(k.close),
    b8(k.volume),
    k.closeMs,
    b8(k.quoteVolume),
    k.count,
    b8(k.takerBuyVolume),
    b8(k.takerBuyQuoteVolume),
    "0",
  ];
}

export interface TickerStats {
  readonly symbol: string;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly last: Decimal;
  readonly lastQty: Decimal;
  readonly volume: Decimal;
  readonly quoteVolume: Decimal;
  readonly bid: readonly [Decimal, Decimal];
  readonly ask: readonly [Decimal, Decimal];
  readonly firstId: number;
  readonly lastId: number;
  readonly count: number;
  readonly openMs: number;
  readonly closeMs: number;
}

/** GET /api/v3/ticker/24hr. */
export function ticker24hr(t: TickerStats) {
  const change = t.last.sub(t.open);
  return {
    symbol: t.symbol,
    priceChange: b8(change),
    priceChangePercent: t.open.isZero() ? "0.000" : change.mul(100).div(t.open, { scale: 3 }).toString(),
    weightedAvgPrice: t.volume.isZero() ? b8(t.last) : b8(t.quoteVolume.div(t.volume, { scale: 8 })),
    prevClosePrice: b8(t.open),
    lastPrice: b8(t.last),
    lastQty: b8(t.lastQty),
    bidPrice: b8(t.bid[0]),
    bidQty: b8(t.bid[1]),
    askPrice: b8(t.ask[0]),
    askQty: b8(t.ask[1]),
    openPrice: b8(t.open),
    highPrice: b8(t.high),
    lowPrice: b8(t.low),
    volume: b8(t.volume),
    quoteVolume: b8(t.quoteVolume),
    openTime: t.openMs,
    closeTime: t.closeMs,
    firstId: t.firstId,
    lastId: t.lastId,
    count: t.count,
  };
}

/** The `24hrTicker` stream event. */
export function tickerEvent(t: TickerStats, eventMs: number) {
  const r = ticker24hr(t);
  return {
    e: "24hrTicker",
    E: eventMs,
    s: t.symbol,
    p: r.priceChange,
    P: r.priceChangePercent,
    w: r.weightedAvgPrice,
    x: r.prevClosePrice,
    c: r.lastPrice,
    Q: r.lastQty,
    b: r.bidPrice,
    B: r.bidQty,
    a: r.askPrice,
    A: r.askQty,
    o: r.openPrice,
    h: r.highPrice,
    l: r.lowPrice,
    v: r.volume,
    q: r.quoteVolume,
    O: t.openMs,
    C: t.closeMs,
    F: t.firstId,
    L: t.lastId,
    n: t.count,
  };
}

export function bookTicker(
  symbol: string,
  updateId: number,
  bid: readonly [Decimal, Decimal],
  ask: readonly [Decimal, Decimal],
) {
  return { u: updateId, s: symbol, b: b8(bid[0]), B: b8(bid[1]), a: b8(ask[0]), A: b8(ask[1]) };
}

export function tradeEvent(trade: PublicTrade) {
  return {
    e: "trade",
    E: trade.timeMs,
    s: trade.symbol,
    t: Number(trade.id),
    p: b8(trade.price),
    q: b8(trade.quantity),
    T: trade.timeMs,
    m: trade.takerSide === "sell",
    M: true,
  };
}

export function depthUpdateEvent(diff: DepthDiff) {
  return {
    e: "depthUpdate",
    E: diff.timeMs,
    s: diff.symbol,
    U: diff.firstUpdateId,
    u: diff.lastUpdateId,
    b: diff.bids.map(([p, q]) => [b8(p), b8(q)]),
    a: diff.asks.map(([p, q]) => [b8(p), b8(q)]),
  };
}

export function klineEvent(symbol: string, interval: string, k: Kline, closed: boolean, eventMs: number) {
  return {
    e: "kline",
    E: eventMs,
    s: symbol,
    k: {
      t: k.openMs,
      T: k.closeMs,
      s: symbol,
      i: interval,
      f: k.firstTradeId,
      L: k.lastTradeId,
      o: b8(k.open),
      c: b8(k.close),
      h: b8(k.high),
      l: b8(k.low),
      v: b8(k.volume),
      n: k.count,
      x: closed,
      q: b8(k.quoteVolume),
      V: b8(k.takerBuyVolume),
      Q: b8(k.takerBuyQuoteVolume),
      B: "0",
    },
  };
}

/** The order object of GET /api/v3/order and /api/v3/openOrders. */
export function order(o: EmulatedOrder) {
  return {
    symbol: o.symbol,
    orderId: Number(o.id),
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: b8(o.price ?? Decimal.ZERO),
    origQty: b8(o.quantity),
    executedQty: b8(o.filled),
    cummulativeQuoteQty: b8(o.quoteFilled),
    status: STATUS[o.status],
    timeInForce: o.timeInForce,
    type: orderType(o),
    side: o.side.toUpperCase(),
    stopPrice: "0.00000000",
    icebergQty: "0.00000000",
    time: o.createdMs,
    updateTime: o.updatedMs,
    isWorking: true,
    workingTime: o.createdMs,
    origQuoteOrderQty: "0.00000000",
    selfTradePreventionMode: "EXPIRE_MAKER",
  };
}

/** POST /api/v3/order with newOrderRespType FULL (the default for LIMIT and MARKET). */
export function newOrderFull(o: EmulatedOrder, fills: readonly EmulatedFill[]) {
  return {
    symbol: o.symbol,
    orderId: Number(o.id),
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    transactTime: o.createdMs,
    price: b8(o.price ?? Decimal.ZERO),
    origQty: b8(o.quantity),
    executedQty: b8(o.filled),
    origQuoteOrderQty: "0.00000000",
    cummulativeQuoteQty: b8(o.quoteFilled),
    status: STATUS[o.status],
    timeInForce: o.timeInForce,
    type: orderType(o),
    side: o.side.toUpperCase(),
    workingTime: o.createdMs,
    fills: fills.map((f) => ({
      price: b8(f.price),
      qty: b8(f.quantity),
      commission: b8(f.commission),
      commissionAsset: f.commissionAsset,
      tradeId: Number(f.tradeId),
    })),
    selfTradePreventionMode: "EXPIRE_MAKER",
  };
}

/** DELETE /api/v3/order. */
export function canceledOrder(o: EmulatedOrder, cancelClientId: string) {
  return {
    symbol: o.symbol,
    origClientOrderId: o.clientOrderId,
    orderId: Number(o.id),
    orderListId: -1,
    clientOrderId: cancelClientId,
    transactTime: o.updatedMs,
    price: b8(o.price ?? Decimal.ZERO),
    origQty: b8(o.quantity),
    executedQty: b8(o.filled),
    origQuoteOrderQty: "0.00000000",
    cummulativeQuoteQty: b8(o.quoteFilled),
    status: STATUS[o.status],
    timeInForce: o.timeInForce,
    type: orderType(o),
    side: o.side.toUpperCase(),
    selfTradePreventionMode: "EXPIRE_MAKER",
  };
}

/** GET /api/v3/myTrades entry. */
export function myTrade(f: EmulatedFill) {
  return {
    symbol: f.symbol,
    id: Number(f.tradeId),
    orderId: Number(f.orderId),
    orderListId: -1,
    price: b8(f.price),
    qty: b8(f.quantity),
    quoteQty: b8(f.price.mul(f.quantity)),
    commission: b8(f.commission),
    commissionAsset: f.commissionAsset,
    time: f.timeMs,
    isBuyer: f.side === "buy",
    isMaker: f.maker,
    isBestMatch: true,
  };
}

/** GET /api/v3/account. */
export function account(balances: readonly Balance[], timeMs: number) {
  return {
    makerCommission: 10,
    takerCommission: 10,
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: "0.00100000", taker: "0.00100000", buyer: "0.00000000", seller: "0.00000000" },
    canTrade: true,
    canWithdraw: true,
    canDeposit: true,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: timeMs,
    accountType: "SPOT",
    balances: balances.map((b) => ({ asset: b.asset, free: b8(b.free), locked: b8(b.locked) })),
    permissions: ["SPOT"],
    uid: 354937868,
  };
}

const EXEC_TYPE = {
  new: "NEW",
  trade: "TRADE",
  canceled: "CANCELED",
  replaced: "REPLACED",
  expired: "EXPIRED",
} as const;

/** The user-data `executionReport` event. */
export function executionReport(report: ExecutionReport, cancelClientId?: string) {
  const o = report.order;
  const f = report.fill;
  const canceled = report.kind === "canceled";
  return {
    e: "executionReport",
    E: report.timeMs,
    s: o.symbol,
    c: canceled ? (cancelClientId ?? `cancel-${o.id}`) : o.clientOrderId,
    S: o.side.toUpperCase(),
    o: orderType(o),
    f: o.timeInForce,
    q: b8(o.quantity),
    p: b8(o.price ?? Decimal.ZERO),
    P: "0.00000000",
    F: "0.00000000",
    g: -1,
    C: canceled ? o.clientOrderId : "",
    x: EXEC_TYPE[report.kind],
    X: STATUS[o.status],
    r: "NONE",
    i: Number(o.id),
    l: b8(f?.quantity ?? Decimal.ZERO),
    z: b8(o.filled),
    L: b8(f?.price ?? Decimal.ZERO),
    n: b8(f?.commission ?? Decimal.ZERO),
    N: f?.commissionAsset ?? null,
    T: report.timeMs,
    t: f === undefined ? -1 : Number(f.tradeId),
    v: 0,
    I: Number(o.id) * 3,
    w: o.status === "new" || o.status === "partially-filled",
    m: f?.maker ?? false,
    M: false,
    O: o.createdMs,
    Z: b8(o.quoteFilled),
    Y: b8(f === undefined ? Decimal.ZERO : f.price.mul(f.quantity)),
    Q: "0.00000000",
    W: o.createdMs,
    V: "EXPIRE_MAKER",
  };
}

/** The user-data `outboundAccountPosition` event. */
export function accountPosition(balances: readonly Balance[], timeMs: number) {
  return {
    e: "outboundAccountPosition",
    E: timeMs,
    u: timeMs,
    B: balances.map((b) => ({ a: b.asset, f: b8(b.free), l: b8(b.locked) })),
  };
}
