import type { Nanos } from "../clock/clock.js";
import { PortfolioError } from "../errors/portfolio-error.js";
import { formatInstrumentId } from "../instruments/instrument-id.js";
import { Decimal, type DecimalLike, MAX_SCALE } from "../numbers/decimal.js";
import type { Fill } from "../orders/types.js";
import { mulExact, precisionGuard, ratioUnits, unitsToDecimal } from "./exact-ratio.js";

/** Direction of a lot: bought (`long`) or sold short (`short`). */
export type LotSide = "long" | "short";

/**
 * Which open lot a closing fill consumes first:
 * - `fifo`: the oldest;
 * - `lifo`: the newest;
 * - `hifo`: the one whose close realizes the least gain (for longs the highest price, for shorts the
 *   lowest), ties broken oldest first.
 */
export type LotMethod = "fifo" | "lifo" | "hifo";

/** An open tax lot: what is left of the fill that opened it. */
export interface OpenLot {
  /** The fill that opened the lot. */
  readonly fillId: string;
  readonly side: LotSide;
  /** Remaining quantity, positive. */
  readonly quantity: Decimal;
  readonly price: Decimal;
  readonly tsNs: Nanos;
}

/** One portion of a lot closed by one fill, with the gain it realized (before fees), in settlement currency. */
export interface ClosedLot {
  readonly openFillId: string;
  readonly closeFillId: string;
  readonly side: LotSide;
  /** Quantity closed, positive. */
  readonly quantity: Decimal;
  readonly openPrice: Decimal;
  readonly closePrice: Decimal;
  readonly openTsNs: Nanos;
  readonly closeTsNs: Nanos;
  readonly realizedPnl: Decimal;
}

/**
 * How lot PnL is computed. An `Instrument` fits as is.
 * @example matchLots(fills, "fifo", instrument)
 */
export interface LotContract {
  /** Value of one contract. Default 1. */
  readonly multiplier?: DecimalLike;
  /** Inverse contract: PnL in the base currency, `q × m × (1/open − 1/close)` for a long. Default false. */
  readonly inverse?: boolean;
  /** Places inverse PnL is rounded to, half-even, once per closed lot portion. Default 18. */
  readonly inverseScale?: number;
}

/** Result of `matchLots`. */
export interface LotMatch {
  /** Signed: positive long, negative short. */
  readonly quantity: Decimal;
  readonly open: readonly OpenLot[];
  readonly closed: readonly ClosedLot[];
  /** Sum of `closed[].realizedPnl`, exact. */
  readonly realizedPnl: Decimal;
}

/** The default rounding of inverse-contract PnL: 18 places, half-even. */
export const DEFAULT_INVERSE_SCALE = MAX_SCALE;

/**
 * PnL of closing `quantity` of a lot opened at `openPrice` at `closePrice`, before fees.
 * Linear: `±q × (close − open) × m`, exact. Inverse: `±q × m × (close − open) / (open × close)`, the
 * exact ratio rounded once to `inverseScale` places, half-even.
 */
export function lotPnl(
  side: LotSide,
  quantity: Decimal,
  openPrice: Decimal,
  closePrice: Decimal,
  multiplier: Decimal,
  inverse: boolean,
  inverseScale: number,
): Decimal {
  let pnl: Decimal;
  if (inverse) {
    const units = ratioUnits(
      [quantity, multiplier, closePrice.sub(openPrice)],
      [openPrice, closePrice],
      inverseScale,
    );
    pnl = unitsToDecimal(units, inverseScale);
  } else {
    pnl = mulExact(mulExact(closePrice.sub(openPrice), quantity), multiplier);
  }
  return side === "long" ? pnl : pnl.neg();
}

/** Throws PORTFOLIO_INVALID_FILL for a fill no position can apply. */
export function checkFillValues(fill: Fill, inverse: boolean): void {
  if (fill.quantity.isNegative()) badFill(fill, "quantity", `must not be negative, got ${fill.quantity}`);
  if (inverse && !fill.price.isPositive())
    badFill(fill, "price", `must be positive for an inverse contract, got ${fill.price}`);
  if (fill.fee.currency === "" && !fill.fee.amount.isZero()) badFill(fill, "fee.currency", "is empty");
}

