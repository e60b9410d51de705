import { join } from "node:path";
import {
  type EncodedRecord,
  encodeRecord,
  isMarketDataKind,
  type Logger,
  type MarketEvent,
  marketEventFromProto,
  marketEventToProto,
  type pb,
  type RecordKind,
  type RecordValues,
  SegmentLogWriter,
  silentLogger,
  TOPICS,
} from "@openfloor/core";
import { describeError } from "./kafka-topics.js";
import { MarketDataFramer, marketDataKindOf } from "./market-data-framer.js";
import type { RecordingSink } from "./recording-sink.js";
import { SegmentLogForwarder } from "./segment-forwarder.js";

/** Options of `Recorder.open`. */
export interface RecorderOptions {
  /** Where records go: a `KafkaSink`, or a `SegmentLogSink` when no brokers are configured. */
  sink: RecordingSink;
  /**
   * Directory of the spill log: orders, fills, strategy records, positions, risk state and
   * performance go there, durably, while the sink is slow or down, and are forwarded in order when
   * it is back. Needed with a `KafkaSink`; without it such records wait in the queue (and are lost
   * if it overflows). Example: `join(dataDir, "recording-spill")`
   */
  spillDir?: string;
  /** Records the queue holds before market data is dropped and other records spill. Default 65536. */
  queueCapacity?: number;
  /** Most records per sink write. Default 4096. */
  maxBatch?: number;
  /**
   * Most bytes of record values per sink write (a record larger than this goes alone). Keeps a
   * produce request under the brokers' `message.max.bytes` when market data is framed. Default 1 MiB.
   */
  maxBatchBytes?: number;
  /**
   * Most market events of one kind and instrument framed in one record (`encodeMarketDataBatch`);
   * 1 writes one record per event. A partial frame is written with the next batch (after at most
   * `lingerMs`), so this adds no delay. Readers expand batches with `decodeRecords`. Default 1.
   * Example: `100`
   */
  marketDataBatch?: number;
  /** How long a partial batch waits to fill before it is written. Default 2 ms. */
  lingerMs?: number;
  /** A write unanswered this long counts as a stalled sink: records start to spill. Default 1000 ms. */
  stallMs?: number;
  /** Pause after a failed write or forward before the next attempt. Default 250 ms. */
  retryDelayMs?: number;
  /** Topic prefix given to `encodeRecord`. Default `"openfloor."`. */
  topicPrefix?: string;
  /** fdatasync the spill log. Default true. */
  spillSync?: boolean;
  logger?: Logger;
}

/** Counters and gauges of a recorder; read by the metrics layer when it is scraped. */
export interface RecorderStats {
  /** "spilling" while records that must not be dropped go to the spill log. */
  readonly mode: "direct" | "spilling";
  readonly sink: RecordingSink["kind"];
  /** Records queued for the sink plus market events waiting to be framed. */
  readonly queueDepth: number;
  /** Records the queue holds (the market-event ring holds as many events). */
  readonly queueCapacity: number;
  /** Age of the oldest record not yet written to the sink (queued or spilled), ms. */
  readonly lagMs: number;
  /** Records accepted by `record`. */
  readonly recorded: number;
  /** Records (market events, for batch records) the sink acknowledged, directly or forwarded from the spill log. */
  readonly written: number;
  /** Market data dropped because the queue was full or the sink failed. */
  readonly dropped: number;
  readonly droppedByKind: Readonly<Partial<Record<RecordKind, number>>>;
  /** Records written to the spill log. */
  readonly spilled: number;
  /** Spilled records forwarded to the sink. */
  readonly forwarded: number;
  readonly sinkFailures: number;
  /** Records that must not be dropped but could not be kept (spill log failed, or none configured). */
  readonly lost: number;
}

/** What the metrics layer reads (a `Recorder` is one). */
export interface RecorderStatsSource {
  stats(): RecorderStats;
}

