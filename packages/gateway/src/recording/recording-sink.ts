import { type EncodedRecord, SegmentLogWriter } from "@openfloor/core";

/**
 * Where recorded records go: Kafka (`KafkaSink`) or, with no brokers configured, the local segment
 * log (`SegmentLogSink`). Both take the same records in the same format.
 */
export interface RecordingSink {
  /** What the sink writes to, for logs and metrics. */
  readonly kind: "kafka" | "segment-log";
  /**
   * Resolves once the records are durable: acknowledged by every in-sync replica, or written and
   * synced to disk. Rejects when the sink cannot take them. Records of one key keep their order.
   */
  write(records: readonly EncodedRecord[]): Promise<void>;
  /** Releases the sink; writes still pending are abandoned (they reject). */
  close(): Promise<void>;
  /**
   * True when the sink keeps no reference to a record's `value` once `write` has settled (it copied
   * or sent the bytes). The `Recorder` then reuses the buffers of its market-data frames instead of
   * allocating new ones, which keeps garbage collection from running full collections every second
   * under a heavy feed. Leave it unset for a sink that holds on to the values.
   */
  readonly releasesValues?: boolean;
}

/** Options of `SegmentLogSink.open`. */
export interface SegmentLogSinkOptions {
  /** Directory of the log. Example: `join(dataDir, "recording")` */
  dir: string;
  /** Segment size before a new file is started. Default 64 MiB. */
  segmentBytes?: number;
  /** Group commit window. Default 2 ms. */
  syncIntervalMs?: number;
  /** fdatasync every commit. Default true. */
  sync?: boolean;
}

/** The local fallback: records go to a segment log in the data directory (replayable into Kafka). */
export class SegmentLogSink implements RecordingSink {
  readonly kind = "segment-log";
  /** `append` copies each value into the log's entry. */
  readonly releasesValues = true;

  private constructor(readonly log: SegmentLogWriter) {}

  static async open(options: SegmentLogSinkOptions): Promise<SegmentLogSink> {
    return new SegmentLogSink(await SegmentLogWriter.open(options));
  }

  write(records: readonly EncodedRecord[]): Promise<void> {
    try {
      for (const r of records) this.log.append(r);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.log.flush();
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
