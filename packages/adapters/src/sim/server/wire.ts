import {
  AuthenticationError,
  BadVenueMessageError,
  Decimal,
  defineInstrument,
  type Instrument,
  InsufficientFundsError,
  InvalidOrderError,
  type MarketEvent,
  Money,
  NetworkError,
  NotSupportedError,
  type OrderEvent,
  OrderNotFoundError,
  type OrderRequest,
  RateLimitedError,
  VenueError,
  type VenueErrorCode,
  VenueUnavailableError,
} from "@openfloor/core";
import { z } from "zod";
import type { AmendRequest, VenueBalance, VenueOrderReport, VenuePosition } from "../../contract/adapter.js";

/*
 * The sim venue's wire format: JSON with every Decimal as a decimal string and every bigint
 * (nanosecond times, sequences) as a string of digits, so nothing passes through a float.
 * `encode` writes it; the zod schemas below read it and name the offending path when it is malformed.
 */

/** JSON text of a value, Decimals and bigints as strings. */
export function encode(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

const decimal = z.string().transform((s, ctx) => {
  try {
    return Decimal.parse(s);
  } catch {
    ctx.addIssue({ code: "custom", message: `not a decimal: ${JSON.stringify(s)}` });
    return z.NEVER;
  }
});
const bigint = z
  .string()
  .regex(/^-?\d+$/, "expected an integer as a string")
  .transform((s) => BigInt(s));
const instrumentId = z.object({ symbol: z.string().min(1), venue: z.string().min(1) });
const side = z.enum(["buy", "sell"]);
const level = z.object({ price: decimal, size: decimal });

export const marketEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("trade"),
    instrument: instrumentId,
    price: decimal,
    size: decimal,
    aggressor: side,
    tradeId: z.string(),
    tsEventNs: bigint,
    tsRecvNs: bigint,
  }),
  z.object({
    type: z.literal("quote"),
    instrument: instrumentId,
    bidPrice: decimal,
    bidSize: decimal,
    askPrice: decimal,
    askSize: decimal,
    tsEventNs: bigint,
    tsRecvNs: bigint,
  }),
  z.object({
    type: z.literal("book-snapshot"),
    instrument: instrumentId,
    bids: z.array(level),
    asks: z.array(level),
    sequence: bigint,
    tsEventNs: bigint,
    tsRecvNs: bigint,
  }),
  z.object({
    type: z.literal("book-delta"),
    instrument: instrumentId,
    bids: z.array(level),
    asks: z.array(level),
    firstSequence: bigint,
    sequence: bigint,
    tsEventNs: bigint,
    tsRecvNs: bigint,
  }),
  z.object({
    type: z.literal("bar"),
    instrument: instrumentId,
    interval: z.string(),
    open: decimal,
    high: decimal,
    low: decimal,
    close: decimal,
    volume: decimal,
    tsOpenNs: bigint,
    tsCloseNs: bigint,
  }),
]) satisfies z.ZodType<MarketEvent, unknown>;

const fill = z.object({
  fillId: z.string(),
  clientOrderId: z.string(),
  venueOrderId: z.string(),
  instrument: instrumentId,
  side,
  price: decimal,
  quantity: decimal,
  fee: z.object({ amount: decimal, currency: z.string() }).transform((m) => Money.of(m.amount, m.currency)),
  liquidity: z.enum(["maker", "taker"]),
  tsEventNs: bigint,
  strategyId: z.string(),
  account: z.string(),
});
export const fillSchema = fill;

const reason = z.object({ code: z.string(), message: z.string(), field: z.string().optional() });
const base = { tsNs: bigint, eventId: z.string().optional() };
const changes = { quantity: decimal.optional(), price: decimal.optional(), triggerPrice: decimal.optional() };

export const orderEventSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("denied"), reason, ...base }),
  z.object({ kind: z.literal("submitted"), ...base }),
  z.object({ kind: z.literal("accepted"), venueOrderId: z.string(), ...base }),
  z.object({ kind: z.literal("rejected"), reason, ...base }),
  z.object({ kind: z.literal("filled"), fill, ...base }),
  z.object({ kind: z.literal("pending-cancel"), ...base }),
  z.object({ kind: z.literal("canceled"), ...base }),
  z.object({ kind: z.literal("cancel-rejected"), reason, ...base }),
  z.object({ kind: z.literal("pending-amend"), ...changes, ...base }),
  z.object({ kind: z.literal("amended"), ...changes, ...base }),
  z.object({ kind: z.literal("amend-rejected"), reason, ...base }),
  z.object({ kind: z.literal("expired"), ...base }),
]) satisfies z.ZodType<OrderEvent, unknown>;

export const orderRequestSchema = z.object({
  clientOrderId: z.string(),
  instrument: instrumentId,
  side,
  type: z.enum(["market", "limit", "stop-market", "stop-limit"]),
  timeInForce: z.enum(["GTC", "IOC", "FOK", "GTD", "DAY"]),
  quantity: decimal,
  price: decimal.optional(),
  triggerPrice: decimal.optional(),
  postOnly: z.boolean(),
  reduceOnly: z.boolean(),
  expireTimeNs: bigint.optional(),
  strategyId: z.string(),
  account: z.string(),
}) satisfies z.ZodType<OrderRequest, unknown>;

