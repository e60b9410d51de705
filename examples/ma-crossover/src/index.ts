// @openfloor/example-ma-crossover — a moving-average crossover on bars, with market orders.

export { backtest, default as MaCrossover } from "./ma-crossover.js";
export type { MaCrossoverConfig } from "./ma-crossover.js";
