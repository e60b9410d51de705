// @openfloor/gateway — the sidecar: gRPC services, OMS, pre-trade risk, auth, metrics, recording, aggregator.

// the gateway as a library
export { createGateway, GATEWAY_VERSION } from "./gateway.js";
export type { Gateway, GatewayAddresses, GatewayOptions, ShutdownReport } from "./gateway.js";
export { defaultAdapterRegistry } from "./venue-adapters.js";

// config
export { ConfigError } from "./config/config-error.js";
export { defaultConfig, loadConfig, loadRiskLimits, parseConfig } from "./config/load-config.js";
export type {
  DefaultConfigOptions,
  Environment,
  GatewayConfig,
  LoadConfigOptions,
  RecordingConfig,
  StorageConfig,
  StrategyConfig,
  TlsConfig,
} from "./config/load-config.js";
export { formatListenAddress, parseListenAddress } from "./config/schema.js";
export type {
  ListenAddress,
  RecordingMode,
  SlowConsumerPolicyName,
  TradingStateName,
} from "./config/schema.js";

// auth
export { bearerToken, StrategyTokens } from "./auth/strategy-tokens.js";
export type { StrategyIdentity } from "./auth/strategy-tokens.js";

// market data
export { DataEngine } from "./market-data/data-engine.js";
export type { DataEngineOptions, MarketDataRequest } from "./market-data/data-engine.js";
export type { Envelope } from "./market-data/frame-encoding.js";
export type { FrameSink, MarketEventType } from "./market-data/market-data-subscriber.js";

// execution and risk
export { createOrderPath } from "./execution/order-path.js";
export type { OrderPath, OrderPathOptions } from "./execution/order-path.js";
export { ExecutionEngine, ExecutionError } from "./execution/execution-engine.js";
export type { AmendOrderChange, OrderJournal, OrderUpdate } from "./execution/execution-engine.js";
export { RiskEngine } from "./risk/risk-engine.js";
export type { TradingState } from "./risk/risk-engine.js";
export { describeRiskLimits, parseRiskLimits, RiskLimitsError } from "./risk/risk-limits.js";
export type { RiskLimits, RiskLimitsConfig } from "./risk/risk-limits.js";

// portfolio and recording
export { StrategyPortfolios } from "./portfolio/strategy-portfolios.js";
export { StrategyRecordBuffer } from "./recording/strategy-record-buffer.js";
export type { StrategyRecord, StrategyRecordListener } from "./recording/strategy-record-buffer.js";
export { Recorder } from "./recording/recorder.js";
export type { RecorderOptions, RecorderStats, RecorderStatsSource } from "./recording/recorder.js";
export { openRecorder, recordStrategyRecords, strategyRecordToProto } from "./recording/open-recorder.js";
export type { OpenRecorderOptions } from "./recording/open-recorder.js";
export { KafkaSink } from "./recording/kafka-sink.js";
export type { KafkaSinkOptions } from "./recording/kafka-sink.js";
export { SegmentLogSink } from "./recording/recording-sink.js";
export type { RecordingSink, SegmentLogSinkOptions } from "./recording/recording-sink.js";
export { ensureTopics, topicName } from "./recording/kafka-topics.js";
export type { TopicSettings } from "./recording/kafka-topics.js";
export type { KafkaConnectOptions } from "./recording/kafka-client.js";
export { recordingLogDir, recordingSpillDir, runRecordReplay } from "./recording/record-replay.js";
export type { RecordReplayOptions, RecordReplayReport } from "./recording/record-replay.js";
export { KafkaMarketDataSource } from "./recording/kafka-market-data-source.js";
export type { KafkaMarketDataSourceOptions, MarketDataKind } from "./recording/kafka-market-data-source.js";
export { PerformancePublisher } from "./recording/performance-publisher.js";
export type { PerformancePublisherOptions, StrategyPerformance } from "./recording/performance-publisher.js";
export { GlobalRiskListener } from "./recording/global-risk-listener.js";
export type { GlobalRiskListenerOptions, GlobalRiskUpdate } from "./recording/global-risk-listener.js";
export { RecordingError } from "./recording/recording-error.js";
export type { RecordingErrorCode } from "./recording/recording-error.js";

// the position and risk aggregator
export { Aggregator, runAggregator } from "./aggregator/aggregator.js";
export type { AggregatorOptions, AggregatorStats } from "./aggregator/aggregator.js";
export { evaluateLimits, riskFigures } from "./aggregator/global-limits.js";
export type { ExposureFigures, GlobalLimits, LimitVerdict, RiskFigures } from "./aggregator/global-limits.js";
export { aggregatorOptionsOf, devInstruments, loadAggregatorFile } from "./aggregator/aggregator-config.js";
export type { AggregatorFile } from "./aggregator/aggregator-config.js";

// gRPC
export { ERROR_DETAIL_TRAILER, errorDetailOf, GatewayError, grpcStatusOf } from "./server/status-map.js";
export type { GatewayErrorCode } from "./server/status-map.js";

// observability
export { createGatewayLogger, secretScrubber } from "./metrics/gateway-logger.js";
export type { GatewayLoggerOptions, LogDestination } from "./metrics/gateway-logger.js";
export { GatewayMetrics } from "./metrics/gateway-metrics.js";
export { registerRecorderMetrics } from "./metrics/recorder-metrics.js";
export type { RecorderMetricSources } from "./metrics/recorder-metrics.js";

// CLI
export { gatewayCommand, runGatewayCli } from "./cli/gateway-cli.js";
