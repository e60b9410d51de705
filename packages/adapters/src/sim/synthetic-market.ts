import {
  type BookLevel,
  type Clock,
  Decimal,
  type DecimalLike,
  type Instrument,
  type MarketEvent,
  type Nanos,
} from "@openfloor/core";
import { InstrumentGrid } from "./grid.js";
import type { SeededRandom } from "./random.js";

/** Shape of a synthetic market. Every field has a default except `startPrice`. */
export interface SyntheticMarketParams {
  /** Mid price the random walk starts from. @example "50000" */
  readonly startPrice: DecimalLike;
  /** Distance between best bid and best ask, in ticks. Default 2. */
  readonly spreadTicks?: number;
  /** Price levels per side. Default 10. */
  readonly depthLevels?: number;
  /** Mean size of a level. Default 10 × the instrument's minimum size (or lot). */
  readonly levelSize?: DecimalLike;
  /** Level sizes vary uniformly by ± this fraction of `levelSize`. Default 0.5. */
  readonly sizeJitter?: number;
  /** Chance that a level still in the ladder gets a new size at an update. Default 0.2. */
  readonly sizeChangeProbability?: number;
  /** Standard deviation of the mid's step per update, in ticks. Default 1. */
  readonly volatilityTicks?: number;
  /** Milliseconds between book updates. Default 100. */
  readonly updateIntervalMs?: number;
  /** Mean trades per second (Poisson arrivals); 0 for none. Default 2. */
  readonly tradesPerSecond?: number;
  /** Mean trade size (exponentially distributed, at least one lot). Default `levelSize` / 4. */
  readonly tradeSize?: DecimalLike;
}

/** Options of `new SyntheticMarket(…)`. */
export interface SyntheticMarketOptions {
  readonly instrument: Instrument;
  readonly clock: Clock;
  /** Source of randomness: fork one per instrument from the venue's seed. */
  readonly random: SeededRandom;
  readonly params: SyntheticMarketParams;
  /** Receives the events, e.g. `(e) => exchange.applyMarketEvent(e)`. */
  readonly onEvent: (event: MarketEvent) => void;
}

/**
 * A synthetic market for one instrument: a random-walk mid with a fixed spread in ticks, a ladder of
 * `depthLevels` levels per side with randomly varying sizes, and Poisson-arriving trades at the
 * touch. On `start()` it emits a `BookSnapshot`, then on timers (of the given clock) sequenced
 * `BookDelta`s with the levels that changed plus a `Quote`, and `Trade`s. Deterministic for a seed.
 *
 * @example
 * const market = new SyntheticMarket({ instrument, clock, random: rng.fork("BTC/USDT"),
 *   params: { startPrice: "50000" }, onEvent: (e) => exchange.applyMarketEvent(e) });
 * market.start();
 */
export class SyntheticMarket {
  readonly instrument: Instrument;
  private readonly grid: InstrumentGrid;
  private readonly clock: Clock;
  private readonly rng: SeededRandom;
  private readonly onEvent: (event: MarketEvent) => void;
  private readonly spread: number;
  private readonly depth: number;
  private readonly levelLots: number;
  private readonly jitter: number;
  private readonly changeP: number;
  private readonly vol: number;
  private readonly intervalMs: number;
  private readonly tradeRate: number;
  private readonly tradeLots: number;
  private bidTicks: number;
  private bids = new Map<number, number>();
  private asks = new Map<number, number>();
  private sequence = 0n;
  private tradeSeq = 0;
  private cancelUpdate: (() => void) | undefined;
  private cancelTrade: (() => void) | undefined;

  constructor(options: SyntheticMarketOptions) {
    const p = options.params;
    this.instrument = options.instrument;
    this.grid = new InstrumentGrid(options.instrument);
    this.clock = options.clock;
    this.rng = options.random;
    this.onEvent = options.onEvent;
    this.spread = Math.max(1, Math.round(p.spreadTicks ?? 2));
    this.depth = Math.max(1, Math.round(p.depthLevels ?? 10));
    const minLots = Math.max(1, this.grid.lotsFloor(options.instrument.minSize));
    this.levelLots = Math.max(
      1,
      p.levelSize === undefined ? 10 * minLots : this.grid.lotsFloor(Decimal.from(p.levelSize)),
    );
    this.jitter = Math.min(1, Math.max(0, p.sizeJitter ?? 0.5));
    this.changeP = Math.min(1, Math.max(0, p.sizeChangeProbability ?? 0.2));
    this.vol = Math.max(0, p.volatilityTicks ?? 1);
    this.intervalMs = Math.max(1, p.updateIntervalMs ?? 100);
    this.tradeRate = Math.max(0, p.tradesPerSecond ?? 2);
    this.tradeLots = Math.max(
      1,
      p.tradeSize === undefined
        ? Math.round(this.levelLots / 4)
        : this.grid.lotsFloor(Decimal.from(p.tradeSize)),
    );
    const mid = this.grid.ticksRounded(Decimal.from(p.startPrice));
    this.bidTicks = mid - Math.floor(this.spread / 2);
    this.rebuild();
  }

  get running(): boolean {
    return this.cancelUpdate !== undefined;
  }

