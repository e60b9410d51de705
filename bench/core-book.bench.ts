// Order book throughput: a 50-level book fed pre-generated realistic deltas, on the integer-tick
// path (applyDeltaTicks) and on the Decimal path (applyDelta). Plain node script:
//   npx tsx bench/core-book.bench.ts [--deltas 2000000] [--runs 7]
import { writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { instrumentId } from "../packages/core/src/instruments/instrument-id.js";
import { OrderBook, type TickDelta, type TickSnapshot } from "../packages/core/src/market/order-book.js";
import type { BookDelta, BookLevel } from "../packages/core/src/market/types.js";
import { Decimal } from "../packages/core/src/numbers/decimal.js";
import { numberArg as arg } from "./lib/cli.js";

const GOAL = 2_000_000;
const LEVELS = 50;
const PRICE_SCALE = 2;
const SIZE_SCALE = 4;
const DELTAS = arg("deltas", 2_000_000);
const DECIMAL_DELTAS = arg("decimal-deltas", Math.min(DELTAS, 500_000));
const RUNS = arg("runs", 7);

/** xorshift32: the same stream on every run and machine. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/**
 * One side of the generator's own model: prices best-first, independent of the book under test.
 * `dir` is -1 for bids (prices fall away from the touch) and +1 for asks.
 */
class ModelSide {
  prices: number[] = [];
  sizes: number[] = [];
  constructor(readonly dir: 1 | -1) {}
}

interface Generated {
  snapshot: TickSnapshot;
  deltas: TickDelta[];
  levelUpdates: number;
  finalBids: number[];
  finalAsks: number[];
}

function generate(count: number): Generated {
  const r = rng(42);
  const lots = () => 1 + Math.floor(r() * r() * 50_000);
  const mid = 10_000_000; // 100000.00 at a 0.01 tick
  const bids = new ModelSide(-1);
  const asks = new ModelSide(1);
  for (const side of [bids, asks]) {
    let p = side.dir === -1 ? mid - 1 : mid + 1;
    for (let i = 0; i < LEVELS; i++) {
      side.prices.push(p);
      side.sizes.push(lots());
      p += side.dir * (1 + Math.floor(r() * 3));
    }
  }
  const flat = (side: ModelSide) => side.prices.flatMap((p, i) => [p, side.sizes[i]!]);
  const snapshot: TickSnapshot = {
    sequence: 1000n,
    bids: flat(bids),
    asks: flat(asks),
    tsEventNs: 1n,
    tsRecvNs: 1n,
  };
  const deltas: TickDelta[] = new Array(count);
  let seq = 1000n;
  let ts = 1_700_000_000_000_000_000n;
  let levelUpdates = 0;
  const empty: number[] = [];
  for (let d = 0; d < count; d++) {
    const b: number[] = [];
    const a: number[] = [];
    const ops = r() < 0.05 ? 3 + Math.floor(r() * 3) : 1;
    for (let o = 0; o < ops; o++) {
      const isBid = r() < 0.5;
      const side = isBid ? bids : asks;
      const other = isBid ? asks : bids;
      const out = isBid ? b : a;
      const u = r();
      if (u < 0.7) {
        // Size change at or next to the touch: the bulk of any L2 feed.
        const i = Math.min(side.prices.length - 1, Math.floor(-Math.log(1 - r()) * 1.5));
        side.sizes[i] = lots();
        out.push(side.prices[i]!, side.sizes[i]!);
      } else if (u < 0.82) {
        const i = Math.floor(r() * side.prices.length);
        side.sizes[i] = lots();
        out.push(side.prices[i]!, side.sizes[i]!);
      } else if (u < 0.91) {
        // A new level near the touch (improving the touch when the spread allows), the worst level
        // falling off the 50-level window.
        const touch = side.prices[0]!;
        const otherTouch = other.prices[0]!;
        let p: number;
        if (Math.abs(otherTouch - touch) > 1 && r() < 0.5) p = touch - side.dir;
        else {
          const i = Math.floor(r() * 5);
          const gap = Math.abs(side.prices[i + 1]! - side.prices[i]!);
          if (gap <= 1) continue;
          p = side.prices[i]! + side.dir;
        }
        const at = side.prices.findIndex((q) => (q - p) * side.dir > 0);
        const size = lots();
        side.prices.splice(at, 0, p);
        side.sizes.splice(at, 0, size);
        out.push(p, size);
        const worst = side.prices.pop()!;
        side.sizes.pop();
        out.push(worst, 0);
      } else {
        // A level near the touch emptied, a new one appearing at the far end of the window.
        if (side.prices.length < 3) continue;
        const i = Math.floor(r() * 3);
        out.push(side.prices[i]!, 0);
        side.prices.splice(i, 1);
        side.sizes.splice(i, 1);
        const p = side.prices[side.prices.length - 1]! + side.dir * (1 + Math.floor(r() * 2));
        const size = lots();
        side.prices.push(p);
        side.sizes.push(size);
        out.push(p, size);
      }
    }
    seq += 1n;
    ts += 50_000n;
    levelUpdates += (b.length + a.length) / 2;
    deltas[d] = {
      firstSequence: seq,
      sequence: seq,
      bids: b.length === 0 ? empty : b,
      asks: a.length === 0 ? empty : a,
      tsEventNs: ts,
      tsRecvNs: ts + 20_000n,
    };
  }
  return { snapshot, deltas, levelUpdates, finalBids: flat(bids), finalAsks: flat(asks) };
}

const instrument = instrumentId("BTC/USDT", "bench");
const newBook = () =>
  new OrderBook({
    instrument,
    priceIncrement: Decimal.fromUnits(1n, PRICE_SCALE),
    sizeIncrement: Decimal.fromUnits(1n, SIZE_SCALE),
  });

function toDecimalDelta(d: TickDelta): BookDelta {
  const levels = (flat: ArrayLike<number>): BookLevel[] => {
    const out: BookLevel[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      out.push({
        price: Decimal.fromUnits(BigInt(flat[i]!), PRICE_SCALE),
        size: Decimal.fromUnits(BigInt(flat[i + 1]!), SIZE_SCALE),
      });
    }
    return out;
  };
  return {
    type: "book-delta",
    instrument,
    bids: levels(d.bids),
    asks: levels(d.asks),
    firstSequence: d.firstSequence,
    sequence: d.sequence,
    tsEventNs: d.tsEventNs,
    tsRecvNs: d.tsRecvNs,
  };
}

interface Stats {
  median: number;
  min: number;
  max: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: Math.round(median), min: Math.round(s[0]!), max: Math.round(s[s.length - 1]!) };
}

