import { join } from "node:path";
import {
  type EncodedRecord,
  encodeRecord,
  isMarketDataKind,
  type Logger,
  type MarketDataKind,
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
import { MarketDataFramer } from "./market-data-framer.js";
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
   * Most market events of one kind and instrument framed in one record (`encodeMarketDataBatch`);
   * 1 writes one record per event. Events are only framed together within one sink write, so this
   * adds no delay. Readers expand batches with `decodeRecords`. Default 1. Example: `100`
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
  readonly queueDepth: number;
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
  readonly kind: RecordKind;
  /** The protobuf value, or a core market event converted by the pump (off the caller's path). */
  readonly value: RecordValues[RecordKind] | MarketEvent | undefined;
  readonly encoded: EncodedRecord | undefined;
  readonly timestampMs: number;
  readonly at: number;
}

interface InFlight {
  records: readonly EncodedRecord[];
  /** Per topic, the offset after the last spilled copy of this batch's records (when copied). */
  copies: Map<string, bigint> | undefined;
}

/** A queued item's protobuf value (market events queued as core events are converted here). */
function protoOf(item: Queued): RecordValues[RecordKind] {
  const v = item.value!;
  return isMarketDataKind(item.kind) && "type" in v ? marketEventToProto(v as MarketEvent) : (v as never);
}

/** A queued market event as a core event (protobuf values given to `record` are converted back). */
function coreEventOf(item: Queued): MarketEvent {
  const v = item.value!;
  return "type" in v ? (v as MarketEvent) : marketEventFromProto(v as pb.MarketEvent);
}

function eventsIn(records: readonly EncodedRecord[]): number {
  let n = 0;
  for (const r of records) n += r.events ?? 1;
  return n;
}

