// @openfloor/sdk/backtest — run a strategy against simulated venues over recorded or synthetic data.

export type {
  BacktestTransportOptions,
  BacktestVenueLink,
  EventBatches,
  EventReplayOptions,
  PreTradeRisk,
  ReplayProgress,
  RiskContext,
  RiskLimitsOptions,
} from "../transport/backtest/index.js";
export {
  BacktestClock,
  BacktestTransport,
  EventReplay,
  eventTime,
  riskLimits,
} from "../transport/backtest/index.js";
export type { CsvDecoderOptions } from "./data/csv.js";
export { CSV_HEADER, CsvMarketDataDecoder, csvRow } from "./data/csv.js";
export { parseTimestamp } from "./data/field-parsers.js";
export { JsonlMarketDataDecoder, jsonlLine } from "./data/jsonl.js";
export type { DataFileOptions, MarketDataSource, RecordedMessage } from "./data/market-data-source.js";
export { fromEvents, fromRecords, mergeByTime, openDataFile } from "./data/market-data-source.js";
export type { SegmentLogSourceOptions } from "./data/segment-log-source.js";
export { fromSegmentLog } from "./data/segment-log-source.js";
export type { BacktestPnl, EquitySample } from "./ledger.js";
export type {
  BacktestData,
  BacktestOptions,
  BacktestProgress,
  BacktestResult,
  TimeLike,
} from "./run-backtest.js";
export { runBacktest } from "./run-backtest.js";
export type { BacktestInstrument, BacktestInstrumentSpec, BacktestVenueOptions } from "./venue-config.js";
export { DEFAULT_INSTRUMENT } from "./venue-config.js";
