import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeRecord, type EncodedRecord, readSegmentLog } from "@openfloor/core";
import { useKafka } from "@openfloor/testkit/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fillProto, tradeProto } from "./fixtures.test-support.js";
import { decodeMessages, readTopicToEnd } from "./kafka.test-support.js";
import { KafkaSink } from "./kafka-sink.js";
import { recordingLogDir, runRecordReplay } from "./record-replay.js";
import { Recorder } from "./recorder.js";
import { type RecordingSink, SegmentLogSink } from "./recording-sink.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "openfloor-recorder-"));
  dirs.push(dir);
  return dir;
}
const fill = (i: number, account = "acct-1") =>
  fillProto({ id: `f-${i}`, account, side: i % 2 === 0 ? "buy" : "sell" });
const trade = (i: number) => tradeProto(i);

/** The numbers of the fills among written records (`f-<n>`), in the order the sink got them. */
function fillNumbers(written: readonly EncodedRecord[]): number[] {
  return written
    .filter((r) => r.kind === "fill")
    .map((r) => {
      const d = decodeRecord(r.headers, r.value);
      return d.kind === "fill" ? Number(d.value.fillId.slice(2)) : -1;
    });
}

/** A sink that holds every write until released: a stalled broker, in-process. */
class GatedSink implements RecordingSink {
  readonly kind = "kafka";
  readonly written: EncodedRecord[] = [];
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => {};
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }
  release(): void {
    this.open();
  }
  async write(records: readonly EncodedRecord[]): Promise<void> {
    await this.gate;
    this.written.push(...records);
  }
  async close(): Promise<void> {}
}

