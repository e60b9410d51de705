import type { Nanos } from "../clock/clock.js";
import { BookError, DecimalError } from "../errors/domain-errors.js";
import type { Instrument } from "../instruments/instrument.js";
import { formatInstrumentId, type InstrumentId, sameInstrument } from "../instruments/instrument-id.js";
import { Decimal, type DecimalLike } from "../numbers/decimal.js";
import type { OrderSide } from "../orders/types.js";
import { BookLadder } from "./book-ladder.js";
import { derivedScale, halfOf, type PriceRounding, pow10, ratioToDecimal } from "./book-math.js";
import type { BookSide, BookView } from "./book-view.js";
import { TickScale } from "./tick-scale.js";
import type { BookDelta, BookLevel, BookSnapshot } from "./types.js";

/**
 * A book update already in integer ticks, for adapters that parse venue messages straight to ticks
 * (see `OrderBook.prices` / `OrderBook.sizes` for the scales). Levels are flat pairs
 * `[priceTicks, sizeLots, priceTicks, sizeLots, …]`; size 0 removes the level.
 */
export interface TickDelta {
  readonly firstSequence: bigint;
  readonly sequence: bigint;
  readonly bids: ArrayLike<number>;
  readonly asks: ArrayLike<number>;
  readonly tsEventNs: Nanos;
  readonly tsRecvNs: Nanos;
}

/** A full book in integer ticks; levels as in `TickDelta`, in any order, without zero sizes. */
export interface TickSnapshot {
  readonly sequence: bigint;
  readonly bids: ArrayLike<number>;
  readonly asks: ArrayLike<number>;
  readonly tsEventNs: Nanos;
  readonly tsRecvNs: Nanos;
}

/** The sequence a book expected next and the one it got instead. */
export interface SequenceGap {
  readonly expected: bigint;
  readonly received: bigint;
}

/**
 * What became of a delta:
 * - `applied`: folded in; `crossed` says whether the book is crossed afterwards
 * - `old`: every update in it was already in the book; ignored
 * - `stale`: the book waits for a snapshot (none yet, or after a gap); ignored
 * - `gap`: updates are missing; the book is now stale until the next snapshot
 */
export type DeltaResult =
  | AppliedResult
  | { readonly status: "old" }
  | { readonly status: "stale" }
  | ({ readonly status: "gap" } & SequenceGap);

/** What became of a snapshot: `old` when an in-sync book is already past its sequence. */
export type SnapshotResult = AppliedResult | { readonly status: "old" };

/** An update folded in; `crossed` says whether the book is crossed afterwards. */
export interface AppliedResult {
  readonly status: "applied";
  readonly crossed: boolean;
}

/** The outcome of walking one side of the book to fill a size (see `OrderBook.averageFillPrice`). */
export interface FillEstimate {
  /** Size-weighted average price of the levels taken, rounded per the `PriceRounding` given. */
  readonly averagePrice: Decimal;
  /** Size the book could fill: the size asked, or less when `complete` is false. */
  readonly filled: Decimal;
  /** False when the side held less than the size asked. */
  readonly complete: boolean;
  /** Price of the last (worst) level touched. */
  readonly worstPrice: Decimal;
}

/** Options of `new OrderBook(…)`. */
export interface OrderBookOptions {
  readonly instrument: InstrumentId;
  /** Price tick: every price in the book is a multiple of it. @example "0.01" */
  readonly priceIncrement: DecimalLike;
  /** Size step: every level size is a multiple of it (usually the instrument's lot). @example "0.0001" */
  readonly sizeIncrement: DecimalLike;
}

const APPLIED: AppliedResult = Object.freeze({ status: "applied", crossed: false });
const APPLIED_CROSSED: AppliedResult = Object.freeze({ status: "applied", crossed: true });
const OLD = Object.freeze({ status: "old" } as const);
const STALE: DeltaResult = Object.freeze({ status: "stale" });

