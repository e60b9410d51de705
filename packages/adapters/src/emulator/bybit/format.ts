import { Decimal } from "@openfloor/core";
import type { Kline } from "../engine/klines.js";
import type {
  Balance,
  DepthDiff,
  DepthSnapshot,
  EmulatedFill,
  EmulatedMarketSpec,
  EmulatedOrder,
  PublicTrade,
} from "../engine/types.js";

/** Bybit prints prices and sizes at the market's own precision. */
export function at(value: Decimal, increment: string): string {
  return value.round(Decimal.parse(increment).normalize().scale).toString();
}

/** A Bybit v5 REST envelope. */
export function envelope(result: unknown, timeMs: number, retCode = 0, retMsg = "OK") {
  return { retCode, retMsg, result, retExtInfo: {}, time: timeMs };
}

export function instrument(spec: EmulatedMarketSpec) {
  return {
    symbol: spec.symbol,
    baseCoin: spec.base,
    quoteCoin: spec.quote,
    innovation: "0",
    status: "Trading",
    marginTrading: "none",
    stTag: "0",
    lotSizeFilter: {
      basePrecision: spec.stepSize,
      quotePrecision: "0.00000001",
      minOrderQty: spec.minQty,
      maxOrderQty: "9000",
      minOrderAmt: spec.minNotional,
      maxOrderAmt: "9000000",
    },
    priceFilter: { tickSize: spec.tickSize },
    riskParameters: { priceLimitRatioX: "0.05", priceLimitRatioY: "0.05" },
  };
}

export function orderbook(spec: EmulatedMarketSpec, snapshot: DepthSnapshot) {
  return {
    s: spec.symbol,
    b: snapshot.bids.map(([p, q]) => [at(p, spec.tickSize), at(q, spec.stepSize)]),
    a: snapshot.asks.map(([p, q]) => [at(p, spec.tickSize), at(q, spec.stepSize)]),
    ts: snapshot.timeMs,
    u: snapshot.batchId,
    seq: snapshot.lastUpdateId,
    cts: snapshot.timeMs,
  };
}

/** A websocket `orderbook.{depth}.{symbol}` message (snapshot or delta). */
export function orderbookMessage(
  spec: EmulatedMarketSpec,
  depth: number,
  type: "snapshot" | "delta",
  book: DepthSnapshot | DepthDiff,
) {
  const u = book.batchId;
  const seq = book.lastUpdateId;
  return {
    topic: `orderbook.${depth}.${spec.symbol}`,
    type,
    ts: book.timeMs,
    data: {
      s: spec.symbol,
      b: book.bids.slice(0, depth).map(([p, q]) => [at(p, spec.tickSize), at(q, spec.stepSize)]),
      a: book.asks.slice(0, depth).map(([p, q]) => [at(p, spec.tickSize), at(q, spec.stepSize)]),
      u,
      seq,
    },
    cts: book.timeMs,
  };
}

export function publicTradeMessage(spec: EmulatedMarketSpec, trade: PublicTrade) {
  return {
    topic: `publicTrade.${spec.symbol}`,
    ts: trade.timeMs,
    type: "snapshot",
    data: [
      {
        i: `2290000000${trade.id}`,
        T: trade.timeMs,
        p: at(trade.price, spec.tickSize),
        v: at(trade.quantity, spec.stepSize),
        S: trade.takerSide === "buy" ? "Buy" : "Sell",
        seq: Number(trade.id),
        s: spec.symbol,
        BT: false,
        RPI: false,
      },
    ],
  };
}

/** GET /v5/market/recent-trade list entry. */
export function recentTrade(spec: EmulatedMarketSpec, trade: PublicTrade) {
  return {
    execId: `2290000000${trade.id}`,
    symbol: spec.symbol,
    price: at(trade.price, spec.tickSize),
    size: at(trade.quantity, spec.stepSize),
    side: trade.takerSide === "buy" ? "Buy" : "Sell",
    time: String(trade.timeMs),
    isBlockTrade: false,
    isRPITrade: false,
    seq: trade.id,
  };
}

