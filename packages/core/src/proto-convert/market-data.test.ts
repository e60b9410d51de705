import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProtocolError } from "../errors/protocol-error.js";
import { Side } from "../gen/openfloor/v1/common.js";
import { MarketEvent as PbMarketEvent } from "../gen/openfloor/v1/market_data.js";
import type { InstrumentId } from "../instruments/instrument-id.js";
import type { Bar, BookDelta, BookLevel, BookSnapshot, MarketEvent, Quote, Trade } from "../market/types.js";
import { Decimal } from "../numbers/decimal.js";
import {
  marketEventFromProto,
  marketEventToProto,
  quoteFromProto,
  tradeFromProto,
  tradeToProto,
} from "./market-data.js";

const INT64_MAX = (1n << 63n) - 1n;
const decimalArb = fc
  .record({ units: fc.bigInt({ min: -INT64_MAX, max: INT64_MAX }), scale: fc.integer({ min: 0, max: 18 }) })
  .map(({ units, scale }) => Decimal.fromUnits(units, scale));
const sizeArb = decimalArb.map((x) => x.abs());
const nanosArb = fc.bigInt({ min: -INT64_MAX - 1n, max: INT64_MAX });
const sequenceArb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const instrumentArb: fc.Arbitrary<InstrumentId> = fc.record({
  symbol: fc.stringMatching(/^[A-Z0-9]{1,6}(\/[A-Z0-9]{1,6}(:[A-Z]{1,5})?)?$/),
  venue: fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,11}$/),
});
const levelArb: fc.Arbitrary<BookLevel> = fc.record({ price: decimalArb, size: sizeArb });

const tradeArb: fc.Arbitrary<Trade> = fc.record({
  type: fc.constant("trade" as const),
  instrument: instrumentArb,
  price: decimalArb,
  size: sizeArb,
  aggressor: fc.constantFrom("buy" as const, "sell" as const),
  tradeId: fc.string(),
  tsEventNs: nanosArb,
  tsRecvNs: nanosArb,
});
const quoteArb: fc.Arbitrary<Quote> = fc.record({
  type: fc.constant("quote" as const),
  instrument: instrumentArb,
  bidPrice: decimalArb,
  bidSize: sizeArb,
  askPrice: decimalArb,
  askSize: sizeArb,
  tsEventNs: nanosArb,
  tsRecvNs: nanosArb,
});
const snapshotArb: fc.Arbitrary<BookSnapshot> = fc.record({
  type: fc.constant("book-snapshot" as const),
  instrument: instrumentArb,
  bids: fc.array(levelArb, { maxLength: 8 }),
  asks: fc.array(levelArb, { maxLength: 8 }),
  sequence: sequenceArb,
  tsEventNs: nanosArb,
  tsRecvNs: nanosArb,
});
const deltaArb: fc.Arbitrary<BookDelta> = fc.record({
  type: fc.constant("book-delta" as const),
  instrument: instrumentArb,
  bids: fc.array(levelArb, { maxLength: 8 }),
  asks: fc.array(levelArb, { maxLength: 8 }),
  firstSequence: sequenceArb,
  sequence: sequenceArb,
  tsEventNs: nanosArb,
  tsRecvNs: nanosArb,
});
const barArb: fc.Arbitrary<Bar> = fc.record({
  type: fc.constant("bar" as const),
  instrument: instrumentArb,
  interval: fc.constantFrom("1s", "5s", "1m", "5m", "1h", "1d", "1w"),
  open: decimalArb,
  high: decimalArb,
  low: decimalArb,
  close: decimalArb,
  volume: sizeArb,
  tsOpenNs: nanosArb,
  tsCloseNs: nanosArb,
});
const eventArb: fc.Arbitrary<MarketEvent> = fc.oneof(tradeArb, quoteArb, snapshotArb, deltaArb, barArb);

/** Decimals compared by units and scale, so a lost trailing zero fails too. */
const exact = (event: MarketEvent) =>
  JSON.parse(
    JSON.stringify(event, (_, v) =>
      v instanceof Decimal ? `${v.units}e-${v.scale}` : typeof v === "bigint" ? `${v}n` : v,
    ),
  );

