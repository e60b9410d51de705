import { describe, expect, it } from "vitest";
import { ProtocolError } from "../errors/protocol-error.js";
import { marketEventsOfRecord } from "./market-events.js";
import {
  decodeRecord,
  decodeRecords,
  encodeMarketDataBatch,
  encodeRecord,
  HEADERS,
  TOPICS,
} from "./topics.js";

describe("record envelope", () => {
  it("encodes a trade keyed by instrument with schema headers, and decodes it back", () => {
    const value = {
      event: {
        $case: "trade" as const,
        value: {
          instrument: { symbol: "BTC/USDT", venue: "binance" },
          price: { mantissa: 5000001n, scale: 2 },
          size: { mantissa: 5n, scale: 1 },
          aggressor: 1,
          tradeId: "t1",
          tsEventNs: 1_700_000_000_000_000_000n,
          tsRecvNs: 1_700_000_000_000_100_000n,
        },
      },
    };
    const rec = encodeRecord("trade", value, 1_700_000_000_000);
    expect(rec.topic).toBe("openfloor.md.trades");
    expect(rec.key).toBe("BTC/USDT:binance");
    expect(rec.headers).toEqual({
      "of-kind": "trade",
      "of-schema": "openfloor.v1.MarketEvent",
      "of-version": "1",
    });
    const back = decodeRecord(rec.headers, rec.value);
    expect(back.kind).toBe("trade");
    expect(back.value).toEqual(value);
  });

  it("keys positions by account, instrument and strategy on a compacted topic", () => {
    const rec = encodeRecord(
      "position",
      {
        account: "a1",
        instrument: { symbol: "ETH/USDT", venue: "okx" },
        strategyId: "mm",
        quantity: { mantissa: 1n, scale: 0 },
        averageEntryPrice: undefined,
        realizedPnl: undefined,
        unrealizedPnl: undefined,
        markPrice: undefined,
        fees: [],
        tsNs: 0n,
      },
      0,
      "prod.",
    );
    expect(rec.topic).toBe("prod.positions");
    expect(rec.key).toBe("a1|ETH/USDT:okx|mm");
    expect(TOPICS.position.compacted).toBe(true);
    expect(TOPICS.fill.droppable).toBe(false);
    expect(TOPICS.quote.droppable).toBe(true);
  });

  it("refuses unknown kinds, newer versions and garbage with a ProtocolError naming the field", () => {
    expect(() => decodeRecord({ [HEADERS.kind]: "nope" }, new Uint8Array())).toThrow(ProtocolError);
    expect(() => decodeRecord({ [HEADERS.kind]: "fill", [HEADERS.version]: "3" }, new Uint8Array())).toThrow(
      /newer than this reader/,
    );
    expect(() => decodeRecord({ [HEADERS.kind]: "fill" }, new Uint8Array([0xff, 0xff, 0xff]))).toThrow(
      /undecodable fill/,
    );
  });

  it("frames many events of one instrument in a batch record that decodeRecords expands in order", () => {
    const quote = (bid: bigint) => ({
      event: {
        $case: "quote" as const,
        value: {
          instrument: { symbol: "ETH/USDT", venue: "okx" },
          bidPrice: { mantissa: bid, scale: 2 },
          bidSize: { mantissa: 1n, scale: 0 },
          askPrice: { mantissa: bid + 1n, scale: 2 },
          askSize: { mantissa: 2n, scale: 0 },
          tsEventNs: bid,
          tsRecvNs: bid,
        },
      },
    });
    const values = [quote(300000n), quote(300001n), quote(299999n)];
    const rec = encodeMarketDataBatch("quote", values, 1_700_000_000_000);
    expect(rec.topic).toBe("openfloor.md.quotes");
    expect(rec.key).toBe("ETH/USDT:okx");
    expect(rec.events).toBe(3);
    expect(rec.headers).toEqual({
      "of-kind": "quote",
      "of-schema": "openfloor.v1.MarketDataFrame",
      "of-version": "2",
      "of-count": "3",
    });
    const back = decodeRecords(rec.headers, rec.value);
    expect(back.map((d) => d.kind)).toEqual(["quote", "quote", "quote"]);
    expect(back.map((d) => d.value)).toEqual(values);
    // One value per record still decodes through both, and decodeRecord refuses a batch loudly.
    const single = encodeRecord("quote", values[0]!, 0);
    expect(decodeRecords(single.headers, single.value)).toEqual([decodeRecord(single.headers, single.value)]);
    expect(() => decodeRecord(rec.headers, rec.value)).toThrow(
      /batch of 3 quote events; read it with decodeRecords/,
    );
    expect(() => decodeRecords({ ...rec.headers, [HEADERS.kind]: "fill" }, rec.value)).toThrow(ProtocolError);
    // As core events: every event of a batch, in order; the one event of a single record.
    expect(
      marketEventsOfRecord(rec.headers, rec.value).map((e) => e.type === "quote" && e.bidPrice.toString()),
    ).toEqual(["3000.00", "3000.01", "2999.99"]);
    expect(marketEventsOfRecord(single.headers, single.value)).toHaveLength(1);
    const risk = encodeRecord(
      "risk-state",
      {
        account: "a",
        tradingState: 0,
        grossExposure: undefined,
        netExposure: undefined,
        dailyPnl: undefined,
        reason: "",
        tsNs: 0n,
      },
      0,
    );
    expect(marketEventsOfRecord(risk.headers, risk.value)).toEqual([]);
  });
});
