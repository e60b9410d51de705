import type { Nanos } from "../clock/clock.js";
import { DecimalError, InstrumentError, OrderError } from "../errors/domain-errors.js";
import {
  type ErrorDetail,
  type Decimal as PbDecimal,
  type InstrumentId as PbInstrumentId,
  Side as PbSide,
} from "../gen/openfloor/v1/common.js";
import {
  type Fill as PbFill,
  Liquidity as PbLiquidity,
  type Order as PbOrder,
  type OrderEvent as PbOrderEvent,
  OrderEventKind as PbOrderEventKind,
  OrderStatus as PbOrderStatus,
  OrderType as PbOrderType,
  TimeInForce as PbTimeInForce,
  type SubmitOrderRequest,
} from "../gen/openfloor/v1/orders.js";
import { type InstrumentId, instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { Money } from "../numbers/money.js";
import { addFillNotional } from "../orders/fill-average.js";
import { validateOrderRequest } from "../orders/order-request-validation.js";
import type {
  Fill,
  Liquidity,
  Order,
  OrderEvent,
  OrderEventKind,
  OrderRequest,
  OrderSide,
  OrderStatus,
  OrderType,
  Reason,
  TimeInForce,
} from "../orders/types.js";

// Conventions on the wire: proto3 cannot tell an empty string or a zero int64 from an unset one, so
// `""` and `0n` stand for an absent optional (venueOrderId, replacesClientOrderId, expireTimeNs,
// Reason.field); an absent optional Decimal is an unset message field.

function invalid(what: string, field: string, why: string, cause?: unknown): OrderError {
  return new OrderError("ORDER_INVALID", `${what}: ${field} ${why}`, {
    context: { field },
    ...(cause === undefined ? {} : { cause }),
  });
}

function enumCodec<Core extends string, Proto extends number>(name: string, toProto: Record<Core, Proto>) {
  const fromProto = new Map<number, Core>();
  for (const core of Object.keys(toProto) as Core[]) fromProto.set(toProto[core], core);
  return {
    toProto: (value: Core): Proto => toProto[value],
    fromProto: (value: Proto, what: string, field: string): Core => {
      const core = fromProto.get(value);
      if (core !== undefined) return core;
      throw invalid(
        what,
        field,
        value === 0 ? `is unspecified; set a ${name}` : `has unknown ${name} ${value}`,
      );
    },
  };
}

const SIDE = enumCodec<OrderSide, PbSide>("side", { buy: PbSide.SIDE_BUY, sell: PbSide.SIDE_SELL });
const ORDER_TYPE = enumCodec<OrderType, PbOrderType>("order type", {
  market: PbOrderType.ORDER_TYPE_MARKET,
  limit: PbOrderType.ORDER_TYPE_LIMIT,
  "stop-market": PbOrderType.ORDER_TYPE_STOP_MARKET,
  "stop-limit": PbOrderType.ORDER_TYPE_STOP_LIMIT,
});
const TIME_IN_FORCE = enumCodec<TimeInForce, PbTimeInForce>("time in force", {
  GTC: PbTimeInForce.TIME_IN_FORCE_GTC,
  IOC: PbTimeInForce.TIME_IN_FORCE_IOC,
  FOK: PbTimeInForce.TIME_IN_FORCE_FOK,
  GTD: PbTimeInForce.TIME_IN_FORCE_GTD,
  DAY: PbTimeInForce.TIME_IN_FORCE_DAY,
});
const ORDER_STATUS = enumCodec<OrderStatus, PbOrderStatus>("order status", {
  initialized: PbOrderStatus.ORDER_STATUS_INITIALIZED,
  denied: PbOrderStatus.ORDER_STATUS_DENIED,
  submitted: PbOrderStatus.ORDER_STATUS_SUBMITTED,
  accepted: PbOrderStatus.ORDER_STATUS_ACCEPTED,
  rejected: PbOrderStatus.ORDER_STATUS_REJECTED,
  "partially-filled": PbOrderStatus.ORDER_STATUS_PARTIALLY_FILLED,
  filled: PbOrderStatus.ORDER_STATUS_FILLED,
  "pending-cancel": PbOrderStatus.ORDER_STATUS_PENDING_CANCEL,
  canceled: PbOrderStatus.ORDER_STATUS_CANCELED,
  "pending-amend": PbOrderStatus.ORDER_STATUS_PENDING_AMEND,
  expired: PbOrderStatus.ORDER_STATUS_EXPIRED,
});
const LIQUIDITY = enumCodec<Liquidity, PbLiquidity>("liquidity", {
  maker: PbLiquidity.LIQUIDITY_MAKER,
  taker: PbLiquidity.LIQUIDITY_TAKER,
});
const EVENT_KIND = enumCodec<OrderEventKind, PbOrderEventKind>("order event kind", {
  denied: PbOrderEventKind.ORDER_EVENT_KIND_DENIED,
  submitted: PbOrderEventKind.ORDER_EVENT_KIND_SUBMITTED,
  accepted: PbOrderEventKind.ORDER_EVENT_KIND_ACCEPTED,
  rejected: PbOrderEventKind.ORDER_EVENT_KIND_REJECTED,
  filled: PbOrderEventKind.ORDER_EVENT_KIND_FILLED,
  "pending-cancel": PbOrderEventKind.ORDER_EVENT_KIND_PENDING_CANCEL,
  canceled: PbOrderEventKind.ORDER_EVENT_KIND_CANCELED,
  "cancel-rejected": PbOrderEventKind.ORDER_EVENT_KIND_CANCEL_REJECTED,
  "pending-amend": PbOrderEventKind.ORDER_EVENT_KIND_PENDING_AMEND,
  amended: PbOrderEventKind.ORDER_EVENT_KIND_AMENDED,
  "amend-rejected": PbOrderEventKind.ORDER_EVENT_KIND_AMEND_REJECTED,
  expired: PbOrderEventKind.ORDER_EVENT_KIND_EXPIRED,
});

/** `"buy"` → `SIDE_BUY`, `"sell"` → `SIDE_SELL`. */
export function sideToProto(side: OrderSide): PbSide {
  return SIDE.toProto(side);
}

/** The core side of a protobuf `Side`; unspecified or unknown values are `ORDER_INVALID` naming `field`. */
export function sideFromProto(side: PbSide, field = "side"): OrderSide {
  return SIDE.fromProto(side, "side", field);
}

/** `"stop-limit"` → `ORDER_TYPE_STOP_LIMIT`, and so on. */
export function orderTypeToProto(type: OrderType): PbOrderType {
  return ORDER_TYPE.toProto(type);
}

/** The core order type of a protobuf `OrderType`; unspecified or unknown is `ORDER_INVALID` naming `field`. */
export function orderTypeFromProto(type: PbOrderType, field = "type"): OrderType {
  return ORDER_TYPE.fromProto(type, "order type", field);
}

/** `"GTC"` → `TIME_IN_FORCE_GTC`, and so on. */
export function timeInForceToProto(timeInForce: TimeInForce): PbTimeInForce {
  return TIME_IN_FORCE.toProto(timeInForce);
}

/** The core time in force of a protobuf `TimeInForce`; unspecified or unknown is `ORDER_INVALID` naming `field`. */
export function timeInForceFromProto(timeInForce: PbTimeInForce, field = "timeInForce"): TimeInForce {
  return TIME_IN_FORCE.fromProto(timeInForce, "time in force", field);
}

/** `"partially-filled"` → `ORDER_STATUS_PARTIALLY_FILLED`, and so on. */
export function orderStatusToProto(status: OrderStatus): PbOrderStatus {
  return ORDER_STATUS.toProto(status);
}

/** The core status of a protobuf `OrderStatus`; unspecified or unknown is `ORDER_INVALID` naming `field`. */
export function orderStatusFromProto(status: PbOrderStatus, field = "status"): OrderStatus {
  return ORDER_STATUS.fromProto(status, "order status", field);
}

/** `"maker"` → `LIQUIDITY_MAKER`, `"taker"` → `LIQUIDITY_TAKER`. */
export function liquidityToProto(liquidity: Liquidity): PbLiquidity {
  return LIQUIDITY.toProto(liquidity);
}

/** The core liquidity of a protobuf `Liquidity`; unspecified or unknown is `ORDER_INVALID` naming `field`. */
export function liquidityFromProto(liquidity: PbLiquidity, field = "liquidity"): Liquidity {
  return LIQUIDITY.fromProto(liquidity, "liquidity", field);
}

/** `"cancel-rejected"` → `ORDER_EVENT_KIND_CANCEL_REJECTED`, and so on. */
export function orderEventKindToProto(kind: OrderEventKind): PbOrderEventKind {
  return EVENT_KIND.toProto(kind);
}

/** The core event kind of a protobuf `OrderEventKind`; unspecified or unknown is `ORDER_INVALID` naming `field`. */
export function orderEventKindFromProto(kind: PbOrderEventKind, field = "kind"): OrderEventKind {
  return EVENT_KIND.fromProto(kind, "order event kind", field);
}

function decimalFromProto(what: string, field: string, value: PbDecimal | undefined): Decimal {
  if (value === undefined) throw invalid(what, field, "is missing");
  try {
    return Decimal.fromProto(value);
  } catch (error) {
    if (error instanceof DecimalError)
      throw invalid(what, field, `is not a valid decimal: ${error.message}`, error);
    throw error;
  }
}

function optionalDecimalFromProto(
  what: string,
  field: string,
  value: PbDecimal | undefined,
): Decimal | undefined {
  return value === undefined ? undefined : decimalFromProto(what, field, value);
}

function instrumentFromProto(what: string, field: string, value: PbInstrumentId | undefined): InstrumentId {
  if (value === undefined) throw invalid(what, field, "is missing");
  if (value.symbol.length === 0) throw invalid(what, `${field}.symbol`, "is missing");
  if (value.venue.length === 0) throw invalid(what, `${field}.venue`, "is missing");
  try {
    return instrumentId(value.symbol, value.venue);
  } catch (error) {
    if (error instanceof InstrumentError) throw invalid(what, field, `is malformed: ${error.message}`, error);
    throw error;
  }
}

function reasonToProto(reason: Reason): ErrorDetail {
  return { code: reason.code, message: reason.message, field: reason.field ?? "" };
}

function reasonFromProto(detail: ErrorDetail): Reason {
  return {
    code: detail.code,
    message: detail.message,
    ...(detail.field.length === 0 ? {} : { field: detail.field }),
  };
}

/** Order fields the wire does not carry; the OMS keeps them in its audit store. */
export type OrderLocalState = Pick<Order, "fillIds" | "eventIds" | "overfilled" | "filledNotional">;

/** The protobuf `Order` of a core order (every field but those of {@link OrderLocalState}). */
export function orderToProto(order: Order): PbOrder {
  return {
    clientOrderId: order.clientOrderId,
    venueOrderId: order.venueOrderId ?? "",
    strategyId: order.strategyId,
    account: order.account,
    instrument: { symbol: order.instrument.symbol, venue: order.instrument.venue },
    side: sideToProto(order.side),
    type: orderTypeToProto(order.type),
    timeInForce: timeInForceToProto(order.timeInForce),
    quantity: order.quantity.toProto(),
    price: order.price?.toProto(),
    triggerPrice: order.triggerPrice?.toProto(),
    postOnly: order.postOnly,
    reduceOnly: order.reduceOnly,
    expireTimeNs: order.expireTimeNs ?? 0n,
    status: orderStatusToProto(order.status),
    filledQuantity: order.filledQuantity.toProto(),
    averageFillPrice: order.averageFillPrice?.toProto(),
    replacesClientOrderId: order.replacesClientOrderId ?? "",
    tsCreatedNs: order.tsCreatedNs,
    tsUpdatedNs: order.tsUpdatedNs,
    lastError: order.lastReason === undefined ? undefined : reasonToProto(order.lastReason),
  };
}

/**
 * The core order of a protobuf `Order`. Pass `local` (kept beside the order, e.g. in the audit store) to
 * restore what the wire does not carry; without it `fillIds` and `eventIds` are empty, `overfilled` is
 * false and `filledNotional` is `averageFillPrice × filledQuantity`.
 * @throws OrderError `ORDER_INVALID` naming the field, e.g. `"instrument.symbol"`, `"status"`.
 */
export function orderFromProto(proto: PbOrder, local: Partial<OrderLocalState> = {}): Order {
  return readOrder(proto, local, "order", "");
}

function readOrder(proto: PbOrder, local: Partial<OrderLocalState>, what: string, at: string): Order {
  if (proto.clientOrderId.length === 0) throw invalid(what, `${at}clientOrderId`, "is missing");
  const filledQuantity =
    proto.filledQuantity === undefined
      ? Decimal.ZERO
      : decimalFromProto(what, `${at}filledQuantity`, proto.filledQuantity);
  const averageFillPrice = optionalDecimalFromProto(what, `${at}averageFillPrice`, proto.averageFillPrice);
  return {
    clientOrderId: proto.clientOrderId,
    instrument: instrumentFromProto(what, `${at}instrument`, proto.instrument),
    side: sideFromProto(proto.side, `${at}side`),
    type: orderTypeFromProto(proto.type, `${at}type`),
    timeInForce: timeInForceFromProto(proto.timeInForce, `${at}timeInForce`),
    quantity: decimalFromProto(what, `${at}quantity`, proto.quantity),
    price: optionalDecimalFromProto(what, `${at}price`, proto.price),
    triggerPrice: optionalDecimalFromProto(what, `${at}triggerPrice`, proto.triggerPrice),
    postOnly: proto.postOnly,
    reduceOnly: proto.reduceOnly,
    expireTimeNs: proto.expireTimeNs === 0n ? undefined : proto.expireTimeNs,
    strategyId: proto.strategyId,
    account: proto.account,
    status: orderStatusFromProto(proto.status, `${at}status`),
    venueOrderId: proto.venueOrderId.length === 0 ? undefined : proto.venueOrderId,
    filledQuantity,
    averageFillPrice,
    filledNotional:
      local.filledNotional ??
      derivedNotional(what, `${at}averageFillPrice`, averageFillPrice, filledQuantity),
    fillIds: local.fillIds ?? [],
    eventIds: local.eventIds ?? [],
    replacesClientOrderId: proto.replacesClientOrderId.length === 0 ? undefined : proto.replacesClientOrderId,
    overfilled: local.overfilled ?? false,
    lastReason: proto.lastError === undefined ? undefined : reasonFromProto(proto.lastError),
    tsCreatedNs: proto.tsCreatedNs,
    tsUpdatedNs: proto.tsUpdatedNs,
  };
}

function derivedNotional(
  what: string,
  field: string,
  averageFillPrice: Decimal | undefined,
  filledQuantity: Decimal,
): Decimal {
  if (averageFillPrice === undefined) return Decimal.ZERO;
  try {
    return addFillNotional(Decimal.ZERO, averageFillPrice, filledQuantity);
  } catch (error) {
    if (error instanceof DecimalError) {
      throw invalid(what, field, "times filledQuantity does not fit 64-bit fixed point", error);
    }
    throw error;
  }
}

/** The protobuf `Fill` of a core fill; `tsRecvNs` is when the gateway received it (0 when unknown). */
export function fillToProto(fill: Fill, tsRecvNs: Nanos = 0n): PbFill {
  return {
    fillId: fill.fillId,
    clientOrderId: fill.clientOrderId,
    venueOrderId: fill.venueOrderId,
    strategyId: fill.strategyId,
    account: fill.account,
    instrument: { symbol: fill.instrument.symbol, venue: fill.instrument.venue },
    side: sideToProto(fill.side),
    price: fill.price.toProto(),
    quantity: fill.quantity.toProto(),
    fee: fill.fee.amount.toProto(),
    feeCurrency: fill.fee.currency,
    liquidity: liquidityToProto(fill.liquidity),
    tsEventNs: fill.tsEventNs,
    tsRecvNs,
  };
}

/**
 * The core fill of a protobuf `Fill` (its `tsRecvNs` is dropped: core fills carry the venue's time).
 * An unset fee is zero in `feeCurrency`.
 * @throws OrderError `ORDER_INVALID` naming the field, e.g. `"fillId"`, `"price"`, `"liquidity"`.
 */
export function fillFromProto(proto: PbFill): Fill {
  const what = "fill";
  if (proto.fillId.length === 0) throw invalid(what, "fillId", "is missing");
  if (proto.clientOrderId.length === 0) throw invalid(what, "clientOrderId", "is missing");
  return {
    fillId: proto.fillId,
    clientOrderId: proto.clientOrderId,
    venueOrderId: proto.venueOrderId,
    instrument: instrumentFromProto(what, "instrument", proto.instrument),
    side: sideFromProto(proto.side),
    price: decimalFromProto(what, "price", proto.price),
    quantity: decimalFromProto(what, "quantity", proto.quantity),
    fee: new Money(
      proto.fee === undefined ? Decimal.ZERO : decimalFromProto(what, "fee", proto.fee),
      proto.feeCurrency,
    ),
    liquidity: liquidityFromProto(proto.liquidity),
    tsEventNs: proto.tsEventNs,
    strategyId: proto.strategyId,
    account: proto.account,
  };
}

/** The protobuf `SubmitOrderRequest` of an order request (the strategy id travels in the call's credentials). */
export function orderRequestToProto(request: OrderRequest): SubmitOrderRequest {
  return {
    clientOrderId: request.clientOrderId,
    instrument: { symbol: request.instrument.symbol, venue: request.instrument.venue },
    side: sideToProto(request.side),
    type: orderTypeToProto(request.type),
    timeInForce: timeInForceToProto(request.timeInForce),
    quantity: request.quantity.toProto(),
    price: request.price?.toProto(),
    triggerPrice: request.triggerPrice?.toProto(),
    postOnly: request.postOnly,
    reduceOnly: request.reduceOnly,
    expireTimeNs: request.expireTimeNs ?? 0n,
    account: request.account,
  };
}

/**
 * The core order request of a `SubmitOrderRequest` from strategy `strategyId`; an empty `account` in the
 * request means `defaults.account`. Checks the request on its face (`validateOrderRequest` without an
 * instrument) so a bad request is refused with the field named before anything else sees it.
 * @throws OrderError `ORDER_INVALID` naming the field, e.g. `"quantity"`, `"instrument.symbol"`, `"type"`.
 * @example orderRequestFromProto(call.request, { strategyId: "mm-1", account: "main" })
 */
export function orderRequestFromProto(
  proto: SubmitOrderRequest,
  defaults: { strategyId: string; account: string },
): OrderRequest {
  const what = "submit order request";
  if (proto.clientOrderId.length === 0) throw invalid(what, "clientOrderId", "is missing");
  const request: OrderRequest = {
    clientOrderId: proto.clientOrderId,
    instrument: instrumentFromProto(what, "instrument", proto.instrument),
    side: sideFromProto(proto.side),
    type: orderTypeFromProto(proto.type),
    timeInForce: timeInForceFromProto(proto.timeInForce),
    quantity: decimalFromProto(what, "quantity", proto.quantity),
    price: optionalDecimalFromProto(what, "price", proto.price),
    triggerPrice: optionalDecimalFromProto(what, "triggerPrice", proto.triggerPrice),
    postOnly: proto.postOnly,
    reduceOnly: proto.reduceOnly,
    expireTimeNs: proto.expireTimeNs === 0n ? undefined : proto.expireTimeNs,
    strategyId: defaults.strategyId,
    account: proto.account.length === 0 ? defaults.account : proto.account,
  };
  validateOrderRequest(request);
  return request;
}

/**
 * The protobuf `OrderEvent` of a core event and the order as it stands after it. The event's own payload
 * travels as the order snapshot (`accepted`: its venue order id; `amended`: its new values), as `reason`,
 * or, for `filled`, as the `Fill` the stream sends alongside.
 */
export function orderEventToProto(event: OrderEvent, order: Order, tsRecvNs: Nanos = 0n): PbOrderEvent {
  return {
    eventId: event.eventId ?? "",
    kind: orderEventKindToProto(event.kind),
    order: orderToProto(order),
    reason: "reason" in event ? reasonToProto(event.reason) : undefined,
    tsEventNs: event.tsNs,
    tsRecvNs,
  };
}

/**
 * The core event and order of a protobuf `OrderEvent`. A `filled` event needs its `Fill` (sent separately
 * on the stream); an `amended` event takes its new values from the order snapshot; a `pending-amend` event
 * comes back without the requested values, which the wire does not carry.
 * @throws OrderError `ORDER_INVALID` naming the field, e.g. `"kind"`, `"reason"`, `"order.status"`.
 */
export function orderEventFromProto(
  proto: PbOrderEvent,
  fill?: Fill,
  local: Partial<OrderLocalState> = {},
): { event: OrderEvent; order: Order } {
  const what = "order event";
  const kind = orderEventKindFromProto(proto.kind);
  if (proto.order === undefined) throw invalid(what, "order", "is missing");
  const order = readOrder(proto.order, local, what, "order.");
  const base = { ...(proto.eventId.length === 0 ? {} : { eventId: proto.eventId }), tsNs: proto.tsEventNs };
  const reason = (): Reason => {
    if (proto.reason === undefined) throw invalid(what, "reason", `is required for a ${kind} event`);
    return reasonFromProto(proto.reason);
  };
  switch (kind) {
    case "denied":
    case "rejected":
    case "cancel-rejected":
    case "amend-rejected":
      return { event: { ...base, kind, reason: reason() }, order };
    case "accepted":
      if (order.venueOrderId === undefined)
        throw invalid(what, "order.venueOrderId", "is required for an accepted event");
      return { event: { ...base, kind, venueOrderId: order.venueOrderId }, order };
    case "filled":
      if (fill === undefined)
        throw invalid(what, "fill", "is required for a filled event (pass the Fill sent with it)");
      return { event: { ...base, kind, fill }, order };
    case "amended":
      return {
        event: {
          ...base,
          kind,
          quantity: order.quantity,
          price: order.price,
          triggerPrice: order.triggerPrice,
        },
        order,
      };
    default:
      return { event: { ...base, kind }, order };
  }
}