/**
 * An L2 order book for one instrument, built from a snapshot plus sequenced deltas.
 *
 * Prices and sizes live inside as integer ticks and lots (plain numbers, exact up to 2^53) on sorted
 * typed arrays with the best level last, so a near-touch update costs a few comparisons and no
 * allocation. Decimals are converted once at the edge; queries return Decimals.
 *
 * Sequencing: a delta applies when `firstSequence ≤ sequence + 1 ≤ delta.sequence`. Overlapping
 * deltas are accepted because levels carry absolute sizes, so re-applying updates already folded in
 * is harmless (Binance's snapshot sync relies on it). A delta that starts past `sequence + 1` is a
 * gap: the book turns stale and ignores deltas until a snapshot resyncs it; it keeps its last
 * contents for inspection, so check `stale` before trusting a query.
 *
 * Crossed books: a delta that leaves the best bid at or above the best ask is applied as sent and
 * reported with `crossed: true` (and `isCrossed()`). The venue's feed stays the source of truth; such
 * states are usually transient (a bid published before the ask it traded through is removed), and
 * dropping or trimming levels would make the book diverge from the venue for good.
 *
 * @example
 * const book = OrderBook.forInstrument(btcUsdt);
 * book.applySnapshot(snapshot);
 * const r = book.applyDelta(delta); // { status: "applied", crossed: false }
 * book.mid()?.toString();
 */
export class OrderBook implements BookView {
  readonly instrument: InstrumentId;
  /** Price ↔ ticks. */
  readonly prices: TickScale;
  /** Size ↔ lots. */
  readonly sizes: TickScale;

  private readonly bids = new BookLadder();
  /** Keyed by negated price ticks, so the lowest ask sorts last like the highest bid. */
  private readonly asks = new BookLadder();
  private seq = 0n;
  private next = 1n;
  private synced = false;
  private lastGap: SequenceGap | undefined;
  private eventNs: Nanos = 0n;
  private recvNs: Nanos = 0n;
  private scratch = new Float64Array(256);

  constructor(options: OrderBookOptions) {
    this.instrument = options.instrument;
    this.prices = new TickScale(options.priceIncrement);
    this.sizes = new TickScale(options.sizeIncrement);
  }

  /** A book on the instrument's price and size increments. */
  static forInstrument(instrument: Instrument): OrderBook {
    return new OrderBook({
      instrument: instrument.id,
      priceIncrement: instrument.priceIncrement,
      sizeIncrement: instrument.sizeIncrement,
    });
  }

  /** Sequence of the last update folded in. */
  get sequence(): bigint {
    return this.seq;
  }

  /** True until the first snapshot and after a gap, until the next snapshot. */
  get stale(): boolean {
    return !this.synced;
  }

  /** The gap that made the book stale, while it is stale because of one. */
  get gap(): SequenceGap | undefined {
    return this.lastGap;
  }

  /** Event time of the last update applied. */
  get tsEventNs(): Nanos {
    return this.eventNs;
  }

  /** Receive time of the last update applied. */
  get tsRecvNs(): Nanos {
    return this.recvNs;
  }

  /**
   * Replaces the book's contents and resyncs it. An in-sync book ignores a snapshot older than its
   * sequence (`old`); a stale one takes any. Levels may come in any order; zero sizes are skipped.
   * A price or size off its increment is a DecimalError and leaves the book as it was.
   */
  applySnapshot(snapshot: BookSnapshot): SnapshotResult {
    this.checkInstrument(snapshot.instrument);
    if (this.synced && snapshot.sequence < this.seq) return OLD;
    const asksAt = this.levelsToTicks(snapshot.bids, 0);
    const end = this.levelsToTicks(snapshot.asks, asksAt);
    this.load(this.scratch.subarray(0, asksAt), this.scratch.subarray(asksAt, end));
    return this.resynced(snapshot.sequence, snapshot.tsEventNs, snapshot.tsRecvNs);
  }

  /** `applySnapshot` for a snapshot already in ticks. */
  applySnapshotTicks(snapshot: TickSnapshot): SnapshotResult {
    if (this.synced && snapshot.sequence < this.seq) return OLD;
    checkTicks("bid", snapshot.bids);
    checkTicks("ask", snapshot.asks);
    this.load(snapshot.bids, snapshot.asks);
    return this.resynced(snapshot.sequence, snapshot.tsEventNs, snapshot.tsRecvNs);
  }

