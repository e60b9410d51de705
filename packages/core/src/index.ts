// @openfloor/core — the domain vocabulary every openfloor package speaks.

// errors
export { isOpenfloorError, OpenfloorError } from "./errors/openfloor-error.js";
export {
  BookError,
  CurrencyMismatchError,
  DecimalError,
  InstrumentError,
  OrderError,
} from "./errors/domain-errors.js";
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
export { ProtocolError } from "./errors/protocol-error.js";

// logging
export { silentLogger } from "./logging/logger.js";
export type { Logger } from "./logging/logger.js";

// exact numbers
export { Decimal, MAX_SCALE } from "./numbers/decimal.js";
export { divRound } from "./numbers/rounding.js";
export type { DecimalLike, RoundingMode } from "./numbers/decimal.js";
export { Money } from "./numbers/money.js";
export { price, quantity } from "./numbers/price-quantity.js";
export type { Price, Quantity } from "./numbers/price-quantity.js";

// clock
export { LiveClock, SimulatedClock } from "./clock/clock.js";
export type { Clock, Nanos } from "./clock/clock.js";

// instruments
export {
  formatInstrumentId,
  instrumentId,
  parseInstrumentId,
  sameInstrument,
} from "./instruments/instrument-id.js";
export type { InstrumentId } from "./instruments/instrument-id.js";
export {
  defineInstrument,
  isInSession,
  notional,
  priceDecimals,
  sizeDecimals,
} from "./instruments/instrument.js";
export type {
  DeliveryPeriod,
  Instrument,
  InstrumentKind,
  InstrumentSpec,
  OptionTerms,
  TradingSession,
} from "./instruments/instrument.js";

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
// order state machine
export type { OrderTransition } from "./orders/order-state-machine.js";
export {
  applyOrderEvent,
  isOpen,
  isTerminal,
  leavesQuantity,
  MAX_REMEMBERED_EVENT_IDS,
  newOrder,
  validateOrderRequest,
} from "./orders/order-state-machine.js";
export type { OrderTransitionStep } from "./orders/order-transitions.js";
export { ORDER_TRANSITIONS } from "./orders/order-transitions.js";
export type { OrderLocalState } from "./proto-convert/orders.js";
export {
  fillFromProto,
  fillToProto,
  liquidityFromProto,
  liquidityToProto,
  orderEventFromProto,
  orderEventKindFromProto,
  orderEventKindToProto,
  orderEventToProto,
  orderFromProto,
  orderRequestFromProto,
  orderRequestToProto,
  orderStatusFromProto,
  orderStatusToProto,
  orderToProto,
  orderTypeFromProto,
  orderTypeToProto,
  sideFromProto,
  sideToProto,
  timeInForceFromProto,
  timeInForceToProto,
} from "./proto-convert/orders.js";

// market data
export type { Bar, BookDelta, BookLevel, BookSnapshot, MarketEvent, Quote, Trade } from "./market/types.js";
// order books and bars
export { BarBuilder, type BarBuilderOptions } from "./market/bar-builder.js";
export { BarError, type BarInterval, parseBarInterval } from "./market/bar-interval.js";
export type { PriceRounding } from "./market/book-math.js";
export type { BookSide, BookView } from "./market/book-view.js";
export {
  type AppliedResult,
  type DeltaResult,
  type FillEstimate,
  OrderBook,
  type OrderBookOptions,
  type SequenceGap,
  type SnapshotResult,
  type TickDelta,
  type TickSnapshot,
} from "./market/order-book.js";
export { QuoteBook } from "./market/quote-book.js";
export { TickScale } from "./market/tick-scale.js";
// market data <-> protobuf
export {
  barFromProto,
  barToProto,
  bookDeltaFromProto,
  bookDeltaToProto,
  bookSnapshotFromProto,
  bookSnapshotToProto,
  marketEventFromProto,
  marketEventToProto,
  quoteFromProto,
  quoteToProto,
  tradeFromProto,
  tradeToProto,
} from "./proto-convert/market-data.js";

// positions, PnL, tax lots
export type { PortfolioErrorCode } from "./errors/portfolio-error.js";
export { PortfolioError } from "./errors/portfolio-error.js";
export { ConversionRates } from "./portfolio/conversion-rates.js";
export type { ClosedLot, LotContract, LotMatch, LotMethod, LotSide, OpenLot } from "./portfolio/lots.js";
export { matchLots } from "./portfolio/lots.js";
export type {
  Balance,
  Exposure,
  FundingEvent,
  PortfolioOptions,
  PortfolioTotals,
} from "./portfolio/portfolio.js";
export { Portfolio } from "./portfolio/portfolio.js";
export type { FundingInput, PositionOptions, PositionSnapshot } from "./portfolio/position.js";
export { Position } from "./portfolio/position.js";
export {
  balanceFromProto,
  balanceToProto,
  positionFromProto,
  positionToProto,
} from "./proto-convert/portfolio.js";

// protobuf contracts
export * as pb from "./proto/index.js";

// recording: topics, keys and the record envelope shared by Kafka, the local log and analytics
export {
  decodeRecord,
  decodeRecords,
  encodeMarketDataBatch,
  encodeRecord,
  HEADERS as RECORD_HEADERS,
  isBatchRecord,
  isMarketDataKind,
  MARKET_DATA_BATCH_SCHEMA,
  marketDataBatchRecord,
  RECORD_KINDS,
  RECORD_SCHEMA_VERSION,
  recordKey,
  TOPICS,
} from "./recording/topics.js";
export { marketEventsOfRecord } from "./recording/market-events.js";
export type {
  DecodedRecord,
  EncodedRecord,
  MarketDataKind,
  RecordKind,
  RecordValues,
  TopicSpec,
} from "./recording/topics.js";
// recording: the local segment log (the Kafka fallback, replayable; analytics reads it too)
export { SegmentLogError } from "./recording/segment-entry.js";
export type { SegmentLogErrorCode } from "./recording/segment-entry.js";
export {
  listSegmentLogTopics,
  listSegments,
  readSegmentLog,
  SegmentLogCursor,
  SegmentLogWriter,
  segmentFileName,
} from "./recording/segment-log.js";
export type {
  LoggedRecord,
  SegmentLogOptions,
  SegmentLogReadOptions,
  SegmentLogRecovery,
} from "./recording/segment-log.js";