  /** Current best bid and ask of the synthetic book. */
  touch(): { bid: BookLevel; ask: BookLevel } {
    const a = this.bidTicks + this.spread;
    return {
      bid: { price: this.grid.price(this.bidTicks), size: this.grid.size(this.bids.get(this.bidTicks) ?? 0) },
      ask: { price: this.grid.price(a), size: this.grid.size(this.asks.get(a) ?? 0) },
    };
  }

  /** Emits a snapshot, then keeps emitting deltas, quotes and trades until `stop()`. */
  start(): void {
    if (this.running) return;
    this.emitSnapshot();
    this.scheduleUpdate();
    this.scheduleTrade();
  }

  /** Stops the timers; `start()` again resumes with a fresh snapshot. */
  stop(): void {
    this.cancelUpdate?.();
    this.cancelTrade?.();
    this.cancelUpdate = undefined;
    this.cancelTrade = undefined;
  }

  /** One update step now: move the mid, change sizes, emit the delta and quote. */
  step(): void {
    const move = this.vol === 0 ? 0 : Math.round(this.rng.normal() * this.vol);
    // Keep the whole ladder above zero: a random walk must not produce negative prices for spot.
    this.bidTicks = Math.max(this.depth + 1, this.bidTicks + move);
    const before = { bids: this.bids, asks: this.asks };
    this.rebuild(before);
    const now = this.clock.now();
    const bids = diff(before.bids, this.bids, "bid", this.grid);
    const asks = diff(before.asks, this.asks, "ask", this.grid);
    if (bids.length > 0 || asks.length > 0) {
      this.sequence++;
      this.onEvent({
        type: "book-delta",
        instrument: this.instrument.id,
        bids,
        asks,
        firstSequence: this.sequence,
        sequence: this.sequence,
        tsEventNs: now,
        tsRecvNs: now,
      });
    }
    this.emitQuote(now);
  }

  /** One trade now, at the touch, aggressor chosen at random. */
  trade(): void {
    const now = this.clock.now();
    const buy = this.rng.next() < 0.5;
    const ticks = buy ? this.bidTicks + this.spread : this.bidTicks;
    const lots = Math.max(1, Math.round(this.rng.exponential(1 / this.tradeLots)));
    this.onEvent({
      type: "trade",
      instrument: this.instrument.id,
      price: this.grid.price(ticks),
      size: this.grid.size(lots),
      aggressor: buy ? "buy" : "sell",
      tradeId: `syn-${++this.tradeSeq}`,
      tsEventNs: now,
      tsRecvNs: now,
    });
  }

  private rebuild(previous?: { bids: Map<number, number>; asks: Map<number, number> }): void {
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    for (let i = 0; i < this.depth; i++) {
      const b = this.bidTicks - i;
      const a = this.bidTicks + this.spread + i;
      bids.set(b, this.sizeFor(previous?.bids.get(b)));
      asks.set(a, this.sizeFor(previous?.asks.get(a)));
    }
    this.bids = bids;
    this.asks = asks;
  }

  private sizeFor(previous: number | undefined): number {
    if (previous !== undefined && this.rng.next() >= this.changeP) return previous;
    const f = 1 + this.jitter * (2 * this.rng.next() - 1);
    return Math.max(1, Math.round(this.levelLots * f));
  }

  private emitSnapshot(): void {
    const now = this.clock.now();
    this.sequence++;
    this.onEvent({
      type: "book-snapshot",
      instrument: this.instrument.id,
      bids: levels(this.bids, "bid", this.grid),
      asks: levels(this.asks, "ask", this.grid),
      sequence: this.sequence,
      tsEventNs: now,
      tsRecvNs: now,
    });
    this.emitQuote(now);
  }

  private emitQuote(now: Nanos): void {
    const { bid, ask } = this.touch();
    this.onEvent({
      type: "quote",
      instrument: this.instrument.id,
      bidPrice: bid.price,
      bidSize: bid.size,
      askPrice: ask.price,
      askSize: ask.size,
      tsEventNs: now,
      tsRecvNs: now,
    });
  }

  private scheduleUpdate(): void {
    this.cancelUpdate = this.clock.setTimer(this.intervalMs, () => {
      this.step();
      if (this.cancelUpdate !== undefined) this.scheduleUpdate();
    });
  }

  private scheduleTrade(): void {
    if (this.tradeRate <= 0) return;
    const waitMs = this.rng.exponential(this.tradeRate) * 1000;
    this.cancelTrade = this.clock.setTimer(waitMs, () => {
      this.trade();
      if (this.cancelTrade !== undefined) this.scheduleTrade();
    });
  }
}

function levels(book: Map<number, number>, side: "bid" | "ask", grid: InstrumentGrid): BookLevel[] {
  const ticks = [...book.keys()].sort(side === "bid" ? (a, b) => b - a : (a, b) => a - b);
  return ticks.map((t) => ({ price: grid.price(t), size: grid.size(book.get(t)!) }));
}

function diff(
  before: Map<number, number>,
  after: Map<number, number>,
  side: "bid" | "ask",
  grid: InstrumentGrid,
): BookLevel[] {
  const changed = new Map<number, number>();
  for (const [t, lots] of after) if (before.get(t) !== lots) changed.set(t, lots);
  for (const t of before.keys()) if (!after.has(t)) changed.set(t, 0);
  return levels(changed, side, grid);
}
