// @openfloor/adapters — the exchange adapter contract, registry and built-in venues.

export { assertCapability, assertOrderSupported } from "./contract/capabilities.js";
export type { VenueCapabilities } from "./contract/capabilities.js";
export type {
  AdapterContext,
  AmendRequest,
  ConnectionState,
  ExchangeAdapter,
  ExecutionClient,
  InstrumentProvider,
  MarketChannel,
  MarketDataClient,
  MarketSubscription,
  VenueBalance,
  VenueEventSink,
  VenueOrderReport,
  VenuePosition,
} from "./contract/adapter.js";
export { AdapterConfigError, AdapterRegistry } from "./contract/registry.js";
export type { AdapterFactory } from "./contract/registry.js";
// -- sim venue (sim/*.ts) --
export {
  checkAmendForVenue,
  checkOrderForVenue,
  createSimVenue,
  eventTime,
  orderRequestOf,
  parseSimAdapterConfig,
  RemoteSimAdapter,
  ReplaySource,
  remoteSimAdapterConfigSchema,
  remoteSimAdapterFactory,
  SIM_CAPABILITIES,
  SeededRandom,
  SimAdapter,
  SimExchange,
  simAdapterConfigSchema,
  simAdapterFactory,
  startSimVenueServer,
  SyntheticMarket,
} from "./sim/index.js";
export type {
  LatencyModel,
  RemoteSimAdapterConfig,
  RemoteSimAdapterOptions,
  ReplaySourceOptions,
  SimAdapterConfig,
  SimAdapterConfigInput,
  SimAdapterOptions,
  SimExchangeOptions,
  SimRefusal,
  SimResult,
  SimVenue,
  SimVenueListener,
  SimVenueServer,
  SimVenueServerOptions,
  StopTrigger,
  SyntheticMarketParams,
} from "./sim/index.js";
