// @openfloor/adapters/sim — the simulated venue: matching engine, synthetic market, replay, adapters, server.

export { SIM_CAPABILITIES, SimAdapter, type SimAdapterOptions } from "./adapter.js";
export {
  parseSimAdapterConfig,
  type SimAdapterConfig,
  type SimAdapterConfigInput,
  type SimInstrumentConfig,
  simAdapterConfigSchema,
  simInstrument,
  simInstrumentSchema,
  syntheticMarketSchema,
} from "./config.js";
export {
  SimExchange,
  type SimExchangeOptions,
  type SimRefusal,
  type SimResult,
  type SimVenueListener,
  type StopTrigger,
  type WatchChannel,
} from "./exchange.js";
export { simAdapterFactory } from "./factory.js";
export { DelayLine, type LatencyModel, sampleLatencyMs, ZERO_LATENCY } from "./latency.js";
export { SeededRandom } from "./random.js";
export type { SimReasonCode } from "./reasons.js";
export { eventTime, ReplaySource, type ReplaySourceOptions } from "./replay-source.js";
export {
  type RemoteSimAdapterConfig,
  remoteSimAdapterConfigSchema,
  remoteSimAdapterFactory,
} from "./server/factory.js";
export { RemoteSimAdapter, type RemoteSimAdapterOptions } from "./server/remote-adapter.js";
export { type SimVenueServer, type SimVenueServerOptions, startSimVenueServer } from "./server/server.js";
export { SIM_API } from "./server/wire.js";
export {
  SyntheticMarket,
  type SyntheticMarketOptions,
  type SyntheticMarketParams,
} from "./synthetic-market.js";
export { checkAmendForVenue, checkOrderForVenue, orderRequestOf } from "./validation.js";
export { createSimVenue, type SimVenue } from "./venue.js";
