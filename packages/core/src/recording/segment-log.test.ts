import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { SegmentLogError } from "./segment-entry.js";
import {
  listSegments,
  readSegmentLog,
  SegmentLogCursor,
  SegmentLogWriter,
  segmentFileName,
} from "./segment-log.js";
import { type EncodedRecord, RECORD_KINDS } from "./topics.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "openfloor-seglog-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const TOPICS = ["openfloor.fills", "openfloor.md.trades", "x"] as const;

const recordArb: fc.Arbitrary<EncodedRecord> = fc.record({
  kind: fc.constantFrom(...RECORD_KINDS),
  topic: fc.constantFrom(...TOPICS),
  key: fc.string({ unit: "grapheme", maxLength: 40 }),
  value: fc.uint8Array({ maxLength: 300 }),
  headers: fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    {
      maxKeys: 4,
    },
  ),
  timestampMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
});

async function readAll(dir: string): Promise<Map<string, EncodedRecord[]>> {
  const byTopic = new Map<string, EncodedRecord[]>();
  for await (const { offset, record } of readSegmentLog({ dir })) {
    const list = byTopic.get(record.topic) ?? [];
    expect(offset).toBe(BigInt(list.length));
    list.push(record);
    byTopic.set(record.topic, list);
  }
  return byTopic;
}

function byTopic(records: readonly EncodedRecord[]): Map<string, EncodedRecord[]> {
  const m = new Map<string, EncodedRecord[]>();
  for (const r of records) m.set(r.topic, [...(m.get(r.topic) ?? []), r]);
  return m;
}

function plain(r: EncodedRecord): unknown {
  return { ...r, value: [...r.value], headers: { ...r.headers } };
}

function sameLogs(a: Map<string, EncodedRecord[]>, b: Map<string, EncodedRecord[]>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [topic, records] of a) expect(b.get(topic)!.map(plain)).toEqual(records.map(plain));
}

