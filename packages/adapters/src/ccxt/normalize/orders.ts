import {
  BadVenueMessageError,
  Decimal,
  type Fill,
  type Instrument,
  Money,
  type Nanos,
  type OrderSide,
  type OrderStatus,
  type OrderType,
  priceDecimals,
  sizeDecimals,
} from "@openfloor/core";
import type { VenueOrderReport } from "../../contract/adapter.js";
import { type CcxtOrder, type CcxtTrade, isPlainObject } from "../exchange.js";
import { exactDecimal, msToNs, optionalDecimal } from "./numbers.js";

/** Raw fields venues use for the client order id, for trades (ccxt's unified trade has none). */
const CLIENT_ID_FIELDS = ["clientOrderId", "c", "orderLinkId", "clOrdId", "client_oid", "clientOid", "text"];

/** The client order id a ccxt order or trade carries, from the unified field or the raw payload. */
export function clientOrderIdOf(item: CcxtOrder | CcxtTrade): string | undefined {
  if ("clientOrderId" in item && typeof item.clientOrderId === "string" && item.clientOrderId.length > 0) {
    return item.clientOrderId;
  }
  const info = item.info;
  if (!isPlainObject(info)) return undefined;
  for (const f of CLIENT_ID_FIELDS) {
    const v = info[f];
    if (typeof v === "string" && v.length > 0) return v;
  }
  return undefined;
}

export function sideOf(value: string | undefined, field = "side"): OrderSide {
  if (value === "buy" || value === "sell") return value;
  throw new BadVenueMessageError("BAD_VENUE_MESSAGE", `${field} is not buy or sell: ${String(value)}`, {
    context: { field, value: String(value) },
  });
}

function typeOf(value: string | undefined): OrderType {
  switch (value) {
    case "market":
      return "market";
    case "stop_market":
    case "stop-market":
    case "stop":
      return "stop-market";
    case "stop_limit":
    case "stop-limit":
    case "stop_loss_limit":
    case "take_profit_limit":
      return "stop-limit";
    default:
      return "limit";
  }
}

/** A ccxt order status as a core status (open orders only distinguish accepted / partially filled). */
export function statusOf(o: CcxtOrder, filled: Decimal, quantity: Decimal): OrderStatus {
  switch (o.status) {
    case "open":
      return filled.isPositive() ? "partially-filled" : "accepted";
    case "closed":
      return filled.gte(quantity) ? "filled" : "canceled";
    case "canceled":
      return "canceled";
    case "expired":
      return "expired";
    case "rejected":
      return "rejected";
    default:
      return "accepted";
  }
}

/**
 * A ccxt order as a reconciliation report.
 *
 * Binance GET /api/v3/openOrders entry → ccxt: `{ orderId: 8000081, clientOrderId: "c1", price: "49000.00000000",
 *   origQty: "0.01000000", executedQty: "0.00000000", status: "NEW", type: "LIMIT", side: "BUY" }`
 *   → `{ id: "8000081", clientOrderId: "c1", price: 49000, amount: 0.01, filled: 0, status: "open" }`
 */
export function orderReportOf(o: CcxtOrder, instrument: Instrument, recvNs: Nanos): VenueOrderReport {
  if (o.id === undefined) {
    throw new BadVenueMessageError("BAD_VENUE_MESSAGE", "order without an id", { context: { field: "id" } });
  }
  const quantity = exactDecimal(o.amount, sizeDecimals(instrument), "amount");
  const filled = optionalDecimal(o.filled, sizeDecimals(instrument), "filled") ?? Decimal.ZERO;
  const price = o.price === 0 ? undefined : optionalDecimal(o.price, priceDecimals(instrument), "price");
  const clientOrderId = clientOrderIdOf(o);
  return {
    ...(clientOrderId === undefined ? {} : { clientOrderId }),
    venueOrderId: o.id,
    instrument: instrument.id,
    side: sideOf(o.side),
    type: typeOf(o.type),
    status: statusOf(o, filled, quantity),
    quantity,
    ...(price === undefined ? {} : { price }),
    filledQuantity: filled,
    tsNs: msToNs(o.lastUpdateTimestamp ?? o.timestamp, recvNs),
  };
}

/** Who a fill belongs to, from the adapter's order tracking. */
export interface FillOwner {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly strategyId: string;
  readonly account: string;
  readonly side?: OrderSide;
}

/**
 * A ccxt (own) trade as a core `Fill`. The fee keeps its own currency; its scale is the currency's
 * precision when `feeScale` knows it.
 *
 * Bybit `execution` topic entry → ccxt: `{ execId: "e500003", orderId: "8000083", orderLinkId: "c3",
 *   execPrice: "49999.99", execQty: "0.01000", execFee: "0.4999999", feeCurrency: "USDT", isMaker: false,
 *   side: "Sell" }` → `{ id: "e500003", order: "8000083", price: 49999.99, amount: 0.01, side: "sell",
 *   takerOrMaker: "taker", fee: { cost: 0.4999999, currency: "USDT" } }`
 */
export function fillOf(
  t: CcxtTrade,
  instrument: Instrument,
  owner: FillOwner,
  feeScale: (currency: string) => number,
  recvNs: Nanos,
): Fill {
  if (t.id === undefined) {
    throw new BadVenueMessageError("BAD_VENUE_MESSAGE", "own trade without an id", {
      context: { field: "id" },
    });
  }
  const feeCurrency = t.fee?.currency ?? instrument.quote;
  const feeCost = t.fee?.cost;
  const fee =
    feeCost === undefined || feeCost === null
      ? Money.zero(feeCurrency)
      : Money.of(exactDecimal(feeCost, feeScale(feeCurrency), "fee.cost"), feeCurrency);
  return {
    fillId: t.id,
    clientOrderId: owner.clientOrderId,
    venueOrderId: t.order ?? owner.venueOrderId,
    instrument: instrument.id,
    side: t.side === "buy" || t.side === "sell" ? t.side : sideOf(owner.side),
    price: exactDecimal(t.price, priceDecimals(instrument), "price"),
    quantity: exactDecimal(t.amount, sizeDecimals(instrument), "amount"),
    fee,
    liquidity: t.takerOrMaker === "maker" ? "maker" : "taker",
    tsEventNs: msToNs(t.timestamp, recvNs),
    strategyId: owner.strategyId,
    account: owner.account,
  };
}
