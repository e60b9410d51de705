import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  encodeRecord,
  instrumentId,
  type MarketEvent,
  marketEventToProto,
  SegmentLogWriter,
} from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { quote, trade } from "../test-support.js";
import { CsvMarketDataDecoder } from "./csv.js";
import { DecimalFieldParser, parseTimestamp, TimestampParser } from "./field-parsers.js";
import { fromEvents, fromRecords, mergeByTime, openDataFile } from "./market-data-source.js";

async function collect(batches: AsyncIterable<readonly MarketEvent[]> | Iterable<readonly MarketEvent[]>) {
  const out: MarketEvent[] = [];
  for await (const b of batches as AsyncIterable<readonly MarketEvent[]>) out.push(...b);
  return out;
}

const brief = (e: MarketEvent) =>
  e.type === "quote"
    ? `${e.tsEventNs} q ${e.instrument.symbol} ${e.bidPrice}x${e.bidSize} ${e.askPrice}x${e.askSize}`
    : e.type === "trade"
      ? `${e.tsEventNs} t ${e.instrument.symbol} ${e.price}x${e.size} ${e.aggressor} ${e.tradeId}`
      : e.type;

describe("CSV market data", () => {
  it("reads columns by header name in any order, with aliases, ISO times, CRLF and comments", () => {
    const text = [
      "symbol,ts,bid,bid_size,ask,ask_size,price,size,side,id",
      "# a comment",
      "ETH/USDT:sim,2024-01-02T03:04:05.123456789Z,2000.5,1,2000.75,2,,,,",
      "ETH/USDT:sim,1704164645123456790,,,,,2000.75,0.5,sell,x1",
      "",
    ].join("\r\n");
    const out: MarketEvent[] = [];
    new CsvMarketDataDecoder({ source: "t.csv" }).decode(text, out);
    expect(out.map(brief)).toEqual([
      "1704164645123456789 q ETH/USDT 2000.5x1 2000.75x2",
      "1704164645123456790 t ETH/USDT 2000.75x0.5 sell x1",
    ]);
  });

  it("uses the default instrument without an instrument column, and names line and file in errors", () => {
    const out: MarketEvent[] = [];
    const d = new CsvMarketDataDecoder({ source: "t.csv", instrument: instrumentId("BTC/USDT", "sim") });
    d.decode("ts,price,size\n1,100.5,2\n", out);
    expect(out.map(brief)).toEqual(["1 t BTC/USDT 100.5x2 buy 2"]);
    expect(() => d.decode("2,1e,2\n", out)).toThrow(/t\.csv line 3: .*1e/);
    expect(() => new CsvMarketDataDecoder({ source: "u.csv" }).decode("price,size\n", [])).toThrow(
      /u\.csv line 1: the header has no ts column/,
    );
  });

  it("parses decimals exactly and shares equal values", () => {
    const p = new DecimalFieldParser();
    const text = "42000.01,-0.5,7,0.30000000000000004,1e-3,12345678901234567";
    const fields = text.split(",");
    let at = 0;
    const values = fields.map((f) => {
      const d = p.parse(text, at, at + f.length);
      at += f.length + 1;
      return d.toString();
    });
    expect(values).toEqual(["42000.01", "-0.5", "7", "0.30000000000000004", "0.001", "12345678901234567"]);
    expect(p.parse("1.25", 0, 4)).toBe(p.parse("x1.25", 1, 5));
  });

  it("parses timestamps: nanoseconds, ISO 8601 with offsets and fractions", () => {
    const t = new TimestampParser();
    expect(t.parse("1704067200000000001", 0, 19)).toBe(1_704_067_200_000_000_001n);
    expect(t.parse("1704067200000000002", 0, 19)).toBe(1_704_067_200_000_000_002n);
    expect(parseTimestamp("2024-01-01")).toBe(1_704_067_200_000_000_000n);
    expect(parseTimestamp("2024-01-01T02:00:00.5+0200")).toBe(1_704_067_200_500_000_000n);
    expect(parseTimestamp(new Date("2024-01-01T00:00:01Z"))).toBe(1_704_067_201_000_000_000n);
    expect(() => parseTimestamp("soon")).toThrow(/timestamp "soon"/);
  });
});

describe("sources", () => {
  it("merges sources by time, earlier source first at equal times", async () => {
    const a = fromEvents(
      [quote(0, "1.00", "1.02"), quote(20, "1.00", "1.02"), quote(40, "1.00", "1.02")],
      "a",
    );
    const b = fromEvents([trade(10, "1.01", "1"), trade(20, "1.01", "2"), trade(50, "1.01", "3")], "b");
    const merged = await collect(mergeByTime([a, b]).batches());
    expect(
      merged.map((e) => `${e.type}@${(e.type === "bar" ? e.tsCloseNs : e.tsEventNs) % 1_000_000_000n}`),
    ).toEqual([
      "quote@0",
      "trade@10000000",
      "quote@20000000",
      "trade@20000000",
      "quote@40000000",
      "trade@50000000",
    ]);
  });

  it("reads recorded messages (segment log / Kafka records) and skips other kinds", async () => {
    const events: MarketEvent[] = [quote(0, "1.00", "1.02"), trade(5, "1.01", "1")];
    const records = events.map((e) => {
      const r = encodeRecord(e.type === "quote" ? "quote" : "trade", marketEventToProto(e), 0);
      return { headers: r.headers, value: r.value };
    });
    const other = encodeRecord(
      "strategy-record",
      { strategyId: "s", name: "x", tsNs: 0n, value: { $case: "number", value: 1 } },
      0,
    );
    const got = await collect(
      fromRecords([records[0]!, { headers: other.headers, value: other.value }, records[1]!]).batches(),
    );
    expect(got.map(brief)).toEqual(events.map(brief));
  });

  it("reads a gateway's local segment log (a directory) with its market-data topics merged by time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openfloor-seglog-"));
    try {
      const events: MarketEvent[] = [
        quote(0, "1.00", "1.02"),
        trade(5, "1.01", "1"),
        quote(7, "1.01", "1.03"),
        trade(9, "1.02", "2"),
      ];
      const log = await SegmentLogWriter.open({ dir, sync: false });
      for (const e of events)
        log.append(encodeRecord(e.type === "quote" ? "quote" : "trade", marketEventToProto(e), 0));
      log.append(
        encodeRecord(
          "strategy-record",
          { strategyId: "s", name: "x", tsNs: 0n, value: { $case: "number", value: 1 } },
          0,
        ),
      );
      await log.close();
      const got = await collect(openDataFile(dir).batches());
      expect(got.map(brief)).toEqual(events.map(brief));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
