import {
  Decimal,
  type Fill,
  formatInstrumentId,
  type Instrument,
  type Nanos,
  Position,
  type PositionSnapshot,
} from "@openfloor/core";

/** PnL of a backtest in one currency, exact. `net` = realized + unrealized − fees. */
export interface BacktestPnl {
  readonly currency: string;
  /** Realized by closing trades, before fees. */
  readonly realized: Decimal;
  /** Open positions valued at the last mark. */
  readonly unrealized: Decimal;
  /** Fees paid (negative: rebates earned). */
  readonly fees: Decimal;
  readonly net: Decimal;
}

/** The strategy's net PnL in the report currency at one moment of simulated time. */
export interface EquitySample {
  readonly tsNs: Nanos;
  readonly equity: Decimal;
}

/**
 * The strategy's positions built from its fills with core's exact accounting (the same `Position` the
 * gateway and the SDK use), valued with marks the backtest provides, and the equity curve sampled from
 * them.
 */
export class BacktestLedger {
  readonly samples: EquitySample[] = [];
  private readonly positions = new Map<string, Position>();
  private peak: Decimal | undefined;
  private drawdown = Decimal.ZERO;

  constructor(
    private readonly instruments: ReadonlyMap<string, Instrument>,
    private readonly account: (instrument: Instrument) => string,
    private readonly strategyId: string,
    readonly reportCurrency: string,
    private readonly maxSamples = 100_000,
  ) {}

  applyFill(fill: Fill): void {
    const key = formatInstrumentId(fill.instrument);
    let p = this.positions.get(key);
    if (p === undefined) {
      const instrument = this.instruments.get(key);
      if (instrument === undefined) return;
      p = new Position(instrument, this.account(instrument), {
        strategyId: this.strategyId,
        retainClosedLots: false,
      });
      this.positions.set(key, p);
    }
    p.applyFill(fill);
  }

  /** PnL per settlement currency, valuing open positions with `mark(key)`. */
  pnl(mark: (key: string) => Decimal | undefined): BacktestPnl[] {
    const by = new Map<string, { realized: Decimal; unrealized: Decimal; fees: Decimal }>();
    const entry = (currency: string) => {
      let e = by.get(currency);
      if (e === undefined) {
        e = { realized: Decimal.ZERO, unrealized: Decimal.ZERO, fees: Decimal.ZERO };
        by.set(currency, e);
      }
      return e;
    };
    entry(this.reportCurrency);
    for (const [key, p] of this.positions) {
      const e = entry(p.instrument.settlement);
      e.realized = e.realized.add(p.realizedPnl);
      const m = mark(key);
      if (m !== undefined) e.unrealized = e.unrealized.add(p.unrealizedPnl(m));
      for (const [currency, fee] of p.fees) {
        const f = entry(currency);
        f.fees = f.fees.add(fee);
      }
    }
    return [...by].map(([currency, e]) => ({
      currency,
      realized: e.realized,
      unrealized: e.unrealized,
      fees: e.fees,
      net: e.realized.add(e.unrealized).sub(e.fees),
    }));
  }

  /** Net PnL in the report currency now. */
  equity(mark: (key: string) => Decimal | undefined): Decimal {
    let equity = Decimal.ZERO;
    for (const [key, p] of this.positions) {
      if (p.instrument.settlement !== this.reportCurrency) continue;
      equity = equity.add(p.realizedPnl);
      const m = mark(key);
      if (m !== undefined) equity = equity.add(p.unrealizedPnl(m));
      const fee = p.fees.get(this.reportCurrency);
      if (fee !== undefined) equity = equity.sub(fee);
    }
    return equity;
  }

  /** Takes an equity sample (kept up to `maxSamples`; the drawdown counts every one). */
  sample(tsNs: Nanos, mark: (key: string) => Decimal | undefined): void {
    const equity = this.equity(mark);
    if (this.samples.length < this.maxSamples) this.samples.push({ tsNs, equity });
    if (this.peak === undefined || equity.gt(this.peak)) this.peak = equity;
    const dd = this.peak.sub(equity);
    if (dd.gt(this.drawdown)) this.drawdown = dd;
  }

  /** Largest fall of equity from a previous high over the samples, in the report currency (≥ 0). */
  get maxDrawdown(): Decimal {
    return this.drawdown;
  }

  snapshots(mark: (key: string) => Decimal | undefined): PositionSnapshot[] {
    return [...this.positions].map(([key, p]) => p.snapshot(mark(key)));
  }
}
