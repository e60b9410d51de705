import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Decimal,
  decodeRecords,
  type EncodedRecord,
  instrumentId,
  type MarketEvent,
  marketEventFromProto,
  readSegmentLog,
} from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { fillProto } from "./fixtures.test-support.js";
import { Recorder } from "./recorder.js";
import { type RecordingSink, SegmentLogSink } from "./recording-sink.js";

const quote = (symbol: string, i: number): MarketEvent => ({
  type: "quote",
  instrument: instrumentId(symbol, "sim"),
  bidPrice: Decimal.fromUnits(5_000_000n + BigInt(i), 2),
  bidSize: Decimal.from("1"),
  askPrice: Decimal.fromUnits(5_000_001n + BigInt(i), 2),
  askSize: Decimal.from("2"),
  tsEventNs: BigInt(i) * 1_000_000n,
  tsRecvNs: BigInt(i) * 1_000_000n,
});

describe("Recorder market data framing", () => {
  it("frames market events per instrument up to marketDataBatch, keeping each instrument's order", async () => {
    const dir = await mkdtemp(join(tmpdir(), "openfloor-batching-"));
    try {
      const recorder = await Recorder.open({
        sink: await SegmentLogSink.open({ dir, sync: false }),
        marketDataBatch: 3,
        lingerMs: 50,
      });
      const sent: MarketEvent[] = [];
      for (let i = 0; i < 8; i++) {
        const event = quote(i % 2 === 0 ? "BTC/USDT" : "ETH/USDT", i);
        sent.push(event);
        recorder.recordMarketEvent(event);
      }
      recorder.record(
        "fill",
        fillProto({
          id: "f1",
          account: "a",
          strategyId: "s",
          instrument: instrumentId("BTC/USDT", "sim"),
          side: "buy",
          price: "50000",
          quantity: "1",
          fee: "0",
          tsNs: 1n,
        }),
        1,
      );
      await recorder.flush();
      expect(recorder.stats().written).toBe(9);
      await recorder.close();
      const records = [];
      for await (const { record } of readSegmentLog({ dir })) records.push(record);
      const quotes = records.filter((r) => r.topic === "openfloor.md.quotes");
      // 4 events per instrument in batches of at most 3: 3 + 1 each (a batch of one is still a batch).
      expect(quotes.map((r) => [r.key, r.headers["of-count"]])).toEqual([
        ["BTC/USDT:sim", "3"],
        ["ETH/USDT:sim", "3"],
        ["BTC/USDT:sim", "1"],
        ["ETH/USDT:sim", "1"],
      ]);
      const back = quotes.flatMap((r) =>
        decodeRecords(r.headers, r.value).map((d) => marketEventFromProto(d.value as never)),
      );
      for (const symbol of ["BTC/USDT", "ETH/USDT"]) {
        const of = (events: MarketEvent[]) => events.filter((e) => e.instrument.symbol === symbol);
        expect(of(back)).toEqual(of(sent));
      }
      expect(records.filter((r) => r.topic === "openfloor.fills")).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  /** Every market event in `records`, in order, as core events. */
  const eventsOf = (records: readonly EncodedRecord[]) =>
    records.flatMap((r) =>
      decodeRecords(r.headers, r.value).map((d) => marketEventFromProto(d.value as never)),
    );
  const symbols = ["BTC/USDT", "ETH/USDT", "SOL/USDT"];
  const bySymbol = (events: readonly MarketEvent[], symbol: string) =>
    events.filter((e) => e.instrument.symbol === symbol);

  it("reuses frame buffers across writes for a sink that lets go of values, and every event reads back intact", async () => {
    const dir = await mkdtemp(join(tmpdir(), "openfloor-batching-"));
    try {
      const recorder = await Recorder.open({
        sink: await SegmentLogSink.open({ dir, sync: false }),
        marketDataBatch: 50,
        lingerMs: 0,
      });
      const sent: MarketEvent[] = [];
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 500; i++) {
          const event = quote(symbols[i % 3]!, round * 500 + i);
          sent.push(event);
          recorder.recordMarketEvent(event);
        }
        await recorder.flush();
      }
      await recorder.close();
      const records: EncodedRecord[] = [];
      for await (const { record } of readSegmentLog({ dir })) records.push(record);
      const back = eventsOf(records);
      expect(back).toHaveLength(sent.length);
      for (const symbol of symbols) expect(bySymbol(back, symbol)).toEqual(bySymbol(sent, symbol));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("leaves the values alone for a sink that keeps them", async () => {
    const kept: EncodedRecord[] = [];
    const sink: RecordingSink = {
      kind: "kafka",
      write: async (records) => {
        kept.push(...records);
      },
      close: async () => {},
    };
    const recorder = await Recorder.open({ sink, marketDataBatch: 50, lingerMs: 0 });
    const sent: MarketEvent[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 300; i++) {
        const event = quote(symbols[i % 3]!, round * 300 + i);
        sent.push(event);
        recorder.recordMarketEvent(event);
      }
      await recorder.flush();
    }
    await recorder.close();
    const back = eventsOf(kept);
    for (const symbol of symbols) expect(bySymbol(back, symbol)).toEqual(bySymbol(sent, symbol));
  });
});