export interface SpotTickerStats {
  readonly last: Decimal;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly volume: Decimal;
  readonly quoteVolume: Decimal;
  readonly bid: readonly [Decimal, Decimal];
  readonly ask: readonly [Decimal, Decimal];
}

/** GET /v5/market/tickers list entry (spot). */
export function restTicker(spec: EmulatedMarketSpec, t: SpotTickerStats) {
  return {
    ...wsTickerData(spec, t),
    bid1Price: at(t.bid[0], spec.tickSize),
    bid1Size: at(t.bid[1], spec.stepSize),
    ask1Price: at(t.ask[0], spec.tickSize),
    ask1Size: at(t.ask[1], spec.stepSize),
  };
}

/** The `tickers.{symbol}` websocket data (spot carries no bid/ask). */
export function wsTickerData(spec: EmulatedMarketSpec, t: SpotTickerStats) {
  return {
    symbol: spec.symbol,
    lastPrice: at(t.last, spec.tickSize),
    highPrice24h: at(t.high, spec.tickSize),
    lowPrice24h: at(t.low, spec.tickSize),
    prevPrice24h: at(t.open, spec.tickSize),
    volume24h: at(t.volume, spec.stepSize),
    turnover24h: t.quoteVolume.round(8).toString(),
    price24hPcnt: t.open.isZero() ? "0" : t.last.sub(t.open).div(t.open, { scale: 4 }).toString(),
    usdIndexPrice: at(t.last, spec.tickSize),
  };
}

/** GET /v5/market/kline row: [start, open, high, low, close, volume, turnover]. */
export function klineRow(spec: EmulatedMarketSpec, k: Kline): string[] {
  return [
    String(k.openMs),
    at(k.open, spec.tickSize),
    at(k.high, spec.tickSize),
    at(k.low, spec.tickSize),
    at(k.close, spec.tickSize),
    at(k.volume, spec.stepSize),
    k.quoteVolume.round(8).toString(),
  ];
}

export function klineData(
  spec: EmulatedMarketSpec,
  interval: string,
  k: Kline,
  confirm: boolean,
  timeMs: number,
) {
  return {
    start: k.openMs,
    end: k.closeMs,
    interval,
    open: at(k.open, spec.tickSize),
    close: at(k.close, spec.tickSize),
    high: at(k.high, spec.tickSize),
    low: at(k.low, spec.tickSize),
    volume: at(k.volume, spec.stepSize),
    turnover: k.quoteVolume.round(8).toString(),
    confirm,
    timestamp: timeMs,
  };
}

const STATUS = {
  new: "New",
  "partially-filled": "PartiallyFilled",
  filled: "Filled",
  canceled: "Cancelled",
  rejected: "Rejected",
  expired: "Cancelled",
} as const;

export function orderStatus(o: EmulatedOrder): string {
  if ((o.status === "canceled" || o.status === "expired") && o.filled.isPositive())
    return "PartiallyFilledCanceled";
  return STATUS[o.status];
}

