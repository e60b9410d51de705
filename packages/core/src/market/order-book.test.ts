import { describe, expect, it } from "vitest";
import { BookError, DecimalError } from "../errors/domain-errors.js";
import { defineInstrument } from "../instruments/instrument.js";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { OrderBook } from "./order-book.js";
import type { BookDelta, BookLevel, BookSnapshot } from "./types.js";

const btc = instrumentId("BTC/USDT", "sim");
const d = (s: string) => Decimal.parse(s);
const lvl = (price: string, size: string): BookLevel => ({ price: d(price), size: d(size) });

function snapshot(
  sequence: bigint,
  bids: [string, string][],
  asks: [string, string][],
  instrument = btc,
): BookSnapshot {
  return {
    type: "book-snapshot",
    instrument,
    bids: bids.map(([p, s]) => lvl(p, s)),
    asks: asks.map(([p, s]) => lvl(p, s)),
    sequence,
    tsEventNs: sequence * 1000n,
    tsRecvNs: sequence * 1000n + 1n,
  };
}

function delta(
  firstSequence: bigint,
  sequence: bigint,
  bids: [string, string][] = [],
  asks: [string, string][] = [],
): BookDelta {
  return {
    type: "book-delta",
    instrument: btc,
    bids: bids.map(([p, s]) => lvl(p, s)),
    asks: asks.map(([p, s]) => lvl(p, s)),
    firstSequence,
    sequence,
    tsEventNs: sequence * 1000n,
    tsRecvNs: sequence * 1000n + 1n,
  };
}

/** bids 100.00×1, 99.99×2, 99.98×3 | asks 100.02×0.5, 100.03×1.5, 100.05×2 at sequence 10. */
function sampleBook(): OrderBook {
  const book = new OrderBook({ instrument: btc, priceIncrement: "0.01", sizeIncrement: "0.001" });
  book.applySnapshot(
    snapshot(
      10n,
      [
        ["100.00", "1.000"],
        ["99.99", "2.000"],
        ["99.98", "3.000"],
      ],
      [
        ["100.02", "0.500"],
        ["100.03", "1.500"],
        ["100.05", "2.000"],
      ],
    ),
  );
  return book;
}

const text = (levels: readonly BookLevel[]) => levels.map((l) => `${l.price}x${l.size}`);