function badFill(fill: Fill, field: string, why: string): never {
  const instrument = formatInstrumentId(fill.instrument);
  throw new PortfolioError(
    "PORTFOLIO_INVALID_FILL",
    `fill ${fill.fillId} on ${instrument}: ${field} ${why}`,
    {
      context: { fillId: fill.fillId, instrument, field },
    },
  );
}

interface MutableLot {
  fillId: string;
  quantity: Decimal;
  price: Decimal;
  tsNs: Nanos;
}

function pickLot(lots: readonly MutableLot[], method: LotMethod, side: LotSide): number {
  if (method === "fifo") return 0;
  if (method === "lifo") return lots.length - 1;
  let best = 0;
  for (let i = 1; i < lots.length; i++) {
    const c = lots[i]!.price.cmp(lots[best]!.price);
    if (side === "long" ? c > 0 : c < 0) best = i;
  }
  return best;
}

/**
 * Matches a list of fills of one position into tax lots, in list order, and returns the gain each
 * closed lot portion realized (before fees). Pure; fills repeated by `fillId` count once. A fill larger
 * than the open position closes it and opens the remainder at its price.
 *
 * `Position` keeps FIFO lots as fills arrive; this is for reporting under another method.
 * @example matchLots(position fills, "hifo", instrument).closed.map((l) => l.realizedPnl)
 */
export function matchLots(fills: Iterable<Fill>, method: LotMethod, contract: LotContract = {}): LotMatch {
  const multiplier = Decimal.from(contract.multiplier ?? 1);
  const inverse = contract.inverse ?? false;
  const inverseScale = contract.inverseScale ?? DEFAULT_INVERSE_SCALE;
  const seen = new Set<string>();
  const lots: MutableLot[] = [];
  const closed: ClosedLot[] = [];
  let quantity = Decimal.ZERO;
  let realized = Decimal.ZERO;
  for (const fill of fills) {
    if (seen.has(fill.fillId)) continue;
    seen.add(fill.fillId);
    checkFillValues(fill, inverse);
    const fillSide: LotSide = fill.side === "buy" ? "long" : "short";
    const openSide: LotSide | undefined = quantity.isZero()
      ? undefined
      : quantity.isPositive()
        ? "long"
        : "short";
    let left = fill.quantity;
    precisionGuard(`lot matching of fill ${fill.fillId}`, { fillId: fill.fillId }, () => {
      while (openSide !== undefined && openSide !== fillSide && left.isPositive() && lots.length > 0) {
        const i = pickLot(lots, method, openSide);
        const lot = lots[i]!;
        const take = Decimal.min(left, lot.quantity);
        const pnl = lotPnl(openSide, take, lot.price, fill.price, multiplier, inverse, inverseScale);
        closed.push({
          openFillId: lot.fillId,
          closeFillId: fill.fillId,
          side: openSide,
          quantity: take,
          openPrice: lot.price,
          closePrice: fill.price,
          openTsNs: lot.tsNs,
          closeTsNs: fill.tsEventNs,
          realizedPnl: pnl,
        });
        realized = realized.add(pnl);
        left = left.sub(take);
        lot.quantity = lot.quantity.sub(take);
        if (lot.quantity.isZero()) lots.splice(i, 1);
      }
    });
    if (left.isPositive()) {
      lots.push({ fillId: fill.fillId, quantity: left, price: fill.price, tsNs: fill.tsEventNs });
    }
    quantity = fill.side === "buy" ? quantity.add(fill.quantity) : quantity.sub(fill.quantity);
  }
  const side: LotSide = quantity.isNegative() ? "short" : "long";
  return {
    quantity,
    open: lots.map((l) => ({ fillId: l.fillId, side, quantity: l.quantity, price: l.price, tsNs: l.tsNs })),
    closed,
    realizedPnl: realized,
  };
}
