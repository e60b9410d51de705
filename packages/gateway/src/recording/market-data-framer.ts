import {
  type EncodedRecord,
  formatInstrumentId,
  type InstrumentId,
  type MarketDataKind,
  type MarketEvent,
  marketDataBatchRecord,
} from "@openfloor/core";
import { encodeEntryShared } from "../market-data/frame-encoding.js";

/** The record kind a market event goes to. */
export function marketDataKindOf(event: MarketEvent): MarketDataKind {
  switch (event.type) {
    case "trade":
    case "quote":
    case "bar":
      return event.type;
    default:
      return "book";
  }
}

/** Market events of one kind and instrument framed so far, as the bytes of their frame entries. */
interface OpenFrame {
  readonly kind: MarketDataKind;
  readonly key: string;
  /** Allocated when the frame's first event arrives, handed to the record when it is sealed. */
  bytes: Buffer;
  length: number;
  /** Size of the last sealed frame's buffer: the next one starts at it. */
  capacity: number;
  count: number;
  timestampMs: number;
  /** `performance.now()` when its first event arrived. */
  openedAt: number;
}

/** First capacity of a frame's buffer; it doubles when a frame outgrows it. */
const INITIAL_FRAME_BYTES = 4096;
const EMPTY = Buffer.alloc(0);
/** Most spare frame buffers kept for reuse. */
const POOL_LIMIT = 1024;

/**
 * Frames market events into batch records (`MarketDataFrame`, schema version 2) of at most
 * `maxEvents` events of one kind and instrument, in the order added per instrument. Each event is
 * encoded by the gateway's direct market-event writer (the bytes ts-proto writes, several times
 * faster) into a shared scratch buffer and copied onto its frame's buffer: nothing is allocated per
 * event, and frame buffers given back with `release` are reused.
 *
 * `add` returns the record of a frame that just reached `maxEvents`; `sealAll` hands over the partial ones.
 */
export class MarketDataFramer {
  /** kind -> venue -> symbol -> frame. */
  private readonly open = new Map<MarketDataKind, Map<string, Map<string, OpenFrame>>>();
  private frames = 0;
  /** Buffers this framer allocated, so `release` takes back its own and nothing else. */
  private readonly own = new WeakSet<ArrayBuffer>();
  private readonly spare: Buffer[] = [];

  constructor(
    private readonly maxEvents: number,
    private readonly topicPrefix: string,
  ) {}

  /** Frames not yet sealed. */
  get openFrames(): number {
    return this.frames;
  }

  /** Encodes `event` into its frame; returns the frame's record when that made it full. Throws on an event that cannot be encoded. */
  add(event: MarketEvent, timestampMs: number, now: number): EncodedRecord | undefined {
    const kind = marketDataKindOf(event);
    const { buf, length } = encodeEntryShared(event);
    const frame = this.frameOf(kind, event.instrument, timestampMs, now);
    if (frame.length + length > frame.bytes.length) {
      const grown = this.acquire(Math.max(frame.bytes.length * 2, frame.length + length));
      frame.bytes.copy(grown, 0, 0, frame.length);
      this.release(frame.bytes);
      frame.bytes = grown;
    }
    const bytes = frame.bytes;
    const at = frame.length;
    for (let i = 0; i < length; i++) bytes[at + i] = buf[i]!;
    frame.length += length;
    frame.count++;
    return frame.count >= this.maxEvents ? this.seal(frame) : undefined;
  }

  /**
   * Takes back the buffer of a record this framer sealed, once nothing refers to its value any more
   * (the sink wrote it and let go of it); later frames reuse it. Values of other records are ignored.
   */
  release(value: Uint8Array): void {
    const buffer = value.buffer as ArrayBuffer;
    if (!this.own.has(buffer) || this.spare.length >= POOL_LIMIT) return;
    this.own.delete(buffer);
    this.spare.push(Buffer.from(buffer));
  }

  /** Seals every frame still open, handing each record over with when its first event arrived. */
  sealAll(sealed: (record: EncodedRecord, openedAt: number) => void): void {
    for (const frame of this.openOnes()) sealed(this.seal(frame), frame.openedAt);
  }

  /** `performance.now()` of the oldest event in an open frame, or undefined. */
  oldestOpenedAt(): number | undefined {
    let oldest: number | undefined;
    for (const f of this.openOnes()) if (oldest === undefined || f.openedAt < oldest) oldest = f.openedAt;
    return oldest;
  }

  /** The frames holding events (none is visited when none is open). */
  private *openOnes(): Generator<OpenFrame> {
    if (this.frames === 0) return;
    for (const venues of this.open.values()) {
      for (const symbols of venues.values()) {
        for (const frame of symbols.values()) if (frame.count > 0) yield frame;
      }
    }
  }

  /** A spare buffer of at least `size` bytes, or a new one. */
  private acquire(size: number): Buffer {
    const spare = this.spare.pop();
    if (spare !== undefined && spare.length >= size) {
      this.own.add(spare.buffer as ArrayBuffer);
      return spare;
    }
    const bytes = Buffer.allocUnsafeSlow(size);
    this.own.add(bytes.buffer as ArrayBuffer);
    return bytes;
  }

  private frameOf(kind: MarketDataKind, id: InstrumentId, timestampMs: number, now: number): OpenFrame {
    let venues = this.open.get(kind);
    if (venues === undefined) {
      venues = new Map();
      this.open.set(kind, venues);
    }
    let symbols = venues.get(id.venue);
    if (symbols === undefined) {
      symbols = new Map();
      venues.set(id.venue, symbols);
    }
    let frame = symbols.get(id.symbol);
    if (frame === undefined) {
      frame = {
        kind,
        key: formatInstrumentId(id),
        bytes: EMPTY,
        length: 0,
        capacity: INITIAL_FRAME_BYTES,
        count: 0,
        timestampMs,
        openedAt: now,
      };
      symbols.set(id.symbol, frame);
    }
    if (frame.count === 0) {
      frame.bytes = this.acquire(frame.capacity);
      frame.timestampMs = timestampMs;
      frame.openedAt = now;
      this.frames++;
    }
    return frame;
  }

  /** The frame's record; the record keeps the buffer, and an idle frame holds none. */
  private seal(frame: OpenFrame): EncodedRecord {
    const record = marketDataBatchRecord(
      frame.kind,
      frame.key,
      frame.bytes.subarray(0, frame.length),
      frame.count,
      frame.timestampMs,
      this.topicPrefix,
    );
    frame.capacity = frame.bytes.length;
    frame.bytes = EMPTY;
    frame.length = 0;
    frame.count = 0;
    this.frames--;
    return record;
  }
}