  /**
   * Folds in a delta (see the class doc for sequencing). A price or size off its increment, or a
   * negative size, is a DecimalError that leaves the book and its sequence as they were.
   */
  applyDelta(delta: BookDelta): DeltaResult {
    this.checkInstrument(delta.instrument);
    const refused = this.admit(delta.firstSequence, delta.sequence);
    if (refused !== undefined) return refused;
    const nb = delta.bids.length;
    const end = this.levelsToTicks(delta.asks, this.levelsToTicks(delta.bids, 0));
    const s = this.scratch;
    const bids = this.bids;
    const asks = this.asks;
    for (let i = 0; i < 2 * nb; i += 2) bids.set(s[i]!, s[i + 1]!);
    for (let i = 2 * nb; i < end; i += 2) asks.set(-s[i]!, s[i + 1]!);
    return this.advanced(delta.sequence, delta.tsEventNs, delta.tsRecvNs);
  }

  /** `applyDelta` for a delta already in ticks: the fast path for adapters. */
  applyDeltaTicks(delta: TickDelta): DeltaResult {
    const refused = this.admit(delta.firstSequence, delta.sequence);
    if (refused !== undefined) return refused;
    const b = delta.bids;
    const a = delta.asks;
    checkTicks("bid", b);
    checkTicks("ask", a);
    const bids = this.bids;
    const asks = this.asks;
    for (let i = 0; i < b.length; i += 2) bids.set(b[i]!, b[i + 1]!);
    for (let i = 0; i < a.length; i += 2) asks.set(-a[i]!, a[i + 1]!);
    return this.advanced(delta.sequence, delta.tsEventNs, delta.tsRecvNs);
  }

  /**
   * Sets one level without any sequence check, for venues that send no sequence numbers (the caller
   * then owns ordering). Size 0 removes the level. Ignored, returning false, while the book is stale.
   */
  applyLevel(side: BookSide, priceTicks: number, sizeLots: number): boolean {
    if (!this.synced) return false;
    if (!Number.isSafeInteger(priceTicks) || !Number.isSafeInteger(sizeLots) || sizeLots < 0) {
      badTicks(side, 0, priceTicks, sizeLots);
    }
    if (side === "bid") this.bids.set(priceTicks, sizeLots);
    else this.asks.set(-priceTicks, sizeLots);
    return true;
  }

  /** Empties the book and marks it stale until the next snapshot (e.g. after a reconnect). */
  reset(): void {
    this.bids.clear();
    this.asks.clear();
    this.seq = 0n;
    this.next = 1n;
    this.synced = false;
    this.lastGap = undefined;
  }

  bestBid(): BookLevel | undefined {
    const n = this.bids.count;
    if (n === 0) return undefined;
    return this.level(this.bids.keys[n - 1]!, this.bids.sizes[n - 1]!);
  }

  bestAsk(): BookLevel | undefined {
    const n = this.asks.count;
    if (n === 0) return undefined;
    return this.level(-this.asks.keys[n - 1]!, this.asks.sizes[n - 1]!);
  }

  /** Best bid in price ticks, without allocating. */
  bestBidTicks(): number | undefined {
    const n = this.bids.count;
    return n === 0 ? undefined : this.bids.keys[n - 1];
  }

  /** Best ask in price ticks, without allocating. */
  bestAskTicks(): number | undefined {
    const n = this.asks.count;
    return n === 0 ? undefined : -this.asks.keys[n - 1]!;
  }

  /** Lots resting at `priceTicks` on `side`, 0 when there is no level there. */
  sizeAtTicks(side: BookSide, priceTicks: number): number {
    return side === "bid" ? this.bids.sizeAt(priceTicks) : this.asks.sizeAt(-priceTicks);
  }

  /** Number of price levels on `side`. */
  levelCount(side: BookSide): number {
    return side === "bid" ? this.bids.count : this.asks.count;
  }

  spread(): Decimal | undefined {
    const bid = this.bestBidTicks();
    const ask = this.bestAskTicks();
    if (bid === undefined || ask === undefined) return undefined;
    return this.prices.fromTicks(ask - bid);
  }

  mid(): Decimal | undefined {
    const bid = this.bestBidTicks();
    const ask = this.bestAskTicks();
    if (bid === undefined || ask === undefined) return undefined;
    return halfOf((BigInt(bid) + BigInt(ask)) * this.prices.incrementUnits, this.prices.scale);
  }

