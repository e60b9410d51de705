import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KafkaBroker, startKafka } from "@openfloor/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fillProto, orderEventProto, tradeProto } from "./fixtures.test-support.js";
import { decodeMessages, eventually, readTopicToEnd } from "./kafka.test-support.js";
import { KafkaSink } from "./kafka-sink.js";
import { Recorder } from "./recorder.js";

// Its own broker: this test takes it down and brings it back on the same port and data.
describe("Recorder across a broker restart", () => {
  let kafka: KafkaBroker;
  let spillDir: string;
  beforeAll(async () => {
    kafka = await startKafka();
    spillDir = await mkdtemp(join(tmpdir(), "openfloor-spill-"));
  });
  afterAll(async () => {
    await kafka?.stop();
    await rm(spillDir, { recursive: true, force: true });
  });

  it("loses no order or fill: they spill while the broker is down and are forwarded, in order, once it is back", async () => {
    const prefix = "restart.";
    const sink = await KafkaSink.connect({ brokers: kafka.brokers, topics: { prefix, partitions: 2 } });
    const recorder = await Recorder.open({
      sink,
      spillDir,
      topicPrefix: prefix,
      stallMs: 300,
      queueCapacity: 2000,
    });
    let n = 0;
    const burst = (count: number) => {
      for (let i = 0; i < count; i++, n++) {
        const account = `acct-${n % 3}`;
        recorder.record("trade", tradeProto(n), 1_700_000_000_000 + n);
        recorder.record("order-event", orderEventProto(String(n), account), 1_700_000_000_000 + n);
        recorder.record("fill", fillProto({ id: `f-${n}`, account }), 1_700_000_000_000 + n);
      }
    };
    burst(200);
    await recorder.flush();

    await kafka.shutdown({ kill: true });
    burst(100);
    // The pump's write to the dead broker stalls; the recorder must spill rather than hold them in memory.
    await eventually(() => recorder.stats().mode === "spilling", "the recorder to spill");
    burst(2000);
    const down = recorder.stats();
    expect(down.spilled).toBeGreaterThanOrEqual(2 * 2000);
    expect(down.lost).toBe(0);

    await kafka.restart();
    burst(200);
    await recorder.flush(60_000);
    const after = recorder.stats();
    expect(after).toMatchObject({ mode: "direct", lost: 0 });
    await recorder.close();

    for (const topic of ["fills", "orders"] as const) {
      const messages = await readTopicToEnd(kafka.brokers, `${prefix}${topic}`);
      const ids = decodeMessages(messages).map((d) =>
        d.kind === "fill"
          ? d.value.fillId.slice(2)
          : d.kind === "order-event"
            ? d.value.eventId.slice(2)
            : "?",
      );
      // Every one is there, exactly once.
      expect(new Set(ids).size).toBe(n);
      expect(ids.length).toBe(n);
      // Per key (account) in the order recorded.
      const perKey = new Map<string, number[]>();
      messages.forEach((m, i) => {
        perKey.set(m.key, [...(perKey.get(m.key) ?? []), Number(ids[i])]);
      });
      for (const seq of perKey.values()) expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
    // Market data may have been dropped while the broker was down, and that is counted.
    const trades = (await readTopicToEnd(kafka.brokers, `${prefix}md.trades`)).length;
    expect(trades + after.dropped).toBe(n);
  }, 180_000);
});
