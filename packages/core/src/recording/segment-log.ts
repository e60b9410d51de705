import { constants } from "node:fs";
import { type FileHandle, mkdir, open, readdir, readFile, rm, truncate } from "node:fs/promises";
import { join } from "node:path";
import {
  checkTopicName,
  decodeEntryAt,
  ENTRY_HEADER_BYTES,
  encodeEntry,
  SegmentLogError,
} from "./segment-entry.js";
import type { EncodedRecord } from "./topics.js";

export type { SegmentLogErrorCode } from "./segment-entry.js";
export { SegmentLogError } from "./segment-entry.js";

/** Options of `SegmentLogWriter.open`. */
export interface SegmentLogOptions {
  /** Directory of the log; one sub-directory per topic. Created if missing. Example: `"data/recording"` */
  dir: string;
  /** A segment is rolled (a new file started) once it would grow past this. Default 64 MiB. */
  segmentBytes?: number;
  /**
   * Group commit window: appends made within it share one write and one fdatasync. Default 2 ms.
   * `0` writes on the next turn of the event loop.
   */
  syncIntervalMs?: number;
  /** fdatasync after each write. Default true; false leaves durability to the OS (benchmarks, tests). */
  sync?: boolean;
}

/** A record in the log with its offset in its topic. */
export interface LoggedRecord {
  readonly offset: bigint;
  readonly record: EncodedRecord;
}

/** What `open` did to make the log consistent: the torn tails it cut off after a crash. */
export interface SegmentLogRecovery {
  readonly topic: string;
  readonly segment: string;
  /** Bytes dropped from the end of the segment. */
  readonly truncatedBytes: number;
  /** Why the first dropped entry was refused ("CRC mismatch", "incomplete entry", …). */
  readonly reason: string;
}

const SEGMENT_FILE = /^(\d{20})\.seg$/;
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export function segmentFileName(baseOffset: bigint): string {
  return `${baseOffset.toString().padStart(20, "0")}.seg`;
}

/** Base offsets of a topic's segments, ascending (empty when the topic has none). */
export async function listSegments(dir: string, topic: string): Promise<bigint[]> {
  const names = await readdir(join(dir, topic)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [] as string[];
    throw e;
  });
  const bases: bigint[] = [];
  for (const name of names) {
    const m = SEGMENT_FILE.exec(name);
    if (m !== null) bases.push(BigInt(m[1]!));
  }
  return bases.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The topics a log directory holds, sorted by name. */
export async function listSegmentLogTopics(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [];
    throw e;
  });
  return entries
    .filter((e) => e.isDirectory() && /^[A-Za-z0-9._-]+$/.test(e.name))
    .map((e) => e.name)
    .sort();
}

type Op = { readonly entry: Buffer } | { readonly roll: bigint };

interface TopicLog {
  readonly topic: string;
  readonly dir: string;
  /** Bases of the segment files that exist on disk. */
  readonly segments: bigint[];
  file: FileHandle | undefined;
  /** Base of the segment new entries go to (its file may not exist yet). */
  activeBase: bigint;
  /** Bytes of the active segment, written and pending. */
  activeBytes: number;
  nextOffset: bigint;
  pending: Op[];
}

interface Waiter {
  readonly seq: number;
  resolve(): void;
  reject(e: Error): void;
}

/**
 * An append-only local log of encoded records: one directory per topic, each a run of segment
 * files `<baseOffset>.seg` (20 digits) rolled at `segmentBytes`. Every entry carries its topic, key,
 * headers, timestamp and value behind a length prefix and a CRC32, so a write torn by a crash is
 * found and cut off when the log is opened, never misread.
 *
 * Appends are synchronous and cheap (encoded into memory); a group commit writes what gathered
 * within `syncIntervalMs` in one write and one fdatasync per topic, so an append is durable a few
 * milliseconds later; `flush()` resolves when everything appended before it is. A failed write
 * fails the log closed: `append` and `flush` throw SEGMENT_LOG_WRITE_FAILED from then on.
 *
 * @example
 * const log = await SegmentLogWriter.open({ dir: "data/recording" });
 * log.append(encodeRecord("fill", fill, Date.now()));
 * await log.flush();
 */
