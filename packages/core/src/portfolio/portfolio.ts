import type { Nanos } from "../clock/clock.js";
import { PortfolioError } from "../errors/portfolio-error.js";
import type { Instrument } from "../instruments/instrument.js";
import { formatInstrumentId, type InstrumentId } from "../instruments/instrument-id.js";
import { Decimal, type DecimalLike, MAX_SCALE } from "../numbers/decimal.js";
import { Money } from "../numbers/money.js";
import type { Fill } from "../orders/types.js";
import { ConversionRates } from "./conversion-rates.js";
import { fitToDecimal, precisionGuard, ratioUnits } from "./exact-ratio.js";
import { type FundingInput, Position, type PositionOptions } from "./position.js";

/** Options of a `Portfolio`. */
export interface PortfolioOptions {
  /** Currency totals and exposure are reported in, e.g. "USDT". */
  reportCurrency: string;
  /** Instruments fills may refer to; more can be added with `addInstrument`. */
  instruments?: Iterable<Instrument>;
  /**
   * Keep one position per strategy (account + instrument + strategy). Default true; false nets every
   * strategy's fills into one account-level position per instrument (strategyId "").
   */
  perStrategy?: boolean;
  /** Places an amount converted into another currency is rounded to, half-even. Default 8. */
  reportScale?: number;
  /** Options given to every position the portfolio opens. */
  position?: Omit<PositionOptions, "strategyId">;
}

/** Cash held in one currency by one account. `free` = `total` − `locked`; this ledger does not see orders, so `locked` is 0. */
export interface Balance {
  readonly account: string;
  readonly currency: string;
  readonly total: Decimal;
  readonly free: Decimal;
  readonly locked: Decimal;
  readonly tsNs: Nanos;
}

/** Portfolio PnL in the report currency. `netPnl` = realized + unrealized + funding − fees. */
export interface PortfolioTotals {
  readonly realizedPnl: Money;
  readonly unrealizedPnl: Money;
  readonly fundingPnl: Money;
  readonly fees: Money;
  readonly netPnl: Money;
}

/** Exposure in the report currency: gross Σ|notional|, net Σ signed notional, at each position's mark. */
export interface Exposure {
  readonly gross: Money;
  readonly net: Money;
}

/** A funding payment for an account's positions in one perpetual. */
export interface FundingEvent {
  readonly account: string;
  readonly instrument: InstrumentId;
  /** Only this strategy's position; default every position of the account in the instrument. */
  readonly strategyId?: string;
  readonly funding: FundingInput;
  readonly tsNs: Nanos;
}

interface MutableBalance {
  total: Decimal;
  tsNs: Nanos;
}

const CASH_KINDS = new Set<Instrument["kind"]>(["spot", "equity", "etf"]);
const SEP = "\u0000";

/**
 * Many positions, keyed by account + instrument (+ strategy), with marks, conversion rates, cash
 * balances and totals in one report currency.
 *
 * Balances are a cash ledger fed by the same fills: spot, equity and ETF fills exchange base for quote
 * (`q × price × m`), option fills pay or receive the premium in quote, and futures, perpetuals and
 * power futures credit realized PnL and funding to the settlement currency. Every fee is debited in its
 * own currency. `deposit` sets starting cash.
 *
 * @example
 * const pf = new Portfolio({ reportCurrency: "USDT", instruments: [btcUsdtPerp] });
 * pf.applyFill(fill); pf.mark(btcUsdtPerp.id, Decimal.from("61000"));
 * pf.totals().netPnl.toString();
 */
export class Portfolio {
  readonly reportCurrency: string;
  readonly rates = new ConversionRates();
  private readonly reportScale: number;
  private readonly perStrategy: boolean;
  private readonly positionOptions: Omit<PositionOptions, "strategyId">;
  private readonly instruments = new Map<string, Instrument>();
  private readonly marks = new Map<string, Decimal>();
  private readonly byKey = new Map<string, Position>();
  private readonly byInstrument = new Map<string, Position[]>();
  private readonly cash = new Map<string, Map<string, MutableBalance>>();

  constructor(options: PortfolioOptions) {
    this.reportCurrency = options.reportCurrency;
    this.reportScale = options.reportScale ?? 8;
    this.perStrategy = options.perStrategy ?? true;
    this.positionOptions = options.position ?? {};
    if (!Number.isInteger(this.reportScale) || this.reportScale < 0 || this.reportScale > MAX_SCALE) {
      throw new PortfolioError(
        "PORTFOLIO_PRECISION",
        `reportScale must be an integer from 0 to ${MAX_SCALE}, got ${this.reportScale}`,
        { context: { reportScale: this.reportScale } },
      );
    }
    for (const i of options.instruments ?? []) this.addInstrument(i);
  }

  /** Makes an instrument known (replacing an earlier definition with the same id). */
  addInstrument(instrument: Instrument): void {
    this.instruments.set(formatInstrumentId(instrument.id), instrument);
  }

