import {
  type ConversionRates,
  Decimal,
  type DecimalLike,
  type Instrument,
  type Money,
} from "@openfloor/core";
import { stricterTradingState, type TradingState } from "../risk/risk-engine.js";

/** Limits the aggregator enforces across every gateway, venue and account. */
export interface GlobalLimits {
  /**
   * Largest gross exposure (Σ |notional| at the marks, all accounts and venues) in the report
   * currency. Default: none. Example: `"250000"`
   */
  maxGrossExposure?: DecimalLike;
  /**
   * Largest loss in one UTC day (a positive amount in the report currency): total PnL now minus at
   * the day's start. Reaching it halts trading for the rest of the day. Default: none.
   */
  maxDailyLoss?: DecimalLike;
  /** The state a gross exposure breach sets (lifted when exposure is back within the limit). Default "reducing-only". */
  onExposureBreach?: Exclude<TradingState, "active">;
}

/** One account-level position as the limits see it. */
export interface PositionFigures {
  readonly account: string;
  readonly instrument: Instrument;
  /** Signed quantity. */
  readonly quantity: Decimal;
  readonly markPrice: Decimal | undefined;
  /** Realized + unrealized PnL, in the instrument's settlement currency. */
  readonly pnl: Decimal;
  /** Fees paid, per currency. */
  readonly fees: readonly Money[];
}

export interface ExposureFigures {
  readonly gross: Decimal;
  readonly net: Decimal;
  /** Realized + unrealized − fees. */
  readonly pnl: Decimal;
}

/** Exposure and PnL in the report currency, in total and per account and venue. */
export interface RiskFigures {
  readonly total: ExposureFigures;
  readonly byAccount: ReadonlyMap<string, ExposureFigures>;
  readonly byVenue: ReadonlyMap<string, ExposureFigures>;
}

const ZERO: ExposureFigures = { gross: Decimal.ZERO, net: Decimal.ZERO, pnl: Decimal.ZERO };

function plus(a: ExposureFigures | undefined, b: ExposureFigures): ExposureFigures {
  const x = a ?? ZERO;
  return { gross: x.gross.add(b.gross), net: x.net.add(b.net), pnl: x.pnl.add(b.pnl) };
}

/**
 * Exposure and PnL of positions in `reportCurrency`: a position's notional is `q × mark × m` in
 * quote for linear contracts and spot, `q × m / mark` in base for inverse ones (at 18 places); a
 * position with no mark has no exposure. Amounts in other currencies are converted with `rates`
 * (a missing rate is PORTFOLIO_NO_RATE, naming the pair).
 */
export function riskFigures(
  positions: Iterable<PositionFigures>,
  rates: ConversionRates,
  reportCurrency: string,
  scale = 8,
): RiskFigures {
  let total = ZERO;
  const byAccount = new Map<string, ExposureFigures>();
  const byVenue = new Map<string, ExposureFigures>();
  for (const p of positions) {
    const i = p.instrument;
    let notional = Decimal.ZERO;
    if (!p.quantity.isZero() && p.markPrice !== undefined && !p.markPrice.isZero()) {
      const raw = i.inverse
        ? p.quantity.mul(i.multiplier).div(p.markPrice, { scale: 18 })
        : p.quantity.mul(p.markPrice).mul(i.multiplier);
      notional = rates.convert(raw, i.inverse ? i.base : i.quote, reportCurrency, scale);
    }
    let pnl = rates.convert(p.pnl, i.settlement, reportCurrency, scale);
    for (const fee of p.fees) pnl = pnl.sub(rates.convert(fee.amount, fee.currency, reportCurrency, scale));
    const f: ExposureFigures = { gross: notional.abs(), net: notional, pnl };
    total = plus(total, f);
    byAccount.set(p.account, plus(byAccount.get(p.account), f));
    byVenue.set(i.id.venue, plus(byVenue.get(i.id.venue), f));
  }
  const norm = (f: ExposureFigures): ExposureFigures => ({
    gross: f.gross.normalize(),
    net: f.net.normalize(),
    pnl: f.pnl.normalize(),
  });
  for (const m of [byAccount, byVenue]) for (const [k, f] of m) m.set(k, norm(f));
  return { total: norm(total), byAccount, byVenue };
}

/** The trading state the limits call for, and why. */
export interface LimitVerdict {
  readonly state: TradingState;
  readonly reasons: readonly string[];
  /** The daily loss limit was reached (the halt holds until the day ends). */
  readonly lossBreached: boolean;
}

/** Evaluates the limits. `dailyPnl` is today's PnL; `lossLatched` keeps an earlier loss halt in force. */
export function evaluateLimits(
  figures: ExposureFigures,
  dailyPnl: Decimal,
  limits: GlobalLimits,
  reportCurrency: string,
  lossLatched = false,
): LimitVerdict {
  let state: TradingState = "active";
  const reasons: string[] = [];
  const worsen = (to: TradingState) => {
    state = stricterTradingState(state, to);
  };
  if (limits.maxGrossExposure !== undefined) {
    const max = Decimal.from(limits.maxGrossExposure);
    if (figures.gross.gt(max)) {
      worsen(limits.onExposureBreach ?? "reducing-only");
      reasons.push(`gross exposure ${figures.gross} ${reportCurrency} exceeds the global limit ${max}`);
    }
  }
  let lossBreached = lossLatched;
  if (limits.maxDailyLoss !== undefined) {
    const max = Decimal.from(limits.maxDailyLoss);
    if (dailyPnl.neg().gte(max)) lossBreached = true;
    if (lossBreached) {
      worsen("halted");
      reasons.push(`daily loss ${dailyPnl.neg()} ${reportCurrency} reached the global limit ${max}`);
    }
  }
  return { state, reasons, lossBreached };
}
