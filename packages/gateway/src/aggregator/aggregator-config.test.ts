import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatInstrumentId, silentLogger } from "@openfloor/core";
import { useKafka } from "@openfloor/testkit/vitest";
import { describe, expect, it } from "vitest";
import { brokersOf, startAggregatorCommand } from "../cli/recording-commands.js";
import { aggregatorOptionsOf, loadAggregatorFile } from "./aggregator-config.js";

describe("the aggregator command's inputs", () => {
  it("reads instruments and limits from a file, flags winning, and names bad keys", async () => {
    const dir = await mkdtemp(join(tmpdir(), "openfloor-agg-cfg-"));
    try {
      const good = join(dir, "aggregator.yaml");
      await writeFile(
        good,
        [
          "groupId: g1",
          "instruments:",
          '  - { symbol: BTC/USDT, venue: binance, base: BTC, quote: USDT, priceIncrement: "0.01", sizeIncrement: "0.00001" }',
          'limits: { maxGrossExposure: "250000", onExposureBreach: halted }',
        ].join("\n"),
      );
      const options = aggregatorOptionsOf(loadAggregatorFile(good), ["k:9092"]);
      expect(options.instruments.map((i) => formatInstrumentId(i.id))).toEqual(["BTC/USDT:binance"]);
      expect(options).toMatchObject({ groupId: "g1", limits: { maxGrossExposure: "250000" } });
      const bad = join(dir, "bad.yaml");
      await writeFile(bad, "limits: { maxGrossExposur: 1 }\n");
      expect(() => loadAggregatorFile(bad)).toThrow(/bad\.yaml: limits: Unrecognized key: "maxGrossExposur"/);
      expect(() => loadAggregatorFile(join(dir, "missing.yaml"))).toThrow(/cannot read the file \(ENOENT\)/);
      expect(() => brokersOf(undefined, {})).toThrow(/pass --brokers host:port/);
      expect(brokersOf(undefined, { KAFKA_BROKERS: "a:1,b:2" })).toEqual(["a:1", "b:2"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("starts against a real broker with flags only, and stops", async () => {
    const { brokers } = await useKafka();
    const aggregator = await startAggregatorCommand(
      { brokers: brokers.join(","), group: `cli-${Date.now()}`, maxGrossExposure: "1000" },
      silentLogger,
    );
    await aggregator.whenReady();
    expect(aggregator.stats().fillsApplied).toBeGreaterThanOrEqual(0);
    await aggregator.stop();
  }, 30_000);
});