/** Items encoded between two yields to the event loop. */
const ENCODE_SLICE = 64;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Records the gateway's market data, orders, fills and strategy records off the hot path: `record`
 * puts a record in a bounded in-memory queue and returns at once; a pump encodes and writes batches
 * to the sink (lingering `lingerMs` to fill them).
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
  private readonly mdBatch: number;
  private readonly lingerMs: number;
  private readonly stallMs: number;
  private readonly retryDelayMs: number;
  private readonly prefix: string;
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
    this.mdBatch = Math.max(1, options.marketDataBatch ?? 1);
    this.lingerMs = options.lingerMs ?? 2;
    this.stallMs = options.stallMs ?? 1000;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.prefix = options.topicPrefix ?? "openfloor.";
    this.logger = (options.logger ?? silentLogger).child({ component: "recorder" });
    this.queue = new Array(this.capacity);
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
   * Queues a record; never blocks and never throws. Returns false when it was not kept: market
   * data dropped on a full queue, or any record after `close`.
   */
  record<K extends RecordKind>(kind: K, value: RecordValues[K], timestampMs: number): boolean {
    return this.accept({ kind, value, encoded: undefined, timestampMs, at: performance.now() });
  }

  /**
   * Queues a core market event (trade, quote, book snapshot or delta, bar); the protobuf conversion
   * happens in the pump, not here. Same contract as `record`. `timestampMs` defaults to the
   * event's own time.
   */
  recordMarketEvent(event: MarketEvent, timestampMs?: number): boolean {
    const kind: MarketDataKind =
      event.type === "trade"
        ? "trade"
        : event.type === "quote"
          ? "quote"
          : event.type === "bar"
            ? "bar"
            : "book";
    const ts = timestampMs ?? Number((event.type === "bar" ? event.tsCloseNs : event.tsEventNs) / 1_000_000n);
    return this.accept({ kind, value: event, encoded: undefined, timestampMs: ts, at: performance.now() });
  }

  /** Queues a record encoded already (e.g. read back from a log). Same contract as `record`. */
  recordEncoded(record: EncodedRecord): boolean {
    return this.accept({
      kind: record.kind,
      value: undefined,
      encoded: record,
      timestampMs: record.timestampMs,
      at: performance.now(),
    });
  }

  stats(): RecorderStats {
    let lagMs = 0;
    const now = performance.now();
    const oldest = this.size > 0 ? this.queue[this.head] : undefined;
    if (oldest !== undefined) lagMs = now - oldest.at;
    if (this.spillSinceMs !== undefined) lagMs = Math.max(lagMs, now - this.spillSinceMs);
    return {
      mode: this.spilling ? "spilling" : "direct",
      sink: this.sink.kind,
      queueDepth: this.size,
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
    while (this.size > 0 || this.inFlight !== undefined || this.spilling) {
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

  private accept(item: Queued): boolean {
    if (this.closing) return false;
    this.counts.recorded++;
    const droppable = TOPICS[item.kind].droppable;
    if (!droppable && this.spilling && this.spill !== undefined) {
      this.spillOne(this.encode(item));
      return true;
    }
    if (this.size >= this.capacity) {
      if (droppable) {
        this.drop(item.kind, 1);
        return false;
      }
      if (this.spill === undefined) {
        this.counts.lost++;
        this.logger.error({ kind: item.kind }, "recording queue full and no spill log: record lost");
        return false;
      }
      this.enterSpilling();
      this.spillOne(this.encode(item));
      return true;
    }
    this.queue[(this.head + this.size) % this.capacity] = item;
    this.size++;
    if (!droppable) this.nonDroppableQueued++;
    if (this.size === 1 || this.size === this.maxBatch) this.signal();
    return true;
  }

  private drop(kind: RecordKind, n: number): void {
    this.counts.dropped += n;
    this.droppedByKind[kind] = (this.droppedByKind[kind] ?? 0) + n;
  }

  private encode(item: Queued): EncodedRecord {
    return item.encoded ?? encodeRecord(item.kind, protoOf(item), item.timestampMs, this.prefix);
  }

  /**
   * Encodes a write batch, framing market data of one kind and instrument up to `marketDataBatch`.
   * Records that must not be dropped are encoded first, in one go (they are few), and handed to
   * `guard`, which `enterSpilling` treats like a batch in flight: if spilling starts while the market
   * data is still being encoded, their copies go to the spill log ahead of anything newer. The market
   * data then yields to the event loop every `ENCODE_SLICE` items, so encoding never holds up the order
   * path for more than a fraction of a millisecond.
   */
  private async encodeAll(items: readonly Queued[], guard: InFlight): Promise<EncodedRecord[]> {
    const records: EncodedRecord[] = [];
    for (const item of items) {
      if (!TOPICS[item.kind].droppable) this.encodeInto(records, item, undefined);
    }
    guard.records = records.slice();
    const framer = new MarketDataFramer(this.mdBatch, this.prefix, records);
    let encoded = 0;
    for (const item of items) {
      if (!TOPICS[item.kind].droppable) continue;
      if (++encoded % ENCODE_SLICE === 0) await yieldToEventLoop();
      this.encodeInto(records, item, framer);
    }
    framer.finish();
    return records;
  }

  private encodeInto(records: EncodedRecord[], item: Queued, framer: MarketDataFramer | undefined): void {
    try {
      if (
        framer === undefined ||
        this.mdBatch === 1 ||
        item.encoded !== undefined ||
        !isMarketDataKind(item.kind)
      ) {
        records.push(this.encode(item));
      } else {
        framer.add(item.kind, coreEventOf(item), item.timestampMs);
      }
    } catch (error) {
      this.counts.lost++;
      this.logger.error({ err: error, kind: item.kind }, "record could not be encoded: dropped");
    }
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
        if (TOPICS[item.kind].droppable) kept.push(item);
        else this.spillOne(this.encode(item));
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

  private take(max: number): Queued[] {
    const n = Math.min(max, this.size);
    const out = new Array<Queued>(n);
    for (let i = 0; i < n; i++) {
      const idx = (this.head + i) % this.capacity;
      const item = this.queue[idx]!;
      this.queue[idx] = undefined;
      out[i] = item;
      if (!TOPICS[item.kind].droppable) this.nonDroppableQueued--;
    }
    this.head = (this.head + n) % this.capacity;
    this.size -= n;
    return out;
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.size > 0) {
        if (this.size < this.maxBatch && this.lingerMs > 0 && !this.closing) await sleep(this.lingerMs);
        await this.writeBatch(this.take(this.maxBatch));
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
    const encoding: InFlight = { records: [], copies: undefined };
    this.inFlight = encoding;
    let records: EncodedRecord[];
    try {
      records = await this.encodeAll(items, encoding);
    } finally {
      this.inFlight = undefined;
    }
    let pending: readonly EncodedRecord[] = records;
    // Copies spilled while the batch was being encoded count as the first attempt's.
    let copies = encoding.copies;
    while (pending.length > 0) {
      const inFlight: InFlight = { records: pending, copies };
      copies = undefined;
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
