import type { BookLevel, Decimal, InstrumentId, MarketEvent } from "@openfloor/core";

// A direct protobuf writer for the market events on the fan-out hot path (trades, quotes, book
// snapshots and deltas): the same bytes as ts-proto's `MarketEvent.encode(marketEventToProto(e))`,
// without building the intermediate message objects. Bars go through ts-proto (they are rare).
// Sizes are computed first, so every nested length is known before it is written.

const TWO_32 = 4294967296;

function varint32Size(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** Size of a non-negative integer below 2^64 given as lo/hi 32-bit halves. */
function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo);
  return Math.ceil((64 - Math.clz32(hi)) / 7);
}

interface U64 {
  lo: number;
  hi: number;
}

const scratch: U64 = { lo: 0, hi: 0 };

/** int64 as protobuf writes it: two's complement, 64 bits. */
function splitInt64(v: bigint, out: U64): U64 {
  if (v >= 0n && v < 9007199254740992n) {
    const n = Number(v);
    out.lo = n % TWO_32;
    out.hi = Math.floor(n / TWO_32);
  } else {
    const u = v >= 0n ? v : BigInt.asUintN(64, v);
    out.hi = Number(u >> 32n);
    out.lo = Number(u & 0xffffffffn);
  }
  return out;
}

/** sint64 zigzag encoding. */
function splitZigzag(v: bigint, out: U64): U64 {
  if (v > -4503599627370496n && v < 4503599627370496n) {
    const n = Number(v);
    const z = n >= 0 ? n * 2 : -n * 2 - 1;
    out.lo = z % TWO_32;
    out.hi = Math.floor(z / TWO_32);
  } else {
    const z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    out.lo = Number(z & 0xffffffffn);
    out.hi = Number(z >> 32n);
  }
  return out;
}

/** An int64 field value split once, for both the size pass and the write pass. */
interface SplitInt64 {
  zero: boolean;
  lo: number;
  hi: number;
  size: number;
}

/** Splits `v` into `out` (one of the two module scratch values below: no allocation per event). */
function int64(v: bigint, out: SplitInt64): SplitInt64 {
  if (v === 0n) {
    out.zero = true;
    out.lo = 0;
    out.hi = 0;
    out.size = 0;
    return out;
  }
  const s = splitInt64(v, scratch);
  out.zero = false;
  out.lo = s.lo;
  out.hi = s.hi;
  out.size = 1 + varint64Size(s.lo, s.hi);
  return out;
}

const tsEventScratch: SplitInt64 = { zero: true, lo: 0, hi: 0, size: 0 };
const tsRecvScratch: SplitInt64 = { zero: true, lo: 0, hi: 0, size: 0 };

function int64Size(v: bigint): number {
  const s = splitInt64(v, scratch);
  return varint64Size(s.lo, s.hi);
}

/** UTF-8 length of a string, or -1 when it is not plain ASCII (then TextEncoder does the work). */
function asciiLength(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return -1;
  return text.length;
}

function decimalBodySize(d: Decimal): number {
  let n = 0;
  if (d.units !== 0n) {
    const z = splitZigzag(d.units, scratch);
    n += 1 + varint64Size(z.lo, z.hi);
  }
  if (d.scale !== 0) n += 1 + varint32Size(d.scale);
  return n;
}

function fieldSize(bodySize: number): number {
  return 1 + varint32Size(bodySize) + bodySize;
}

const encoder = new TextEncoder();
const instrumentCache = new Map<string, Map<string, Uint8Array>>();

/** The `InstrumentId` message body, cached per symbol and venue. */
function instrumentBody(id: InstrumentId): Uint8Array {
  let byVenue = instrumentCache.get(id.venue);
  if (byVenue === undefined) {
    byVenue = new Map();
    instrumentCache.set(id.venue, byVenue);
  }
  let body = byVenue.get(id.symbol);
  if (body === undefined) {
    const symbol = encoder.encode(id.symbol);
    const venue = encoder.encode(id.venue);
    const w = new WireWriter(fieldSize(symbol.length) + fieldSize(venue.length));
    if (symbol.length > 0) w.bytesField(1, symbol);
    if (venue.length > 0) w.bytesField(2, venue);
    body = w.buf;
    if (byVenue.size < 100_000) byVenue.set(id.symbol, body);
  }
  return body;
}

class WireWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }

  /** Starts over at 0 with room for `size` bytes (the buffer is reused when it is large enough). */
  reset(size: number): this {
    if (this.buf.length < size) this.buf = new Uint8Array(Math.max(size, this.buf.length * 2));
    this.pos = 0;
    return this;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  varint32(v: number): void {
    let x = v;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
  }

  varint64(lo: number, hi: number): void {
    if (hi === 0) {
      this.varint32(lo);
      return;
    }
    let l = lo;
    for (let i = 0; i < 4; i++) {
      this.buf[this.pos++] = (l & 0x7f) | 0x80;
      l >>>= 7;
    }
    // 4 bits of lo left, then hi.
    let rest = hi * 16 + l;
    while (rest >= 0x80) {
      this.buf[this.pos++] = (rest % 128) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.buf[this.pos++] = rest;
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.byte((field << 3) | 2);
    this.varint32(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  splitField(field: number, v: SplitInt64): void {
    if (v.zero) return;
    this.byte(field << 3);
    this.varint64(v.lo, v.hi);
  }

  asciiField(field: number, text: string): void {
    this.byte((field << 3) | 2);
    this.varint32(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.pos++] = text.charCodeAt(i);
  }

  int64Field(field: number, v: bigint): void {
    if (v === 0n) return;
    this.byte(field << 3);
    const s = splitInt64(v, scratch);
    this.varint64(s.lo, s.hi);
  }

  decimalField(field: number, d: Decimal, size: number): void {
    this.byte((field << 3) | 2);
    this.varint32(size);
    if (d.units !== 0n) {
      this.byte(1 << 3);
      const z = splitZigzag(d.units, scratch);
      this.varint64(z.lo, z.hi);
    }
    if (d.scale !== 0) {
      this.byte(2 << 3);
      this.varint32(d.scale);
    }
  }

  levelsField(field: number, levels: readonly BookLevel[], sizes: readonly number[], offset: number): void {
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      const ps = sizes[offset + 3 * i]!;
      const ss = sizes[offset + 3 * i + 1]!;
      const body = sizes[offset + 3 * i + 2]!;
      this.byte((field << 3) | 2);
      this.varint32(body);
      this.decimalField(1, level.price, ps);
      this.decimalField(2, level.size, ss);
    }
  }
}

function levelSizes(levels: readonly BookLevel[], out: number[]): number {
  let total = 0;
  for (const level of levels) {
    const ps = decimalBodySize(level.price);
    const ss = decimalBodySize(level.size);
    const body = fieldSize(ps) + fieldSize(ss);
    out.push(ps, ss, body);
    total += fieldSize(body);
  }
  return total;
}

/**
 * The `MarketEvent` message of a trade, quote or book event as wire bytes, prefixed with
 * `prefixTag` and the message length (the `MarketDataFrame.events` entry); undefined for bars.
 */
export function encodeMarketEventEntry(event: MarketEvent, prefixTag: number): Uint8Array | undefined {
  const w = writeMarketEventEntry(event, prefixTag, undefined);
  return w?.buf;
}

const shared = new WireWriter(4096);

/**
 * Like `encodeMarketEventEntry`, but into a buffer shared by every call: returns the buffer and
 * the entry's length, valid until the next call. For writers that copy the entry at once (the
 * recorder's frames), so encoding allocates nothing that outlives the call.
 */
export function encodeMarketEventEntryShared(
  event: MarketEvent,
  prefixTag: number,
): { readonly buf: Uint8Array; readonly pos: number } | undefined {
  return writeMarketEventEntry(event, prefixTag, shared);
}

function writeMarketEventEntry(
  event: MarketEvent,
  prefixTag: number,
  into: WireWriter | undefined,
): WireWriter | undefined {
  const inst = instrumentBody(event.instrument);
  let oneofField: number;
  let body: number;
  switch (event.type) {
    case "trade": {
      oneofField = 1;
      const p = decimalBodySize(event.price);
      const s = decimalBodySize(event.size);
      const ascii = asciiLength(event.tradeId);
      const id = ascii >= 0 ? undefined : encoder.encode(event.tradeId);
      const idLength = id === undefined ? ascii : id.length;
      const tsEvent = int64(event.tsEventNs, tsEventScratch);
      const tsRecv = int64(event.tsRecvNs, tsRecvScratch);
      body =
        fieldSize(inst.length) +
        fieldSize(p) +
        fieldSize(s) +
        2 +
        (idLength === 0 ? 0 : fieldSize(idLength)) +
        tsEvent.size +
        tsRecv.size;
      const w = begin(prefixTag, oneofField, body, into);
      w.bytesField(1, inst);
      w.decimalField(2, event.price, p);
      w.decimalField(3, event.size, s);
      w.byte(4 << 3);
      w.byte(event.aggressor === "buy" ? 1 : 2);
      if (id !== undefined) w.bytesField(5, id);
      else if (idLength > 0) w.asciiField(5, event.tradeId);
      w.splitField(6, tsEvent);
      w.splitField(7, tsRecv);
      return w;
    }
    case "quote": {
      oneofField = 2;
      const bp = decimalBodySize(event.bidPrice);
      const bs = decimalBodySize(event.bidSize);
      const ap = decimalBodySize(event.askPrice);
      const as = decimalBodySize(event.askSize);
      const tsEvent = int64(event.tsEventNs, tsEventScratch);
      const tsRecv = int64(event.tsRecvNs, tsRecvScratch);
      body =
        fieldSize(inst.length) +
        fieldSize(bp) +
        fieldSize(bs) +
        fieldSize(ap) +
        fieldSize(as) +
        tsEvent.size +
        tsRecv.size;
      const w = begin(prefixTag, oneofField, body, into);
      w.bytesField(1, inst);
      w.decimalField(2, event.bidPrice, bp);
      w.decimalField(3, event.bidSize, bs);
      w.decimalField(4, event.askPrice, ap);
      w.decimalField(5, event.askSize, as);
      w.splitField(6, tsEvent);
      w.splitField(7, tsRecv);
      return w;
    }
    case "book-snapshot":
    case "book-delta": {
      const sizes: number[] = [];
      const snapshot = event.type === "book-snapshot";
      oneofField = snapshot ? 3 : 4;
      const bidBytes = levelSizes(event.bids, sizes);
      const askOffset = sizes.length;
      const askBytes = levelSizes(event.asks, sizes);
      const seqFields = snapshot
        ? [[4, event.sequence]]
        : [
            [4, event.firstSequence],
            [5, event.sequence],
          ];
      const tsBase = snapshot ? 5 : 6;
      let seqBytes = 0;
      for (const [, v] of seqFields as [number, bigint][]) if (v !== 0n) seqBytes += 1 + int64Size(v);
      body =
        fieldSize(inst.length) +
        bidBytes +
        askBytes +
        seqBytes +
        (event.tsEventNs === 0n ? 0 : 1 + int64Size(event.tsEventNs)) +
        (event.tsRecvNs === 0n ? 0 : 1 + int64Size(event.tsRecvNs));
      const w = begin(prefixTag, oneofField, body, into);
      w.bytesField(1, inst);
      w.levelsField(2, event.bids, sizes, 0);
      w.levelsField(3, event.asks, sizes, askOffset);
      for (const [field, v] of seqFields as [number, bigint][]) w.int64Field(field, v);
      w.int64Field(tsBase, event.tsEventNs);
      w.int64Field(tsBase + 1, event.tsRecvNs);
      return w;
    }
    default:
      return undefined;
  }
}

/**
 * A writer sized for `prefixTag len MarketEvent{ oneofField len body }` (`into`, reset, or a new
 * one of exactly that size), positioned at the body.
 */
function begin(
  prefixTag: number,
  oneofField: number,
  body: number,
  into: WireWriter | undefined,
): WireWriter {
  const event = fieldSize(body);
  const w = into === undefined ? new WireWriter(fieldSize(event)) : into.reset(fieldSize(event));
  w.byte(prefixTag);
  w.varint32(event);
  w.byte((oneofField << 3) | 2);
  w.varint32(body);
  return w;
}
