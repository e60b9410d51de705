// @openfloor/analytics/testing — record builders and a synthetic lake, for tests, demos and benchmarks.

export type { FillSpec, OrderSpec, PerformanceSpec } from "./records.js";
export {
  asSourceRecord,
  dec,
  fillProto,
  fillRecord,
  instrument,
  ns,
  orderEventRecord,
  performanceRecord,
  positionRecord,
  quoteRecord,
  riskRecord,
  strategyDecimal,
  strategyJson,
  strategyNumber,
  tradeRecord,
} from "./records.js";
export type { SyntheticLakeOptions } from "./synthetic-lake.js";
export { generateSyntheticLake, SYNTHETIC_START_NS, SYNTHETIC_STRATEGY } from "./synthetic-lake.js";
