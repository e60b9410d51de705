import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type Logger, listSegmentLogTopics, RECORD_KINDS, silentLogger, TOPICS } from "@openfloor/core";
import type { CompressionAlgorithmValue } from "@platformatic/kafka";
import { KafkaSink } from "./kafka-sink.js";
import { ensureTopics, type TopicSettings } from "./kafka-topics.js";
import { connectOrExplain } from "./recording-error.js";
import { SegmentLogForwarder } from "./segment-forwarder.js";

/** Where the gateway keeps its local recording inside the data directory. */
export function recordingLogDir(dataDir: string): string {
  return join(dataDir, "recording");
}

/** Where the recorder spills records while Kafka is slow or down. */
export function recordingSpillDir(dataDir: string): string {
  return join(dataDir, "recording-spill");
}

/** Options of `runRecordReplay` (`openfloor-gateway record replay --to <brokers>`). */
export interface RecordReplayOptions {
  /** The gateway's data directory; the log is `<dataDir>/recording`. */
  dataDir: string;
  /** Brokers to forward to. Example: `["kafka-1:9092"]` */
  brokers: readonly string[];
  /** A log directory other than `<dataDir>/recording`. */
  logDir?: string;
  /**
   * State file of the forwarded offsets. Default `<logDir>/replayed.json`. A replay resumes after
   * what an earlier one forwarded, so running it twice sends nothing twice.
   */
  statePath?: string;
  /** Forget earlier replays and forward the whole log again (e.g. to another cluster). Default false. */
  fromStart?: boolean;
  /** Topic creation settings (missing topics are created). */
  topics?: TopicSettings;
  /** Default `"lz4"`. */
  compression?: CompressionAlgorithmValue;
  /** Records per produce request. Default 2000. */
  batch?: number;
  clientId?: string;
  logger?: Logger;
  /** Called after each batch Kafka acknowledged, with the records forwarded so far by this run. */
  onProgress?: (forwarded: number) => void;
}

/** What a replay did. */
export interface RecordReplayReport {
  /** Records forwarded by this run. */
  readonly forwarded: number;
  /** Next offset to forward per topic, after this run. */
  readonly offsets: Readonly<Record<string, string>>;
}

/**
 * Forwards a gateway's local segment log to Kafka: every topic in offset order, each batch
 * acknowledged by the idempotent producer before its offsets are committed to the state file.
 */
export async function runRecordReplay(options: RecordReplayOptions): Promise<RecordReplayReport> {
  const logger = (options.logger ?? silentLogger).child({ component: "record-replay" });
  const dir = options.logDir ?? recordingLogDir(options.dataDir);
  const statePath = options.statePath ?? join(dir, "replayed.json");
  if (options.fromStart === true) await rm(statePath, { force: true });
  // The log's topics name their prefix (the recording gateway's): create those topics as configured.
  const prefixes = options.topics?.prefix === undefined ? await logPrefixes(dir) : [options.topics.prefix];
  const sink = await connectOrExplain(options.brokers, async () => {
    const settings = (prefix: string | undefined) => ({
      ...options.topics,
      ...(prefix === undefined ? {} : { prefix }),
    });
    for (const prefix of prefixes.slice(1)) await ensureTopics(options, settings(prefix));
    return KafkaSink.connect({
      brokers: options.brokers,
      clientId: options.clientId ?? "openfloor-record-replay",
      topics: settings(prefixes[0]),
      ...(options.compression === undefined ? {} : { compression: options.compression }),
    });
  });
  const forwarder = await SegmentLogForwarder.open({ dir, sink, statePath, batch: options.batch ?? 2000 });
  try {
    let forwarded = 0;
    for (let n = await forwarder.forwardBatch(); n > 0; n = await forwarder.forwardBatch()) {
      forwarded += n;
      options.onProgress?.(forwarded);
    }
    const offsets: Record<string, string> = {};
    for (const [topic, offset] of forwarder.offsets) offsets[topic] = offset.toString();
    logger.info({ forwarded, offsets, dir }, "segment log replayed to Kafka");
    return { forwarded, offsets };
  } finally {
    await forwarder.close();
    await sink.close();
  }
}

/** The topic prefixes of a segment log's topics (`<prefix>fills` → `<prefix>`). */
async function logPrefixes(dir: string): Promise<string[]> {
  const prefixes = new Set<string>();
  for (const topic of await listSegmentLogTopics(dir)) {
    for (const kind of RECORD_KINDS) {
      const suffix = TOPICS[kind].topic;
      if (topic.endsWith(suffix)) prefixes.add(topic.slice(0, topic.length - suffix.length));
    }
  }
  return [...prefixes];
}
