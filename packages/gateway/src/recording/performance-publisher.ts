import {
  type Clock,
  ConversionRates,
  Decimal,
  type DecimalLike,
  type Fill,
  type Instrument,
  type InstrumentId,
  type MarketEvent,
  Money,
  type Nanos,
  Portfolio,
  type pb,
} from "@openfloor/core";

/** Options of `PerformancePublisher`. */
export interface PerformancePublisherOptions {
  /** Snapshots are taken every `intervalMs` of this clock (a `SimulatedClock` in tests and backtests). */
  clock: Clock;
  /**
   * Where each snapshot goes. Example: `(s) => recorder.record("performance", s, clock.nowMs())`
   */
  publish(snapshot: pb.PerformanceSnapshot): void;
  /** Instruments fills may refer to. */
  instruments: readonly Instrument[];
  /** Currency of every figure. Default `"USDT"`. */
  reportCurrency?: string;
  /** Conversion rates into the report currency. */
  rates?: readonly { readonly from: string; readonly to: string; readonly price: DecimalLike }[];
  /** Time between snapshots. Default 1000 ms. */
  intervalMs?: number;
}

interface StrategyTotals {
  orders: number;
  fills: number;
  volume: Decimal;
  /** Highest total PnL seen (at fills and snapshots), for the drawdown. */
  peak: Decimal;
}

/** Per-strategy figures in the report currency. */
export interface StrategyPerformance {
  readonly strategyId: string;
  /** realized + unrealized − fees. */
  readonly totalPnl: Decimal;
  readonly realizedPnl: Decimal;
  readonly unrealizedPnl: Decimal;
  /** Peak total PnL minus the current one (≥ 0). */
  readonly drawdown: Decimal;
  readonly grossExposure: Decimal;
  readonly orders: number;
  readonly fills: number;
  /** Σ |quantity × price × multiplier| of the fills. */
  readonly tradedVolume: Decimal;
  readonly fees: Decimal;
}

/**
 * The live performance stream: per strategy PnL (exact, from core positions), drawdown from the
 * peak, gross exposure at the marks and fill statistics, published as a `PerformanceSnapshot` per
 * strategy every `intervalMs` on the given clock. Feed it the gateway's fills and order events
 * (`ExecutionEngine.onUpdate`) and its market data (marks: trade prices and quote mids).
 *
 * @example
 * const perf = new PerformancePublisher({ clock, instruments, publish: (s) => recorder.record("performance", s, clock.nowMs()) });
 * engine.onUpdate((u) => (u.kind === "fill" ? perf.onFill(u.fill) : perf.onOrderEvent(u.strategyId, u.event.kind)));
 * perf.start();
 */
export class PerformancePublisher {
  private readonly portfolio: Portfolio;
  private readonly totals = new Map<string, StrategyTotals>();
  private readonly reportCurrency: string;
  private readonly rates = new ConversionRates();
  private cancel: (() => void) | undefined;

  constructor(private readonly options: PerformancePublisherOptions) {
    this.reportCurrency = options.reportCurrency ?? "USDT";
    this.portfolio = new Portfolio({
      reportCurrency: this.reportCurrency,
      instruments: options.instruments,
      perStrategy: true,
      position: { retainClosedLots: false },
    });
    for (const r of options.rates ?? []) {
      this.rates.set(r.from, r.to, r.price);
      this.portfolio.setRate(r.from, r.to, r.price);
    }
  }

  /** Counts an order of a strategy when it is submitted. */
  onOrderEvent(strategyId: string, kind: string): void {
    if (kind === "submitted") this.totalsOf(strategyId).orders++;
  }

  /** Applies a fill (duplicates by fill id are ignored). */
  onFill(fill: Fill): void {
    if (!this.portfolio.applyFill(fill)) return;
    const t = this.totalsOf(fill.strategyId);
    t.fills++;
    const instrument = this.portfolio.instrument(fill.instrument);
    const notional = fill.quantity.mul(fill.price).mul(instrument.multiplier).abs();
    t.volume = t.volume.add(this.convert(notional, instrument.inverse ? instrument.base : instrument.quote));
    this.updatePeak(fill.strategyId);
  }

