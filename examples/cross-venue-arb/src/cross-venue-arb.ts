import { Decimal, type Instrument, type Quote, Strategy } from "@openfloor/sdk";
import type { BacktestInstrumentSpec } from "@openfloor/sdk/backtest";
import { TwoVenueMarket } from "./two-venue-market.js";

/** How the arbitrage trades. Every field has a default; decimals are strings. */
export interface CrossVenueArbConfig {
  /** The same symbol on two venues. Default `["BTC/USDT:alpha", "BTC/USDT:beta"]`. */
  instruments?: readonly [string, string];
  /** Largest size of one arbitrage (both legs). Default `"0.05"`. */
  maxClip?: string;
  /** Largest position at each venue, either way. Default `"0.2"`. */
  maxInventory?: string;
  /** Edge per unit required after both taker fees, in quote currency. Default `"1"`. */
  minEdge?: string;
}

const DEFAULTS: Required<CrossVenueArbConfig> = {
  instruments: ["BTC/USDT:alpha", "BTC/USDT:beta"],
  maxClip: "0.05",
  maxInventory: "0.2",
  minEdge: "1",
};

/** One venue as the strategy sees it: its instrument, latest quote, and what is left of that quote. */
interface Venue {
  readonly key: string;
  readonly instrument: Instrument;
  quote: Quote | undefined;
  /** Size at the quoted bid and ask not yet taken by this strategy (taken size stays gone until the next quote). */
  bidLeft: Decimal;
  askLeft: Decimal;
}

/**
 * Buys where the symbol is cheap and sells where it is rich, at once, when the rich venue's bid beats
 * the cheap venue's ask by more than both taker fees plus `minEdge` per unit. Both legs are IOC limit
 * orders at the quoted prices (never worse), sized to the quoted sizes, `maxClip`, and what is left of
 * `maxInventory` at each venue. As the basis turns, trades the other way flatten the inventory.
 *
 * Records `arb` (each arbitrage: venues, size, edge) and `inventory` (position per venue, every 10 s).
 */
export default class CrossVenueArb extends Strategy {
  readonly config: Required<CrossVenueArbConfig>;
  private venues: [Venue, Venue] | undefined;
  private busy = false;

  constructor(config: CrossVenueArbConfig = {}) {
    super({ id: "cross-venue-arb" });
    this.config = { ...DEFAULTS, ...config };
  }

  override onStart(): void {
    const venue = (key: string): Venue => ({
      key,
      instrument: this.instrument(key),
      quote: undefined,
      bidLeft: Decimal.ZERO,
      askLeft: Decimal.ZERO,
    });
    const venues: [Venue, Venue] = [venue(this.config.instruments[0]), venue(this.config.instruments[1])];
    this.venues = venues;
    for (const v of venues) {
      this.data.quotes(v.key).subscribe((q) => {
        v.quote = q;
        v.bidLeft = q.bidSize;
        v.askLeft = q.askSize;
        this.look();
      });
    }
    this.every("10s", () => {
      this.record("inventory", Object.fromEntries(venues.map((v) => [v.key, this.inventory(v).toString()])));
    });
  }

  private inventory(v: Venue): Decimal {
    return this.positions.get(v.key).quantity;
  }

  private look(): void {
    if (this.busy || this.venues === undefined) return;
    const [a, b] = this.venues;
    this.tryArb(a, b) || this.tryArb(b, a);
  }

  /** Buys on `cheap` and sells on `rich` if the edge is there; true if it did. */
  private tryArb(cheap: Venue, rich: Venue): boolean {
    const ask = cheap.quote;
    const bid = rich.quote;
    if (ask === undefined || bid === undefined) return false;
    const fees = ask.askPrice.mul(cheap.instrument.takerFee).add(bid.bidPrice.mul(rich.instrument.takerFee));
    const edge = bid.bidPrice.sub(ask.askPrice).sub(fees);
    if (edge.lte(this.config.minEdge)) return false;

    const maxInventory = Decimal.from(this.config.maxInventory);
    const roomToBuy = maxInventory.sub(this.inventory(cheap));
    const roomToSell = maxInventory.add(this.inventory(rich));
    const lot = Decimal.max(cheap.instrument.sizeIncrement, rich.instrument.sizeIncrement);
    const size = [cheap.askLeft, rich.bidLeft, roomToBuy, roomToSell]
      .reduce((m, x) => Decimal.min(m, x), Decimal.from(this.config.maxClip))
      .roundToIncrement(lot, "floor");
    if (size.lt(Decimal.max(cheap.instrument.minSize, rich.instrument.minSize)) || !size.isPositive()) {
      return false;
    }

    this.busy = true;
    cheap.askLeft = cheap.askLeft.sub(size);
    rich.bidLeft = rich.bidLeft.sub(size);
    this.record("arb", {
      buy: cheap.key,
      sell: rich.key,
      size: size.toString(),
      buyPrice: ask.askPrice.toString(),
      sellPrice: bid.bidPrice.toString(),
      edgePerUnit: edge.toString(),
    });
    this.guard(async () => {
      try {
        const legs = await Promise.all([
          this.orders.buy(cheap.key, size, { price: ask.askPrice, timeInForce: "IOC" }),
          this.orders.sell(rich.key, size, { price: bid.bidPrice, timeInForce: "IOC" }),
        ]);
        await Promise.all(legs.map((l) => l.done));
      } finally {
        this.busy = false;
      }
    });
    return true;
  }
}

/** The two venues: same symbol, 2 bp taker fees. */
export const INSTRUMENTS: BacktestInstrumentSpec[] = ["alpha", "beta"].map((venue) => ({
  symbol: "BTC/USDT",
  venue,
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
  makerFee: "0.0001",
  takerFee: "0.0002",
}));

/** Defaults for `openfloor backtest`: two sim venues fed one hour of `TwoVenueMarket` quotes. */
export const backtest = {
  instruments: INSTRUMENTS,
  data: new TwoVenueMarket({ seed: 7, minutes: 60 }),
};
