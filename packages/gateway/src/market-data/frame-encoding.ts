import { type MarketEvent, marketEventToProto, pb } from "@openfloor/core";
import { encodeMarketEventEntry, encodeMarketEventEntryShared } from "./market-event-wire.js";

/**
 * One market event on its way to subscribers. Its protobuf bytes are encoded at most once, by the
 * first gRPC subscriber that sends it, and shared by every other.
 */
export interface Envelope {
  readonly event: MarketEvent;
  /** `process.hrtime.bigint()` when the gateway received it, for the tick-to-send histogram. */
  readonly recvHr: bigint;
  /** The event as a `MarketDataFrame.events` entry (tag, length, `MarketEvent` bytes). */
  entry?: Uint8Array;
}

const EVENTS_TAG = (2 << 3) | 2;
const FRAME_SEQUENCE_TAG = (1 << 3) | 0;
const DROPPED_TAG = (3 << 3) | 0;
const FRAME_TAG = (1 << 3) | 2;

function varintLength(value: bigint | number): number {
  if (typeof value === "number" && value < 0x80000000) {
    if (value < 0x80) return 1;
    if (value < 0x4000) return 2;
    if (value < 0x200000) return 3;
    if (value < 0x10000000) return 4;
    return 5;
  }
  let v = BigInt(value);
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, offset: number, value: bigint | number): number {
  if (typeof value === "number" && value < 0x80000000) {
    let v = value;
    let o = offset;
    while (v >= 0x80) {
      out[o++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[o++] = v;
    return o;
  }
  let v = BigInt(value);
  let o = offset;
  while (v >= 0x80n) {
    out[o++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[o++] = Number(v);
  return o;
}

/** Encodes `event` as a `MarketDataFrame.events` entry. */
export function encodeEntry(event: MarketEvent): Uint8Array {
  const fast = encodeMarketEventEntry(event, EVENTS_TAG);
  if (fast !== undefined) return fast;
  const body = pb.MarketEvent.encode(marketEventToProto(event)).finish();
  const out = new Uint8Array(1 + varintLength(body.length) + body.length);
  out[0] = EVENTS_TAG;
  const o = writeVarint(out, 1, body.length);
  out.set(body, o);
  return out;
}

/**
 * `encodeEntry` into a buffer shared by every call: the entry is `buf[0, length)`, valid until the
 * next call. Nothing it allocates outlives the call (bars, which are rare, excepted).
 */
export function encodeEntryShared(event: MarketEvent): { readonly buf: Uint8Array; readonly length: number } {
  const w = encodeMarketEventEntryShared(event, EVENTS_TAG);
  if (w !== undefined) return { buf: w.buf, length: w.pos };
  const entry = encodeEntry(event);
  return { buf: entry, length: entry.length };
}

export function entryOf(envelope: Envelope): Uint8Array {
  let entry = envelope.entry;
  if (entry === undefined) {
    entry = encodeEntry(envelope.event);
    envelope.entry = entry;
  }
  return entry;
}

/**
 * A whole `SubscribeResponse { frame: MarketDataFrame }` in wire format, built by concatenating the
 * events' cached entries: the same bytes `SubscribeResponse.encode` would give, without re-encoding
 * an event per subscriber.
 */
export function encodeSubscribeResponse(
  frameSequence: bigint,
  entries: readonly Uint8Array[],
  dropped: number,
): Buffer {
  let frameLength = 0;
  if (frameSequence !== 0n) frameLength += 1 + varintLength(frameSequence);
  for (const e of entries) frameLength += e.length;
  if (dropped !== 0) frameLength += 1 + varintLength(dropped);
  const total = 1 + varintLength(frameLength) + frameLength;
  const out = Buffer.allocUnsafe(total);
  out[0] = FRAME_TAG;
  let o = writeVarint(out, 1, frameLength);
  if (frameSequence !== 0n) {
    out[o++] = FRAME_SEQUENCE_TAG;
    o = writeVarint(out, o, frameSequence);
  }
  for (const e of entries) {
    out.set(e, o);
    o += e.length;
  }
  if (dropped !== 0) {
    out[o++] = DROPPED_TAG;
    o = writeVarint(out, o, dropped);
  }
  return out;
}
