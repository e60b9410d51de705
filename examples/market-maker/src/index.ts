// @openfloor/example-market-maker — a market maker quoting around the microprice with inventory skew.

export { backtest, default as MarketMaker } from "./market-maker.js";
export type { MarketMakerConfig } from "./market-maker.js";
