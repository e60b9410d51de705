// The backtest transport: a strategy against simulated venues on a simulated clock.

export { BacktestClock } from "./backtest-clock.js";
export type { BacktestTransportOptions, BacktestVenueLink } from "./backtest-transport.js";
export { BacktestTransport } from "./backtest-transport.js";
export type { PreTradeRisk, RiskContext, RiskLimitsOptions } from "./pre-trade-risk.js";
export { riskLimits } from "./pre-trade-risk.js";
export type { EventBatches, EventReplayOptions, ReplayProgress } from "./replay.js";
export { EventReplay, eventTime } from "./replay.js";
