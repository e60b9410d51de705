import {
  Decimal,
  type Fill,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  type Logger,
  type Portfolio,
  silentLogger,
} from "@openfloor/core";
import * as x from "../risk/exact.js";
import { type Exposure, type Mark, value } from "../risk/risk-engine.js";

/** One account's net position in one instrument, as the OMS has seen it from fills. */
export interface NetPosition {
  readonly account: string;
  readonly instrument: Instrument;
  /** Signed: positive long. */
  readonly quantity: Decimal;
  /** Price of the last fill, used to value the position when there is no mark. */
  readonly lastFillPrice: Decimal;
}

interface MutablePosition {
  readonly account: string;
  readonly instrument: Instrument;
  quantity: Decimal;
  lastFillPrice: Decimal;
}

export interface AccountPositionsOptions {
  /** Current marks. Default: none (positions are valued at their last fill price). */
  readonly marks?: (id: InstrumentId) => Mark | undefined;
  /**
   * A core `Portfolio` to feed every fill too (PnL, lots, balances for the Portfolio service).
   * Its failures are logged and never reach the order path. Default: none.
   */
  readonly portfolio?: Portfolio;
  /** Default: silent. */
  readonly logger?: Logger;
}

/**
 * Net position per account and instrument, built from the fills the OMS applies, for pre-trade risk:
 * exact quantities and exposure valued at marks (the mid, else the last fill price), per settlement
 * currency. PnL and balances are the core `Portfolio`'s job (pass one to have it fed); this is the
 * small, synchronous view risk needs, and it never throws on a fill.
 */
export class AccountPositions {
  readonly portfolio: Portfolio | undefined;
  private readonly accounts = new Map<string, Map<string, MutablePosition>>();
  private readonly marks: (id: InstrumentId) => Mark | undefined;
  private readonly portfolioInstruments = new Set<string>();
  private readonly log: Logger;

  constructor(options: AccountPositionsOptions = {}) {
    this.marks = options.marks ?? (() => undefined);
    this.portfolio = options.portfolio;
    this.log = (options.logger ?? silentLogger).child({ component: "account-positions" });
  }

  /**
   * Adds one fill to `account`'s position (and to the portfolio, as `account`'s). The OMS calls it
   * once per distinct fill, with the account and strategy of the order it belongs to.
   */
  applyFill(account: string, instrument: Instrument, fill: Fill): void {
    this.applyToNet(account, instrument, fill);
    if (this.portfolio !== undefined) this.applyToPortfolio(this.portfolio, instrument, fill);
  }

  private applyToPortfolio(portfolio: Portfolio, instrument: Instrument, fill: Fill): void {
    try {
      const key = formatInstrumentId(instrument.id);
      if (!this.portfolioInstruments.has(key)) {
        portfolio.addInstrument(instrument);
        this.portfolioInstruments.add(key);
      }
      portfolio.applyFill(fill);
    } catch (error) {
      this.log.error({ err: error, fillId: fill.fillId }, "portfolio could not apply a fill");
    }
  }

  private applyToNet(account: string, instrument: Instrument, fill: Fill): void {
    let byInstrument = this.accounts.get(account);
    if (byInstrument === undefined) {
      byInstrument = new Map();
      this.accounts.set(account, byInstrument);
    }
    const key = formatInstrumentId(instrument.id);
    const signed = fill.side === "buy" ? fill.quantity : fill.quantity.neg();
    const p = byInstrument.get(key);
    if (p === undefined) {
      byInstrument.set(key, { account, instrument, quantity: signed, lastFillPrice: fill.price });
    } else {
      p.quantity = p.quantity.add(signed);
      p.lastFillPrice = fill.price;
    }
  }

  /** Signed net position (zero when none). */
  quantity(account: string, id: InstrumentId): Decimal {
    return this.accounts.get(account)?.get(formatInstrumentId(id))?.quantity ?? Decimal.ZERO;
  }

  /** Gross and net value of the account's positions settling in `currency`, at marks. */
  exposure(account: string, currency: string): Exposure {
    let gross = x.EXACT_ZERO;
    let net = x.EXACT_ZERO;
    for (const p of this.accounts.get(account)?.values() ?? []) {
      if (p.quantity.isZero() || p.instrument.settlement !== currency) continue;
      const mid = this.marks(p.instrument.id)?.mid;
      const price = mid?.isPositive() ? mid : p.lastFillPrice;
      if (!price.isPositive()) continue;
      const v = value(p.instrument, x.exact(p.quantity), price);
      gross = x.add(gross, x.abs(v));
      net = x.add(net, v);
    }
    return { gross: x.toDecimal(gross, "ceil"), net: x.toDecimal(net) };
  }

  /** Every position of one account, or of all accounts, flat ones included. */
  positions(account?: string): NetPosition[] {
    const out: NetPosition[] = [];
    for (const [a, byInstrument] of this.accounts) {
      if (account !== undefined && a !== account) continue;
      for (const p of byInstrument.values()) out.push({ ...p });
    }
    return out;
  }
}