interface Queued {
  readonly record: EncodedRecord;
  /** `performance.now()` when it (or its frame's first event) was recorded. */
  readonly at: number;
}

interface InFlight {
  readonly records: readonly EncodedRecord[];
  /** Per topic, the offset after the last spilled copy of this batch's records (when copied). */
  copies: Map<string, bigint> | undefined;
}

/** Market events framed between two yields to the event loop. */
const ENCODE_SLICE = 64;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function eventsIn(records: readonly EncodedRecord[]): number {
  let n = 0;
  for (const r of records) n += r.events ?? 1;
  return n;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Records the gateway's market data, orders, fills and strategy records off the hot path: `record`
 * encodes the record (a few microseconds), puts it in a bounded in-memory queue and returns; a pump
 * writes batches to the sink (lingering `lingerMs` to fill them). With `marketDataBatch` > 1,
 * `recordMarketEvent` only puts the event in a ring; the pump frames the ring a slice at a time into
 * per-instrument buffers that are reused once the sink lets go of them (`releasesValues`).
 *
 * When the queue is full, market data (`TOPICS[kind].droppable`) is dropped and counted. Every other
 * kind is never dropped: when the queue overflows, a write fails, or a write stalls for `stallMs`,
 * the recorder switches to spilling. The records of the batch being written and those queued go to
 * the spill log (a local durable segment log) ahead of any later record, and later ones follow
 * them there, so each key keeps its order. Once the sink answers again the pump forwards the spill
 * log in order and switches back to direct writes when it has caught up. A batch copied to the
 * spill log whose write then succeeds is marked forwarded, so it is not sent twice. Spilled
 * records a previous run left unforwarded are forwarded first.
 *
 * @example
 * const recorder = await Recorder.open({ sink: await KafkaSink.connect({ brokers }), spillDir });
 * recorder.record("fill", fillToProto(fill), Date.now());
 */
export class Recorder implements RecorderStatsSource {
  private readonly queue: (Queued | undefined)[];
  private head = 0;
  private size = 0;
  private nonDroppableQueued = 0;
  private readonly capacity: number;
  private readonly maxBatch: number;
  private readonly maxBatchBytes: number;
  private readonly mdBatch: number;
  private readonly lingerMs: number;
  private readonly stallMs: number;
  private readonly retryDelayMs: number;
  private readonly prefix: string;
  private readonly framer: MarketDataFramer | undefined;
  /** Market events waiting to be framed (a ring of `capacity`): the event, its timestamp, when it came. */
  private readonly mdEvents: (MarketEvent | undefined)[];
  private readonly mdTs: Float64Array;
  private readonly mdAt: Float64Array;
  private mdHead = 0;
  private mdSize = 0;
  private readonly logger: Logger;
  private spilling = false;
  private spillSinceMs: number | undefined;
  private inFlight: InFlight | undefined;
  private wake: (() => void) | undefined;
  private closing = false;
  private abandoned = false;
  private readonly pumpDone: Promise<void>;
  private counts = {
    recorded: 0,
    written: 0,
    dropped: 0,
    spilled: 0,
    forwarded: 0,
    sinkFailures: 0,
    lost: 0,
  };
  private readonly droppedByKind: Partial<Record<RecordKind, number>> = {};

  private constructor(
    private readonly sink: RecordingSink,
    private readonly spill: { log: SegmentLogWriter; forwarder: SegmentLogForwarder } | undefined,
    options: RecorderOptions,
  ) {
    this.capacity = options.queueCapacity ?? 65_536;
    this.maxBatch = options.maxBatch ?? 4096;
    this.maxBatchBytes = options.maxBatchBytes ?? 1_048_576;
    this.mdBatch = Math.max(1, options.marketDataBatch ?? 1);
    this.lingerMs = options.lingerMs ?? 2;
    this.stallMs = options.stallMs ?? 1000;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.prefix = options.topicPrefix ?? "openfloor.";
    this.framer = this.mdBatch > 1 ? new MarketDataFramer(this.mdBatch, this.prefix) : undefined;
    this.logger = (options.logger ?? silentLogger).child({ component: "recorder" });
    this.queue = new Array(this.capacity);
    const ring = this.framer === undefined ? 0 : this.capacity;
    this.mdEvents = new Array(ring);
    this.mdTs = new Float64Array(ring);
    this.mdAt = new Float64Array(ring);
    if (spill !== undefined && this.spillBacklog() > 0n) {
      this.spilling = true;
      this.spillSinceMs = performance.now();
    }
    this.pumpDone = this.pump();
  }

  /** Opens the spill log (if any) and starts the pump; spilled records left by a previous run go first. */
  static async open(options: RecorderOptions): Promise<Recorder> {
    let spill: { log: SegmentLogWriter; forwarder: SegmentLogForwarder } | undefined;
    if (options.spillDir !== undefined) {
      const log = await SegmentLogWriter.open({ dir: options.spillDir, sync: options.spillSync ?? true });
      const forwarder = await SegmentLogForwarder.open({
        dir: options.spillDir,
        sink: options.sink,
        statePath: join(options.spillDir, "forwarded.json"),
        batch: options.maxBatch ?? 4096,
      });
      spill = { log, forwarder };
    }
    return new Recorder(options.sink, spill, options);
  }

  /**
   * Encodes and queues a record; never blocks and never throws. Returns false when it was not
   * kept: market data dropped on a full queue, a value that cannot be encoded, or any record after
   * `close`. Market data in protobuf form goes the way of `recordMarketEvent`.
   */
  record<K extends RecordKind>(kind: K, value: RecordValues[K], timestampMs: number): boolean {
    if (this.closing) return false;
    if (isMarketDataKind(kind) && this.framer !== undefined) {
      const event = this.encodeOrLose(kind, () => marketEventFromProto(value as pb.MarketEvent));
      if (event !== undefined) return this.recordMarketEvent(event, timestampMs);
      this.counts.recorded++;
      return false;
    }
    this.counts.recorded++;
    const record = this.encodeOrLose(kind, () => encodeRecord(kind, value, timestampMs, this.prefix));
    return record !== undefined && this.accept(record, performance.now());
  }

  /**
   * Records a core market event (trade, quote, book snapshot or delta, bar). With `marketDataBatch`
   * > 1 the event waits in a ring and the pump encodes it into its instrument's frame, a slice of
   * events at a time between turns of the event loop, so the caller pays a few array stores and a
   * burst of market data never holds up an order. Same contract as `record`; a frame that meets a
   * full queue is dropped whole (and counted). `timestampMs` defaults to the event's own time.
   */
  recordMarketEvent(event: MarketEvent, timestampMs?: number): boolean {
    if (this.closing) return false;
    this.counts.recorded++;
    const ts = timestampMs ?? Number((event.type === "bar" ? event.tsCloseNs : event.tsEventNs) / 1_000_000n);
    const now = performance.now();
    if (this.framer === undefined) {
      const kind = marketDataKindOf(event);
      const record = this.encodeOrLose(kind, () =>
        encodeRecord(kind, marketEventToProto(event), ts, this.prefix),
      );
      return record !== undefined && this.accept(record, now);
    }
    if (this.mdSize >= this.capacity) {
      this.drop(marketDataKindOf(event), 1);
      return false;
    }
    const i = (this.mdHead + this.mdSize) % this.capacity;
    this.mdEvents[i] = event;
    this.mdTs[i] = ts;
    this.mdAt[i] = now;
    if (++this.mdSize === 1) this.signal();
    return true;
  }

  /** Queues a record encoded already (e.g. read back from a log). Same contract as `record`. */
  recordEncoded(record: EncodedRecord): boolean {
    if (this.closing) return false;
    this.counts.recorded += record.events ?? 1;
    return this.accept(record, performance.now());
  }

  stats(): RecorderStats {
    let lagMs = 0;
    const now = performance.now();
    const oldest = this.size > 0 ? this.queue[this.head] : undefined;
    if (oldest !== undefined) lagMs = now - oldest.at;
    const framed = this.framer?.oldestOpenedAt();
    if (framed !== undefined) lagMs = Math.max(lagMs, now - framed);
    if (this.mdSize > 0) lagMs = Math.max(lagMs, now - this.mdAt[this.mdHead]!);
    if (this.spillSinceMs !== undefined) lagMs = Math.max(lagMs, now - this.spillSinceMs);
    return {
      mode: this.spilling ? "spilling" : "direct",
      sink: this.sink.kind,
      queueDepth: this.size + this.mdSize,
      queueCapacity: this.capacity,
      lagMs,
      ...this.counts,
      droppedByKind: { ...this.droppedByKind },
    };
  }

  /**
   * Resolves when everything recorded so far has reached the sink, spilled records included, or
   * rejects after `timeoutMs` (default 30 s).
   */
  async flush(timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.size > 0 || this.unframed() > 0 || this.inFlight !== undefined || this.spilling) {
      if (performance.now() > deadline) {
        throw new Error(`recorder did not flush within ${timeoutMs} ms (${JSON.stringify(this.stats())})`);
      }
      this.signal();
      await sleep(2);
    }
  }

  /**
   * Stops taking records and drains the queue into the sink for up to `timeoutMs` (default 5 s).
   * Whatever must not be dropped and is still unwritten then goes to the spill log, forwarded on
   * the next start. Closes the sink.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closing) return this.pumpDone;
    this.closing = true;
    this.signal();
    const drained = await Promise.race([this.pumpDone.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!drained) {
      this.abandoned = true;
      if (this.spill !== undefined) this.enterSpilling();
      else this.counts.lost += this.nonDroppableQueued;
      this.signal();
    }
    await this.sink.close();
    await this.pumpDone;
    if (this.spill !== undefined) {
      await this.spill.log.close();
      await this.spill.forwarder.close();
    }
  }

  /** Market data not yet in a queued record: events waiting to be framed, and open frames. */
  private unframed(): number {
    return this.mdSize + (this.framer?.openFrames ?? 0);
  }

  /**
   * Frames the market events waiting now (those arriving meanwhile wait for the next batch),
   * yielding to the event loop every `ENCODE_SLICE` events. Full frames are queued as they fill.
   */
  private async frameMarketData(): Promise<void> {
    const framer = this.framer;
    if (framer === undefined) return;
    const n = this.mdSize;
    for (let k = 0; k < n && this.mdSize > 0; k++) {
      if (k > 0 && k % ENCODE_SLICE === 0) await yieldToEventLoop();
      const i = this.mdHead;
      const event = this.mdEvents[i]!;
      this.mdEvents[i] = undefined;
      this.mdHead = (i + 1) % this.capacity;
      this.mdSize--;
      const at = this.mdAt[i]!;
      // Undefined both when the frame is not full yet and when the event could not be encoded (counted).
      const full = this.encodeOrLose(marketDataKindOf(event), () => framer.add(event, this.mdTs[i]!, at));
      if (full !== undefined) this.accept(full, at);
    }
  }

  /** Runs `encode`; a value that cannot be encoded is counted as lost and logged. */
  private encodeOrLose<T>(kind: RecordKind, encode: () => T): T | undefined {
    try {
      return encode();
    } catch (error) {
      this.counts.lost++;
      this.logger.error({ err: error, kind }, "record could not be encoded: dropped");
      return undefined;
    }
  }

  private accept(record: EncodedRecord, at: number): boolean {
    const droppable = TOPICS[record.kind].droppable;
    if (!droppable && this.spilling && this.spill !== undefined) {
      this.spillOne(record);
      return true;
    }
    if (this.size >= this.capacity) {
      if (droppable) {
        this.drop(record.kind, record.events ?? 1);
        return false;
      }
      if (this.spill === undefined) {
        this.counts.lost++;
        this.logger.error({ kind: record.kind }, "recording queue full and no spill log: record lost");
        return false;
      }
      this.enterSpilling();
      this.spillOne(record);
      return true;
    }
    this.queue[(this.head + this.size) % this.capacity] = { record, at };
    this.size++;
    if (!droppable) this.nonDroppableQueued++;
    if (this.size === 1 || this.size === this.maxBatch) this.signal();
    return true;
  }

  /** Queues the frames still open (the pump does before taking a batch). */
  private sealFrames(): void {
    // All take the oldest frame's time, so the queue's head shows the lag of the oldest event.
    const sealed: EncodedRecord[] = [];
    let oldest = Number.POSITIVE_INFINITY;
    this.framer?.sealAll((record, openedAt) => {
      sealed.push(record);
      oldest = Math.min(oldest, openedAt);
    });
    for (const record of sealed) this.accept(record, oldest);
  }

  private drop(kind: RecordKind, n: number): void {
    this.counts.dropped += n;
    this.droppedByKind[kind] = (this.droppedByKind[kind] ?? 0) + n;
  }

  private spillOne(record: EncodedRecord): bigint | undefined {
    try {
      const offset = this.spill!.log.append(record);
      this.counts.spilled++;
      return offset;
    } catch (error) {
      this.counts.lost++;
      this.logger.error({ err: error, topic: record.topic }, "spill log write failed: record lost");
      return undefined;
    }
  }

  /**
   * From now on records that must not be dropped go to the spill log, behind copies of those in the
   * batch being written and those queued (older records first, so every key keeps its order).
   */
  private enterSpilling(): void {
    if (this.spill === undefined) return;
    const inFlight = this.inFlight;
    if (inFlight !== undefined && inFlight.copies === undefined) {
      const copies = new Map<string, bigint>();
      for (const r of inFlight.records) {
        if (TOPICS[r.kind].droppable) continue;
        const offset = this.spillOne(r);
        if (offset !== undefined) copies.set(r.topic, offset + 1n);
      }
      inFlight.copies = copies;
    }
    if (this.nonDroppableQueued > 0) {
      const kept: Queued[] = [];
      for (let i = 0; i < this.size; i++) {
        const item = this.queue[(this.head + i) % this.capacity]!;
        if (TOPICS[item.record.kind].droppable) kept.push(item);
        else this.spillOne(item.record);
      }
      this.queue.fill(undefined);
      this.head = 0;
      this.size = kept.length;
      for (let i = 0; i < kept.length; i++) this.queue[i] = kept[i];
      this.nonDroppableQueued = 0;
    }
    if (!this.spilling) {
      this.spilling = true;
      this.spillSinceMs = performance.now();
      this.logger.warn({ stats: this.stats() }, "recording sink slow or down: spilling to the local log");
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private waitForWork(timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(resolve, timeoutMs);
      this.wake = () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
    });
  }

  /** The oldest queued records, at most `maxBatch` of them and `maxBatchBytes` of values (at least one). */
  private take(): Queued[] {
    const out: Queued[] = [];
    let bytes = 0;
    while (this.size > 0 && out.length < this.maxBatch) {
      const item = this.queue[this.head]!;
      bytes += item.record.value.byteLength;
      if (out.length > 0 && bytes > this.maxBatchBytes) break;
      this.queue[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      out.push(item);
      if (!TOPICS[item.record.kind].droppable) this.nonDroppableQueued--;
    }
    return out;
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.size > 0 || this.unframed() > 0) {
        if (this.size < this.maxBatch && this.lingerMs > 0 && !this.closing) await sleep(this.lingerMs);
        await this.frameMarketData();
        this.sealFrames();
        await this.writeBatch(this.take());
        if (this.spilling && !this.abandoned) await this.forwardSpill();
        continue;
      }
      if (this.spilling && !this.abandoned) {
        const progressed = await this.forwardSpill();
        if (progressed || !this.spilling) continue;
        await this.waitForWork(this.retryDelayMs);
        continue;
      }
      if (this.closing) return;
      await this.waitForWork();
    }
  }

  private async writeBatch(items: readonly Queued[]): Promise<void> {
    try {
      await this.writeRecords(items.map((item) => item.record));
    } finally {
      // Written, dropped, or copied to the spill log: the sink is done with the frames' bytes.
      const framer = this.framer;
      if (framer !== undefined && this.sink.releasesValues === true) {
        for (const item of items) if (item.record.events !== undefined) framer.release(item.record.value);
      }
    }
  }

  private async writeRecords(records: readonly EncodedRecord[]): Promise<void> {
    let pending: readonly EncodedRecord[] = records;
    while (pending.length > 0) {
      const inFlight: InFlight = { records: pending, copies: undefined };
      this.inFlight = inFlight;
      const stall =
        this.spill === undefined
          ? undefined
          : setTimeout(() => {
              if (this.inFlight === inFlight) this.enterSpilling();
            }, this.stallMs);
      try {
        await this.sink.write(pending);
        this.counts.written += eventsIn(pending);
        // Written after all: the copies spilled while it stalled are not to be sent again.
        if (inFlight.copies !== undefined && inFlight.copies.size > 0) {
          await this.spill!.forwarder.markForwarded(inFlight.copies);
        }
        return;
      } catch (error) {
        this.counts.sinkFailures++;
        if (!this.abandoned) this.logger.warn({ err: describeError(error) }, "recording sink write failed");
        if (this.spill !== undefined) {
          if (inFlight.copies === undefined) this.enterSpilling();
          for (const r of pending) if (TOPICS[r.kind].droppable) this.drop(r.kind, r.events ?? 1);
          return;
        }
        // No spill log: keep what must not be dropped and try again.
        const keep = pending.filter((r) => !TOPICS[r.kind].droppable);
        for (const r of pending) if (TOPICS[r.kind].droppable) this.drop(r.kind, r.events ?? 1);
        pending = keep;
        if (this.abandoned) {
          this.counts.lost += keep.length;
          return;
        }
        if (keep.length > 0) await sleep(this.retryDelayMs);
      } finally {
        if (stall !== undefined) clearTimeout(stall);
        this.inFlight = undefined;
      }
    }
  }

  /** Forwards one batch of the spill log. True when records were forwarded. */
  private async forwardSpill(): Promise<boolean> {
    const spill = this.spill!;
    try {
      await spill.log.flush();
      const n = await spill.forwarder.forwardBatch(this.maxBatch);
      this.counts.forwarded += n;
      this.counts.written += n;
      if (n > 0) return true;
      // Appended while this batch was read: flush and go again.
      if (this.spillBacklog() > 0n) return spill.log.stats.pending > 0;
    } catch (error) {
      this.counts.sinkFailures++;
      this.logger.warn({ err: describeError(error) }, "forwarding the spill log failed; retrying");
      await sleep(this.retryDelayMs);
      return false;
    }
    if (this.spillBacklog() === 0n) {
      this.spilling = false;
      this.spillSinceMs = undefined;
      this.logger.info({ forwarded: this.counts.forwarded }, "recording sink caught up: writing directly");
      for (const topic of spill.log.topics()) {
        await spill.log.deleteBefore(topic, spill.forwarder.offset(topic)).catch(() => 0);
      }
    }
    return false;
  }

  /** Spilled records not yet forwarded. */
  private spillBacklog(): bigint {
    if (this.spill === undefined) return 0n;
    let backlog = 0n;
    for (const topic of this.spill.log.topics()) {
      backlog += this.spill.log.nextOffset(topic) - this.spill.forwarder.offset(topic);
    }
    return backlog;
  }
}
