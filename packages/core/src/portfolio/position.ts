import type { Nanos } from "../clock/clock.js";
import { PortfolioError } from "../errors/portfolio-error.js";
import { type Instrument, priceDecimals } from "../instruments/instrument.js";
import { formatInstrumentId, type InstrumentId, sameInstrument } from "../instruments/instrument-id.js";
import { Decimal, type DecimalLike, MAX_SCALE } from "../numbers/decimal.js";
import { Money } from "../numbers/money.js";
import type { Fill } from "../orders/types.js";
import {
  asPortfolioError,
  type Fixed,
  mulExact,
  precisionGuard,
  ratioUnits,
  rescaleUnits,
  unitsToDecimal,
  WIDE_SCALE,
} from "./exact-ratio.js";
import {
  type ClosedLot,
  checkFillValues,
  DEFAULT_INVERSE_SCALE,
  type LotSide,
  lotPnl,
  type OpenLot,
} from "./lots.js";

/** Options of a `Position`. */
export interface PositionOptions {
  /**
   * The strategy the position belongs to. Default `""`: an account-level position that takes the
   * fills of every strategy.
   */
  strategyId?: string;
  /**
   * Places inverse-contract PnL and funding are rounded to, half-even. Default 18. A Decimal carries
   * about 19 significant digits, so at 18 places an inverse PnL total must stay below ±9.22 settlement
   * units; pass 8 (satoshis, as BitMEX, Binance COIN-M and Bybit settle) for larger books.
   */
  inverseScale?: number;
  /** Keep every closed lot portion in `closedLots`. Default true; false bounds memory on long runs. */
  retainClosedLots?: boolean;
}

/**
 * A funding payment on a perpetual: by rate (the payment is computed from the position) or by the
 * amount the venue reports. `id` (the venue's funding event id) makes a redelivered payment a no-op.
 */
export type FundingInput =
  | { readonly rate: DecimalLike; readonly markPrice: DecimalLike; readonly id?: string }
  /** Signed as received: positive when this position was paid, negative when it paid. */
  | { readonly amount: DecimalLike; readonly id?: string };

/** A point-in-time view of a position as plain data (what goes on the wire). */
export interface PositionSnapshot {
  readonly account: string;
  readonly instrument: InstrumentId;
  /** Empty for an account-level position. */
  readonly strategyId: string;
  /** Signed: positive long, negative short. */
  readonly quantity: Decimal;
  /** Undefined when flat. Display value (see `Position.averageEntryPrice`). */
  readonly averageEntryPrice: Decimal | undefined;
  readonly realizedPnl: Money;
  readonly unrealizedPnl: Money;
  /** Undefined when no mark or fill price is known yet. */
  readonly markPrice: Decimal | undefined;
  /** One entry per fee currency, positive = paid. */
  readonly fees: readonly Money[];
  readonly tsNs: Nanos;
}

interface LotRecord {
  readonly fillId: string;
  readonly tsNs: Nanos;
  readonly price: Decimal;
  /** Remaining, positive. */
  readonly quantity: Decimal;
  /** Inverse only: quantity × multiplier / price at WIDE_SCALE places; 0n for linear. */
  readonly wide: bigint;
}

const COMPACT_AFTER = 256;

/**
 * A netting position in one instrument for one account (and optionally one strategy), built from
 * fills. Fills are de-duplicated by `fillId`: applying one twice is a no-op. The position remembers
 * every fill id it applied (and, unless `retainClosedLots` is false, every closed lot portion), so its
 * memory grows with the number of fills.
 *
 * Accounting is exact and FIFO: every fill that adds to the position opens a lot at its price; a fill
 * against it closes the oldest lots first and realizes, per closed portion, `q × (exit − entry) × m`
 * (linear, exact) or `q × m × (1/entry − 1/exit)` (inverse, one half-even rounding to `inverseScale`),
 * negated for shorts. A fill larger than the position closes it and opens the remainder at its price.
 * The cost basis is the exact sum of the open lots, so realized + unrealized − fees equals the fills'
 * cash flows to the last unit on a linear contract. The average entry price is derived from it for
 * display only and never feeds PnL.
 *
 * All PnL is in `instrument.settlement`; realized PnL is before fees and funding, which are kept apart.
 * Funding sign (Binance, Bybit): a positive rate means longs pay shorts.
 *
 * @example
 * const p = new Position(btcUsdtPerp, "acct-1");
 * p.applyFill(fill); p.mark(Decimal.from("61000"));
 * p.unrealizedPnl().toString();
 */
