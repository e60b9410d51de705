// The local venue emulator: Binance spot and Bybit v5 spot wire formats over one matching engine.

export type { MatchingEngineOptions, OrderRef, PlaceOrderRequest } from "./engine/matching-engine.js";
export { MatchingEngine } from "./engine/matching-engine.js";
export type {
  Balance,
  DepthDiff,
  DepthSnapshot,
  EmulatedFill,
  EmulatedMarketSpec,
  EmulatedOrder,
  EngineListener,
  ExecutionReport,
  PublicTrade,
} from "./engine/types.js";
export { EngineError } from "./engine/types.js";
export type { EmulatorStats, VenueEmulatorOptions } from "./server.js";
export { DEFAULT_MARKETS, VenueEmulator } from "./server.js";
export type { EmulatedExchange, OrderFault, OrderOperation } from "./wire.js";