export class SegmentLogWriter {
  readonly dir: string;
  /** Torn tails cut off by `open`. */
  readonly recovery: readonly SegmentLogRecovery[];
  private readonly segmentBytes: number;
  private readonly syncIntervalMs: number;
  private readonly sync: boolean;
  private readonly logs = new Map<string, TopicLog>();
  private readonly waiters: Waiter[] = [];
  private appendedSeq = 0;
  private durableSeq = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private flushing: Promise<void> | undefined;
  private failure: SegmentLogError | undefined;
  private closed = false;
  private bytesWritten = 0;
  private commits = 0;

  private constructor(
    options: SegmentLogOptions,
    logs: readonly TopicLog[],
    recovery: readonly SegmentLogRecovery[],
  ) {
    this.dir = options.dir;
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.syncIntervalMs = options.syncIntervalMs ?? 2;
    this.sync = options.sync ?? true;
    this.recovery = recovery;
    for (const log of logs) this.logs.set(log.topic, log);
  }

  /** Opens (or creates) the log in `options.dir`, cutting off any torn tail left by a crash. */
  static async open(options: SegmentLogOptions): Promise<SegmentLogWriter> {
    await mkdir(options.dir, { recursive: true });
    const logs: TopicLog[] = [];
    const recovery: SegmentLogRecovery[] = [];
    for (const topic of await listSegmentLogTopics(options.dir)) {
      const dir = join(options.dir, topic);
      const segments = await listSegments(options.dir, topic);
      const log: TopicLog = {
        topic,
        dir,
        segments,
        file: undefined,
        activeBase: 0n,
        activeBytes: 0,
        nextOffset: 0n,
        pending: [],
      };
      const last = segments[segments.length - 1];
      if (last !== undefined) {
        const path = join(dir, segmentFileName(last));
        const bytes = await readFile(path);
        let at = 0;
        let count = 0n;
        let reason: string | undefined;
        while (at < bytes.length) {
          const read = decodeEntryAt(bytes, at);
          if (read.kind !== "entry") {
            reason = read.kind === "invalid" ? read.why : "incomplete entry";
            break;
          }
          at = read.next;
          count++;
        }
        if (at < bytes.length) {
          await truncate(path, at);
          recovery.push({
            topic,
            segment: segmentFileName(last),
            truncatedBytes: bytes.length - at,
            reason: reason ?? "incomplete entry",
          });
        }
        log.activeBase = last;
        log.activeBytes = at;
        log.nextOffset = last + count;
      }
      logs.push(log);
    }
    return new SegmentLogWriter(options, logs, recovery);
  }

  /**
   * Appends a record and returns its offset in its topic. Durable within `syncIntervalMs` (await
   * `flush()` to know). Throws SEGMENT_LOG_INVALID_RECORD for a record that cannot be stored and
   * SEGMENT_LOG_WRITE_FAILED once the log has failed or is closed.
   */
  append(record: EncodedRecord): bigint {
    this.checkWritable();
    const log = this.logFor(record.topic);
    const entry = encodeEntry(record);
    const offset = log.nextOffset;
    if (log.activeBytes > 0 && log.activeBytes + entry.length > this.segmentBytes) {
      log.pending.push({ roll: offset });
      log.activeBase = offset;
      log.activeBytes = 0;
    }
    log.pending.push({ entry });
    log.activeBytes += entry.length;
    log.nextOffset = offset + 1n;
    this.appendedSeq++;
    this.schedule();
    return offset;
  }

