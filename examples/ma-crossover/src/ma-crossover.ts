import { type Bar, Decimal, Strategy } from "@openfloor/sdk";
import type { BacktestInstrumentSpec } from "@openfloor/sdk/backtest";

/** How the crossover trades. Every field has a default; decimals are strings. */
export interface MaCrossoverConfig {
  /** Instrument to trade. Default `"BTC/USDT:sim"`. */
  instrument?: string;
  /** Bar interval. Default `"1m"`. */
  interval?: string;
  /** Bars in the fast moving average. Default 10. */
  fast?: number;
  /** Bars in the slow moving average. Default 30. */
  slow?: number;
  /** Size bought when the fast average crosses above the slow one. Default `"0.1"`. */
  quantity?: string;
}

const DEFAULTS: Required<MaCrossoverConfig> = {
  instrument: "BTC/USDT:sim",
  interval: "1m",
  fast: 10,
  slow: 30,
  quantity: "0.1",
};

/**
 * Long-only moving-average crossover on bar closes: buys `quantity` with a market order when the fast
 * simple moving average crosses above the slow one, and sells the whole position when it crosses back
 * below. Records `fast_ma` and `slow_ma` at every bar once both are defined.
 */
export default class MaCrossover extends Strategy {
  readonly config: Required<MaCrossoverConfig>;
  private readonly closes: Decimal[] = [];
  private fastAbove: boolean | undefined;
  private trading = false;

  constructor(config: MaCrossoverConfig = {}) {
    super({ id: "ma-crossover" });
    this.config = { ...DEFAULTS, ...config };
    if (!(this.config.fast > 0 && this.config.fast < this.config.slow)) {
      throw new RangeError(
        `fast (${this.config.fast}) must be positive and below slow (${this.config.slow})`,
      );
    }
  }

  override onStart(): void {
    const { instrument, interval } = this.config;
    this.data.bars(instrument, interval).subscribe((bar) => this.onBar(bar));
  }

  private onBar(bar: Bar): void {
    this.closes.push(bar.close);
    if (this.closes.length > this.config.slow) this.closes.shift();
    if (this.closes.length < this.config.slow) return;
    const fast = average(this.closes.slice(-this.config.fast));
    const slow = average(this.closes);
    this.record("fast_ma", fast);
    this.record("slow_ma", slow);

    const above = fast.gt(slow);
    const crossed = this.fastAbove !== undefined && above !== this.fastAbove;
    this.fastAbove = above;
    if (!crossed || this.trading) return;
    const position = this.positions.get(this.config.instrument).quantity;
    if (above && !position.isPositive()) this.trade("buy", Decimal.from(this.config.quantity));
    else if (!above && position.isPositive()) this.trade("sell", position);
  }

  private trade(side: "buy" | "sell", quantity: Decimal): void {
    this.trading = true;
    this.guard(async () => {
      try {
        const order = await this.orders.submit({ instrument: this.config.instrument, side, quantity });
        await order.done;
      } finally {
        this.trading = false;
      }
    });
  }
}

function average(values: readonly Decimal[]): Decimal {
  const sum = values.reduce((a, b) => a.add(b), Decimal.ZERO);
  return sum.div(values.length, { scale: 4 });
}

/** Defaults for `openfloor backtest`: a trending-enough synthetic BTC/USDT market over six hours. */
export const backtest: { instruments: BacktestInstrumentSpec[]; seed: number; to: string } = {
  instruments: [
    {
      symbol: "BTC/USDT",
      base: "BTC",
      quote: "USDT",
      priceIncrement: "0.01",
      sizeIncrement: "0.0001",
      makerFee: "0.0002",
      takerFee: "0.0005",
      market: {
        startPrice: "42000",
        spreadTicks: 2,
        depthLevels: 10,
        levelSize: "2",
        volatilityTicks: 40,
        updateIntervalMs: 1000,
        tradesPerSecond: 2,
        tradeSize: "0.05",
      },
    },
  ],
  seed: 7,
  to: "2024-01-01T06:00:00Z",
};
