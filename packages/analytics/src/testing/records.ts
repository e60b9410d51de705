// Builders of recorded records (the envelope of @openfloor/core) for tests, fixtures and benchmarks.
import { type EncodedRecord, encodeRecord, pb } from "@openfloor/core";
import type { SourceRecord } from "../ingest/source.js";

/** A protobuf Decimal from text, exact: `dec("100.5")` → {mantissa: 1005n, scale: 1}. */
export function dec(text: string): pb.Decimal {
  const [int, frac = ""] = text.replace("-", "").split(".");
  const m = BigInt(`${int}${frac}`);
  return { mantissa: text.startsWith("-") ? -m : m, scale: frac.length };
}

/** ns since the epoch of an ISO time (ms precision) plus extra ns. */
export function ns(iso: string, extraNs = 0n): bigint {
  return BigInt(Date.parse(iso)) * 1_000_000n + extraNs;
}

export function instrument(text: string): pb.InstrumentId {
  const i = text.lastIndexOf(":");
  return { symbol: text.slice(0, i), venue: text.slice(i + 1) };
}

const ms = (tsNs: bigint): number => Number(tsNs / 1_000_000n);

export function quoteRecord(inst: string, bid: string, ask: string, tsNs: bigint): EncodedRecord {
  return encodeRecord(
    "quote",
    {
      event: {
        $case: "quote",
        value: {
          instrument: instrument(inst),
          bidPrice: dec(bid),
          bidSize: dec("1"),
          askPrice: dec(ask),
          askSize: dec("1"),
          tsEventNs: tsNs,
          tsRecvNs: tsNs,
        },
      },
    },
    ms(tsNs),
  );
}

export function tradeRecord(inst: string, price: string, size: string, tsNs: bigint): EncodedRecord {
  return encodeRecord(
    "trade",
    {
      event: {
        $case: "trade",
        value: {
          instrument: instrument(inst),
          price: dec(price),
          size: dec(size),
          aggressor: pb.Side.SIDE_BUY,
          tradeId: `t${tsNs}`,
          tsEventNs: tsNs,
          tsRecvNs: tsNs,
        },
      },
    },
    ms(tsNs),
  );
}

export interface FillSpec {
  readonly fillId: string;
  readonly clientOrderId: string;
  readonly strategyId: string;
  readonly instrument: string;
  readonly side: "buy" | "sell";
  readonly price: string;
  readonly quantity: string;
  readonly fee: string;
  readonly feeCurrency?: string;
  readonly tsNs: bigint;
  readonly account?: string;
  readonly liquidity?: "maker" | "taker";
}

export function fillProto(f: FillSpec): pb.Fill {
  return {
    fillId: f.fillId,
    clientOrderId: f.clientOrderId,
    venueOrderId: `v-${f.clientOrderId}`,
    strategyId: f.strategyId,
    account: f.account ?? "acc",
    instrument: instrument(f.instrument),
    side: f.side === "buy" ? pb.Side.SIDE_BUY : pb.Side.SIDE_SELL,
    price: dec(f.price),
    quantity: dec(f.quantity),
    fee: dec(f.fee),
    feeCurrency: f.feeCurrency ?? "USDT",
    liquidity: f.liquidity === "maker" ? pb.Liquidity.LIQUIDITY_MAKER : pb.Liquidity.LIQUIDITY_TAKER,
    tsEventNs: f.tsNs,
    tsRecvNs: f.tsNs,
  };
}

export function fillRecord(f: FillSpec): EncodedRecord {
  return encodeRecord("fill", fillProto(f), ms(f.tsNs));
}

export interface OrderSpec {
  readonly clientOrderId: string;
  readonly strategyId: string;
  readonly instrument: string;
  readonly side: "buy" | "sell";
  readonly quantity: string;
  readonly price?: string;
  readonly createdNs: bigint;
  readonly account?: string;
}

const STATUS: Record<string, pb.OrderStatus> = {
  submitted: pb.OrderStatus.ORDER_STATUS_SUBMITTED,
  accepted: pb.OrderStatus.ORDER_STATUS_ACCEPTED,
  "partially-filled": pb.OrderStatus.ORDER_STATUS_PARTIALLY_FILLED,
  filled: pb.OrderStatus.ORDER_STATUS_FILLED,
  canceled: pb.OrderStatus.ORDER_STATUS_CANCELED,
};
const KIND: Record<string, pb.OrderEventKind> = {
  submitted: pb.OrderEventKind.ORDER_EVENT_KIND_SUBMITTED,
  accepted: pb.OrderEventKind.ORDER_EVENT_KIND_ACCEPTED,
  filled: pb.OrderEventKind.ORDER_EVENT_KIND_FILLED,
  canceled: pb.OrderEventKind.ORDER_EVENT_KIND_CANCELED,
};

