import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { OrderBook } from "./order-book.js";
import type { BookDelta, BookLevel, BookSnapshot } from "./types.js";

// Prices at 0.01 and sizes at 0.001, generated as integer ticks and lots.
const id = instrumentId("BTC/USDT", "prop");
const price = (ticks: number) => Decimal.fromUnits(BigInt(ticks), 2);
const size = (lots: number) => Decimal.fromUnits(BigInt(lots), 3);
const newBook = () => new OrderBook({ instrument: id, priceIncrement: "0.01", sizeIncrement: "0.001" });

/** The reference: one Map of price text → size per side, updated the obvious way. */
class ReferenceBook {
  readonly bids = new Map<string, Decimal>();
  readonly asks = new Map<string, Decimal>();

  load(s: BookSnapshot): void {
    this.bids.clear();
    this.asks.clear();
    for (const l of s.bids) this.set(this.bids, l);
    for (const l of s.asks) this.set(this.asks, l);
  }

  apply(delta: BookDelta): void {
    for (const l of delta.bids) this.set(this.bids, l);
    for (const l of delta.asks) this.set(this.asks, l);
  }

  levels(side: "bid" | "ask"): string[] {
    const map = side === "bid" ? this.bids : this.asks;
    const prices = [...map.keys()].map((p) => Decimal.parse(p));
    prices.sort((a, b) => (side === "bid" ? b.cmp(a) : a.cmp(b)));
    return prices.map((p) => `${p.toString()}x${map.get(p.toString())!.toString()}`);
  }

  best(side: "bid" | "ask"): number | undefined {
    const top = this.levels(side)[0];
    return top === undefined ? undefined : Number(Decimal.parse(top.split("x")[0]!).unitsAt(2));
  }

  private set(map: Map<string, Decimal>, l: BookLevel): void {
    if (l.size.isZero()) map.delete(l.price.toString());
    else map.set(l.price.toString(), l.size);
  }
}

const text = (levels: readonly BookLevel[]) =>
  levels.map((l) => `${l.price.toString()}x${l.size.toString()}`);

function snapshotOf(sequence: bigint, bids: [number, number][], asks: [number, number][]): BookSnapshot {
  return {
    type: "book-snapshot",
    instrument: id,
    bids: bids.map(([p, s]) => ({ price: price(p), size: size(s) })),
    asks: asks.map(([p, s]) => ({ price: price(p), size: size(s) })),
    sequence,
    tsEventNs: sequence,
    tsRecvNs: sequence,
  };
}

function deltaOf(sequence: bigint, bids: [number, number][], asks: [number, number][]): BookDelta {
  return {
    type: "book-delta",
    instrument: id,
    bids: bids.map(([p, s]) => ({ price: price(p), size: size(s) })),
    asks: asks.map(([p, s]) => ({ price: price(p), size: size(s) })),
    firstSequence: sequence,
    sequence,
    tsEventNs: sequence,
    tsRecvNs: sequence,
  };
}

const levelArb = fc.tuple(fc.integer({ min: 9_900, max: 10_100 }), fc.integer({ min: 1, max: 50_000 }));
/** Any snapshot: unique prices per side, possibly crossed. */
const anySnapshotArb = fc.record({
  bids: fc.uniqueArray(levelArb, { selector: (l) => l[0], maxLength: 60, size: "max" }),
  asks: fc.uniqueArray(levelArb, { selector: (l) => l[0], maxLength: 60, size: "max" }),
});
/** Any delta: levels anywhere in the range, a fifth of them removals (some of absent levels). */
const anyDeltaArb = fc.record({
  bids: fc.array(
    fc.tuple(
      fc.integer({ min: 9_900, max: 10_100 }),
      fc.oneof(
        fc.constant(0),
        levelArb.map((l) => l[1]),
      ),
    ),
    {
      maxLength: 6,
    },
  ),
  asks: fc.array(
    fc.tuple(
      fc.integer({ min: 9_900, max: 10_100 }),
      fc.oneof(
        fc.constant(0),
        levelArb.map((l) => l[1]),
      ),
    ),
    {
      maxLength: 6,
    },
  ),
});