export class Position {
  readonly instrument: Instrument;
  readonly account: string;
  readonly strategyId: string;
  /** Rounding scale of inverse PnL and funding (see `PositionOptions.inverseScale`). */
  readonly inverseScale: number;

  private readonly retainClosed: boolean;
  private readonly fillIds = new Set<string>();
  private readonly fundingIds = new Set<string>();
  private lotRecords: LotRecord[] = [];
  private head = 0;
  private readonly closed: ClosedLot[] = [];
  private qty = Decimal.ZERO;
  /** Linear: Σ lot quantity × price, exact. */
  private cost = Decimal.ZERO;
  /** Inverse: Σ lot quantity × multiplier / price at WIDE_SCALE. */
  private wideValue = 0n;
  private realized = Decimal.ZERO;
  private funding = Decimal.ZERO;
  private readonly feeTotals = new Map<string, Decimal>();
  private lastFillPrice: Decimal | undefined;
  private markValue: Decimal | undefined;
  private fills = 0;
  private updatedNs: Nanos = 0n;

  constructor(instrument: Instrument, account: string, options: PositionOptions = {}) {
    this.instrument = instrument;
    this.account = account;
    this.strategyId = options.strategyId ?? "";
    this.inverseScale = options.inverseScale ?? DEFAULT_INVERSE_SCALE;
    this.retainClosed = options.retainClosedLots ?? true;
    if (!Number.isInteger(this.inverseScale) || this.inverseScale < 0 || this.inverseScale > MAX_SCALE) {
      throw new PortfolioError(
        "PORTFOLIO_PRECISION",
        `inverseScale must be an integer from 0 to ${MAX_SCALE}, got ${this.inverseScale}`,
        { context: { inverseScale: this.inverseScale } },
      );
    }
  }

  /** Signed quantity: positive long, negative short, in contracts (base units for spot). */
  get quantity(): Decimal {
    return this.qty;
  }

  get side(): LotSide | "flat" {
    return this.qty.isZero() ? "flat" : this.qty.isPositive() ? "long" : "short";
  }

  /** Realized PnL in settlement currency, before fees and funding; exact sum of `closedLots` gains. */
  get realizedPnl(): Decimal {
    return this.realized.normalize();
  }

  /** Funding received (positive) or paid (negative), in settlement currency. */
  get fundingPnl(): Decimal {
    return this.funding.normalize();
  }

  /** Fees paid per currency (a rebate counts negative). */
  get fees(): ReadonlyMap<string, Decimal> {
    return this.feeTotals;
  }

  /** The price unrealized PnL is valued at: the last `mark()`, or the last fill price before any mark. */
  get markPrice(): Decimal | undefined {
    return this.markValue ?? this.lastFillPrice;
  }

  /** Number of distinct fills applied. */
  get fillCount(): number {
    return this.fills;
  }

  /** Time of the last fill, mark or funding applied (ns since epoch); 0n before any. */
  get tsNs(): Nanos {
    return this.updatedNs;
  }

  /** Open FIFO lots, oldest first; their quantities sum to |quantity|. */
  get lots(): readonly OpenLot[] {
    const side: LotSide = this.qty.isNegative() ? "short" : "long";
    const out: OpenLot[] = [];
    for (let i = this.head; i < this.lotRecords.length; i++) {
      const l = this.lotRecords[i]!;
      out.push({ fillId: l.fillId, side, quantity: l.quantity, price: l.price, tsNs: l.tsNs });
    }
    return out;
  }

