// @openfloor/sdk — write a strategy once; run it live, on paper and in backtests.

export { Strategy, MarketDataApi, dec } from "./strategy/strategy.js";
export type { StrategyContext, StrategyOptions } from "./strategy/strategy.js";
export { OrdersApi } from "./strategy/orders-api.js";
export type { OrderSpec, SideOptions } from "./strategy/orders-api.js";
export { OrderHandle } from "./strategy/order-handle.js";
export type { AmendSpec } from "./strategy/order-handle.js";
export { PositionsApi } from "./strategy/positions-api.js";
export { runStrategy } from "./strategy/runner.js";
export type { RunOptions, RunningStrategy } from "./strategy/runner.js";
export type { InstrumentRef } from "./strategy/instrument-ref.js";
export { withMarketData } from "./transport/market-data-feed.js";
export type { MarketDataFeed } from "./transport/market-data-feed.js";
export { kafkaMarketData } from "./market-data/kafka-market-data.js";
export type { KafkaMarketDataOptions } from "./market-data/kafka-market-data.js";
export {
  InvalidOrder,
  NotConnected,
  OrderFinished,
  RiskDenied,
  SdkError,
  TransportError,
  VenueRejected,
} from "./errors/sdk-errors.js";
export type { SdkErrorCode } from "./errors/sdk-errors.js";
export type {
  AmendChange,
  ConnectionStatus,
  DataChannel,
  DataSubscription,
  OrderUpdate,
  RecordValue,
  SubmitRequest,
  Transport,
} from "./transport/transport.js";
// Domain types and exact numbers from @openfloor/core that strategies use, so a strategy needs one import.
export { Decimal } from "@openfloor/core";
export type {
  Balance,
  Bar,
  BookLevel,
  DecimalLike,
  Fill,
  Instrument,
  InstrumentId,
  MarketEvent,
  Order,
  OrderBook,
  OrderSide,
  OrderStatus,
  PositionSnapshot,
  Quote,
  Trade,
} from "@openfloor/core";
