// @openfloor/example-cross-venue-arb — arbitrage of one symbol across two venues.

export { backtest, default as CrossVenueArb, INSTRUMENTS } from "./cross-venue-arb.js";
export type { CrossVenueArbConfig } from "./cross-venue-arb.js";
export { TwoVenueMarket } from "./two-venue-market.js";
export type { TwoVenueMarketOptions } from "./two-venue-market.js";
