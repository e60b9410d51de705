import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Decimal,
  fillFromProto,
  Money,
  marketEventFromProto,
  type pb,
  SimulatedClock,
} from "@openfloor/core";
import { useKafka } from "@openfloor/testkit/vitest";
import { describe, expect, it } from "vitest";
import { spot } from "../aggregator/aggregator.test-support.js";
import { BTC_SIM, fillProto, quoteProto } from "./fixtures.test-support.js";
import { decodeMessages, readTopicToEnd } from "./kafka.test-support.js";
import { KafkaSink } from "./kafka-sink.js";
import { PerformancePublisher } from "./performance-publisher.js";
import { Recorder } from "./recorder.js";

const amount = (m: pb.Money | undefined) => Money.fromProto(m).amount.toString();

describe("PerformancePublisher", () => {
  it("publishes exact PnL, drawdown, exposure and fill statistics per strategy every second of its clock, to Kafka", async () => {
    const { brokers } = await useKafka();
    const prefix = `perf-${randomUUID().slice(0, 8)}.`;
    const clock = new SimulatedClock(1_700_000_000_000_000_000n);
    const spillDir = await mkdtemp(join(tmpdir(), "openfloor-perf-"));
    const recorder = await Recorder.open({
      sink: await KafkaSink.connect({ brokers, topics: { prefix, partitions: 1 } }),
      spillDir,
      topicPrefix: prefix,
    });
    const published: pb.PerformanceSnapshot[] = [];
    const perf = new PerformancePublisher({
      clock,
      instruments: [spot("sim")],
      publish: (s) => {
        published.push(s);
        recorder.record("performance", s, clock.nowMs());
      },
    });
    perf.start();
    const fill = (id: string, side: "buy" | "sell", price: string, fee: string, strategyId = "s1") =>
      fillFromProto(fillProto({ id, side, price, quantity: "1", fee, strategyId }));
    perf.onOrderEvent("s1", "submitted");
    perf.onFill(fill("1", "buy", "40000", "4"));
    perf.onFill(fill("1", "buy", "40000", "4")); // redelivered: ignored
    perf.onFill(fill("2", "buy", "100", "0", "s2"));
    perf.onMarketEvent(marketEventFromProto(quoteProto(BTC_SIM, "40999.99", "41000.01")));
    clock.advanceBy(1000);
    expect(published.length).toBe(2);
    const first = published.find((s) => s.strategyId === "s1")!;
    expect(amount(first.totalPnl)).toBe("996");
    expect(amount(first.unrealizedPnl)).toBe("1000");
    expect(amount(first.drawdown)).toBe("0");
    expect(amount(first.grossExposure)).toBe("41000");
    expect(amount(first.fees)).toBe("4");
    expect(first).toMatchObject({ orders: 1n, fills: 1n });
    expect(Decimal.fromProto(first.tradedVolume).toString()).toBe("40000");

    perf.onMarketEvent(marketEventFromProto(quoteProto(BTC_SIM, "38999.99", "39000.01")));
    perf.onFill(fill("3", "sell", "39500", "3.95"));
    clock.advanceBy(1000);
    const second = published.filter((s) => s.strategyId === "s1")[1]!;
    // Realized −500, fees 7.95: total −507.95, down 1503.95 from the peak of 996.
    expect(amount(second.realizedPnl)).toBe("-500");
    expect(amount(second.totalPnl)).toBe("-507.95");
    expect(amount(second.drawdown)).toBe("1503.95");
    expect(amount(second.grossExposure)).toBe("0");
    expect(second.fills).toBe(2n);
    perf.stop();
    clock.advanceBy(5000);
    expect(published.length).toBe(4);

    await recorder.close();
    const onKafka = decodeMessages(await readTopicToEnd(brokers, `${prefix}performance`));
    expect(onKafka.map((d) => (d.kind === "performance" ? d.value : undefined))).toEqual(published);
    await rm(spillDir, { recursive: true, force: true });
  });
});