/** An order as GET /v5/order/realtime and the private `order` topic show it. */
export function order(spec: EmulatedMarketSpec, o: EmulatedOrder, fills: readonly EmulatedFill[]) {
  const fee = fills.reduce((sum, f) => sum.add(f.commission), Decimal.ZERO);
  const feeCoin = fills[0]?.commissionAsset ?? (o.side === "buy" ? spec.base : spec.quote);
  const remaining = o.quantity.sub(o.filled);
  const open = o.status === "new" || o.status === "partially-filled";
  return {
    category: "spot",
    symbol: o.symbol,
    orderId: o.id,
    orderLinkId: o.clientOrderId,
    blockTradeId: "",
    side: o.side === "buy" ? "Buy" : "Sell",
    positionIdx: 0,
    orderStatus: orderStatus(o),
    cancelType: o.status === "canceled" ? "CancelByUser" : "UNKNOWN",
    rejectReason: "EC_NoError",
    timeInForce: o.postOnly ? "PostOnly" : o.timeInForce,
    isLeverage: "0",
    price: o.price === undefined ? "0" : at(o.price, spec.tickSize),
    qty: at(o.quantity, spec.stepSize),
    avgPrice: o.filled.isZero() ? "" : o.quoteFilled.div(o.filled, { scale: 8 }).normalize().toString(),
    leavesQty: open ? at(remaining, spec.stepSize) : "0",
    leavesValue: open && o.price !== undefined ? remaining.mul(o.price).toString() : "0",
    cumExecQty: at(o.filled, spec.stepSize),
    cumExecValue: o.quoteFilled.toString(),
    cumExecFee: fee.toString(),
    orderType: o.type === "market" ? "Market" : "Limit",
    stopOrderType: "",
    orderIv: "",
    triggerPrice: "0",
    takeProfit: "0",
    stopLoss: "0",
    triggerBy: "",
    tpTriggerBy: "",
    slTriggerBy: "",
    triggerDirection: 0,
    placeType: "",
    lastPriceOnCreated: "",
    closeOnTrigger: false,
    reduceOnly: false,
    smpGroup: 0,
    smpType: "None",
    smpOrderId: "",
    slLimitPrice: "0",
    tpLimitPrice: "0",
    tpslMode: "",
    createType: "CreateByUser",
    marketUnit: "",
    feeCurrency: fee.isZero() ? "" : feeCoin,
    cumFeeDetail: fee.isZero() ? {} : { [feeCoin]: fee.toString() },
    createdTime: String(o.createdMs),
    updatedTime: String(o.updatedMs),
  };
}

/** An execution as GET /v5/execution/list and the private `execution` topic show it. */
export function execution(spec: EmulatedMarketSpec, f: EmulatedFill, o: EmulatedOrder) {
  return {
    category: "spot",
    symbol: f.symbol,
    orderId: f.orderId,
    orderLinkId: f.clientOrderId,
    side: f.side === "buy" ? "Buy" : "Sell",
    orderPrice: o.price === undefined ? "0" : at(o.price, spec.tickSize),
    orderQty: at(o.quantity, spec.stepSize),
    leavesQty: at(o.quantity.sub(o.filled), spec.stepSize),
    createType: "CreateByUser",
    orderType: o.type === "market" ? "Market" : "Limit",
    stopOrderType: "",
    execFee: f.commission.toString(),
    feeCurrency: f.commissionAsset,
    execId: `e${f.tradeId}`,
    execPrice: at(f.price, spec.tickSize),
    execQty: at(f.quantity, spec.stepSize),
    execType: "Trade",
    execValue: f.price.mul(f.quantity).toString(),
    execTime: String(f.timeMs),
    isMaker: f.maker,
    feeRate: "0.001",
    tradeIv: "",
    markIv: "",
    markPrice: "",
    indexPrice: "",
    underlyingPrice: "",
    blockTradeId: "",
    closedSize: "",
    seq: Number(f.tradeId),
    extraFees: "",
    marketUnit: "",
    execPnl: "0",
  };
}

export function walletBalance(balances: readonly Balance[]) {
  const coins = balances.map((b) => {
    const total = b.free.add(b.locked).toString();
    return {
      availableToBorrow: "",
      bonus: "0",
      accruedInterest: "0",
      availableToWithdraw: "",
      totalOrderIM: "0",
      equity: total,
      totalPositionMM: "0",
      usdValue: "",
      spotHedgingQty: "0",
      unrealisedPnl: "0",
      collateralSwitch: true,
      borrowAmount: "0",
      totalPositionIM: "0",
      walletBalance: total,
      cumRealisedPnl: "0",
      locked: b.locked.toString(),
      marginCollateral: true,
      coin: b.asset,
    };
  });
  return {
    list: [
      {
        totalEquity: "",
        accountIMRate: "0",
        totalMarginBalance: "",
        totalInitialMargin: "0",
        accountType: "UNIFIED",
        totalAvailableBalance: "",
        accountMMRate: "0",
        totalPerpUPL: "0",
        totalWalletBalance: "",
        accountLTV: "0",
        totalMaintenanceMargin: "0",
        coin: coins,
      },
    ],
  };
}
