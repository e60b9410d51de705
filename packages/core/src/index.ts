// @openfloor/core — the domain vocabulary every openfloor package speaks.

export type { Clock, Nanos } from "./clock/clock.js";
// clock
export { LiveClock, SimulatedClock } from "./clock/clock.js";
export type { DecimalErrorCode, OrderErrorCode } from "./errors/domain-errors.js";
export {
  AuthenticationError,
  BadVenueMessageError,
  InsufficientFundsError,
  InvalidOrderError,
  NetworkError,
  NotSupportedError,
  OrderNotFoundError,
  RateLimitedError,
  VenueError,
  VenueUnavailableError,
} from "./errors/venue-errors.js";
export type { VenueErrorCode } from "./errors/venue-errors.js";

// logging
export { silentLogger } from "./logging/logger.js";
export type { Logger } from "./logging/logger.js";
export {
  BookError,
  CurrencyMismatchError,
  DecimalError,
  InstrumentError,
  OrderError,
} from "./errors/domain-errors.js";
// errors
export { isOpenfloorError, OpenfloorError } from "./errors/openfloor-error.js";
export type {
  DeliveryPeriod,
  Instrument,
  InstrumentKind,
  InstrumentSpec,
  OptionTerms,
  TradingSession,
} from "./instruments/instrument.js";
export {
  defineInstrument,
  isInSession,
  notional,
  priceDecimals,
  sizeDecimals,
} from "./instruments/instrument.js";
export type { InstrumentId } from "./instruments/instrument-id.js";
// instruments
export {
  formatInstrumentId,
  instrumentId,
  parseInstrumentId,
  sameInstrument,
} from "./instruments/instrument-id.js";
export type { DecimalLike, RoundingMode } from "./numbers/decimal.js";
// exact numbers
export { Decimal, MAX_SCALE } from "./numbers/decimal.js";
export { Money } from "./numbers/money.js";
export type { Price, Quantity } from "./numbers/price-quantity.js";
export { price, quantity } from "./numbers/price-quantity.js";

// orders
export type {
  ClientOrderId,
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
  VenueOrderId,
} from "./orders/types.js";
// -- orders: state machine (orders/order-state-machine.ts) --

// market data
export type { Bar, BookDelta, BookLevel, BookSnapshot, MarketEvent, Quote, Trade } from "./market/types.js";
// -- market: order book (market/order-book.ts) --

// -- portfolio: positions, PnL, tax lots (portfolio/*.ts) --

// protobuf contracts
export * as pb from "./proto/index.js";
