// @openfloor/adapters/ccxt — the ccxt adapter and the local venue emulator it is tested against.
// A separate entry point so that users who do not use ccxt never load it.

export type {
  EmulatedExchange,
  EmulatedMarketSpec,
  EmulatorStats,
  OrderFault,
  OrderOperation,
  VenueEmulatorOptions,
} from "../emulator/index.js";
export { DEFAULT_MARKETS, VenueEmulator } from "../emulator/index.js";
export type { CcxtAdapterOptions } from "./adapter.js";
export { CcxtAdapter } from "./adapter.js";
export type { CcxtAdapterConfig, CcxtAdapterConfigInput, ResolvedCredentials } from "./config.js";
export { ccxtAdapterConfigSchema, ccxtCredentialsSchema, resolveCredentials } from "./config.js";
export type { CcxtOperation } from "./errors.js";
export { isBookGap, mapCcxtError, scrub } from "./errors.js";
export { ccxtExchangeIds, ccxtVersion } from "./exchange.js";
export { ccxtAdapterFactory } from "./factory.js";
export { marketToInstrument } from "./instruments.js";
export { BookTracker } from "./normalize/book.js";
export { exactDecimal } from "./normalize/numbers.js";
export type { CcxtAdapterStats } from "./session.js";