  /** Every closed lot portion in close order (empty when `retainClosedLots` is false). */
  get closedLots(): readonly ClosedLot[] {
    return this.closed;
  }

  /**
   * Average entry price of the open lots, undefined when flat. For display only: rounded half-even to
   * the price increment's places + 8 (at most 18). Linear: cost basis / |quantity|; inverse: the
   * harmonic mean |quantity| × m / Σ(lot quantity × m / lot price), as inverse venues report it.
   */
  get averageEntryPrice(): Decimal | undefined {
    if (this.qty.isZero()) return undefined;
    const scale = Math.min(MAX_SCALE, priceDecimals(this.instrument) + 8);
    const absQty = this.qty.abs();
    if (!this.instrument.inverse) return this.cost.div(absQty, { scale }).normalize();
    const wide: Fixed = { units: this.wideValue, scale: WIDE_SCALE };
    return unitsToDecimal(ratioUnits([absQty, this.instrument.multiplier], [wide], scale), scale);
  }

  /**
   * Value paid for the open lots in settlement currency (unsigned): linear Σ q × price × m, exact;
   * inverse Σ q × m / price, rounded half-even to `inverseScale`.
   */
  costBasis(): Decimal {
    return precisionGuard("cost basis", this.where(), () => {
      if (!this.instrument.inverse) return this.cost.mul(this.instrument.multiplier).normalize();
      return unitsToDecimal(rescaleUnits(this.wideValue, WIDE_SCALE, this.inverseScale), this.inverseScale);
    });
  }

  /**
   * Unrealized PnL at `markPrice` (default: `this.markPrice`) in settlement currency. Linear:
   * `±(|q| × mark − cost basis) × m`, exact. Inverse: `±(Σ lot q × m / lot price − |q| × m / mark)`,
   * computed at 36 places and rounded once, half-even, to `inverseScale`.
   */
  unrealizedPnl(markPrice?: DecimalLike): Decimal {
    if (this.qty.isZero()) return Decimal.ZERO;
    const mark = markPrice === undefined ? this.markPrice : Decimal.from(markPrice);
    if (mark === undefined) return Decimal.ZERO;
    this.checkPrice(mark, "mark price");
    const long = this.qty.isPositive();
    const absQty = this.qty.abs();
    return precisionGuard("unrealized PnL", this.where(), () => {
      if (!this.instrument.inverse) {
        const pnl = absQty.mul(mark).sub(this.cost).mul(this.instrument.multiplier).normalize();
        return long ? pnl : pnl.neg();
      }
      const atMark = ratioUnits([absQty, this.instrument.multiplier], [mark], WIDE_SCALE);
      const diff = long ? this.wideValue - atMark : atMark - this.wideValue;
      return unitsToDecimal(rescaleUnits(diff, WIDE_SCALE, this.inverseScale), this.inverseScale);
    });
  }

  /** realized + unrealized + funding − fees paid in the settlement currency (fees in other currencies are not in it). */
  netPnl(markPrice?: DecimalLike): Decimal {
    const fee = this.feeTotals.get(this.instrument.settlement) ?? Decimal.ZERO;
    return this.realized.add(this.unrealizedPnl(markPrice)).add(this.funding).sub(fee);
  }

  /** Sets the mark price unrealized PnL is valued at. */
  mark(price: Decimal, tsNs?: Nanos): void {
    this.checkPrice(price, "mark price");
    this.markValue = price;
    if (tsNs !== undefined && tsNs > this.updatedNs) this.updatedNs = tsNs;
  }

