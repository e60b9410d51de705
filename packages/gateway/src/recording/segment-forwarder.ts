import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { type EncodedRecord, listSegmentLogTopics, SegmentLogCursor } from "@openfloor/core";
import type { RecordingSink } from "./recording-sink.js";

/** Options of `SegmentLogForwarder.open`. */
export interface SegmentLogForwarderOptions {
  /** Directory of the segment log to forward. */
  dir: string;
  /** Where the records go (usually a `KafkaSink`). */
  sink: RecordingSink;
  /**
   * JSON file with the next offset to forward per topic, replaced atomically after every batch the
   * sink acknowledged. Example: `join(dir, "forwarded.json")`
   */
  statePath: string;
  /** Records per sink write. Default 2000. */
  batch?: number;
}

type ForwardState = Record<string, string>;

/**
 * Forwards a segment log to a sink, topic by topic in offset order, remembering how far it got in a
 * small state file written (write, fsync, rename) only after the sink acknowledged a batch. A second
 * run forwards nothing twice; a crash between an acknowledgement and the state write re-sends that
 * one batch (consumers de-duplicate by record id: fills by venue and fill id).
 */
export class SegmentLogForwarder {
  private readonly cursors = new Map<string, SegmentLogCursor>();
  private readonly batch: number;
  private forwardedCount = 0;

  private constructor(
    private readonly options: SegmentLogForwarderOptions,
    private readonly state: Map<string, bigint>,
  ) {
    this.batch = options.batch ?? 2000;
  }

  static async open(options: SegmentLogForwarderOptions): Promise<SegmentLogForwarder> {
    const state = new Map<string, bigint>();
    const text = await readFile(options.statePath, "utf8").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (text !== undefined) {
      const parsed = JSON.parse(text) as ForwardState;
      for (const [topic, offset] of Object.entries(parsed)) state.set(topic, BigInt(offset));
    }
    return new SegmentLogForwarder(options, state);
  }

  /** Next offset to forward, per topic seen. */
  get offsets(): ReadonlyMap<string, bigint> {
    return this.state;
  }

  /** Records forwarded by this instance. */
  get forwarded(): number {
    return this.forwardedCount;
  }

  /** The next offset to forward in `topic` (0 for a topic not forwarded yet). */
  offset(topic: string): bigint {
    return this.state.get(topic) ?? 0n;
  }

  /**
   * Forwards one batch of at most `max` records (the first topic with records waiting) and commits
   * the state. Returns the number forwarded: 0 when the log holds nothing more right now.
   */
  async forwardBatch(max = this.batch): Promise<number> {
    for (const topic of await listSegmentLogTopics(this.options.dir)) {
      const cursor = this.cursorFor(topic);
      const batch = await cursor.next(max);
      if (batch.length === 0) continue;
      const records: EncodedRecord[] = batch.map((b) => b.record);
      try {
        await this.options.sink.write(records);
      } catch (error) {
        // Not forwarded: the next attempt starts again at the committed offset.
        await cursor.close();
        this.cursors.delete(topic);
        throw error;
      }
      this.state.set(topic, batch[batch.length - 1]!.offset + 1n);
      await this.saveState();
      this.forwardedCount += batch.length;
      return batch.length;
    }
    return 0;
  }

  /**
   * Records, per topic, that everything below the given offset reached the sink by another way (a
   * write that was copied to the log while it stalled, then succeeded).
   */
  async markForwarded(upTo: ReadonlyMap<string, bigint>): Promise<void> {
    for (const [topic, offset] of upTo) {
      if (offset <= this.offset(topic)) continue;
      this.state.set(topic, offset);
      await this.cursors.get(topic)?.close();
      this.cursors.delete(topic);
    }
    await this.saveState();
  }

  /** Forwards everything the log holds now. Returns the number of records forwarded. */
  async forwardAll(): Promise<number> {
    let total = 0;
    for (let n = await this.forwardBatch(); n > 0; n = await this.forwardBatch()) total += n;
    return total;
  }

  async close(): Promise<void> {
    for (const cursor of this.cursors.values()) await cursor.close();
    this.cursors.clear();
  }

  private cursorFor(topic: string): SegmentLogCursor {
    let cursor = this.cursors.get(topic);
    if (cursor === undefined) {
      cursor = new SegmentLogCursor(this.options.dir, topic, this.offset(topic));
      this.cursors.set(topic, cursor);
    }
    return cursor;
  }

  private async saveState(): Promise<void> {
    const data: ForwardState = {};
    for (const [topic, offset] of this.state) data[topic] = offset.toString();
    const path = this.options.statePath;
    const tmp = `${path}.tmp`;
    await mkdir(dirname(path), { recursive: true });
    const file = await open(tmp, "w");
    try {
      await file.writeFile(`${JSON.stringify(data, null, 2)}\n`);
      await file.datasync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  }
}
