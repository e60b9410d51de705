import type { Logger, pb } from "@openfloor/core";
import type { CompressionAlgorithmValue } from "@platformatic/kafka";
import { KafkaSink } from "./kafka-sink.js";
import type { TopicSettings } from "./kafka-topics.js";
import { recordingLogDir, recordingSpillDir } from "./record-replay.js";
import { Recorder, type RecorderOptions } from "./recorder.js";
import { connectOrExplain } from "./recording-error.js";
import { SegmentLogSink } from "./recording-sink.js";
import type { StrategyRecord, StrategyRecordBuffer } from "./strategy-record-buffer.js";

/** Options of `openRecorder`. */
export interface OpenRecorderOptions
  extends Omit<RecorderOptions, "sink" | "spillDir" | "topicPrefix" | "logger"> {
  /** The gateway's data directory (local log and spill log live under it). */
  dataDir: string;
  /** Kafka brokers; none (the default) records to the local segment log `<dataDir>/recording`. */
  brokers?: readonly string[];
  /** Topic naming and creation. */
  topics?: TopicSettings;
  /** Default `"lz4"`. */
  compression?: CompressionAlgorithmValue;
  clientId?: string;
  logger?: Logger;
}

/**
 * The gateway's recorder: to Kafka (creating missing topics, spilling to `<dataDir>/recording-spill`
 * while the brokers are slow or down) when brokers are configured, else to the local segment log
 * `<dataDir>/recording` (forward it later with `runRecordReplay`).
 */
export async function openRecorder(options: OpenRecorderOptions): Promise<Recorder> {
  const { dataDir, brokers, topics, compression, clientId, ...rest } = options;
  const prefix = topics?.prefix ?? "openfloor.";
  if (brokers === undefined || brokers.length === 0) {
    const sink = await SegmentLogSink.open({ dir: recordingLogDir(dataDir) });
    return Recorder.open({ ...rest, sink, topicPrefix: prefix });
  }
  const sink = await connectOrExplain(brokers, () =>
    KafkaSink.connect({
      brokers,
      clientId: clientId ?? "openfloor-recorder",
      ...(topics === undefined ? {} : { topics }),
      ...(compression === undefined ? {} : { compression }),
    }),
  );
  return Recorder.open({ ...rest, sink, spillDir: recordingSpillDir(dataDir), topicPrefix: prefix });
}

/** The protobuf form of a strategy record the gateway's buffer holds. */
export function strategyRecordToProto(record: StrategyRecord): pb.StrategyRecord {
  const v = record.value;
  return {
    strategyId: record.strategyId,
    name: record.name,
    tsNs: record.tsNs,
    value:
      v.kind === "number"
        ? { $case: "number", value: v.value }
        : v.kind === "decimal"
          ? { $case: "decimal", value: v.value.toProto() }
          : { $case: "json", value: v.value },
  };
}

/**
 * Records every batch the RecordingService puts in the strategy record buffer (the buffer keeps
 * working as before for late readers). Returns the unsubscribe function.
 */
export function recordStrategyRecords(buffer: StrategyRecordBuffer, recorder: Recorder): () => void {
  return buffer.onRecords((records) => {
    for (const r of records)
      recorder.record("strategy-record", strategyRecordToProto(r), Number(r.tsNs / 1_000_000n));
  });
}