describe("SegmentLogWriter and readers", () => {
  it("round-trips random records across topics and segment rolls, offsets per topic", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { maxLength: 60 }),
        fc.integer({ min: 200, max: 4000 }),
        async (records, segmentBytes) => {
          const dir = await tempDir();
          const log = await SegmentLogWriter.open({ dir, segmentBytes, syncIntervalMs: 0, sync: false });
          const counts = new Map<string, bigint>();
          for (const r of records) {
            const expected = counts.get(r.topic) ?? 0n;
            expect(log.append(r)).toBe(expected);
            counts.set(r.topic, expected + 1n);
          }
          await log.close();
          sameLogs(byTopic(records), await readAll(dir));
          // Reopened, the log continues at the same offsets.
          const again = await SegmentLogWriter.open({ dir, segmentBytes, sync: false });
          expect(again.recovery).toEqual([]);
          for (const topic of TOPICS) expect(again.nextOffset(topic)).toBe(counts.get(topic) ?? 0n);
          await again.close();
          await rm(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a torn tail is cut off at open and never misread; earlier records stay intact", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.constantFrom("truncate", "garbage", "flip"),
        async (records, cut, damage) => {
          const dir = await tempDir();
          const topic = "openfloor.fills";
          const log = await SegmentLogWriter.open({ dir, sync: false });
          const sizes: number[] = [];
          for (const r of records) {
            log.append({ ...r, topic });
            await log.flush();
            sizes.push((await stat(join(dir, topic, segmentFileName(0n)))).size);
          }
          await log.close();
          const file = join(dir, topic, segmentFileName(0n));
          const full = sizes[sizes.length - 1]!;
          const before = sizes.length > 1 ? sizes[sizes.length - 2]! : 0;
          // Damage the last entry only: the records before it must survive exactly.
          if (damage === "truncate") await truncate(file, before + 1 + (cut % (full - before - 1)));
          else if (damage === "garbage") await appendFile(file, Buffer.from([0, 0, 1, 0, 9, 9, 9]));
          else {
            const bytes = await readFile(file);
            const at = before + 8 + (cut % (full - before - 8));
            bytes[at] = bytes[at]! ^ 0xff;
            await writeFile(file, bytes);
          }
          const survivors = damage === "garbage" ? records.length : records.length - 1;
          // A reader on the damaged log (no writer) stops at the damage.
          const seen: EncodedRecord[] = [];
          for await (const { record } of readSegmentLog({ dir })) seen.push(record);
          expect(seen.map(plain)).toEqual(records.slice(0, survivors).map((r) => plain({ ...r, topic })));
          const reopened = await SegmentLogWriter.open({ dir, sync: false });
          expect(reopened.nextOffset(topic)).toBe(BigInt(survivors));
          expect(reopened.recovery.length).toBe(1);
          expect((await stat(file)).size).toBe(damage === "garbage" ? full : before);
          // Appending after recovery continues the log cleanly.
          reopened.append({ ...records[0]!, topic });
          await reopened.close();
          const after: EncodedRecord[] = [];
          for await (const { record } of readSegmentLog({ dir })) after.push(record);
          expect(after.length).toBe(survivors + 1);
          await rm(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a damaged entry inside a sealed segment is SEGMENT_LOG_CORRUPT, not skipped", async () => {
    const dir = await tempDir();
    const topic = "openfloor.orders";
    const log = await SegmentLogWriter.open({ dir, segmentBytes: 300, sync: false });
    const rec = (i: number): EncodedRecord => ({
      kind: "order-event",
      topic,
      key: `acct-${i}`,
      value: new Uint8Array(100).fill(i),
      headers: { "of-kind": "order-event" },
      timestampMs: 1_700_000_000_000 + i,
    });
    for (let i = 0; i < 10; i++) log.append(rec(i));
    await log.close();
    const segments = await listSegments(dir, topic);
    expect(segments.length).toBeGreaterThan(2);
    const first = join(dir, topic, segmentFileName(segments[0]!));
    const bytes = await readFile(first);
    bytes[20] = bytes[20]! ^ 0x01;
    await writeFile(first, bytes);
    const cursor = new SegmentLogCursor(dir, topic, 0n);
    await expect(cursor.next()).rejects.toSatisfy(
      (e) => e instanceof SegmentLogError && e.code === "SEGMENT_LOG_CORRUPT",
    );
    await cursor.close();
  });

  it("a cursor tails a log being written, from any offset, across rolls and deletions", async () => {
    const dir = await tempDir();
    const topic = "openfloor.fills";
    const log = await SegmentLogWriter.open({ dir, segmentBytes: 1000, syncIntervalMs: 1 });
    const rec = (i: number): EncodedRecord => ({
      kind: "fill",
      topic,
      key: "acct",
      value: Buffer.from(`fill-${i}`.padEnd(60, ".")),
      headers: {},
      timestampMs: i,
    });
    const cursor = new SegmentLogCursor(dir, topic, 5n);
    expect(await cursor.next()).toEqual([]);
    for (let i = 0; i < 50; i++) log.append(rec(i));
    await log.flush();
    const got = await cursor.next(20);
    expect(got.map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 5)));
    for (let i = 50; i < 80; i++) log.append(rec(i));
    await log.flush();
    const rest = await cursor.next(1000);
    expect(rest.map((r) => Number(r.offset))).toEqual(Array.from({ length: 55 }, (_, i) => i + 25));
    expect(Buffer.from(rest[rest.length - 1]!.record.value).toString()).toMatch(/^fill-79\./);
    // Segments wholly below 60 can go; a fresh cursor from 0 starts at the oldest kept.
    const removed = await log.deleteBefore(topic, 60n);
    expect(removed).toBeGreaterThan(0);
    const late = new SegmentLogCursor(dir, topic, 0n);
    const kept = await late.next(1000);
    expect(kept[0]!.offset).toBeGreaterThan(0n);
    expect(kept[0]!.offset).toBeLessThanOrEqual(60n);
    expect(kept[kept.length - 1]!.offset).toBe(79n);
    await Promise.all([cursor.close(), late.close(), log.close()]);
  });

  it("group commit: many appends share few fdatasyncs and flush() waits for durability", async () => {
    const dir = await tempDir();
    const log = await SegmentLogWriter.open({ dir, syncIntervalMs: 2 });
    for (let i = 0; i < 5000; i++) {
      log.append({
        kind: "trade",
        topic: "md",
        key: "k",
        value: new Uint8Array(40),
        headers: {},
        timestampMs: i,
      });
    }
    await log.flush();
    expect(log.stats.pending).toBe(0);
    expect(log.stats.commits).toBeLessThan(10);
    await log.close();
    expect(() =>
      log.append({
        kind: "trade",
        topic: "md",
        key: "k",
        value: new Uint8Array(1),
        headers: {},
        timestampMs: 0,
      }),
    ).toThrow(SegmentLogError);
  });

  it("refuses topic names that are not legal topics", async () => {
    const log = await SegmentLogWriter.open({ dir: await tempDir(), sync: false });
    expect(() =>
      log.append({
        kind: "fill",
        topic: "../etc",
        key: "",
        value: new Uint8Array(),
        headers: {},
        timestampMs: 0,
      }),
    ).toThrow(/not a legal topic name/);
    await log.close();
  });
});
