import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatInstrumentId, type Logger, listSegmentLogTopics } from "@openfloor/core";
import { type Aggregator, runAggregator } from "../aggregator/aggregator.js";
import { aggregatorOptionsOf, loadAggregatorFile } from "../aggregator/aggregator-config.js";
import type { GlobalLimits } from "../aggregator/global-limits.js";
import { recordingLogDir, runRecordReplay } from "../recording/record-replay.js";
import { connectOrExplain, RecordingError } from "../recording/recording-error.js";

/** Kafka brokers from a flag, else KAFKA_BROKERS; an error naming both when neither is given. */
export function brokersOf(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const text = flag ?? env.KAFKA_BROKERS;
  const list = (text ?? "")
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  if (list.length === 0)
    throw new Error("no Kafka brokers: pass --brokers host:port[,host:port] or set KAFKA_BROKERS");
  return list;
}

/**
 * The segment log a `--from` directory names: the directory itself when it holds topic folders,
 * else its `recording/` (a gateway data directory such as `.openfloor`).
 */
export async function segmentLogDirOf(from: string): Promise<string> {
  const dir = resolve(from);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RecordingError("RECORDING_LOG_NOT_FOUND", `--from ${from}: no such directory`, {
      context: { dir },
    });
  }
  const nested = recordingLogDir(dir);
  if (existsSync(nested) && (await listSegmentLogTopics(nested)).length > 0) return nested;
  if ((await listSegmentLogTopics(dir)).length > 0) return dir;
  throw new RecordingError(
    "RECORDING_LOG_NOT_FOUND",
    `--from ${from}: no segment log there (expected topic folders in ${dir} or ${nested})`,
    { context: { dir } },
  );
}

export interface RecordReplayCommandOptions {
  from: string;
  to?: string;
  fromStart?: boolean;
  batch?: number;
}

/** `record replay`: forwards a local segment log to Kafka, printing progress and a summary. */
export async function runRecordReplayCommand(
  options: RecordReplayCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const brokers = brokersOf(options.to);
  const logDir = await segmentLogDirOf(options.from);
  out.write(`record replay: ${logDir} -> ${brokers.join(",")}\n`);
  const t0 = performance.now();
  let lastPrint = t0;
  const report = await runRecordReplay({
    dataDir: logDir,
    logDir,
    brokers,
    ...(options.fromStart ? { fromStart: true } : {}),
    ...(options.batch === undefined ? {} : { batch: options.batch }),
    onProgress: (n) => {
      const now = performance.now();
      if (now - lastPrint < 1000) return;
      lastPrint = now;
      out.write(`  ${n.toLocaleString("en-US")} records forwarded\n`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  for (const [topic, offset] of Object.entries(report.offsets))
    out.write(`  ${topic}: next offset ${offset}\n`);
  out.write(
    `record replay: ${report.forwarded.toLocaleString("en-US")} records forwarded in ${seconds.toFixed(1)} s` +
      `${report.forwarded === 0 ? " (nothing new: earlier replays already forwarded the log)" : ""}\n`,
  );
  return report.forwarded;
}

export interface AggregatorCommandOptions {
  brokers?: string;
  limits?: string;
  group?: string;
  instanceId?: string;
  maxGrossExposure?: string;
  maxDailyLoss?: string;
  onBreach?: "reducing-only" | "halted";
  logEveryMs?: number;
}

/** Starts the aggregator from flags and an optional limits file (flags win). */
export async function startAggregatorCommand(
  options: AggregatorCommandOptions,
  logger: Logger,
): Promise<Aggregator> {
  const file = options.limits === undefined ? { limits: {} } : loadAggregatorFile(options.limits);
  const brokers = brokersOf(options.brokers ?? file.brokers?.join(","));
  const limits: GlobalLimits = {
    ...file.limits,
    ...(options.maxGrossExposure === undefined ? {} : { maxGrossExposure: options.maxGrossExposure }),
    ...(options.maxDailyLoss === undefined ? {} : { maxDailyLoss: options.maxDailyLoss }),
    ...(options.onBreach === undefined ? {} : { onExposureBreach: options.onBreach }),
  };
  const base = aggregatorOptionsOf(file, brokers);
  return connectOrExplain(brokers, () =>
    runAggregator({
      ...base,
      limits,
      ...(options.group === undefined ? {} : { groupId: options.group }),
      ...(options.instanceId === undefined ? {} : { instanceId: options.instanceId }),
      logger,
    }),
  );
}

/** `aggregator`: runs until SIGINT/SIGTERM, logging positions and the global state periodically. */
export async function runAggregatorCommand(options: AggregatorCommandOptions, logger: Logger): Promise<void> {
  const aggregator = await startAggregatorCommand(options, logger);
  aggregator.onRiskState((state) =>
    logger.info({ tradingState: state.tradingState, reason: state.reason }, "global risk state published"),
  );
  const timer = setInterval(() => {
    const positions = aggregator
      .positions()
      .filter((p) => p.strategyId === "" && !p.quantity.isZero())
      .map((p) => `${p.account} ${formatInstrumentId(p.instrument.id)} ${p.quantity}`);
    logger.info({ positions, stats: aggregator.stats() }, "aggregator positions");
  }, options.logEveryMs ?? 10_000);
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      logger.info({ signal }, "aggregator stopping");
      done();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  clearInterval(timer);
  await aggregator.stop();
}

/** Where `record replay` looks by default: the data directory of the development defaults. */
export const DEFAULT_RECORDING_DATA_DIR = join(".openfloor");
