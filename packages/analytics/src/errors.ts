import { OpenfloorError } from "@openfloor/core";

/**
 * What went wrong in analytics, as a stable code:
 * - `LAKE_MISSING`: the lake directory (or a table the request needs) does not exist.
 * - `LAKE_CORRUPT`: a Parquet file of the lake cannot be read; `context.file` names it.
 * - `LAKE_PRECISION`: a value has more decimal places than its lake column holds (see the README).
 * - `CHECKPOINT_CORRUPT`: a source checkpoint file cannot be parsed; `context.file` names it.
 * - `NO_DATA`: nothing recorded for the strategy in the requested period.
 * - `NO_FILLS`: the strategy has orders or records in the period but no fills.
 * - `INVALID_ARGUMENT`: an option is missing or malformed; `context.option` names it.
 * - `SOURCE_FAILED`: the record source (Kafka, segment log, Postgres) failed.
 * - `WRITE_FAILED`: an output file (Parquet, report, CSV, checkpoint) could not be written.
 */
export type AnalyticsErrorCode =
  | "LAKE_MISSING"
  | "LAKE_CORRUPT"
  | "LAKE_PRECISION"
  | "CHECKPOINT_CORRUPT"
  | "NO_DATA"
  | "NO_FILLS"
  | "INVALID_ARGUMENT"
  | "SOURCE_FAILED"
  | "WRITE_FAILED";

/** Every error `@openfloor/analytics` throws on purpose. Branch on `code`, never on the message. */
export class AnalyticsError extends OpenfloorError<AnalyticsErrorCode> {}

export function invalidArgument(option: string, why: string): AnalyticsError {
  return new AnalyticsError("INVALID_ARGUMENT", `${option} ${why}`, { context: { option } });
}
