// Record builders for recording and aggregator tests (not part of the package's public face).
import {
  Decimal,
  fillToProto,
  type InstrumentId,
  instrumentId,
  Money,
  marketEventToProto,
  newOrder,
  type OrderSide,
  orderEventToProto,
  type pb,
} from "@openfloor/core";

export const BTC_SIM = instrumentId("BTC/USDT", "sim");

export interface FillSpec {
  readonly id: string;
  readonly account?: string;
  readonly strategyId?: string;
  readonly instrument?: InstrumentId;
  readonly side?: OrderSide;
  readonly price?: string;
  readonly quantity?: string;
  readonly fee?: string;
  readonly tsNs?: bigint;
}

export function fillProto(spec: FillSpec): pb.Fill {
  return fillToProto({
    fillId: spec.id,
    clientOrderId: `c-${spec.id}`,
    venueOrderId: `v-${spec.id}`,
    instrument: spec.instrument ?? BTC_SIM,
    side: spec.side ?? "buy",
    price: Decimal.from(spec.price ?? "50000.01"),
    quantity: Decimal.from(spec.quantity ?? "0.001"),
    fee: Money.of(spec.fee ?? "0.01", "USDT"),
    liquidity: "taker",
    tsEventNs: spec.tsNs ?? 1_700_000_000_000_000_000n,
    strategyId: spec.strategyId ?? "s1",
    account: spec.account ?? "acct-1",
  });
}

export function tradeProto(
  i: number,
  instrument: InstrumentId = BTC_SIM,
  price = "50000.01",
): pb.MarketEvent {
  return marketEventToProto({
    type: "trade",
    instrument,
    price: Decimal.from(price),
    size: Decimal.from("0.5"),
    aggressor: "buy",
    tradeId: `t-${i}`,
    tsEventNs: BigInt(i),
    tsRecvNs: BigInt(i),
  });
}

export function quoteProto(instrument: InstrumentId, bid: string, ask: string, tsNs = 1n): pb.MarketEvent {
  return marketEventToProto({
    type: "quote",
    instrument,
    bidPrice: Decimal.from(bid),
    bidSize: Decimal.from("1"),
    askPrice: Decimal.from(ask),
    askSize: Decimal.from("1"),
    tsEventNs: tsNs,
    tsRecvNs: tsNs,
  });
}

/** A "submitted" event of a fresh limit order `c-<id>` of `account`. */
export function orderEventProto(id: string, account = "acct-1"): pb.OrderEvent {
  const order = newOrder(
    {
      clientOrderId: `c-${id}`,
      instrument: BTC_SIM,
      side: "buy",
      type: "limit",
      timeInForce: "GTC",
      quantity: Decimal.from("0.001"),
      price: Decimal.from("50000"),
      postOnly: false,
      reduceOnly: false,
      strategyId: "s1",
      account,
    },
    1n,
  );
  return orderEventToProto({ kind: "submitted", eventId: `e-${id}`, tsNs: 1n }, order);
}