  /** Resolves when everything appended so far is written and synced; rejects if the log failed. */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.durableSeq >= this.appendedSeq) return Promise.resolve();
    const seq = this.appendedSeq;
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.schedule(true);
    });
  }

  /** The offset the next record of `topic` will get (0 for a topic never written). */
  nextOffset(topic: string): bigint {
    return this.logs.get(topic)?.nextOffset ?? 0n;
  }

  /** Topics written, in this run or before. */
  topics(): string[] {
    return [...this.logs.keys()].sort();
  }

  /** Bytes written and group commits done since open. */
  get stats(): { readonly bytesWritten: number; readonly commits: number; readonly pending: number } {
    return {
      bytesWritten: this.bytesWritten,
      commits: this.commits,
      pending: this.appendedSeq - this.durableSeq,
    };
  }

  /**
   * Deletes the segments of `topic` that hold only offsets below `offset` (the active segment is
   * kept). For logs whose records were forwarded elsewhere.
   */
  async deleteBefore(topic: string, offset: bigint): Promise<number> {
    await this.flush();
    const log = this.logs.get(topic);
    if (log === undefined) return 0;
    let removed = 0;
    while (log.segments.length > 1 && log.segments[1]! <= offset) {
      const base = log.segments.shift()!;
      await rm(join(log.dir, segmentFileName(base)), { force: true });
      removed++;
    }
    return removed;
  }

  /** Flushes what is pending and closes the files. Appending after this throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.failure === undefined) await this.flush();
    } finally {
      this.closed = true;
      this.cancelTimer();
      if (this.flushing !== undefined) await this.flushing.catch(() => {});
      for (const log of this.logs.values()) {
        await log.file?.close().catch(() => {});
        log.file = undefined;
      }
    }
  }

  private checkWritable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) {
      throw new SegmentLogError("SEGMENT_LOG_WRITE_FAILED", `segment log ${this.dir} is closed`, {
        context: { dir: this.dir },
      });
    }
  }

  private logFor(topic: string): TopicLog {
    let log = this.logs.get(topic);
    if (log === undefined) {
      checkTopicName(topic);
      log = {
        topic,
        dir: join(this.dir, topic),
        segments: [],
        file: undefined,
        activeBase: 0n,
        activeBytes: 0,
        nextOffset: 0n,
        pending: [],
      };
      this.logs.set(topic, log);
    }
    return log;
  }

  private schedule(now = false): void {
    if (this.flushing !== undefined) return; // the running flush loops until nothing is pending
    if (this.timer !== undefined) {
      if (!now) return;
      this.cancelTimer();
    }
    const run = () => {
      this.timer = undefined;
      this.flushing = this.flushLoop().finally(() => {
        this.flushing = undefined;
        if (this.durableSeq < this.appendedSeq && this.failure === undefined) this.schedule();
      });
    };
    this.timer = now || this.syncIntervalMs <= 0 ? setImmediate(run) : setTimeout(run, this.syncIntervalMs);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    if ("hasRef" in this.timer && "refresh" in this.timer) clearTimeout(this.timer);
    else clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private async flushLoop(): Promise<void> {
    while (this.durableSeq < this.appendedSeq && this.failure === undefined) {
      const seq = this.appendedSeq;
      try {
        await Promise.all(
          [...this.logs.values()].filter((l) => l.pending.length > 0).map((l) => this.write(l)),
        );
        this.durableSeq = seq;
        this.commits++;
      } catch (e) {
        this.failure = new SegmentLogError(
          "SEGMENT_LOG_WRITE_FAILED",
          `writing segment log ${this.dir} failed: ${(e as Error).message}`,
          { cause: e, context: { dir: this.dir } },
        );
      }
      for (let i = 0; i < this.waiters.length; ) {
        const w = this.waiters[i]!;
        if (this.failure !== undefined) w.reject(this.failure);
        else if (w.seq <= this.durableSeq) w.resolve();
        else {
          i++;
          continue;
        }
        this.waiters.splice(i, 1);
      }
    }
  }

  private async write(log: TopicLog): Promise<void> {
    const ops = log.pending.splice(0);
    let batch: Buffer[] = [];
    let newFile = false;
    const writeBatch = async () => {
      if (batch.length === 0) return;
      if (log.file === undefined) {
        const base = log.segments[log.segments.length - 1] ?? 0n;
        if (log.segments.length === 0) {
          await mkdir(log.dir, { recursive: true });
          log.segments.push(base);
          newFile = true;
        }
        log.file = await open(join(log.dir, segmentFileName(base)), "a");
      }
      let bytes = 0;
      for (const b of batch) bytes += b.length;
      await log.file.writev(batch);
      this.bytesWritten += bytes;
      batch = [];
    };
    for (const op of ops) {
      if ("entry" in op) {
        batch.push(op.entry);
        continue;
      }
      await writeBatch();
      if (log.file !== undefined) {
        if (this.sync) await log.file.datasync();
        await log.file.close();
        log.file = undefined;
      }
      await mkdir(log.dir, { recursive: true });
      log.segments.push(op.roll);
      newFile = true;
    }
    await writeBatch();
    if (this.sync && log.file !== undefined) await log.file.datasync();
    if (this.sync && newFile) await syncDirectory(log.dir);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const READ_CHUNK = 1024 * 1024;

/**
 * Reads one topic of a segment log from an offset, in order, and picks up records appended later:
 * `next()` returns what is there now (possibly nothing) and can be called again. It reads files
 * only, so it works on a log another process is writing or one left by a crash: a torn entry at
 * the tail is the end, a bad entry inside a sealed segment is SEGMENT_LOG_CORRUPT. Offsets below
 * the oldest segment kept (deleted after forwarding) are skipped.
 *
 * @example
 * const cursor = new SegmentLogCursor("data/recording", "openfloor.fills", 0n);
 * for (let batch = await cursor.next(); batch.length > 0; batch = await cursor.next()) …
 */