  /**
   * Applies one fill. Returns false (and changes nothing) when a fill with this `fillId` was applied
   * before. A fill for another account, instrument or strategy is a PORTFOLIO_MISMATCH error; a negative
   * quantity, a non-positive inverse price or a fee without currency is PORTFOLIO_INVALID_FILL. On any
   * error the position is left as it was.
   */
  applyFill(fill: Fill): boolean {
    if (this.fillIds.has(fill.fillId)) return false;
    this.checkOwner(fill);
    const instrument = this.instrument;
    checkFillValues(fill, instrument.inverse);
    const buy = fill.side === "buy";
    const price = fill.price;
    const m = instrument.multiplier;
    const inverse = instrument.inverse;
    const lotRecords = this.lotRecords;

    const retain = this.retainClosed;
    // Everything is computed first and committed after, so a precision error leaves no half-applied fill.
    let left = fill.quantity;
    let idx = this.head;
    let partial: LotRecord | undefined;
    let opened: LotRecord | undefined;
    let closed: ClosedLot[] | undefined;
    let realized = this.realized;
    let cost = this.cost;
    let wide = this.wideValue;
    let feeTotal: Decimal | undefined;
    let qty: Decimal;
    try {
      const openSide: LotSide = this.qty.isPositive() ? "long" : "short";
      if (!this.qty.isZero() && this.qty.isPositive() !== buy) {
        while (left.isPositive() && idx < lotRecords.length) {
          const lot = lotRecords[idx]!;
          const take = left.lt(lot.quantity) ? left : lot.quantity;
          const pnl = lotPnl(openSide, take, lot.price, price, m, inverse, this.inverseScale);
          if (retain) {
            closed ??= [];
            closed.push({
              openFillId: lot.fillId,
              closeFillId: fill.fillId,
              side: openSide,
              quantity: take,
              openPrice: lot.price,
              closePrice: price,
              openTsNs: lot.tsNs,
              closeTsNs: fill.tsEventNs,
              realizedPnl: pnl,
            });
          }
          realized = realized.add(pnl);
          left = left.sub(take);
          if (!inverse) cost = cost.sub(mulExact(take, lot.price));
          if (take === lot.quantity) {
            wide -= lot.wide;
            idx++;
          } else {
            const rest = lot.quantity.sub(take);
            const restWide = inverse ? ratioUnits([rest, m], [lot.price], WIDE_SCALE) : 0n;
            wide += restWide - lot.wide;
            partial = { ...lot, quantity: rest, wide: restWide };
          }
        }
      }
      if (left.isPositive()) {
        const openWide = inverse ? ratioUnits([left, m], [price], WIDE_SCALE) : 0n;
        opened = { fillId: fill.fillId, tsNs: fill.tsEventNs, price, quantity: left, wide: openWide };
        if (inverse) wide += openWide;
        else cost = cost.add(mulExact(left, price));
      }
      const fee = fill.fee;
      if (!fee.amount.isZero()) feeTotal = (this.feeTotals.get(fee.currency) ?? Decimal.ZERO).add(fee.amount);
      qty = buy ? this.qty.add(fill.quantity) : this.qty.sub(fill.quantity);
    } catch (error) {
      throw asPortfolioError(error, `fill ${fill.fillId}`, () => ({ ...this.where(), fillId: fill.fillId }));
    }

    this.fillIds.add(fill.fillId);
    this.fills++;
    if (partial !== undefined) lotRecords[idx] = partial;
    this.head = idx;
    if (idx >= lotRecords.length) {
      this.lotRecords = [];
      this.head = 0;
    } else if (idx >= COMPACT_AFTER && idx * 2 >= lotRecords.length) {
      this.lotRecords = lotRecords.slice(idx);
      this.head = 0;
    }
    if (opened !== undefined) this.lotRecords.push(opened);
    if (closed !== undefined) for (const c of closed) this.closed.push(c);
    this.qty = qty;
    this.realized = realized;
    // Exactly zero when flat; reset so the scale of old prices does not linger.
    this.cost = qty.isZero() ? Decimal.ZERO : cost;
    this.wideValue = wide;
    if (feeTotal !== undefined) this.feeTotals.set(fill.fee.currency, feeTotal);
    this.lastFillPrice = price;
    if (fill.tsEventNs > this.updatedNs) this.updatedNs = fill.tsEventNs;
    return true;
  }