export const amendSchema = z.object(changes) satisfies z.ZodType<AmendRequest, unknown>;

export const orderReportSchema = z.object({
  clientOrderId: z.string().optional(),
  venueOrderId: z.string(),
  instrument: instrumentId,
  side,
  type: z.enum(["market", "limit", "stop-market", "stop-limit"]),
  status: z.enum([
    "initialized",
    "denied",
    "submitted",
    "accepted",
    "rejected",
    "partially-filled",
    "filled",
    "pending-cancel",
    "canceled",
    "pending-amend",
    "expired",
  ]),
  quantity: decimal,
  price: decimal.optional(),
  filledQuantity: decimal,
  tsNs: bigint,
}) satisfies z.ZodType<VenueOrderReport, unknown>;

export const balanceSchema = z.object({
  currency: z.string(),
  total: decimal,
  free: decimal,
  locked: decimal,
}) satisfies z.ZodType<VenueBalance, unknown>;

export const positionSchema = z.object({
  instrument: instrumentId,
  quantity: decimal,
  averageEntryPrice: decimal.optional(),
}) satisfies z.ZodType<VenuePosition, unknown>;

export const instrumentSchema = z
  .object({
    id: instrumentId,
    kind: z.enum(["spot", "perpetual", "future", "option", "equity", "etf", "power_future"]),
    base: z.string(),
    quote: z.string(),
    settlement: z.string(),
    priceIncrement: decimal,
    sizeIncrement: decimal,
    minSize: decimal,
    minNotional: decimal,
    multiplier: decimal,
    inverse: z.boolean(),
    makerFee: decimal,
    takerFee: decimal,
    expiry: bigint.optional(),
  })
  .transform(
    (i): Instrument =>
      defineInstrument({
        id: i.id,
        kind: i.kind,
        base: i.base,
        quote: i.quote,
        settlement: i.settlement,
        priceIncrement: i.priceIncrement,
        sizeIncrement: i.sizeIncrement,
        minSize: i.minSize,
        minNotional: i.minNotional,
        multiplier: i.multiplier,
        inverse: i.inverse,
        makerFee: i.makerFee,
        takerFee: i.takerFee,
        ...(i.expiry === undefined ? {} : { expiry: i.expiry }),
      }),
  );

/** One line of the event stream. */
export const streamLineSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("hello"), streamId: z.string(), seq: z.number().int() }),
  z.object({
    type: z.literal("order"),
    seq: z.number().int(),
    clientOrderId: z.string(),
    event: orderEventSchema,
  }),
  z.object({ type: z.literal("market"), event: marketEventSchema }),
  z.object({ type: z.literal("journal-gap"), since: z.number().int() }),
  z.object({ type: z.literal("ping") }),
]);
export type StreamLine = z.output<typeof streamLineSchema>;

/** A typed error on the wire. */
export interface WireError {
  readonly code: VenueErrorCode;
  readonly message: string;
  readonly context?: Record<string, unknown>;
}

export function errorToWire(error: VenueError): WireError {
  return { code: error.code, message: error.message, context: { ...error.context } };
}

/** The error class of each code: the same hierarchy on both sides of the wire. */
export function errorFromWire(wire: WireError): VenueError {
  const options = { context: wire.context ?? {} };
  switch (wire.code) {
    case "INVALID_ORDER":
      return new InvalidOrderError("INVALID_ORDER", wire.message, options);
    case "ORDER_NOT_FOUND":
      return new OrderNotFoundError("ORDER_NOT_FOUND", wire.message, options);
    case "INSUFFICIENT_FUNDS":
      return new InsufficientFundsError("INSUFFICIENT_FUNDS", wire.message, options);
    case "AUTHENTICATION":
      return new AuthenticationError("AUTHENTICATION", wire.message, options);
    case "NOT_SUPPORTED":
      return new NotSupportedError("NOT_SUPPORTED", wire.message, options);
    case "BAD_VENUE_MESSAGE":
      return new BadVenueMessageError("BAD_VENUE_MESSAGE", wire.message, options);
    case "RATE_LIMITED":
      return new RateLimitedError("RATE_LIMITED", wire.message, options);
    case "VENUE_UNAVAILABLE":
      return new VenueUnavailableError("VENUE_UNAVAILABLE", wire.message, options);
    case "NETWORK":
      return new NetworkError("NETWORK", wire.message, options);
    default:
      return new VenueError("VENUE_ERROR", wire.message, options);
  }
}

export const wireErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    context: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** Paths of the HTTP API, relative to the server's base URL. */
export const SIM_API = {
  instruments: "/v1/instruments",
  submit: "/v1/orders",
  amend: "/v1/orders/amend",
  cancel: "/v1/orders/cancel",
  cancelAll: "/v1/orders/cancel-all",
  openOrders: "/v1/orders/open",
  fills: "/v1/fills",
  balances: "/v1/balances",
  positions: "/v1/positions",
  stream: "/v1/stream",
  subscribe: "/v1/subscribe",
  unsubscribe: "/v1/unsubscribe",
  snapshot: "/v1/book/snapshot",
} as const;