  /** The instrument with this id; PORTFOLIO_UNKNOWN_INSTRUMENT when it was not added. */
  instrument(id: InstrumentId): Instrument {
    const instrument = this.instruments.get(formatInstrumentId(id));
    if (instrument === undefined) {
      throw new PortfolioError(
        "PORTFOLIO_UNKNOWN_INSTRUMENT",
        `instrument ${formatInstrumentId(id)} is not known to the portfolio; add it with addInstrument`,
        { context: { instrument: formatInstrumentId(id) } },
      );
    }
    return instrument;
  }

  /** Sets a conversion rate: 1 `from` = `price` `to`. @example portfolio.setRate("BTC", "USDT", "61000") */
  setRate(from: string, to: string, price: DecimalLike): void {
    this.rates.set(from, to, price);
  }

  /** `amount` of `from` in `to` (default the report currency); see `ConversionRates.convert`. */
  convert(amount: Decimal, from: string, to: string = this.reportCurrency): Decimal {
    return this.rates.convert(amount, from, to, this.reportScale);
  }

  /** Marks every position in the instrument, and the positions opened in it later. */
  mark(instrumentId: InstrumentId, price: Decimal, tsNs?: Nanos): void {
    const instrument = this.instrument(instrumentId);
    const key = formatInstrumentId(instrument.id);
    if (instrument.inverse && !price.isPositive()) {
      throw new PortfolioError(
        "PORTFOLIO_INVALID_PRICE",
        `mark price must be positive for inverse ${key}, got ${price.toString()}`,
        { context: { instrument: key, price: price.toString() } },
      );
    }
    for (const p of this.byInstrument.get(key) ?? []) p.mark(price, tsNs);
    this.marks.set(key, price);
  }

  /** The last mark set for the instrument. */
  markPrice(instrumentId: InstrumentId): Decimal | undefined {
    return this.marks.get(formatInstrumentId(instrumentId));
  }

  /**
   * Applies a fill to its position (opened on first use) and to the cash balances. Returns false for a
   * fill already applied (by `fillId`); nothing changes then.
   */
  applyFill(fill: Fill): boolean {
    const instrument = this.instrument(fill.instrument);
    const position = this.positionFor(instrument, fill.account, this.perStrategy ? fill.strategyId : "");
    const cashKind = CASH_KINDS.has(instrument.kind);
    const premium =
      cashKind || instrument.kind === "option"
        ? precisionGuard(`fill ${fill.fillId} premium`, { fillId: fill.fillId }, () =>
            fill.quantity.mul(fill.price).mul(instrument.multiplier),
          )
        : undefined;
    const realizedBefore = position.realizedPnl;
    if (!position.applyFill(fill)) return false;
    const ts = fill.tsEventNs;
    const buy = fill.side === "buy";
    if (premium !== undefined) {
      this.credit(fill.account, instrument.quote, buy ? premium.neg() : premium, ts);
      if (cashKind) this.credit(fill.account, instrument.base, buy ? fill.quantity : fill.quantity.neg(), ts);
    } else {
      this.credit(fill.account, instrument.settlement, position.realizedPnl.sub(realizedBefore), ts);
    }
    if (!fill.fee.amount.isZero()) this.credit(fill.account, fill.fee.currency, fill.fee.amount.neg(), ts);
    return true;
  }

  /**
   * Applies funding to the account's positions in the instrument and credits the settlement balance;
   * returns the total received (negative when paid). By rate it applies to each matching position; a
   * reported amount must match one position (or none: an account-level position is opened), else
   * PORTFOLIO_AMBIGUOUS_FUNDING.
   */
  applyFunding(event: FundingEvent): Decimal {
    const instrument = this.instrument(event.instrument);
    const key = formatInstrumentId(instrument.id);
    let targets = (this.byInstrument.get(key) ?? []).filter(
      (p) =>
        p.account === event.account && (event.strategyId === undefined || p.strategyId === event.strategyId),
    );
    if ("amount" in event.funding) {
      if (targets.length > 1) {
        throw new PortfolioError(
          "PORTFOLIO_AMBIGUOUS_FUNDING",
          `funding amount for ${event.account} on ${key} matches ${targets.length} strategy positions; ` +
            "give strategyId, or a rate",
          { context: { account: event.account, instrument: key, positions: targets.length } },
        );
      }
      if (targets.length === 0)
        targets = [this.positionFor(instrument, event.account, event.strategyId ?? "")];
    }
    let total = Decimal.ZERO;
    for (const p of targets) {
      const paid = p.applyFunding(event.funding, event.tsNs);
      if (!paid.isZero()) this.credit(event.account, instrument.settlement, paid, event.tsNs);
      total = total.add(paid);
    }
    return total;
  }

  /** Adds cash (negative to withdraw), e.g. the starting balance of an account. */
  deposit(account: string, currency: string, amount: DecimalLike, tsNs: Nanos = 0n): void {
    this.credit(account, currency, Decimal.from(amount), tsNs);
  }

  /** The position, if any fill or funding opened it. `strategyId` is ignored when `perStrategy` is false. */
  position(account: string, instrumentId: InstrumentId, strategyId = ""): Position | undefined {
    return this.byKey.get(this.key(account, formatInstrumentId(instrumentId), strategyId));
  }

