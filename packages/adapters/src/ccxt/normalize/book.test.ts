import { Decimal, defineInstrument, instrumentId, type MarketEvent, OrderBook } from "@openfloor/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CcxtOrderBook } from "../exchange.js";
import { BookTracker } from "./book.js";

const instrument = defineInstrument({
  id: instrumentId("BTC/USDT", "emu"),
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.00001",
});

function book(bids: [number, number][], asks: [number, number][], nonce?: number): CcxtOrderBook {
  return {
    bids: [...bids].sort((a, b) => b[0] - a[0]),
    asks: [...asks].sort((a, b) => a[0] - b[0]),
    ...(nonce === undefined ? {} : { nonce }),
    timestamp: 1_700_000_000_000,
  };
}

describe("BookTracker: successive ccxt book states → snapshot, then deltas", () => {
  it("emits a snapshot first, then only the levels that changed, with sizes 0 for removed levels", () => {
    const t = new BookTracker(instrument, 0);
    const s = t.update(
      book(
        [
          [100.1, 1],
          [100, 2],
        ],
        [[100.2, 3]],
        10,
      ),
      10n,
      1n,
    );
    expect(s?.type).toBe("book-snapshot");
    const d = t.update(
      book(
        [[100.1, 1.5]],
        [
          [100.2, 3],
          [100.3, 0.1 + 0.2],
        ],
        12,
      ),
      12n,
      2n,
    );
    expect(d?.type).toBe("book-delta");
    if (d?.type !== "book-delta") return;
    expect(d.bids.map((l) => `${l.price}@${l.size}`)).toEqual(["100.10@1.50000", "100.00@0.00000"]);
    expect(d.asks.map((l) => `${l.price}@${l.size}`)).toEqual(["100.30@0.30000"]);
    expect([d.firstSequence, d.sequence]).toEqual([11n, 12n]);
    expect(
      t.update(
        book(
          [[100.1, 1.5]],
          [
            [100.2, 3],
            [100.3, 0.3],
          ],
          13,
        ),
        13n,
        3n,
      ),
    ).toBeUndefined();
  });

  it("counts locally without venue sequence numbers, and chains across unchanged states", () => {
    const t = new BookTracker(instrument, 0);
    const s = t.update(book([[1, 1]], [[2, 1]]), undefined, 1n);
    expect(s?.type === "book-snapshot" && s.sequence).toBe(1n);
    const d = t.update(book([[1, 2]], [[2, 1]]), undefined, 2n);
    expect(d?.type === "book-delta" && [d.firstSequence, d.sequence]).toEqual([2n, 2n]);
  });

  it("publishes only the top `depth` levels, and levels leaving that window as removals", () => {
    const t = new BookTracker(instrument, 2);
    const s = t.update(
      book(
        [
          [3, 1],
          [2, 1],
          [1, 1],
        ],
        [[4, 1]],
      ),
      1n,
      1n,
    );
    expect(s?.type === "book-snapshot" && s.bids.length).toBe(2);
    const d = t.update(
      book(
        [
          [3.5, 1],
          [3, 1],
          [2, 1],
          [1, 1],
        ],
        [[4, 1]],
      ),
      2n,
      2n,
    );
    expect(d?.type === "book-delta" && d.bids.map((l) => `${l.price}@${l.size}`)).toEqual([
      "3.50@1.00000",
      "2.00@0.00000",
    ]);
  });

  it("after reset() the next state is a fresh snapshot", () => {
    const t = new BookTracker(instrument, 0);
    t.update(book([[1, 1]], [[2, 1]]), 5n, 1n);
    t.reset();
    expect(t.synced).toBe(false);
    expect(t.update(book([[1, 1]], [[2, 1]]), 9n, 2n)?.type).toBe("book-snapshot");
  });

  it("the events rebuild every state exactly in a core OrderBook", () => {
    const level = fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 500 }));
    const state = fc.tuple(
      fc.uniqueArray(level, { selector: (l) => l[0] }),
      fc.uniqueArray(level, { selector: (l) => l[0] }),
    );
    fc.assert(
      fc.property(fc.array(state, { minLength: 1, maxLength: 15 }), (states) => {
        const t = new BookTracker(instrument, 0);
        const core = OrderBook.forInstrument(instrument);
        let seq = 100;
        for (const [rawBids, rawAsks] of states) {
          // Bids at 1..60, asks at 61..120 (in ticks): never crossed.
          const bids = rawBids.map(([p, q]): [number, number] => [p / 100, q / 100000]);
          const asks = rawAsks.map(([p, q]): [number, number] => [(p + 60) / 100, q / 100000]);
          seq += 3;
          const event: MarketEvent | undefined = t.update(book(bids, asks, seq), BigInt(seq), 1n);
          if (event?.type === "book-snapshot") core.applySnapshot(event);
          else if (event?.type === "book-delta") expect(core.applyDelta(event).status).toBe("applied");
          const depth = core.depth();
          const levels = (side: "bid" | "ask") =>
            (side === "bid" ? depth.bids : depth.asks).map(
              (l) => `${l.price.toString()}@${l.size.toString()}`,
            );
          const expected = (xs: [number, number][], desc: boolean) =>
            [...xs]
              .sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]))
              .map(
                ([p, q]) =>
                  `${Decimal.fromNumber(p, { scale: 2 }).normalize()}@${Decimal.fromNumber(q, { scale: 5 }).normalize()}`,
              );
          expect(levels("bid").map(norm)).toEqual(expected(bids, true));
          expect(levels("ask").map(norm)).toEqual(expected(asks, false));
        }
      }),
    );
  });
});

function norm(level: string): string {
  const [p, q] = level.split("@");
  return `${Decimal.parse(p!).normalize()}@${Decimal.parse(q!).normalize()}`;
}