describe("OrderBook queries", () => {
  it("answers top of book, spread, mid and microprice by hand-checked numbers", () => {
    const book = sampleBook();
    expect(book.bestBid()).toEqual({ price: d("100.00"), size: d("1.000") });
    expect(book.bestAsk()).toEqual({ price: d("100.02"), size: d("0.500") });
    expect(book.spread()?.toString()).toBe("0.02");
    expect(book.mid()?.toString()).toBe("100.01");
    // (100.00 × 0.5 + 100.02 × 1) / 1.5 = 150.02 / 1.5 = 100.01333…
    expect(book.microprice()?.toString()).toBe("100.013333");
    expect(book.microprice({ scale: 3, rounding: "ceil" })?.toString()).toBe("100.014");
    expect(book.bestBidTicks()).toBe(10000);
    expect(book.bestAskTicks()).toBe(10002);
    expect(book.isCrossed()).toBe(false);
  });

  it("gives a mid one decimal finer than the tick only when it falls between ticks", () => {
    const book = sampleBook();
    book.applyDelta(delta(11n, 11n, [["100.01", "1"]]));
    expect(book.mid()?.toString()).toBe("100.015");
    expect(book.spread()?.toString()).toBe("0.01");
  });

  it("lists depth best first and snapshots to a depth", () => {
    const book = sampleBook();
    const { bids, asks } = book.depth(2);
    expect(text(bids)).toEqual(["100.00x1.000", "99.99x2.000"]);
    expect(text(asks)).toEqual(["100.02x0.500", "100.03x1.500"]);
    const snap = book.snapshot();
    expect(text(snap.bids)).toEqual(["100.00x1.000", "99.99x2.000", "99.98x3.000"]);
    expect(snap.sequence).toBe(10n);
    expect(snap.tsEventNs).toBe(10_000n);
    expect(book.snapshot(1).asks).toHaveLength(1);
    expect(book.levelCount("bid")).toBe(3);
    expect(book.sizeAtTicks("ask", 10003)).toBe(1500);
    expect(book.sizeAtTicks("ask", 10004)).toBe(0);
  });

  it("walks three ask levels for a buy's average fill price", () => {
    const book = sampleBook();
    // 0.5 × 100.02 + 1.5 × 100.03 + 0.5 × 100.05 = 250.08; / 2.5 = 100.032
    const fill = book.averageFillPrice("buy", "2.5");
    expect(fill?.averagePrice.toString()).toBe("100.032000");
    expect(fill?.filled.toString()).toBe("2.500");
    expect(fill?.complete).toBe(true);
    expect(fill?.worstPrice.toString()).toBe("100.05");
  });

  it("reports a partial fill when the side runs out, and walks bids for a sell", () => {
    const book = sampleBook();
    // everything: 50.01 + 150.045 + 200.1 = 400.155 over 4 = 100.03875
    const all = book.averageFillPrice("buy", "5");
    expect(all?.averagePrice.toString()).toBe("100.038750");
    expect(all?.filled.toString()).toBe("4.000");
    expect(all?.complete).toBe(false);
    // 1 × 100 + 0.5 × 99.99 = 149.995 over 1.5 = 99.99666…
    const sell = book.averageFillPrice("sell", "1.5");
    expect(sell?.averagePrice.toString()).toBe("99.996667");
    expect(sell?.worstPrice.toString()).toBe("99.99");
    // A size finer than the lot is walked exactly.
    expect(book.averageFillPrice("sell", "0.0005")?.filled.toString()).toBe("0.0005");
    expect(book.averageFillPrice("buy", "0")).toBeUndefined();
    expect(() => book.averageFillPrice("buy", "-1")).toThrow(DecimalError);
  });

  it("answers undefined while a side is empty", () => {
    const book = new OrderBook({ instrument: btc, priceIncrement: "0.01", sizeIncrement: "1" });
    book.applySnapshot(snapshot(1n, [["10.00", "5"]], []));
    expect(book.bestAsk()).toBeUndefined();
    expect(book.spread()).toBeUndefined();
    expect(book.mid()).toBeUndefined();
    expect(book.microprice()).toBeUndefined();
    expect(book.averageFillPrice("buy", "1")).toBeUndefined();
    expect(book.isCrossed()).toBe(false);
  });

  it("works on a tick that is not a power of ten", () => {
    const book = new OrderBook({ instrument: btc, priceIncrement: "0.5", sizeIncrement: "1" });
    book.applySnapshot(snapshot(1n, [["100.0", "3"]], [["100.5", "1"]]));
    expect(book.bestBidTicks()).toBe(200);
    expect(book.mid()?.toString()).toBe("100.25");
    // (100 × 1 + 100.5 × 3) / 4 = 100.375
    expect(book.microprice()?.toString()).toBe("100.37500");
    expect(() => book.applyDelta(delta(2n, 2n, [["100.2", "1"]]))).toThrow(
      /not a multiple of the increment 0.5/,
    );
  });

  it("can be built for an instrument", () => {
    const book = OrderBook.forInstrument(
      defineInstrument({
        id: btc,
        kind: "spot",
        base: "BTC",
        quote: "USDT",
        priceIncrement: "0.010",
        sizeIncrement: "0.0001",
      }),
    );
    expect(book.prices.increment.toString()).toBe("0.01");
    expect(book.sizes.scale).toBe(4);
  });
});