const sampleTrade: Trade = {
  type: "trade",
  instrument: { symbol: "BTC/USDT", venue: "binance" },
  price: Decimal.parse("50000.10"),
  size: Decimal.parse("0.0025"),
  aggressor: "sell",
  tradeId: "t-1",
  tsEventNs: 1_700_000_000_000_000_000n,
  tsRecvNs: 1_700_000_000_000_500_000n,
};

describe("market data ↔ protobuf", () => {
  it("round-trips every event exactly, through the objects and through the wire bytes", () => {
    fc.assert(
      fc.property(eventArb, (event) => {
        const message = marketEventToProto(event);
        expect(exact(marketEventFromProto(message))).toEqual(exact(event));
        const decoded = PbMarketEvent.decode(PbMarketEvent.encode(message).finish());
        expect(exact(marketEventFromProto(decoded))).toEqual(exact(event));
      }),
    );
  });

  it("maps a trade field by field", () => {
    const message = tradeToProto(sampleTrade);
    expect(message).toEqual({
      instrument: { symbol: "BTC/USDT", venue: "binance" },
      price: { mantissa: 5000010n, scale: 2 },
      size: { mantissa: 25n, scale: 4 },
      aggressor: Side.SIDE_SELL,
      tradeId: "t-1",
      tsEventNs: 1_700_000_000_000_000_000n,
      tsRecvNs: 1_700_000_000_000_500_000n,
    });
    expect(marketEventToProto(sampleTrade).event?.$case).toBe("trade");
    expect(tradeFromProto(message).price.toString()).toBe("50000.10");
  });

  it("names the field of an invalid message", () => {
    const message = tradeToProto(sampleTrade);
    const fieldOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
        expect((error as ProtocolError).code).toBe("PROTO_INVALID");
        return (error as ProtocolError).field;
      }
      return undefined;
    };
    expect(fieldOf(() => tradeFromProto({ ...message, instrument: undefined }))).toBe("trade.instrument");
    expect(fieldOf(() => tradeFromProto({ ...message, aggressor: Side.SIDE_UNSPECIFIED }))).toBe(
      "trade.aggressor",
    );
    expect(fieldOf(() => tradeFromProto({ ...message, price: undefined }))).toBe("trade.price");
    expect(fieldOf(() => tradeFromProto({ ...message, size: { mantissa: -1n, scale: 0 } }))).toBe(
      "trade.size",
    );
    expect(fieldOf(() => tradeFromProto({ ...message, price: { mantissa: 1n, scale: 19 } }))).toBe(
      "trade.price",
    );
    expect(
      fieldOf(() => tradeFromProto({ ...message, instrument: { symbol: "BTC USDT", venue: "x" } })),
    ).toBe("trade.instrument");
    expect(fieldOf(() => marketEventFromProto({ event: undefined }))).toBe("event");
    const snapshot = marketEventToProto({
      type: "book-snapshot",
      instrument: sampleTrade.instrument,
      bids: [{ price: Decimal.ONE, size: Decimal.ONE }],
      asks: [
        { price: Decimal.ONE, size: Decimal.ONE },
        { price: Decimal.ONE, size: Decimal.ONE },
      ],
      sequence: 1n,
      tsEventNs: 0n,
      tsRecvNs: 0n,
    });
    if (snapshot.event?.$case !== "bookSnapshot") throw new Error("expected a book snapshot");
    const asks = snapshot.event.value.asks;
    asks[1] = { price: asks[1]!.price, size: undefined };
    expect(fieldOf(() => marketEventFromProto(snapshot))).toBe("bookSnapshot.asks[1].size");
    const quote = marketEventToProto({
      type: "quote",
      instrument: sampleTrade.instrument,
      bidPrice: Decimal.ONE,
      bidSize: Decimal.ONE,
      askPrice: Decimal.ONE,
      askSize: Decimal.ONE,
      tsEventNs: 0n,
      tsRecvNs: 0n,
    });
    if (quote.event?.$case !== "quote") throw new Error("expected a quote");
    const quoteMessage = quote.event.value;
    expect(
      fieldOf(() => quoteFromProto({ ...quoteMessage, askPrice: undefined }, "frame.events[3].quote")),
    ).toBe("frame.events[3].quote.askPrice");
  });
});