  microprice(options?: PriceRounding): Decimal | undefined {
    const nb = this.bids.count;
    const na = this.asks.count;
    if (nb === 0 || na === 0) return undefined;
    const bid = BigInt(this.bids.keys[nb - 1]!);
    const bidLots = BigInt(this.bids.sizes[nb - 1]!);
    const ask = BigInt(-this.asks.keys[na - 1]!);
    const askLots = BigInt(this.asks.sizes[na - 1]!);
    const scale = this.prices.scale;
    return ratioToDecimal(
      (bid * askLots + ask * bidLots) * this.prices.incrementUnits,
      bidLots + askLots,
      scale,
      derivedScale(scale, options),
      options?.rounding,
    );
  }

  isCrossed(): boolean {
    const nb = this.bids.count;
    const na = this.asks.count;
    return nb > 0 && na > 0 && this.bids.keys[nb - 1]! >= -this.asks.keys[na - 1]!;
  }

  /** Up to `levels` levels per side (default all), best first. */
  depth(levels = Number.POSITIVE_INFINITY): { bids: BookLevel[]; asks: BookLevel[] } {
    return { bids: this.sideLevels(this.bids, 1, levels), asks: this.sideLevels(this.asks, -1, levels) };
  }

  /** The book as a snapshot, up to `levels` levels per side (default all). */
  snapshot(levels = Number.POSITIVE_INFINITY): BookSnapshot {
    const { bids, asks } = this.depth(levels);
    return {
      type: "book-snapshot",
      instrument: this.instrument,
      bids,
      asks,
      sequence: this.seq,
      tsEventNs: this.eventNs,
      tsRecvNs: this.recvNs,
    };
  }

  /**
   * Walks the side a taker of `side` would hit (asks for a buy, bids for a sell) to fill `size`, and
   * returns the average price. `undefined` when that side is empty or `size` is zero; when the side
   * holds less than `size`, the estimate covers what there is and `complete` is false. `size` need not
   * be on the lot grid.
   *
   * @example book.averageFillPrice("buy", "1.5") // { averagePrice: 100.0133…, filled: 1.5, complete: true, … }
   */
  averageFillPrice(side: OrderSide, size: DecimalLike, options?: PriceRounding): FillEstimate | undefined {
    const wanted = Decimal.from(size);
    if (wanted.isNegative()) {
      throw new DecimalError("DECIMAL_NEGATIVE", `fill size must not be negative, got ${wanted.toString()}`, {
        context: { value: wanted.toString() },
      });
    }
    const ladder = side === "buy" ? this.asks : this.bids;
    const sign = side === "buy" ? -1 : 1;
    if (wanted.isZero() || ladder.count === 0) return undefined;
    const sizeScale = Math.max(this.sizes.scale, wanted.scale);
    const lotUnits = this.sizes.incrementUnits * pow10(sizeScale - this.sizes.scale);
    let remaining = wanted.unitsAt(sizeScale);
    let filled = 0n;
    let notional = 0n;
    let worst = 0;
    for (let i = ladder.count - 1; i >= 0 && remaining > 0n; i--) {
      const available = BigInt(ladder.sizes[i]!) * lotUnits;
      const take = available < remaining ? available : remaining;
      worst = sign * ladder.keys[i]!;
      notional += BigInt(worst) * take;
      filled += take;
      remaining -= take;
    }
    const priceScale = this.prices.scale;
    return {
      averagePrice: ratioToDecimal(
        notional * this.prices.incrementUnits,
        filled,
        priceScale,
        derivedScale(priceScale, options),
        options?.rounding,
      ),
      filled: Decimal.fromUnits(filled, sizeScale),
      complete: remaining === 0n,
      worstPrice: this.prices.fromTicks(worst),
    };
  }

  private admit(first: bigint, last: bigint): DeltaResult | undefined {
    if (first > last) {
      throw new BookError(
        "BOOK_SEQUENCE",
        `book delta for ${formatInstrumentId(this.instrument)} runs backwards: ${first} > ${last}`,
        {
          context: { instrument: formatInstrumentId(this.instrument), firstSequence: first, sequence: last },
        },
      );
    }
    if (!this.synced) return STALE;
    if (last < this.next) return OLD;
    if (first > this.next) {
      const gap: SequenceGap = { expected: this.next, received: first };
      this.synced = false;
      this.lastGap = gap;
      return { status: "gap", ...gap };
    }
    return undefined;
  }