/** Times `apply` over all deltas on a fresh book per run; one untimed warm-up run first. */
function measure<T>(
  label: string,
  deltas: readonly T[],
  apply: (book: OrderBook, delta: T) => { status: string },
  gen: Generated,
): { rates: number[]; book: OrderBook } {
  const rates: number[] = [];
  let book = newBook();
  for (let run = -1; run < RUNS; run++) {
    book = newBook();
    book.applySnapshotTicks(gen.snapshot);
    let applied = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < deltas.length; i++) {
      if (apply(book, deltas[i]!).status === "applied") applied++;
    }
    const ns = Number(process.hrtime.bigint() - t0);
    if (applied !== deltas.length) throw new Error(`${label}: only ${applied}/${deltas.length} applied`);
    if (run >= 0) rates.push((deltas.length / ns) * 1e9);
  }
  return { rates, book };
}

function sameAsModel(book: OrderBook, bids: number[], asks: number[]): boolean {
  const snap = book.snapshot();
  const flat = (levels: readonly BookLevel[]) =>
    levels.flatMap((l) => [Number(l.price.unitsAt(PRICE_SCALE)), Number(l.size.unitsAt(SIZE_SCALE))]);
  return (
    JSON.stringify(flat(snap.bids)) === JSON.stringify(bids) &&
    JSON.stringify(flat(snap.asks)) === JSON.stringify(asks)
  );
}

const fmt = (n: number) => `${(n / 1e6).toFixed(2)}M/s`;
const spread = (s: Stats) => `${(((s.max - s.min) / s.median) * 100).toFixed(1)}%`;

const loadBefore = os.loadavg()[0]!;
console.log(`generating ${DELTAS} deltas on a ${LEVELS}-level book…`);
const gen = generate(DELTAS);
const levelsPerDelta = gen.levelUpdates / DELTAS;
console.log(`  ${levelsPerDelta.toFixed(3)} level updates per delta`);

const ticks = measure("ticks", gen.deltas, (book, d) => book.applyDeltaTicks(d), gen);
if (!sameAsModel(ticks.book, gen.finalBids, gen.finalAsks))
  throw new Error("tick path: book differs from the model");
const tickStats = stats(ticks.rates);
console.log(
  `tick path    (applyDeltaTicks): p50 ${fmt(tickStats.median)}  min ${fmt(tickStats.min)}  max ${fmt(tickStats.max)}  spread ${spread(tickStats)}  (${RUNS} runs × ${DELTAS})`,
);

const decimalDeltas = gen.deltas.slice(0, DECIMAL_DELTAS).map(toDecimalDelta);
const decimal = measure("decimal", decimalDeltas, (book, d) => book.applyDelta(d), gen);
const decimalStats = stats(decimal.rates);
console.log(
  `decimal path (applyDelta):      p50 ${fmt(decimalStats.median)}  min ${fmt(decimalStats.min)}  max ${fmt(decimalStats.max)}  spread ${spread(decimalStats)}  (${RUNS} runs × ${DECIMAL_DELTAS})`,
);
console.log(`goal ${fmt(GOAL)} on the tick path: ${tickStats.median >= GOAL ? "met" : "NOT met"}`);
console.log(
  `load average (1 min) before ${loadBefore.toFixed(2)}, after ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores`,
);

const result = {
  name: "core-book",
  description: `OrderBook deltas applied per second on one core, ${LEVELS}-level book, ${levelsPerDelta.toFixed(3)} level updates per delta`,
  machine: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  node: process.version,
  runs: RUNS,
  deltas: { tickPath: DELTAS, decimalPath: DECIMAL_DELTAS },
  levelsPerSide: LEVELS,
  levelUpdatesPerDelta: Number(levelsPerDelta.toFixed(3)),
  results: {
    deltasPerSecond: tickStats,
    decimalDeltasPerSecond: decimalStats,
  },
  goal: GOAL,
  // Other work on the machine skews the numbers: the 1-minute load average before and after.
  loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(os.loadavg()[0]!.toFixed(2)) },
  goalMet: tickStats.median >= GOAL,
  date: new Date().toISOString(),
};
const out = join(dirname(fileURLToPath(import.meta.url)), "results", "core-book.json");
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${out}`);
