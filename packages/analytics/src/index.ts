// @openfloor/analytics — post-trade analytics with DuckDB, HTML reports, tax lots and live monitoring.

// errors
export { AnalyticsError } from "./errors.js";
export type { AnalyticsErrorCode } from "./errors.js";

// the lake: Parquet per record type and date, read through DuckDB views
export { LakeSession } from "./lake/lake-session.js";
export type { DayRange, OpenLakeOptions } from "./lake/lake-session.js";
export { LAKE_TABLES, SCALES } from "./lake/schema.js";
export type { ColumnType, LakeColumn, LakeTable, LakeTableName } from "./lake/schema.js";
export type { Checkpoint, JsonValue } from "./lake/checkpoint.js";

// ingest: Kafka, the local segment log, any iterable; the audit store from Postgres
export { ingest } from "./ingest/ingest.js";
export type { IngestOptions, IngestResult } from "./ingest/ingest.js";
export { iterableSource } from "./ingest/source.js";
export type { IngestSource, SourceRecord } from "./ingest/source.js";
export { kafkaSource } from "./ingest/kafka-source.js";
export type { KafkaConnection, KafkaSourceOptions } from "./ingest/kafka-source.js";
export { segmentLogSource } from "./ingest/segment-log-source.js";
export type { SegmentLogSourceOptions } from "./ingest/segment-log-source.js";
export { ingestAudit } from "./ingest/audit-export.js";
export type { AuditIngestOptions, AuditIngestResult } from "./ingest/audit-export.js";

// aggregates: per-day tables derived at ingest, read by reports instead of every raw row
export { buildAggregates } from "./aggregates/build-aggregates.js";
export type { BuildAggregatesOptions, BuildAggregatesResult } from "./aggregates/build-aggregates.js";

// metrics
export { computeMetrics } from "./metrics/compute-metrics.js";
export type { MetricsOptions, MetricsPlan, TimeInput } from "./metrics/options.js";
export { drawdown, percentile, returnStats, sampleStdev, simpleReturns } from "./metrics/return-stats.js";
export type { Drawdown, ReturnStats, ReturnStatsOptions } from "./metrics/return-stats.js";
export type {
  EquityPoint,
  HistogramBin,
  Instant,
  InstrumentSummary,
  InternalSeries,
  LatencyStats,
  Markout,
  PeriodRow,
  Slippage,
  StrategyMetrics,
} from "./metrics/types.js";

// reports
export { buildReport } from "./report/build-report.js";
export type { ReportDocument, ReportOptions, ReportResult } from "./report/build-report.js";

// tax lots
export { computeTaxLots, exportTaxLots } from "./tax-lots/tax-lots.js";
export type {
  TaxLot,
  TaxLotExportOptions,
  TaxLotOptions,
  TaxLotResult,
  TaxYear,
} from "./tax-lots/tax-lots.js";

// live monitoring
export { runMonitor } from "./monitor/run-monitor.js";
export type { MonitorHandle, MonitorOptions } from "./monitor/run-monitor.js";
export type { MonitorSource } from "./monitor/live-sources.js";
export type {
  Alert,
  MonitorLimits,
  MonitorSnapshot,
  PositionLive,
  RiskLive,
  StrategyLive,
} from "./monitor/monitor-state.js";