describe("Recorder", () => {
  let brokers: string[];
  beforeAll(async () => {
    ({ brokers } = await useKafka());
  });
  afterAll(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it("records market data and fills to Kafka with keys, schema headers and per-key order", async () => {
    const prefix = `rec-${randomUUID().slice(0, 8)}.`;
    const sink = await KafkaSink.connect({ brokers, topics: { prefix, partitions: 3 } });
    const recorder = await Recorder.open({ sink, spillDir: await tempDir(), topicPrefix: prefix });
    for (let i = 0; i < 500; i++) {
      recorder.record("trade", trade(i), 1_700_000_000_000 + i);
      if (i % 5 === 0) recorder.record("fill", fill(i, `acct-${i % 3}`), 1_700_000_000_000 + i);
    }
    await recorder.flush();
    const stats = recorder.stats();
    expect(stats).toMatchObject({ recorded: 600, written: 600, dropped: 0, spilled: 0, mode: "direct" });
    await recorder.close();

    const fills = await readTopicToEnd(brokers, `${prefix}fills`);
    expect(fills.length).toBe(100);
    expect(fills[0]!.headers.get("of-schema")).toBe("openfloor.v1.Fill");
    const byAccount = new Map<string, number[]>();
    for (const m of fills) {
      const decoded = decodeMessages([m])[0]!;
      if (decoded.kind !== "fill") throw new Error("not a fill");
      expect(m.key).toBe(decoded.value.account);
      byAccount.set(m.key, [...(byAccount.get(m.key) ?? []), Number(decoded.value.fillId.slice(2))]);
    }
    for (const ids of byAccount.values()) expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect((await readTopicToEnd(brokers, `${prefix}md.trades`)).length).toBe(500);
  });

  it("drops market data on a full queue but spills fills, forwarding them in order once the sink answers", async () => {
    const sink = new GatedSink();
    const recorder = await Recorder.open({
      sink,
      spillDir: await tempDir(),
      queueCapacity: 50,
      maxBatch: 10,
      stallMs: 10_000,
      spillSync: false,
    });
    sink.hold();
    recorder.record("fill", fill(0), 1);
    // The first write is now held; the queue fills up behind it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let fillNo = 1;
    for (let i = 0; i < 200; i++) {
      recorder.record("trade", trade(i), i);
      if (i % 4 === 0) recorder.record("fill", fill(fillNo++), i);
    }
    const held = recorder.stats();
    expect(held.mode).toBe("spilling");
    expect(held.dropped).toBeGreaterThan(0);
    expect(held.droppedByKind.fill ?? 0).toBe(0);
    expect(held.spilled).toBeGreaterThan(0);
    sink.release();
    await recorder.flush();
    expect(fillNumbers(sink.written)).toEqual(Array.from({ length: fillNo }, (_, i) => i));
    expect(recorder.stats()).toMatchObject({ mode: "direct", lost: 0 });
    await recorder.close();
  });

  it("spilling that starts while the pump frames market data keeps every fill, in order", async () => {
    /** Fails its first write (a broker that went away), then takes everything. */
    class FailOnceSink extends GatedSink {
      private failed = false;
      override async write(records: readonly EncodedRecord[]): Promise<void> {
        if (!this.failed) {
          this.failed = true;
          throw new Error("broker gone");
        }
        await super.write(records);
      }
    }
    const sink = new FailOnceSink();
    const recorder = await Recorder.open({
      sink,
      spillDir: await tempDir(),
      queueCapacity: 300,
      maxBatch: 300,
      marketDataBatch: 10,
      lingerMs: 0,
      stallMs: 10_000,
      retryDelayMs: 1,
      spillSync: false,
    });
    recorder.record("fill", fill(0), 0);
    for (let i = 0; i < 299; i++) recorder.record("trade", trade(i), i);
    // The pump frames the 299 trades a slice at a time, yielding between slices: fill 0 is still
    // queued behind them when the fills below overflow the queue and spilling starts.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(recorder.stats().written).toBe(0);
    let fillNo = 1;
    for (let i = 0; i < 400; i++) {
      recorder.record("trade", trade(i), i);
      recorder.record("fill", fill(fillNo++), i);
    }
    expect(recorder.stats().mode).toBe("spilling");
    await recorder.flush();
    expect(fillNumbers(sink.written)).toEqual(Array.from({ length: fillNo }, (_, i) => i));
    expect(recorder.stats()).toMatchObject({ lost: 0 });
    await recorder.close();
  });

  it("splits a batch so no write carries more than maxBatchBytes of values", async () => {
    const sink = new GatedSink();
    const writes: number[] = [];
    const write = sink.write.bind(sink);
    sink.write = (records) => {
      writes.push(records.reduce((n, r) => n + r.value.byteLength, 0));
      return write(records);
    };
    const recorder = await Recorder.open({ sink, maxBatchBytes: 2000, lingerMs: 0 });
    sink.hold();
    for (let i = 0; i < 100; i++) recorder.record("fill", fill(i), i);
    sink.release();
    await recorder.flush();
    expect(fillNumbers(sink.written)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(writes.length).toBeGreaterThan(2);
    for (const bytes of writes) expect(bytes).toBeLessThanOrEqual(2000);
    await recorder.close();
  });

  it("with no brokers writes a local segment log that runRecordReplay forwards to Kafka exactly once", async () => {
    const dataDir = await tempDir();
    const prefix = `replay-${randomUUID().slice(0, 8)}.`;
    const sink = await SegmentLogSink.open({ dir: recordingLogDir(dataDir), sync: false });
    const recorder = await Recorder.open({ sink, topicPrefix: prefix });
    for (let i = 0; i < 300; i++) {
      recorder.record("trade", trade(i), 1_700_000_000_000 + i);
      if (i % 3 === 0) recorder.record("fill", fill(i), 1_700_000_000_000 + i);
    }
    await recorder.close();
    let local = 0;
    for await (const _ of readSegmentLog({ dir: recordingLogDir(dataDir) })) local++;
    expect(local).toBe(400);

    const first = await runRecordReplay({ dataDir, brokers, topics: { prefix, partitions: 2 } });
    expect(first.forwarded).toBe(400);
    const again = await runRecordReplay({ dataDir, brokers, topics: { prefix, partitions: 2 } });
    expect(again.forwarded).toBe(0);
    const fills = await readTopicToEnd(brokers, `${prefix}fills`);
    expect(fills.length).toBe(100);
    expect(new Set(decodeMessages(fills).map((d) => (d.kind === "fill" ? d.value.fillId : ""))).size).toBe(
      100,
    );
    expect((await readTopicToEnd(brokers, `${prefix}md.trades`)).length).toBe(300);
  });
});