  /**
   * Applies a perpetual's funding and returns the payment received (negative when paid; zero for a
   * redelivered `id`). By rate: linear `−q × m × mark × rate` (exact; rounded half-even to 18 places
   * only if finer), inverse `−q × m × rate / mark` (half-even to `inverseScale`), with q signed, so with
   * a positive rate longs pay and shorts receive.
   * @example position.applyFunding({ rate: "0.0001", markPrice: "61000", id: "f-1" }, tsNs)
   */
  applyFunding(input: FundingInput, tsNs: Nanos): Decimal {
    if (input.id !== undefined && this.fundingIds.has(input.id)) return Decimal.ZERO;
    let payment: Decimal;
    if ("amount" in input) {
      payment = Decimal.from(input.amount);
    } else {
      const rate = Decimal.from(input.rate);
      const mark = Decimal.from(input.markPrice);
      this.checkPrice(mark, "funding mark price");
      const m = this.instrument.multiplier;
      payment = precisionGuard("funding", this.where(), () => {
        if (this.instrument.inverse) {
          const s = this.inverseScale;
          return unitsToDecimal(ratioUnits([this.qty, m, rate], [mark], s), s).neg();
        }
        const factors = [this.qty, m, mark, rate];
        const exactScale = factors.reduce((acc, f) => acc + f.scale, 0);
        const s = Math.min(MAX_SCALE, exactScale);
        return unitsToDecimal(ratioUnits(factors, [], s), s).neg();
      });
    }
    this.funding = precisionGuard("funding", this.where(), () => this.funding.add(payment));
    if (input.id !== undefined) this.fundingIds.add(input.id);
    if (tsNs > this.updatedNs) this.updatedNs = tsNs;
    return payment;
  }

  /** A plain-data view, valued at `markPrice` (default `this.markPrice`). */
  snapshot(markPrice?: DecimalLike): PositionSnapshot {
    const settlement = this.instrument.settlement;
    const mark = markPrice === undefined ? this.markPrice : Decimal.from(markPrice);
    return {
      account: this.account,
      instrument: this.instrument.id,
      strategyId: this.strategyId,
      quantity: this.qty,
      averageEntryPrice: this.averageEntryPrice,
      realizedPnl: Money.of(this.realized, settlement),
      unrealizedPnl: Money.of(mark === undefined ? Decimal.ZERO : this.unrealizedPnl(mark), settlement),
      markPrice: mark,
      fees: [...this.feeTotals].map(([currency, amount]) => Money.of(amount, currency)),
      tsNs: this.updatedNs,
    };
  }

  private where(): Record<string, unknown> {
    return {
      account: this.account,
      instrument: formatInstrumentId(this.instrument.id),
      strategyId: this.strategyId,
    };
  }

  private checkOwner(fill: Fill): void {
    const field = !sameInstrument(fill.instrument, this.instrument.id)
      ? "instrument"
      : fill.account !== this.account
        ? "account"
        : this.strategyId !== "" && fill.strategyId !== this.strategyId
          ? "strategyId"
          : undefined;
    if (field === undefined) return;
    throw new PortfolioError(
      "PORTFOLIO_MISMATCH",
      `fill ${fill.fillId} (${fill.account}, ${formatInstrumentId(fill.instrument)}, strategy ` +
        `${JSON.stringify(fill.strategyId)}) does not belong to the position (${this.account}, ` +
        `${formatInstrumentId(this.instrument.id)}, strategy ${JSON.stringify(this.strategyId)}): ${field} differs`,
      { context: { ...this.where(), fillId: fill.fillId, field } },
    );
  }

  private checkPrice(price: Decimal, what: string): void {
    if (this.instrument.inverse && !price.isPositive()) {
      throw new PortfolioError(
        "PORTFOLIO_INVALID_PRICE",
        `${what} must be positive for inverse ${formatInstrumentId(this.instrument.id)}, got ${price.toString()}`,
        { context: { ...this.where(), price: price.toString() } },
      );
    }
  }
}
