import {
  type Clock,
  Decimal,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  type OrderRequest,
  type Reason,
} from "@openfloor/core";
import * as x from "./exact.js";
import { SlidingWindowRateLimiter } from "./rate-limiter.js";
import type { RiskReasonCode } from "./reason-codes.js";
import { describeRiskLimits, limitFor, type RiskLimits } from "./risk-limits.js";

/** Who is trading: the authenticated strategy and the account its orders go to. */
export interface StrategyIdentity {
  readonly strategyId: string;
  readonly account: string;
}

/** `active`: everything allowed; `reducing-only`: only orders that shrink |position|; `halted`: nothing new. */
export type TradingState = "active" | "reducing-only" | "halted";

/** How strict each trading state is: `active` 0, `reducing-only` 1, `halted` 2 (also the metrics' encoding). */
export const TRADING_STATE_SEVERITY: Readonly<Record<TradingState, number>> = {
  active: 0,
  "reducing-only": 1,
  halted: 2,
};

/** The stricter of two trading states (`a` when they are equally strict). */
export function stricterTradingState(a: TradingState, b: TradingState): TradingState {
  return TRADING_STATE_SEVERITY[b] > TRADING_STATE_SEVERITY[a] ? b : a;
}

/** A reason with one of the risk engine's codes. */
export interface RiskReason extends Reason {
  readonly code: RiskReasonCode;
}

/** Current reference prices of an instrument; `mid` is (best bid + best ask) / 2. */
export interface Mark {
  readonly mid?: Decimal;
}

/** Value of an account's positions in one currency, at marks. */
export interface Exposure {
  /** Σ |position value|. */
  readonly gross: Decimal;
  /** Σ signed position value (long positive). */
  readonly net: Decimal;
}

/**
 * What the OMS knows about orders already working, passed with each check: the strategy's open order
 * count and the account's open quantity on the instrument per side (leaves, not yet filled).
 */
export interface WorkingOrders {
  readonly strategyOpenOrders: number;
  readonly openBuyQuantity: Decimal;
  readonly openSellQuantity: Decimal;
}

export const NO_WORKING_ORDERS: WorkingOrders = {
  strategyOpenOrders: 0,
  openBuyQuantity: Decimal.ZERO,
  openSellQuantity: Decimal.ZERO,
};

export interface RiskEngineDeps {
  /** Limits in force. Default: none. */
  readonly limits?: RiskLimits;
  readonly clock: Clock;
  /** Current mark of an instrument (fat-finger band, valuing market orders). */
  readonly marks: (id: InstrumentId) => Mark | undefined;
  /** Signed net position of an account in an instrument (long positive). */
  readonly positions: (account: string, id: InstrumentId) => Decimal;
  /** Exposure of an account in one settlement currency, at marks. */
  readonly exposure: (account: string, currency: string) => Exposure;
}

/** Options of one check. */
export interface RiskCheckOptions {
  /**
   * The request is an amend of a working order (already counted among open orders; its leaves are
   * already excluded from `working` by the caller). Default: false.
   */
  readonly amend?: boolean;
  /**
   * For an amend: the order's filled quantity. The position checks count only the rest
   * (`quantity − alreadyFilled`), which is what can still trade; size and notional checks use the
   * whole quantity. Default: zero.
   */
  readonly alreadyFilled?: Decimal;
}

const BPS = x.exact(Decimal.from(10_000));

/**
 * Pre-trade risk: decides, synchronously and without I/O, whether an order may go to the venue.
 * A failed check is a `RiskReason` the OMS turns into a `denied` order event; nothing is thrown.
 *
 * Checks, in order: trading state and kill switch, order quantity, price band, order notional,
 * reducing-only state, position, gross and net exposure, open orders, order rate. The rate check
 * is last because a passing check counts towards the rate.
 */
export class RiskEngine {
  private limits: RiskLimits;
  private state: TradingState = "active";
  private stateBeforeKill: TradingState | undefined;
  private killReason: string | undefined;
  private readonly rate = new SlidingWindowRateLimiter();
  private readonly deps: RiskEngineDeps;

  constructor(deps: RiskEngineDeps) {
    this.deps = deps;
    this.limits = deps.limits ?? {};
  }

  get tradingState(): TradingState {
    return this.state;
  }

  get killSwitchEngaged(): boolean {
    return this.stateBeforeKill !== undefined;
  }

  get currentLimits(): RiskLimits {
    return this.limits;
  }