export class SegmentLogCursor {
  private file: FileHandle | undefined;
  private segmentBase = -1n;
  /** File position just after the bytes in `carry`. */
  private filePos = 0;
  private carry: Buffer = Buffer.alloc(0);
  /** Offset of the entry `carry` starts with. */
  private entryOffset = 0n;
  private position: bigint;

  constructor(
    readonly dir: string,
    readonly topic: string,
    from: bigint = 0n,
  ) {
    checkTopicName(topic);
    this.position = from;
  }

  /** Offset of the next record this cursor returns. */
  get offset(): bigint {
    return this.position;
  }

  /** Up to `max` records from the cursor on; empty when none are (yet) in the log. */
  async next(max = 1000): Promise<LoggedRecord[]> {
    const out: LoggedRecord[] = [];
    let endsAt: bigint | undefined;
    let invalidAt: bigint | undefined;
    while (out.length < max) {
      if (this.file === undefined && !(await this.openSegment())) return out;
      const step = await this.parse(out, max);
      if (step === "full") return out;
      if (step === "read") continue;
      // Nothing more in this file now. The log goes on only if a later segment exists; the writer
      // seals a segment before it starts the next, so read once more before judging what is left.
      const later = (await listSegments(this.dir, this.topic)).find((b) => b > this.segmentBase);
      if (later === undefined) return out;
      const where = this.entryOffset;
      const seenTwice = step === "invalid" ? invalidAt === where : endsAt === where;
      if (!seenTwice) {
        if (step === "invalid") invalidAt = where;
        else endsAt = where;
        continue;
      }
      if (step === "invalid" || this.carry.length > 0 || later !== where) {
        throw new SegmentLogError(
          "SEGMENT_LOG_CORRUPT",
          `segment ${segmentFileName(this.segmentBase)} of ${this.topic} has a bad or partial entry at offset ` +
            `${where} (the next segment starts at ${later})`,
          { context: { dir: this.dir, topic: this.topic, offset: where.toString() } },
        );
      }
      await this.closeFile();
    }
    return out;
  }

  async close(): Promise<void> {
    await this.closeFile();
  }