describe("OrderBook sequencing", () => {
  it("is stale until the first snapshot", () => {
    const book = new OrderBook({ instrument: btc, priceIncrement: "0.01", sizeIncrement: "0.001" });
    expect(book.stale).toBe(true);
    expect(book.applyDelta(delta(1n, 1n, [["1.00", "1"]]))).toEqual({ status: "stale" });
    expect(book.bestBid()).toBeUndefined();
  });

  it("detects a gap, goes stale, ignores deltas, and resyncs from a snapshot", () => {
    const book = sampleBook();
    expect(book.applyDelta(delta(11n, 11n, [["100.00", "4"]]))).toEqual({
      status: "applied",
      crossed: false,
    });
    expect(book.sequence).toBe(11n);
    expect(book.applyDelta(delta(13n, 14n, [["100.00", "9"]]))).toEqual({
      status: "gap",
      expected: 12n,
      received: 13n,
    });
    expect(book.stale).toBe(true);
    expect(book.gap).toEqual({ expected: 12n, received: 13n });
    // Even the delta that would have filled the gap is ignored now.
    expect(book.applyDelta(delta(12n, 12n, [["100.00", "7"]]))).toEqual({ status: "stale" });
    expect(book.bestBid()?.size.toString()).toBe("4.000");
    expect(book.sequence).toBe(11n);

    expect(book.applySnapshot(snapshot(20n, [["99.00", "1"]], [["101.00", "1"]]))).toEqual({
      status: "applied",
      crossed: false,
    });
    expect(book.stale).toBe(false);
    expect(book.gap).toBeUndefined();
    expect(text(book.depth().bids)).toEqual(["99.00x1.000"]);
    expect(book.applyDelta(delta(21n, 21n, [["99.50", "2"]])).status).toBe("applied");
    expect(book.bestBid()?.price.toString()).toBe("99.50");
  });

  it("ignores deltas entirely older than the book and applies overlapping ones", () => {
    const book = sampleBook();
    expect(book.applyDelta(delta(9n, 10n, [["100.00", "9"]]))).toEqual({ status: "old" });
    expect(book.applyDelta(delta(5n, 5n))).toEqual({ status: "old" });
    expect(book.bestBid()?.size.toString()).toBe("1.000");
    // 8..12 straddles the snapshot's 10: absolute level sizes make re-applying 8..10 harmless.
    expect(book.applyDelta(delta(8n, 12n, [["100.00", "5"]])).status).toBe("applied");
    expect(book.sequence).toBe(12n);
    expect(book.bestBid()?.size.toString()).toBe("5.000");
  });

  it("ignores a snapshot older than an in-sync book, and takes any when stale", () => {
    const book = sampleBook();
    expect(book.applySnapshot(snapshot(9n, [["1.00", "1"]], []))).toEqual({ status: "old" });
    expect(book.bestBid()?.price.toString()).toBe("100.00");
    book.reset();
    expect(book.stale).toBe(true);
    expect(book.levelCount("bid")).toBe(0);
    expect(book.applySnapshot(snapshot(3n, [["1.00", "1"]], [])).status).toBe("applied");
    expect(book.sequence).toBe(3n);
  });

  it("rejects a delta whose sequence runs backwards, or for another instrument", () => {
    const book = sampleBook();
    expect(() => book.applyDelta(delta(12n, 11n))).toThrow(BookError);
    const other = { ...delta(11n, 11n), instrument: instrumentId("ETH/USDT", "sim") };
    expect(() => book.applyDelta(other)).toThrow(
      expect.objectContaining({ code: "BOOK_INSTRUMENT_MISMATCH" }),
    );
  });
});

describe("OrderBook updates", () => {
  it("inserts, changes and removes levels; removing an absent level is a no-op", () => {
    const book = sampleBook();
    book.applyDelta(
      delta(
        11n,
        11n,
        [
          ["99.99", "0"],
          ["99.97", "0"],
          ["99.90", "1"],
        ],
        [["100.04", "0.25"]],
      ),
    );
    expect(text(book.depth().bids)).toEqual(["100.00x1.000", "99.98x3.000", "99.90x1.000"]);
    expect(text(book.depth().asks)).toEqual(["100.02x0.500", "100.03x1.500", "100.04x0.250", "100.05x2.000"]);
  });

  it("applies a crossing delta and flags it, until the book uncrosses", () => {
    const book = sampleBook();
    expect(book.applyDelta(delta(11n, 11n, [["100.03", "1"]]))).toEqual({ status: "applied", crossed: true });
    expect(book.isCrossed()).toBe(true);
    expect(book.spread()?.toString()).toBe("-0.01");
    expect(book.stale).toBe(false);
    const r = book.applyDelta(
      delta(
        12n,
        12n,
        [],
        [
          ["100.02", "0"],
          ["100.03", "0"],
        ],
      ),
    );
    expect(r).toEqual({ status: "applied", crossed: false });
    expect(book.spread()?.toString()).toBe("0.02");
  });

  it("treats a bid equal to the best ask as crossed", () => {
    const book = sampleBook();
    expect(book.applyDelta(delta(11n, 11n, [["100.02", "1"]]))).toEqual({ status: "applied", crossed: true });
  });

  it("leaves the book and its sequence untouched when a level is invalid", () => {
    const book = sampleBook();
    const before = book.snapshot();
    expect(() => book.applyDelta(delta(11n, 11n, [["100.00", "7"]], [["100.021", "1"]]))).toThrow(
      DecimalError,
    );
    expect(() => book.applyDelta(delta(11n, 11n, [["100.00", "-1"]]))).toThrow(
      expect.objectContaining({ code: "DECIMAL_NEGATIVE" }),
    );
    expect(book.snapshot()).toEqual(before);
    expect(book.applyDelta(delta(11n, 11n)).status).toBe("applied");
  });

  it("takes snapshot levels in any order and skips zero sizes", () => {
    const book = new OrderBook({ instrument: btc, priceIncrement: "0.01", sizeIncrement: "0.001" });
    book.applySnapshot(
      snapshot(
        1n,
        [
          ["99.98", "3"],
          ["100.00", "1"],
          ["99.99", "0"],
        ],
        [
          ["100.05", "2"],
          ["100.02", "1"],
        ],
      ),
    );
    expect(text(book.depth().bids)).toEqual(["100.00x1.000", "99.98x3.000"]);
    expect(text(book.depth().asks)).toEqual(["100.02x1.000", "100.05x2.000"]);
  });
});

