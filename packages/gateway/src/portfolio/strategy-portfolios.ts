import {
  type Balance,
  type Decimal,
  type Fill,
  type Instrument,
  type InstrumentId,
  type Logger,
  Portfolio,
  type PositionSnapshot,
} from "@openfloor/core";

export interface StrategyPortfoliosDeps {
  readonly logger: Logger;
  /** The instrument a fill refers to. */
  readonly instrument: (id: InstrumentId) => Instrument | undefined;
  /** Current mark (mid, else last trade) to value positions with. */
  readonly markPrice: (id: InstrumentId) => Decimal | undefined;
}

/**
 * Positions per strategy, account and instrument, and the cash ledger per account, built from the
 * fills the OMS applies (for PortfolioService). Positions are valued at the data engine's marks when
 * read; nothing here runs on the order path.
 */
export class StrategyPortfolios {
  private readonly portfolio = new Portfolio({ reportCurrency: "USD", perStrategy: true });
  private readonly listeners = new Set<(position: PositionSnapshot) => void>();

  constructor(private readonly deps: StrategyPortfoliosDeps) {}

  /** Applies a fill once (duplicates by fill id are ignored) and tells listeners the new position. */
  applyFill(fill: Fill): void {
    const instrument = this.deps.instrument(fill.instrument);
    if (instrument === undefined) {
      this.deps.logger.warn({ fillId: fill.fillId }, "fill for an unknown instrument; position not tracked");
      return;
    }
    this.portfolio.addInstrument(instrument);
    if (!this.portfolio.applyFill(fill)) return;
    const position = this.portfolio.position(fill.account, fill.instrument, fill.strategyId);
    if (position === undefined) return;
    const snapshot = position.snapshot(this.deps.markPrice(fill.instrument) ?? position.markPrice);
    for (const listener of this.listeners) listener(snapshot);
  }

  /** Positions of one strategy, valued at current marks. */
  positions(strategyId: string): PositionSnapshot[] {
    return this.portfolio
      .positions()
      .filter((p) => p.strategyId === strategyId)
      .map((p) => p.snapshot(this.deps.markPrice(p.instrument.id) ?? p.markPrice));
  }

  /** Cash balances of one account from the fills seen (the venue's own view comes from the adapter). */
  balances(account: string): Balance[] {
    return this.portfolio.balances().filter((b) => b.account === account);
  }

  onPosition(listener: (position: PositionSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