  private async closeFile(): Promise<void> {
    await this.file?.close().catch(() => {});
    this.file = undefined;
    this.carry = Buffer.alloc(0);
    this.filePos = 0;
  }

  /** Opens the segment holding `position`. False when the log has none yet. */
  private async openSegment(): Promise<boolean> {
    const segments = await listSegments(this.dir, this.topic);
    let base: bigint | undefined;
    for (const b of segments) if (b <= this.position) base = b;
    if (base === undefined) {
      base = segments[0];
      if (base === undefined) return false;
      this.position = base;
    }
    this.file = await open(join(this.dir, this.topic, segmentFileName(base)), "r");
    this.segmentBase = base;
    this.entryOffset = base;
    this.filePos = 0;
    this.carry = Buffer.alloc(0);
    return true;
  }

  /**
   * Takes whole entries from the carried bytes (skipping those below `position`), then reads another
   * chunk. "full": `max` reached; "read": more bytes were read; "end": the file has nothing more now;
   * "invalid": the next entry is torn or damaged.
   */
  private async parse(out: LoggedRecord[], max: number): Promise<"full" | "read" | "end" | "invalid"> {
    const buf = this.carry;
    let at = 0;
    let invalid = false;
    while (out.length < max) {
      const read = decodeEntryAt(buf, at);
      if (read.kind === "incomplete") break;
      if (read.kind === "invalid") {
        invalid = true;
        break;
      }
      if (this.entryOffset >= this.position) {
        out.push({ offset: this.entryOffset, record: read.record });
        this.position = this.entryOffset + 1n;
      }
      this.entryOffset++;
      at = read.next;
    }
    if (invalid) {
      // Torn (or still being written): re-read these bytes from the file next time.
      this.filePos -= buf.length - at;
      this.carry = Buffer.alloc(0);
      return "invalid";
    }
    this.carry = buf.subarray(at);
    if (out.length >= max) return "full";
    const want =
      this.carry.length >= ENTRY_HEADER_BYTES ? this.carry.readUInt32BE(0) + ENTRY_HEADER_BYTES : 0;
    const chunk = Buffer.allocUnsafe(Math.max(READ_CHUNK, want - this.carry.length));
    const { bytesRead } = await this.file!.read(chunk, 0, chunk.length, this.filePos);
    if (bytesRead === 0) return "end";
    this.filePos += bytesRead;
    const fresh = chunk.subarray(0, bytesRead);
    this.carry = this.carry.length === 0 ? fresh : Buffer.concat([this.carry, fresh]);
    return "read";
  }
}

/** Options of `readSegmentLog`. */
export interface SegmentLogReadOptions {
  /** Directory of the log. */
  dir: string;
  /** Topics to read. Default: every topic in the log. */
  topics?: readonly string[];
  /** First offset to read, for every topic or per topic (missing topics from 0). Default 0. */
  from?: bigint | Readonly<Record<string, bigint>>;
  /** Records read per file access. Default 1000. */
  batch?: number;
}

/**
 * Every record in the log as it is now, topic by topic (sorted by name), each in offset order.
 *
 * @example
 * for await (const { offset, record } of readSegmentLog({ dir, topics: ["openfloor.fills"] })) …
 */
export async function* readSegmentLog(options: SegmentLogReadOptions): AsyncGenerator<LoggedRecord> {
  const topics = options.topics ?? (await listSegmentLogTopics(options.dir));
  for (const topic of [...topics].sort()) {
    const from =
      options.from === undefined
        ? 0n
        : typeof options.from === "bigint"
          ? options.from
          : (options.from[topic] ?? 0n);
    const cursor = new SegmentLogCursor(options.dir, topic, from);
    try {
      for (
        let batch = await cursor.next(options.batch);
        batch.length > 0;
        batch = await cursor.next(options.batch)
      ) {
        yield* batch;
      }
    } finally {
      await cursor.close();
    }
  }
}