/** An order event record carrying the order after the event. */
export function orderEventRecord(
  o: OrderSpec,
  kind: "submitted" | "accepted" | "filled" | "canceled",
  tsNs: bigint,
  status: "submitted" | "accepted" | "partially-filled" | "filled" | "canceled",
  filledQuantity = "0",
): EncodedRecord {
  return encodeRecord(
    "order-event",
    {
      eventId: `${o.clientOrderId}-${kind}-${tsNs}`,
      kind: KIND[kind]!,
      order: {
        clientOrderId: o.clientOrderId,
        venueOrderId: `v-${o.clientOrderId}`,
        strategyId: o.strategyId,
        account: o.account ?? "acc",
        instrument: instrument(o.instrument),
        side: o.side === "buy" ? pb.Side.SIDE_BUY : pb.Side.SIDE_SELL,
        type: o.price === undefined ? pb.OrderType.ORDER_TYPE_MARKET : pb.OrderType.ORDER_TYPE_LIMIT,
        timeInForce: pb.TimeInForce.TIME_IN_FORCE_GTC,
        quantity: dec(o.quantity),
        price: o.price === undefined ? undefined : dec(o.price),
        triggerPrice: undefined,
        postOnly: false,
        reduceOnly: false,
        expireTimeNs: 0n,
        status: STATUS[status]!,
        filledQuantity: dec(filledQuantity),
        averageFillPrice: undefined,
        replacesClientOrderId: "",
        tsCreatedNs: o.createdNs,
        tsUpdatedNs: tsNs,
        lastError: undefined,
      },
      reason: undefined,
      tsEventNs: tsNs,
      tsRecvNs: tsNs,
    },
    ms(tsNs),
  );
}

export function strategyNumber(strategyId: string, name: string, value: number, tsNs: bigint): EncodedRecord {
  return encodeRecord(
    "strategy-record",
    { strategyId, name, tsNs, value: { $case: "number", value } },
    ms(tsNs),
  );
}

export function strategyDecimal(
  strategyId: string,
  name: string,
  value: string,
  tsNs: bigint,
): EncodedRecord {
  return encodeRecord(
    "strategy-record",
    { strategyId, name, tsNs, value: { $case: "decimal", value: dec(value) } },
    ms(tsNs),
  );
}

export function strategyJson(strategyId: string, name: string, value: unknown, tsNs: bigint): EncodedRecord {
  return encodeRecord(
    "strategy-record",
    { strategyId, name, tsNs, value: { $case: "json", value: JSON.stringify(value) } },
    ms(tsNs),
  );
}

const money = (amount: string, currency = "USDT"): pb.Money => ({ amount: dec(amount), currency });

export interface PerformanceSpec {
  readonly strategyId: string;
  readonly totalPnl: string;
  readonly realizedPnl?: string;
  readonly unrealizedPnl?: string;
  readonly drawdown?: string;
  readonly grossExposure?: string;
  readonly orders?: number;
  readonly fills?: number;
  readonly fees?: string;
  readonly tsNs: bigint;
}

export function performanceRecord(p: PerformanceSpec): EncodedRecord {
  return encodeRecord(
    "performance",
    {
      strategyId: p.strategyId,
      totalPnl: money(p.totalPnl),
      realizedPnl: money(p.realizedPnl ?? "0"),
      unrealizedPnl: money(p.unrealizedPnl ?? "0"),
      drawdown: money(p.drawdown ?? "0"),
      grossExposure: money(p.grossExposure ?? "0"),
      orders: BigInt(p.orders ?? 0),
      fills: BigInt(p.fills ?? 0),
      tradedVolume: dec("0"),
      fees: money(p.fees ?? "0"),
      tsNs: p.tsNs,
    },
    ms(p.tsNs),
  );
}

export function positionRecord(
  strategyId: string,
  inst: string,
  quantity: string,
  mark: string,
  unrealized: string,
  tsNs: bigint,
): EncodedRecord {
  return encodeRecord(
    "position",
    {
      account: "acc",
      instrument: instrument(inst),
      strategyId,
      quantity: dec(quantity),
      averageEntryPrice: dec(mark),
      realizedPnl: money("0"),
      unrealizedPnl: money(unrealized),
      markPrice: dec(mark),
      fees: [],
      tsNs,
    },
    ms(tsNs),
  );
}

export function riskRecord(
  account: string,
  state: "active" | "reducing-only" | "halted",
  grossExposure: string,
  dailyPnl: string,
  tsNs: bigint,
  netExposure = grossExposure,
): EncodedRecord {
  const ts = {
    active: pb.TradingState.TRADING_STATE_ACTIVE,
    "reducing-only": pb.TradingState.TRADING_STATE_REDUCING_ONLY,
    halted: pb.TradingState.TRADING_STATE_HALTED,
  }[state];
  return encodeRecord(
    "risk-state",
    {
      account,
      tradingState: ts,
      grossExposure: money(grossExposure),
      netExposure: money(netExposure),
      dailyPnl: money(dailyPnl),
      reason: "",
      tsNs,
    },
    ms(tsNs),
  );
}

/** An encoded record as an ingest source record. */
export function asSourceRecord(r: EncodedRecord): SourceRecord {
  return { topic: r.topic, key: r.key, headers: r.headers, value: r.value, timestampMs: r.timestampMs };
}