function expectSameBook(book: OrderBook, other: OrderBook): void {
  expect(text(book.snapshot().bids)).toEqual(text(other.snapshot().bids));
  expect(text(book.snapshot().asks)).toEqual(text(other.snapshot().asks));
  expect(book.sequence).toBe(other.sequence);
  expect(book.mid()?.toString()).toBe(other.mid()?.toString());
  expect(book.microprice()?.toString()).toBe(other.microprice()?.toString());
  expect(book.isCrossed()).toBe(other.isCrossed());
}

describe("OrderBook properties", () => {
  it("equals the reference model and the book rebuilt from its own snapshot", () => {
    fc.assert(
      fc.property(anySnapshotArb, fc.array(anyDeltaArb, { maxLength: 200, size: "max" }), (snap, deltas) => {
        const book = newBook();
        const ref = new ReferenceBook();
        const s = snapshotOf(100n, snap.bids, snap.asks);
        book.applySnapshot(s);
        ref.load(s);
        let seq = 100n;
        for (const raw of deltas) {
          seq += 1n;
          const delta = deltaOf(seq, raw.bids, raw.asks);
          expect(book.applyDelta(delta).status).toBe("applied");
          ref.apply(delta);
        }
        expect(text(book.snapshot().bids)).toEqual(ref.levels("bid"));
        expect(text(book.snapshot().asks)).toEqual(ref.levels("ask"));
        const rebuilt = newBook();
        rebuilt.applySnapshot(book.snapshot());
        expectSameBook(rebuilt, book);
      }),
    );
  });

  it("applies a stream the same on the tick path as on the Decimal path", () => {
    fc.assert(
      fc.property(anySnapshotArb, fc.array(anyDeltaArb, { maxLength: 100, size: "max" }), (snap, deltas) => {
        const viaDecimal = newBook();
        const viaTicks = newBook();
        viaDecimal.applySnapshot(snapshotOf(1n, snap.bids, snap.asks));
        viaTicks.applySnapshotTicks({
          sequence: 1n,
          bids: snap.bids.flat(),
          asks: snap.asks.flat(),
          tsEventNs: 1n,
          tsRecvNs: 1n,
        });
        let seq = 1n;
        for (const raw of deltas) {
          seq += 1n;
          const a = viaDecimal.applyDelta(deltaOf(seq, raw.bids, raw.asks));
          const b = viaTicks.applyDeltaTicks({
            firstSequence: seq,
            sequence: seq,
            bids: raw.bids.flat(),
            asks: raw.asks.flat(),
            tsEventNs: seq,
            tsRecvNs: seq,
          });
          expect(b).toEqual(a);
        }
        expectSameBook(viaTicks, viaDecimal);
      }),
    );
  });

  it("is never crossed when the stream keeps every bid below every ask", () => {
    // Each op is turned into a level against the reference's current touch: a bid strictly below the
    // best ask, an ask strictly above the best bid, or the removal of an existing level.
    const opArb = fc.record({
      bid: fc.boolean(),
      kind: fc.constantFrom("set", "set", "set", "remove", "remove-absent"),
      offset: fc.nat(30),
      pick: fc.nat(),
      lots: fc.integer({ min: 1, max: 10_000 }),
    });
    const snapArb = fc.record({
      bidOffsets: fc.uniqueArray(fc.integer({ min: 1, max: 80 }), { maxLength: 50, size: "max" }),
      askOffsets: fc.uniqueArray(fc.integer({ min: 0, max: 80 }), { maxLength: 50, size: "max" }),
      lots: fc.integer({ min: 1, max: 10_000 }),
    });
    fc.assert(
      fc.property(
        snapArb,
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 5 }), { maxLength: 150, size: "max" }),
        (snap, stream) => {
          const center = 10_000;
          const book = newBook();
          const ref = new ReferenceBook();
          const s = snapshotOf(
            1n,
            snap.bidOffsets.map((o) => [center - o, snap.lots]),
            snap.askOffsets.map((o) => [center + o, snap.lots]),
          );
          book.applySnapshot(s);
          ref.load(s);
          expect(book.isCrossed()).toBe(false);
          let seq = 1n;
          for (const ops of stream) {
            seq += 1n;
            const bids: [number, number][] = [];
            const asks: [number, number][] = [];
            for (const op of ops) {
              const side = op.bid ? "bid" : "ask";
              const existing = ref.levels(side);
              let level: [number, number];
              if (op.kind === "remove") {
                const pick = existing[op.pick % Math.max(1, existing.length)];
                if (pick === undefined) continue;
                level = [Number(Decimal.parse(pick.split("x")[0]!).unitsAt(2)), 0];
              } else {
                const bestBid = ref.best("bid");
                const bestAsk = ref.best("ask");
                const p = op.bid
                  ? (bestAsk ?? (bestBid ?? center) + 5) - 1 - op.offset
                  : (bestBid ?? (bestAsk ?? center) - 5) + 1 + op.offset;
                level = [p, op.kind === "set" ? op.lots : 0];
              }
              // Fold each level into the reference as it is made, so the next one sees the new touch.
              const one = op.bid ? deltaOf(seq, [level], []) : deltaOf(seq, [], [level]);
              ref.apply(one);
              (op.bid ? bids : asks).push(level);
            }
            const result = book.applyDelta(deltaOf(seq, bids, asks));
            expect(result).toEqual({ status: "applied", crossed: false });
            expect(book.isCrossed()).toBe(false);
            const spread = book.spread();
            if (spread !== undefined) expect(spread.isPositive()).toBe(true);
          }
          expect(text(book.snapshot().bids)).toEqual(ref.levels("bid"));
          expect(text(book.snapshot().asks)).toEqual(ref.levels("ask"));
        },
      ),
    );
  });

  it("classifies any sequence of deltas as applied, old, gap or stale like a simple model", () => {
    const stepArb = fc.oneof(
      fc.record({
        kind: fc.constant("delta" as const),
        back: fc.integer({ min: -3, max: 3 }),
        len: fc.nat(3),
      }),
      fc.record({
        kind: fc.constant("snapshot" as const),
        back: fc.integer({ min: -3, max: 3 }),
        len: fc.constant(0),
      }),
    );
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80, size: "max" }), (steps) => {
        const book = newBook();
        let synced = false;
        let last = 50n;
        for (const step of steps) {
          // `back` places the update around the next expected sequence: 0 is exactly next.
          const first = last + 1n + BigInt(step.back);
          if (step.kind === "snapshot") {
            const r = book.applySnapshot(snapshotOf(first, [[9_990, 1]], [[10_010, 1]]));
            if (synced && first < last) expect(r.status).toBe("old");
            else {
              expect(r.status).toBe("applied");
              synced = true;
              last = first;
            }
            continue;
          }
          const end = first + BigInt(step.len);
          const r = book.applyDelta({ ...deltaOf(end, [[9_995, 2]], []), firstSequence: first });
          if (!synced) expect(r.status).toBe("stale");
          else if (end <= last) expect(r.status).toBe("old");
          else if (first > last + 1n) {
            expect(r).toEqual({ status: "gap", expected: last + 1n, received: first });
            synced = false;
          } else {
            expect(r.status).toBe("applied");
            last = end;
          }
          expect(book.stale).toBe(!synced);
          if (synced) expect(book.sequence).toBe(last);
        }
      }),
    );
  });

  it("averages a fill exactly as Decimal arithmetic over the walked levels does", () => {
    fc.assert(
      fc.property(anySnapshotArb, fc.boolean(), fc.integer({ min: 1, max: 3_000_000 }), (snap, buy, want) => {
        const book = newBook();
        book.applySnapshot(snapshotOf(1n, snap.bids, snap.asks));
        const wanted = Decimal.fromUnits(BigInt(want), 4);
        const fill = book.averageFillPrice(buy ? "buy" : "sell", wanted);
        const levels = buy ? book.depth().asks : book.depth().bids;
        if (levels.length === 0) {
          expect(fill).toBeUndefined();
          return;
        }
        let left = wanted;
        let notional = Decimal.ZERO;
        let filled = Decimal.ZERO;
        for (const l of levels) {
          if (left.isZero()) break;
          const take = Decimal.min(left, l.size);
          notional = notional.add(take.mul(l.price));
          filled = filled.add(take);
          left = left.sub(take);
        }
        expect(fill?.filled.eq(filled)).toBe(true);
        expect(fill?.complete).toBe(left.isZero());
        expect(fill?.averagePrice.toString()).toBe(notional.div(filled, { scale: 6 }).toString());
      }),
    );
  });
});
