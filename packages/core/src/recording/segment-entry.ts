import { crc32 } from "node:zlib";
import { OpenfloorError } from "../errors/openfloor-error.js";
import { type EncodedRecord, type RecordKind, TOPICS } from "./topics.js";

export type SegmentLogErrorCode =
  /** A sealed segment (not the tail) has a bad entry: the file was damaged after it was written. */
  | "SEGMENT_LOG_CORRUPT"
  /** A record that cannot be stored: unknown kind, a topic name not fit for a directory, too large. */
  | "SEGMENT_LOG_INVALID_RECORD"
  /** The log cannot be written (disk full, permissions, closed); nothing appended after this is kept. */
  | "SEGMENT_LOG_WRITE_FAILED";

/** The local segment log cannot read or write; `context` names the file, topic or offset. */
export class SegmentLogError extends OpenfloorError<SegmentLogErrorCode> {}

/** Entry layout version; readers refuse newer ones. */
const ENTRY_VERSION = 1;
/** Length prefix + CRC32. */
export const ENTRY_HEADER_BYTES = 8;
/** Larger bodies are taken for a torn or damaged length prefix. */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/** A topic name usable as a directory and as a Kafka topic (Kafka's legal characters). */
export function checkTopicName(topic: string): void {
  if (!TOPIC_NAME.test(topic) || topic === "." || topic === "..") {
    throw new SegmentLogError(
      "SEGMENT_LOG_INVALID_RECORD",
      `topic ${JSON.stringify(topic)} is not a legal topic name (1-249 of A-Z a-z 0-9 . _ -)`,
      { context: { topic } },
    );
  }
}

/**
 * One entry: `[u32 body length][u32 CRC32 of body][body]`, big-endian. The body holds
 * `u8 version, u8 kind length, kind, u32 ts high, u32 ts low, u16 topic length, topic,
 * u32 key length, key, u16 header count, (u16 name length, name, u32 value length, value)…,
 * u32 value length, value`. The CRC covers the whole body, so a torn or damaged entry is
 * detected, never misread.
 */
export function encodeEntry(record: EncodedRecord): Buffer {
  const kind = Buffer.from(record.kind, "utf8");
  const topic = Buffer.from(record.topic, "utf8");
  const key = Buffer.from(record.key, "utf8");
  const headers = Object.entries(record.headers).map(
    ([name, value]) => [Buffer.from(name, "utf8"), Buffer.from(value, "utf8")] as const,
  );
  const ts = record.timestampMs;
  if (!Number.isSafeInteger(ts) || ts < 0) {
    throw new SegmentLogError(
      "SEGMENT_LOG_INVALID_RECORD",
      `timestampMs must be a non-negative integer, got ${ts}`,
      { context: { topic: record.topic, timestampMs: ts } },
    );
  }
  let size = 1 + 1 + kind.length + 8 + 2 + topic.length + 4 + key.length + 2 + 4 + record.value.length;
  for (const [n, v] of headers) size += 2 + n.length + 4 + v.length;
  if (size > MAX_ENTRY_BYTES || headers.length > 0xffff || kind.length > 0xff || topic.length > 0xffff) {
    throw new SegmentLogError("SEGMENT_LOG_INVALID_RECORD", `record of ${size} bytes is too large`, {
      context: { topic: record.topic, bytes: size },
    });
  }
  const out = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + size);
  let at = ENTRY_HEADER_BYTES;
  at = out.writeUInt8(ENTRY_VERSION, at);
  at = out.writeUInt8(kind.length, at);
  at += kind.copy(out, at);
  at = out.writeUInt32BE(Math.floor(ts / 0x1_0000_0000), at);
  at = out.writeUInt32BE(ts >>> 0, at);
  at = out.writeUInt16BE(topic.length, at);
  at += topic.copy(out, at);
  at = out.writeUInt32BE(key.length, at);
  at += key.copy(out, at);
  at = out.writeUInt16BE(headers.length, at);
  for (const [n, v] of headers) {
    if (n.length > 0xffff) {
      throw new SegmentLogError("SEGMENT_LOG_INVALID_RECORD", "header name longer than 65535 bytes", {
        context: { topic: record.topic },
      });
    }
    at = out.writeUInt16BE(n.length, at);
    at += n.copy(out, at);
    at = out.writeUInt32BE(v.length, at);
    at += v.copy(out, at);
  }
  at = out.writeUInt32BE(record.value.length, at);
  out.set(record.value, at);
  out.writeUInt32BE(size, 0);
  out.writeUInt32BE(crc32(out.subarray(ENTRY_HEADER_BYTES)), 4);
  return out;
}

/** What `decodeEntryAt` found at a position. */
export type EntryRead =
  | { readonly kind: "entry"; readonly record: EncodedRecord; readonly next: number }
  /** The buffer ends inside the entry: more bytes may still come (or the tail was torn). */
  | { readonly kind: "incomplete" }
  /** A bad length, CRC or body: torn in a crash, or damaged. */
  | { readonly kind: "invalid"; readonly why: string };

/** Reads the entry starting at `at` in `buf`. */
export function decodeEntryAt(buf: Buffer, at: number): EntryRead {
  if (buf.length - at < ENTRY_HEADER_BYTES) return { kind: "incomplete" };
  const size = buf.readUInt32BE(at);
  if (size === 0 || size > MAX_ENTRY_BYTES) return { kind: "invalid", why: `entry length ${size}` };
  const end = at + ENTRY_HEADER_BYTES + size;
  if (end > buf.length) return { kind: "incomplete" };
  const body = buf.subarray(at + ENTRY_HEADER_BYTES, end);
  if (crc32(body) !== buf.readUInt32BE(at + 4)) return { kind: "invalid", why: "CRC mismatch" };
  try {
    return { kind: "entry", record: decodeBody(body), next: end };
  } catch (e) {
    return { kind: "invalid", why: (e as Error).message };
  }
}

function decodeBody(body: Buffer): EncodedRecord {
  let at = 0;
  const need = (n: number): number => {
    if (at + n > body.length) throw new RangeError("entry body shorter than its fields");
    const start = at;
    at += n;
    return start;
  };
  const version = body.readUInt8(need(1));
  if (version !== ENTRY_VERSION) throw new RangeError(`entry version ${version} is unknown`);
  const kindLength = body.readUInt8(need(1));
  const kind = body.toString("utf8", need(kindLength), at);
  if (!(kind in TOPICS)) throw new RangeError(`record kind ${JSON.stringify(kind)} is unknown`);
  const hi = body.readUInt32BE(need(4));
  const lo = body.readUInt32BE(need(4));
  const topicLength = body.readUInt16BE(need(2));
  const topic = body.toString("utf8", need(topicLength), at);
  const keyLength = body.readUInt32BE(need(4));
  const key = body.toString("utf8", need(keyLength), at);
  const headerCount = body.readUInt16BE(need(2));
  const headers: Record<string, string> = {};
  for (let i = 0; i < headerCount; i++) {
    const nameLength = body.readUInt16BE(need(2));
    const name = body.toString("utf8", need(nameLength), at);
    const valueLength = body.readUInt32BE(need(4));
    headers[name] = body.toString("utf8", need(valueLength), at);
  }
  const valueLength = body.readUInt32BE(need(4));
  const start = need(valueLength);
  if (at !== body.length) throw new RangeError("entry body longer than its fields");
  // Copy: the value must not pin the whole read buffer.
  const value = new Uint8Array(body.subarray(start, at));
  return { kind: kind as RecordKind, topic, key, value, headers, timestampMs: hi * 0x1_0000_0000 + lo };
}
