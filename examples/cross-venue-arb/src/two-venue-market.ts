import { Decimal, type Quote } from "@openfloor/sdk";

/** Shape of the two-venue market. Every field has a default. */
export interface TwoVenueMarketOptions {
  /** Symbol listed on both venues. Default `"BTC/USDT"`. */
  symbol?: string;
  /** The two venues. Default `["alpha", "beta"]`. */
  venues?: readonly [string, string];
  /** First quote time. Default 2024-01-01T00:00:00Z. */
  start?: Date;
  /** Length of the market in minutes. Default 60. */
  minutes?: number;
  /** Milliseconds between quote updates on each venue. Default 250. */
  stepMs?: number;
  /** Where the common fair price starts. Default 42 000. */
  startPrice?: number;
  /** Standard deviation of the fair price's step, in quote currency. Default 3. */
  volatility?: number;
  /** Standard deviation of the basis' shock per step; the basis reverts by `reversion` per step. Default 6. */
  basisShock?: number;
  /** Share of the basis that decays each step (mean reversion). Default 0.05. */
  reversion?: number;
  /** Half of each venue's bid–ask spread, in quote currency. Default 0.5. */
  halfSpread?: number;
  /** Seed of the random walk. Default 7. */
  seed?: number;
}

/**
 * Top-of-book quotes of one symbol on two venues: a common fair price that random-walks, and a basis
 * between the venues that is shocked and mean-reverts, so the venues drift apart and back together.
 * Deterministic for a seed; re-iterable (each pass starts over). `toString()` names it for reports.
 *
 * @example
 * runBacktest({ strategy, instruments, data: new TwoVenueMarket({ seed: 3, minutes: 30 }) });
 */
export class TwoVenueMarket implements Iterable<Quote> {
  private readonly o: Required<TwoVenueMarketOptions>;

  constructor(options: TwoVenueMarketOptions = {}) {
    this.o = {
      symbol: "BTC/USDT",
      venues: ["alpha", "beta"],
      start: new Date("2024-01-01T00:00:00Z"),
      minutes: 60,
      stepMs: 250,
      startPrice: 42_000,
      volatility: 3,
      basisShock: 6,
      reversion: 0.05,
      halfSpread: 0.5,
      seed: 7,
      ...options,
    };
  }

  *[Symbol.iterator](): Iterator<Quote> {
    const o = this.o;
    const random = mulberry32(o.seed);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const size = () => Decimal.fromNumber(0.05 + random() * 0.45, { scale: 4 });
    // Quotes are rounded to the tick here, so floats never reach the venue: prices are exact decimals.
    const price = (x: number) => Decimal.fromNumber(x, { scale: 2 });
    const startNs = BigInt(o.start.getTime()) * 1_000_000n;
    const stepNs = BigInt(o.stepMs) * 1_000_000n;
    const steps = Math.floor((o.minutes * 60_000) / o.stepMs);
    let fair = o.startPrice;
    let basis = 0;
    for (let i = 0; i < steps; i++) {
      fair += o.volatility * gauss();
      basis = basis * (1 - o.reversion) + o.basisShock * gauss();
      const t = startNs + BigInt(i) * stepNs;
      for (const [k, venue] of o.venues.entries()) {
        const mid = fair + (k === 0 ? -basis / 2 : basis / 2);
        const tsEventNs = t + BigInt(k) * 1_000_000n; // the second venue a millisecond later
        yield {
          type: "quote",
          instrument: { symbol: o.symbol, venue },
          bidPrice: price(mid - o.halfSpread),
          bidSize: size(),
          askPrice: price(mid + o.halfSpread),
          askSize: size(),
          tsEventNs,
          tsRecvNs: tsEventNs,
        };
      }
    }
  }

  toString(): string {
    return `two-venue synthetic quotes (${this.o.venues.join(", ")}; ${this.o.minutes} min, seed ${this.o.seed})`;
  }
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