  /** Marks with a trade price or a quote mid; other events and unknown instruments are ignored. */
  onMarketEvent(event: MarketEvent): void {
    if (event.type === "trade") this.mark(event.instrument, event.price, event.tsEventNs);
    else if (event.type === "quote" && event.bidPrice.isPositive() && event.askPrice.isPositive()) {
      const scale = Math.min(18, Math.max(event.bidPrice.scale, event.askPrice.scale) + 1);
      this.mark(event.instrument, event.bidPrice.add(event.askPrice).div(2, { scale }), event.tsEventNs);
    }
  }

  mark(instrument: InstrumentId, price: Decimal, tsNs?: Nanos): void {
    try {
      this.portfolio.mark(instrument, price, tsNs);
    } catch {
      // Not an instrument this publisher values.
    }
  }

  /** Figures of one strategy now. */
  performance(strategyId: string): StrategyPerformance {
    const t = this.totalsOf(strategyId);
    let realized = Decimal.ZERO;
    let unrealized = Decimal.ZERO;
    let fees = Decimal.ZERO;
    let gross = Decimal.ZERO;
    for (const p of this.portfolio.positions()) {
      if (p.strategyId !== strategyId) continue;
      const i = p.instrument;
      realized = realized.add(this.convert(p.realizedPnl, i.settlement));
      unrealized = unrealized.add(this.convert(p.unrealizedPnl(), i.settlement));
      for (const [currency, amount] of p.fees) fees = fees.add(this.convert(amount, currency));
      const mark = p.markPrice;
      if (!p.quantity.isZero() && mark !== undefined && mark.isPositive()) {
        const notional = i.inverse
          ? p.quantity.mul(i.multiplier).div(mark, { scale: 18 })
          : p.quantity.mul(mark).mul(i.multiplier);
        gross = gross.add(this.convert(notional.abs(), i.inverse ? i.base : i.quote));
      }
    }
    const total = realized.add(unrealized).sub(fees);
    if (total.gt(t.peak)) t.peak = total;
    return {
      strategyId,
      totalPnl: total.normalize(),
      realizedPnl: realized.normalize(),
      unrealizedPnl: unrealized.normalize(),
      drawdown: t.peak.sub(total).normalize(),
      grossExposure: gross.normalize(),
      orders: t.orders,
      fills: t.fills,
      tradedVolume: t.volume.normalize(),
      fees: fees.normalize(),
    };
  }

  /** The snapshot of every strategy seen, as published. */
  snapshots(): pb.PerformanceSnapshot[] {
    const cur = this.reportCurrency;
    const ts = this.options.clock.now();
    return [...this.totals.keys()].sort().map((strategyId) => {
      const f = this.performance(strategyId);
      return {
        strategyId,
        totalPnl: Money.of(f.totalPnl, cur).toProto(),
        realizedPnl: Money.of(f.realizedPnl, cur).toProto(),
        unrealizedPnl: Money.of(f.unrealizedPnl, cur).toProto(),
        drawdown: Money.of(f.drawdown, cur).toProto(),
        grossExposure: Money.of(f.grossExposure, cur).toProto(),
        orders: BigInt(f.orders),
        fills: BigInt(f.fills),
        tradedVolume: f.tradedVolume.toProto(),
        fees: Money.of(f.fees, cur).toProto(),
        tsNs: ts,
      };
    });
  }

  /** Publishes every `intervalMs` from now on. */
  start(): void {
    if (this.cancel !== undefined) return;
    const tick = () => {
      for (const s of this.snapshots()) this.options.publish(s);
      this.cancel = this.options.clock.setTimer(this.options.intervalMs ?? 1000, tick);
    };
    this.cancel = this.options.clock.setTimer(this.options.intervalMs ?? 1000, tick);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private totalsOf(strategyId: string): StrategyTotals {
    let t = this.totals.get(strategyId);
    if (t === undefined) {
      t = { orders: 0, fills: 0, volume: Decimal.ZERO, peak: Decimal.ZERO };
      this.totals.set(strategyId, t);
    }
    return t;
  }

  private updatePeak(strategyId: string): void {
    this.performance(strategyId);
  }

  private convert(amount: Decimal, currency: string): Decimal {
    return this.rates.convert(amount, currency, this.reportCurrency, 8);
  }
}