  private advanced(sequence: bigint, tsEventNs: Nanos, tsRecvNs: Nanos): AppliedResult {
    this.seq = sequence;
    this.next = sequence + 1n;
    this.eventNs = tsEventNs;
    this.recvNs = tsRecvNs;
    return this.isCrossed() ? APPLIED_CROSSED : APPLIED;
  }

  private resynced(sequence: bigint, tsEventNs: Nanos, tsRecvNs: Nanos): SnapshotResult {
    this.synced = true;
    this.lastGap = undefined;
    return this.advanced(sequence, tsEventNs, tsRecvNs);
  }

  private load(bids: ArrayLike<number>, asks: ArrayLike<number>): void {
    this.bids.clear();
    this.asks.clear();
    // Worst level first: a best-first snapshot then appends at the end of each ladder.
    for (let i = bids.length - 2; i >= 0; i -= 2) this.bids.set(bids[i]!, bids[i + 1]!);
    for (let i = asks.length - 2; i >= 0; i -= 2) this.asks.set(-asks[i]!, asks[i + 1]!);
  }

  /** Converts levels into `scratch` from `offset`; returns the offset after them. */
  private levelsToTicks(levels: readonly BookLevel[], offset: number): number {
    const end = offset + 2 * levels.length;
    if (end > this.scratch.length) {
      const bigger = new Float64Array(Math.max(end, 2 * this.scratch.length));
      bigger.set(this.scratch.subarray(0, offset));
      this.scratch = bigger;
    }
    const s = this.scratch;
    let k = offset;
    for (const level of levels) {
      s[k++] = this.prices.toTicks(level.price);
      const lots = this.sizes.toTicks(level.size);
      if (lots < 0) {
        throw new DecimalError(
          "DECIMAL_NEGATIVE",
          `book level size must not be negative, got ${level.size}`,
          {
            context: { instrument: formatInstrumentId(this.instrument), price: level.price.toString() },
          },
        );
      }
      s[k++] = lots;
    }
    return end;
  }

  private checkInstrument(id: InstrumentId): void {
    if (id === this.instrument || sameInstrument(id, this.instrument)) return;
    throw new BookError(
      "BOOK_INSTRUMENT_MISMATCH",
      `book of ${formatInstrumentId(this.instrument)} fed an update for ${formatInstrumentId(id)}`,
      { context: { book: formatInstrumentId(this.instrument), update: formatInstrumentId(id) } },
    );
  }

  private level(priceTicks: number, sizeLots: number): BookLevel {
    return { price: this.prices.fromTicks(priceTicks), size: this.sizes.fromTicks(sizeLots) };
  }

  private sideLevels(ladder: BookLadder, sign: 1 | -1, levels: number): BookLevel[] {
    const out: BookLevel[] = [];
    const stop = Math.max(0, ladder.count - levels);
    for (let i = ladder.count - 1; i >= stop; i--)
      out.push(this.level(sign * ladder.keys[i]!, ladder.sizes[i]!));
    return out;
  }
}

/** Validates flat tick pairs before any is applied, so a bad one leaves the book untouched. */
function checkTicks(side: BookSide, levels: ArrayLike<number>): void {
  const n = levels.length;
  if (n % 2 !== 0) {
    throw new DecimalError("DECIMAL_MALFORMED", `${side} levels must be [priceTicks, sizeLots] pairs`, {
      context: { side, length: n },
    });
  }
  for (let i = 0; i < n; i += 2) {
    const price = levels[i]!;
    const size = levels[i + 1]!;
    if (!Number.isSafeInteger(price) || !Number.isSafeInteger(size) || size < 0)
      badTicks(side, i / 2, price, size);
  }
}

function badTicks(side: BookSide, index: number, priceTicks: number, sizeLots: number): never {
  throw new DecimalError(
    sizeLots < 0 ? "DECIMAL_NEGATIVE" : "DECIMAL_MALFORMED",
    `${side} level ${index}: price ticks and size lots must be safe integers, size ≥ 0; got ${priceTicks}, ${sizeLots}`,
    { context: { side, index, priceTicks, sizeLots } },
  );
}
