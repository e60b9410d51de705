import { Decimal, instrumentId, type MarketEvent, marketEventToProto, pb } from "@openfloor/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeEntry, encodeEntryShared, encodeSubscribeResponse } from "./frame-encoding.js";

const btc = instrumentId("BTC/USDT", "sim");
const trade: MarketEvent = {
  type: "trade",
  instrument: btc,
  price: Decimal.parse("50000.01"),
  size: Decimal.parse("0.5"),
  aggressor: "buy",
  tradeId: "t-1",
  tsEventNs: 1_700_000_000_000_000_000n,
  tsRecvNs: 1_700_000_000_000_000_001n,
};
const delta: MarketEvent = {
  type: "book-delta",
  instrument: btc,
  bids: [{ price: Decimal.parse("49999.99"), size: Decimal.ZERO }],
  asks: [],
  firstSequence: 300n,
  sequence: 300n,
  tsEventNs: 5n,
  tsRecvNs: 6n,
};

describe("encodeSubscribeResponse", () => {
  it("gives the bytes SubscribeResponse.encode gives", () => {
    for (const [seq, dropped] of [
      [1n, 0],
      [0n, 0],
      [300n, 7],
      [(1n << 63n) - 1n, 2 ** 31],
    ] as const) {
      const expected = pb.SubscribeResponse.encode({
        frame: {
          frameSequence: seq,
          events: [trade, delta].map(marketEventToProto),
          droppedEvents: BigInt(dropped),
        },
      }).finish();
      const actual = encodeSubscribeResponse(seq, [encodeEntry(trade), encodeEntry(delta)], dropped);
      expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
      const decoded = pb.SubscribeResponse.decode(actual);
      expect(decoded.frame?.events).toHaveLength(2);
    }
  });

  it("encodes an empty frame", () => {
    const decoded = pb.SubscribeResponse.decode(encodeSubscribeResponse(2n, [], 5));
    expect(decoded.frame).toEqual({ frameSequence: 2n, events: [], droppedEvents: 5n });
  });
});

describe("encodeEntry", () => {
  const decimalArb = fc
    .tuple(fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n }), fc.integer({ min: 0, max: 18 }))
    .map(([units, scale]) => Decimal.fromUnits(units, scale));
  const smallDecimal = fc
    .tuple(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 8 }))
    .map(([u, s]) => Decimal.fromUnits(BigInt(u), s));
  const dec = fc.oneof(decimalArb, smallDecimal, fc.constant(Decimal.ZERO));
  const ts = fc.oneof(
    fc.constant(0n),
    fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
    fc.bigInt({ min: -(2n ** 63n), max: -1n }),
  );
  const seq = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }));
  const id = fc.record({
    symbol: fc.string({ minLength: 1, maxLength: 12 }),
    venue: fc.constantFrom("sim", "binance", "x"),
  });
  const levels = fc.array(fc.record({ price: dec, size: dec }), { maxLength: 5 });
  const event: fc.Arbitrary<MarketEvent> = fc.oneof(
    fc.record({
      type: fc.constant("trade" as const),
      instrument: id,
      price: dec,
      size: dec,
      aggressor: fc.constantFrom("buy" as const, "sell" as const),
      tradeId: fc.string({ maxLength: 10 }),
      tsEventNs: ts,
      tsRecvNs: ts,
    }),
    fc.record({
      type: fc.constant("quote" as const),
      instrument: id,
      bidPrice: dec,
      bidSize: dec,
      askPrice: dec,
      askSize: dec,
      tsEventNs: ts,
      tsRecvNs: ts,
    }),
    fc.record({
      type: fc.constant("book-snapshot" as const),
      instrument: id,
      bids: levels,
      asks: levels,
      sequence: seq,
      tsEventNs: ts,
      tsRecvNs: ts,
    }),
    fc.record({
      type: fc.constant("book-delta" as const),
      instrument: id,
      bids: levels,
      asks: levels,
      firstSequence: seq,
      sequence: seq,
      tsEventNs: ts,
      tsRecvNs: ts,
    }),
  );

  it("writes the bytes ts-proto writes, for every event type", () => {
    fc.assert(
      fc.property(event, (e) => {
        const body = pb.MarketEvent.encode(marketEventToProto(e)).finish();
        const expected = pb.MarketDataFrame.encode({
          frameSequence: 0n,
          events: [marketEventToProto(e)],
          droppedEvents: 0n,
        }).finish();
        const entry = encodeEntry(e);
        expect(entry.length).toBe(expected.length);
        expect(Buffer.from(entry).equals(Buffer.from(expected))).toBe(true);
        expect(body.length).toBeLessThan(entry.length);
        // The recorder's path: the same bytes in the shared buffer, whatever the previous event left there.
        const shared = encodeEntryShared(e);
        expect(Buffer.from(shared.buf.subarray(0, shared.length)).equals(Buffer.from(expected))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