  /** Every position, flat ones included, in the order they were opened. */
  positions(): Position[] {
    return [...this.byKey.values()];
  }

  /** Cash of one account in one currency (zero when none). */
  balance(account: string, currency: string): Decimal {
    return this.cash.get(account)?.get(currency)?.total.normalize() ?? Decimal.ZERO;
  }

  /** Every balance of every account. */
  balances(): Balance[] {
    const out: Balance[] = [];
    for (const [account, byCurrency] of this.cash) {
      for (const [currency, b] of byCurrency) {
        const total = b.total.normalize();
        out.push({ account, currency, total, free: total, locked: Decimal.ZERO, tsNs: b.tsNs });
      }
    }
    return out;
  }

  /**
   * PnL of every position in the report currency. Each figure is summed exactly per currency first,
   * then each currency's sum is converted once (see `convert`); a missing rate is PORTFOLIO_NO_RATE.
   */
  totals(): PortfolioTotals {
    const realized = new Map<string, Decimal>();
    const unrealized = new Map<string, Decimal>();
    const funding = new Map<string, Decimal>();
    const fees = new Map<string, Decimal>();
    const add = (m: Map<string, Decimal>, currency: string, v: Decimal): void => {
      if (!v.isZero()) m.set(currency, (m.get(currency) ?? Decimal.ZERO).add(v));
    };
    for (const p of this.byKey.values()) {
      const settlement = p.instrument.settlement;
      add(realized, settlement, p.realizedPnl);
      add(unrealized, settlement, p.unrealizedPnl());
      add(funding, settlement, p.fundingPnl);
      for (const [currency, fee] of p.fees) add(fees, currency, fee);
    }
    const inReport = (m: Map<string, Decimal>): Decimal => {
      let sum = Decimal.ZERO;
      for (const [currency, v] of m) sum = sum.add(this.convert(v, currency));
      return sum.normalize();
    };
    const r = inReport(realized);
    const u = inReport(unrealized);
    const f = inReport(funding);
    const c = inReport(fees);
    const cur = this.reportCurrency;
    return {
      realizedPnl: Money.of(r, cur),
      unrealizedPnl: Money.of(u, cur),
      fundingPnl: Money.of(f, cur),
      fees: Money.of(c, cur),
      netPnl: Money.of(r.add(u).add(f).sub(c).normalize(), cur),
    };
  }

  /**
   * Gross and net exposure in the report currency at each position's mark. A position's notional is
   * `q × mark × m` in quote for linear contracts and spot, `q × m / mark` in base for inverse ones
   * (rounded half-even to the finest places that fit), converted per position.
   */
  exposure(): Exposure {
    let gross = Decimal.ZERO;
    let net = Decimal.ZERO;
    for (const p of this.byKey.values()) {
      const mark = p.markPrice;
      if (p.quantity.isZero() || mark === undefined) continue;
      const i = p.instrument;
      const where = { instrument: formatInstrumentId(i.id), account: p.account };
      const notional = precisionGuard("exposure", where, () =>
        i.inverse
          ? fitToDecimal(ratioUnits([p.quantity, i.multiplier], [mark], MAX_SCALE), MAX_SCALE)
          : p.quantity.mul(mark).mul(i.multiplier),
      );
      const value = this.convert(notional, i.inverse ? i.base : i.quote);
      gross = gross.add(value.abs());
      net = net.add(value);
    }
    const cur = this.reportCurrency;
    return { gross: Money.of(gross.normalize(), cur), net: Money.of(net.normalize(), cur) };
  }

  private key(account: string, instrumentKey: string, strategyId: string): string {
    return `${account}${SEP}${instrumentKey}${SEP}${this.perStrategy ? strategyId : ""}`;
  }

  private positionFor(instrument: Instrument, account: string, strategyId: string): Position {
    const instrumentKey = formatInstrumentId(instrument.id);
    const key = this.key(account, instrumentKey, strategyId);
    let p = this.byKey.get(key);
    if (p === undefined) {
      p = new Position(instrument, account, {
        ...this.positionOptions,
        strategyId: this.perStrategy ? strategyId : "",
      });
      const mark = this.marks.get(instrumentKey);
      if (mark !== undefined) p.mark(mark);
      this.byKey.set(key, p);
      const list = this.byInstrument.get(instrumentKey);
      if (list === undefined) this.byInstrument.set(instrumentKey, [p]);
      else list.push(p);
    }
    return p;
  }

  private credit(account: string, currency: string, amount: Decimal, tsNs: Nanos): void {
    let byCurrency = this.cash.get(account);
    if (byCurrency === undefined) {
      byCurrency = new Map();
      this.cash.set(account, byCurrency);
    }
    const b = byCurrency.get(currency);
    const total = precisionGuard(`balance ${account} ${currency}`, { account, currency }, () =>
      (b?.total ?? Decimal.ZERO).add(amount),
    );
    byCurrency.set(currency, { total, tsNs: b === undefined || tsNs > b.tsNs ? tsNs : b.tsNs });
  }
}