  /** Replaces the limits in force (rate windows start afresh). Returns a summary for logs and Admin. */
  setLimits(limits: RiskLimits): string {
    this.limits = limits;
    this.rate.reset();
    return describeRiskLimits(limits);
  }

  /** Sets the trading state; while the kill switch is engaged it stays halted and this takes effect on release. */
  setTradingState(state: TradingState): void {
    if (this.stateBeforeKill !== undefined) this.stateBeforeKill = state;
    else this.state = state;
  }

  /** Halts trading until `releaseKillSwitch`. Returns false if it was already engaged. */
  engageKillSwitch(reason: string): boolean {
    if (this.stateBeforeKill !== undefined) return false;
    this.stateBeforeKill = this.state;
    this.killReason = reason;
    this.state = "halted";
    return true;
  }

  /** Restores the trading state in force before the kill switch. Returns false if it was not engaged. */
  releaseKillSwitch(): boolean {
    if (this.stateBeforeKill === undefined) return false;
    this.state = this.stateBeforeKill;
    this.stateBeforeKill = undefined;
    this.killReason = undefined;
    return true;
  }

  /**
   * Checks one order (or the order an amend would leave) for `who`. `instrument` must be the
   * instrument of `request`. Returns the first failed check, or undefined when the order may go.
   */
  check(
    who: StrategyIdentity,
    request: OrderRequest,
    instrument: Instrument,
    working: WorkingOrders = NO_WORKING_ORDERS,
    options: RiskCheckOptions = {},
  ): RiskReason | undefined {
    if (this.state === "halted") {
      return deny(
        "TRADING_HALTED",
        this.killReason === undefined
          ? "trading is halted"
          : `trading is halted by the kill switch: ${this.killReason}`,
      );
    }
    const limits = this.limits;
    const instrumentKey = formatInstrumentId(instrument.id);
    const quantity = request.quantity;

    const maxQty = limitFor(limits.maxOrderQuantity, instrumentKey);
    if (maxQty !== undefined && quantity.gt(maxQty)) {
      return deny(
        "RISK_MAX_ORDER_QTY",
        `order quantity ${quantity.toString()} exceeds the limit ${maxQty.toString()} for ${instrumentKey}`,
        "quantity",
      );
    }

    const mid = this.deps.marks(instrument.id)?.mid;
    const limitPrice = request.price ?? request.triggerPrice;
    const band = limitFor(limits.priceBandBps, instrumentKey);
    if (band !== undefined && limitPrice !== undefined && mid?.isPositive()) {
      // |price − mid| / mid > band / 10 000, cross-multiplied to stay exact.
      const distance = x.mul(x.abs(x.sub(x.exact(limitPrice), x.exact(mid))), BPS);
      if (x.cmp(distance, x.mul(x.exact(band), x.exact(mid))) > 0) {
        return deny(
          "RISK_PRICE_BAND",
          `price ${limitPrice.toString()} is more than ${band.toString()} bps from the mid ${mid.toString()}`,
          request.price === undefined ? "triggerPrice" : "price",
        );
      }
    }

    // Price an order is valued at: its own limit (or trigger) price, else the mid for market orders.
    const valuePrice = limitPrice ?? mid;
    const maxNotional = limitFor(limits.maxOrderNotional, instrumentKey);
    if (maxNotional !== undefined) {
      if (valuePrice === undefined || !valuePrice.isPositive()) {
        return deny("RISK_MAX_NOTIONAL", `no price to value a ${request.type} order on ${instrumentKey}`);
      }
      const orderNotional = value(instrument, x.exact(quantity), valuePrice);
      if (x.cmp(orderNotional, x.exact(maxNotional)) > 0) {
        return deny(
          "RISK_MAX_NOTIONAL",
          `order notional ${x.toDecimal(orderNotional).toString()} ${instrument.settlement} exceeds the limit ${maxNotional.toString()}`,
          "quantity",
        );
      }
    }

    // Positions: worst case, every working order on this side fills before this one.
    const position = this.deps.positions(who.account, instrument.id);
    const buy = request.side === "buy";
    const sameSideOpen = buy ? working.openBuyQuantity : working.openSellQuantity.neg();
    const before = x.add(x.exact(position), x.exact(sameSideOpen));
    const rest = options.alreadyFilled === undefined ? quantity : quantity.sub(options.alreadyFilled);
    const after = x.add(before, x.exact(buy ? rest : rest.neg()));
    const grows = x.cmp(x.abs(after), x.abs(before)) > 0;

    if (this.state === "reducing-only" && (grows || crossesZero(before, after))) {
      return deny(
        "REDUCE_ONLY_STATE",
        `trading is reducing-only and this order would take the position in ${instrumentKey} from ${x.toDecimal(before).toString()} to ${x.toDecimal(after).toString()}`,
        "side",
      );
    }

    // Orders that shrink |position| always pass position and exposure limits, even above them.
    const maxPosition = limitFor(limits.maxPositionPerInstrument, instrumentKey);
    if (maxPosition !== undefined && grows && x.cmp(x.abs(after), x.exact(maxPosition)) > 0) {
      return deny(
        "RISK_MAX_POSITION",
        `position in ${instrumentKey} would reach ${x.toDecimal(after).toString()}, beyond the limit ${maxPosition.toString()}`,
        "quantity",
      );
    }

    const maxGross = limitFor(limits.maxGrossExposure, who.account);
    const maxNet = limitFor(limits.maxNetExposure, who.account);
    if ((maxGross !== undefined || maxNet !== undefined) && grows) {
      if (valuePrice === undefined || !valuePrice.isPositive()) {
        return deny(
          maxGross !== undefined ? "RISK_MAX_GROSS_EXPOSURE" : "RISK_MAX_NET_EXPOSURE",
          `no price to value a ${request.type} order on ${instrumentKey}`,
        );
      }
      const exposure = this.deps.exposure(who.account, instrument.settlement);
      const p = x.exact(position);
      const valueBefore = value(instrument, x.sub(before, p), valuePrice);
      const valueAfter = value(instrument, x.sub(after, p), valuePrice);
      if (maxGross !== undefined) {
        const gross = x.exact(exposure.gross);
        const grossBefore = x.add(gross, value(instrument, x.sub(x.abs(before), x.abs(p)), valuePrice));
        const grossAfter = x.add(gross, value(instrument, x.sub(x.abs(after), x.abs(p)), valuePrice));
        if (x.cmp(grossAfter, x.exact(maxGross)) > 0 && x.cmp(grossAfter, grossBefore) > 0) {
          return deny(
            "RISK_MAX_GROSS_EXPOSURE",
            `gross exposure of account ${who.account} would reach ${x.toDecimal(grossAfter).toString()} ${instrument.settlement}, beyond the limit ${maxGross.toString()}`,
            "quantity",
          );
        }
      }
      if (maxNet !== undefined) {
        const net = x.exact(exposure.net);
        const netBefore = x.abs(x.add(net, valueBefore));
        const netAfter = x.abs(x.add(net, valueAfter));
        if (x.cmp(netAfter, x.exact(maxNet)) > 0 && x.cmp(netAfter, netBefore) > 0) {
          return deny(
            "RISK_MAX_NET_EXPOSURE",
            `net exposure of account ${who.account} would reach ${x.toDecimal(x.add(net, valueAfter)).toString()} ${instrument.settlement}, beyond the limit ${maxNet.toString()}`,
            "quantity",
          );
        }
      }
    }

    if (options.amend !== true) {
      const maxOpen = limitFor(limits.maxOpenOrders, who.strategyId);
      if (maxOpen !== undefined && working.strategyOpenOrders >= maxOpen) {
        return deny(
          "RISK_MAX_OPEN_ORDERS",
          `strategy ${who.strategyId} already has ${working.strategyOpenOrders} open orders (limit ${maxOpen})`,
        );
      }
    }

    const maxRate = limitFor(limits.maxOrdersPerSecond, who.strategyId);
    if (maxRate !== undefined && !this.rate.tryAcquire(who.strategyId, maxRate, this.deps.clock.now())) {
      return deny(
        "RISK_RATE_LIMIT",
        `strategy ${who.strategyId} sent more than ${maxRate} orders in the last second`,
      );
    }
    return undefined;
  }
}

function deny(code: RiskReasonCode, message: string, field?: string): RiskReason {
  return field === undefined ? { code, message } : { code, message, field };
}

function crossesZero(before: x.Exact, after: x.Exact): boolean {
  return (before.units > 0n && after.units < 0n) || (before.units < 0n && after.units > 0n);
}

/**
 * Value of a signed quantity at `price` in the instrument's settlement currency: linear
 * `q × price × multiplier`, inverse `q × multiplier / price` (rounded up at 18 places).
 */
export function value(instrument: Instrument, q: x.Exact, price: Decimal): x.Exact {
  const m = x.exact(instrument.multiplier);
  if (instrument.inverse) return x.divCeil(x.mul(q, m), x.exact(price));
  return x.mul(x.mul(q, x.exact(price)), m);
}
