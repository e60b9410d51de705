import { Decimal, type OrderBook, type OrderHandle, type OrderSide, Strategy } from "@openfloor/sdk";
import type { BacktestInstrumentSpec } from "@openfloor/sdk/backtest";

/** How the market maker quotes. Every field has a default; decimals are strings. */
export interface MarketMakerConfig {
  /** Instrument to quote. Default `"BTC/USDT:sim"`. */
  instrument?: string;
  /** Size of each quote. Default `"0.01"`. */
  quoteSize?: string;
  /** Distance of each quote from the (skewed) microprice, in ticks. Default 5. */
  halfSpreadTicks?: number;
  /** Largest position either way; a side that could go past it is not quoted. Default `"0.05"`. */
  maxPosition?: string;
  /** Shift of both quotes at a full position, in ticks (long → quotes lower, short → higher). Default 4. */
  maxSkewTicks?: number;
  /** A working quote is canceled and replaced once its target moved this many ticks. Default 2. */
  requoteTicks?: number;
  /** Book levels per side to subscribe to. Default 5. */
  depth?: number;
}

const DEFAULTS: Required<MarketMakerConfig> = {
  instrument: "BTC/USDT:sim",
  quoteSize: "0.01",
  halfSpreadTicks: 5,
  maxPosition: "0.05",
  maxSkewTicks: 4,
  requoteTicks: 2,
  depth: 5,
};

/** What one side (bid or ask) has working at the venue. */
interface Side {
  order: OrderHandle | undefined;
  /** A submit or cancel is in flight: leave the side alone until it settles. */
  busy: boolean;
}

/**
 * Quotes one bid and one ask around the L2 book's microprice (the top of book weighted by the size on
 * the other side), skewed against its inventory so that fills pull the position back to flat. A quote
 * whose target moves by `requoteTicks` or more is canceled and replaced; a side that could take the
 * position past `maxPosition` is not quoted. Quotes are post-only: they never take liquidity.
 *
 * Records `microprice`, `skew` (in price units) and `inventory` every second.
 */
export default class MarketMaker extends Strategy {
  readonly config: Required<MarketMakerConfig>;
  private readonly bid: Side = { order: undefined, busy: false };
  private readonly ask: Side = { order: undefined, busy: false };
  private tick = Decimal.ZERO;
  private size = Decimal.ZERO;
  private maxPosition = Decimal.ZERO;
  private microprice: Decimal | undefined;
  private skew = Decimal.ZERO;
  /** Quotes canceled because the market moved away from them. */
  requotes = 0;

  constructor(config: MarketMakerConfig = {}) {
    super({ id: "market-maker" });
    this.config = { ...DEFAULTS, ...config };
  }

  override onStart(): void {
    const { instrument, depth } = this.config;
    this.tick = this.instrument(instrument).priceIncrement;
    this.size = Decimal.from(this.config.quoteSize);
    this.maxPosition = Decimal.from(this.config.maxPosition);
    this.data.book(instrument, { depth }).subscribe((book) => this.onBook(book));
    this.every("1s", () => {
      if (this.microprice === undefined) return;
      this.record("microprice", this.microprice);
      this.record("skew", this.skew);
      this.record("inventory", this.inventory());
    });
  }

  private inventory(): Decimal {
    return this.positions.get(this.config.instrument).quantity;
  }

  private onBook(book: OrderBook): void {
    const bestBid = book.bestBid();
    const bestAsk = book.bestAsk();
    const micro = book.microprice();
    if (book.stale || bestBid === undefined || bestAsk === undefined || micro === undefined) return;
    this.microprice = micro;

    const inventory = this.inventory();
    // −1 (full short) … +1 (full long); a long position moves both quotes down, so the ask fills first.
    const ratio = inventory.div(this.maxPosition, { scale: 6 });
    this.skew = ratio.mul(this.tick.mul(this.config.maxSkewTicks)).neg().roundToIncrement(this.tick);
    const fair = micro.add(this.skew);
    const half = this.tick.mul(this.config.halfSpreadTicks);

    // Never cross the touch: a post-only quote that would take is rejected by the venue.
    const bidPrice = Decimal.min(
      fair.sub(half).roundToIncrement(this.tick, "floor"),
      bestAsk.price.sub(this.tick),
    );
    const askPrice = Decimal.max(
      fair.add(half).roundToIncrement(this.tick, "ceil"),
      bestBid.price.add(this.tick),
    );

    this.quote("buy", this.bid, inventory.add(this.size).lte(this.maxPosition) ? bidPrice : undefined);
    this.quote("sell", this.ask, inventory.sub(this.size).neg().lte(this.maxPosition) ? askPrice : undefined);
  }

  /** Brings one side to `price` (undefined: no quote) by cancel/replace. */
  private quote(side: OrderSide, state: Side, price: Decimal | undefined): void {
    if (state.busy) return;
    const working = state.order;
    if (working !== undefined && !working.isDone) {
      const current = working.order.price;
      const moved =
        price === undefined ||
        current === undefined ||
        current.sub(price).abs().gte(this.tick.mul(this.config.requoteTicks));
      if (moved) this.cancel(state, working);
      return;
    }
    if (price === undefined) return;
    state.busy = true;
    this.guard(async () => {
      try {
        state.order = await this.orders.submit({
          instrument: this.config.instrument,
          side,
          quantity: this.size,
          price,
          postOnly: true,
        });
      } finally {
        state.busy = false;
      }
    });
  }

  /** Cancels a quote and waits until it is done (a fill may beat the cancel: positions see it first). */
  private cancel(state: Side, order: OrderHandle): void {
    state.busy = true;
    this.requotes++;
    this.guard(async () => {
      try {
        await order.cancel().catch(() => undefined); // already filled or canceled: fine
        await order.done.catch(() => undefined);
      } finally {
        state.busy = false;
        state.order = undefined;
      }
    });
  }
}

/** Defaults for `openfloor backtest`: the default BTC/USDT sim market, quieter trades, one hour. */
export const backtest: { instruments: BacktestInstrumentSpec[]; seed: number } = {
  instruments: [
    {
      symbol: "BTC/USDT",
      base: "BTC",
      quote: "USDT",
      priceIncrement: "0.01",
      sizeIncrement: "0.0001",
      makerFee: "0.0001",
      takerFee: "0.001",
      market: {
        startPrice: "42000",
        spreadTicks: 4,
        depthLevels: 10,
        volatilityTicks: 3,
        levelSize: "0.5",
        tradeSize: "0.05",
        updateIntervalMs: 100,
        tradesPerSecond: 5,
      },
    },
  ],
  seed: 7,
};