describe("OrderBook tick path", () => {
  it("applies deltas in ticks with the same sequencing", () => {
    const book = sampleBook();
    const ticks = (
      firstSequence: bigint,
      sequence: bigint,
      bids: ArrayLike<number>,
      asks: ArrayLike<number> = [],
    ) => ({
      firstSequence,
      sequence,
      bids,
      asks,
      tsEventNs: 0n,
      tsRecvNs: 0n,
    });
    expect(book.applyDeltaTicks(ticks(11n, 11n, [10001, 250])).status).toBe("applied");
    expect(book.bestBid()).toEqual({ price: d("100.01"), size: d("0.250") });
    expect(book.applyDeltaTicks(ticks(11n, 11n, [10001, 0]))).toEqual({ status: "old" });
    expect(book.applyDeltaTicks(ticks(12n, 12n, [], new Float64Array([10002, 0])))).toEqual({
      status: "applied",
      crossed: false,
    });
    expect(book.bestAsk()?.price.toString()).toBe("100.03");
    expect(book.applyDeltaTicks(ticks(14n, 14n, [])).status).toBe("gap");
    expect(
      book.applySnapshotTicks({ sequence: 30n, bids: [500, 1], asks: [501, 2], tsEventNs: 0n, tsRecvNs: 0n }),
    ).toEqual({ status: "applied", crossed: false });
    expect(book.mid()?.toString()).toBe("5.005");
  });

  it("rejects malformed tick levels before applying any", () => {
    const book = sampleBook();
    const bad = (bids: number[]) => ({
      firstSequence: 11n,
      sequence: 11n,
      bids,
      asks: [],
      tsEventNs: 0n,
      tsRecvNs: 0n,
    });
    expect(() => book.applyDeltaTicks(bad([10001, 5, 10002.5, 1]))).toThrow(DecimalError);
    expect(() => book.applyDeltaTicks(bad([10001, -5]))).toThrow(
      expect.objectContaining({ code: "DECIMAL_NEGATIVE" }),
    );
    expect(() => book.applyDeltaTicks(bad([10001]))).toThrow(DecimalError);
    expect(book.levelCount("bid")).toBe(3);
    expect(book.sequence).toBe(10n);
  });

  it("sets single levels unsequenced, except while stale", () => {
    const book = sampleBook();
    expect(book.applyLevel("ask", 10001, 7)).toBe(true);
    expect(book.bestAsk()).toEqual({ price: d("100.01"), size: d("0.007") });
    expect(book.applyLevel("bid", 10000, 0)).toBe(true);
    expect(book.bestBid()?.price.toString()).toBe("99.99");
    expect(() => book.applyLevel("bid", 1.5, 1)).toThrow(DecimalError);
    book.reset();
    expect(book.applyLevel("bid", 1, 1)).toBe(false);
  });
});
