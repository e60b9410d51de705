import {
  Decimal,
  type DecimalLike,
  type Instrument,
  notional,
  type OrderRequest,
  type Reason,
} from "@openfloor/core";

/** What a pre-trade check sees besides the request: the strategy's working orders and position. */
export interface RiskContext {
  /** Orders of the strategy that have not ended (the new one not counted). */
  readonly openOrders: number;
  /** Signed net position of the strategy in the request's instrument (long positive). */
  readonly position: Decimal;
  /** Best reference price known for the instrument (mid of the last quote, or last trade), if any. */
  readonly markPrice: Decimal | undefined;
  /** True when the request is an amend of a working order. */
  readonly amend: boolean;
}

/**
 * A pre-trade risk check in a backtest, as the gateway's risk engine runs before an order reaches the
 * venue: return a `Reason` to deny the order (the strategy gets `RiskDenied` with it), or undefined to
 * let it through. Synchronous and pure: it must not block the order path.
 */
export type PreTradeRisk = (
  request: OrderRequest,
  instrument: Instrument,
  context: RiskContext,
) => Reason | undefined;

/** Limits of `riskLimits`; each is off when not given. */
export interface RiskLimitsOptions {
  /** Largest quantity of one order. @example "5" */
  maxOrderQuantity?: DecimalLike;
  /** Largest notional (price × quantity × multiplier, at the limit price or the mark for market orders). */
  maxOrderNotional?: DecimalLike;
  /** Largest |position| the order may lead to if it fills completely. */
  maxPosition?: DecimalLike;
  /** Most orders working at once. */
  maxOpenOrders?: number;
}

/**
 * The common limits of the gateway's risk engine (same reason codes) as a `PreTradeRisk` for backtests.
 * @example runBacktest({ ..., risk: riskLimits({ maxOrderQuantity: "1", maxOpenOrders: 10 }) })
 */
export function riskLimits(options: RiskLimitsOptions): PreTradeRisk {
  const maxQty = options.maxOrderQuantity === undefined ? undefined : Decimal.from(options.maxOrderQuantity);
  const maxNotional =
    options.maxOrderNotional === undefined ? undefined : Decimal.from(options.maxOrderNotional);
  const maxPosition = options.maxPosition === undefined ? undefined : Decimal.from(options.maxPosition);
  const maxOpen = options.maxOpenOrders;
  return (request, instrument, context) => {
    if (maxQty !== undefined && request.quantity.gt(maxQty)) {
      return deny(
        "RISK_MAX_ORDER_QTY",
        `quantity ${request.quantity} is above the limit ${maxQty}`,
        "quantity",
      );
    }
    const price = request.price ?? request.triggerPrice ?? context.markPrice;
    if (maxNotional !== undefined && price !== undefined) {
      const value = notional(instrument, price, request.quantity).abs();
      if (value.gt(maxNotional)) {
        return deny("RISK_MAX_NOTIONAL", `notional ${value} is above the limit ${maxNotional}`, "quantity");
      }
    }
    if (maxPosition !== undefined) {
      const after =
        request.side === "buy"
          ? context.position.add(request.quantity)
          : context.position.sub(request.quantity);
      if (after.abs().gt(maxPosition) && after.abs().gt(context.position.abs())) {
        return deny(
          "RISK_MAX_POSITION",
          `position would reach ${after}, beyond the limit ${maxPosition}`,
          "quantity",
        );
      }
    }
    if (maxOpen !== undefined && !context.amend && context.openOrders >= maxOpen) {
      return deny(
        "RISK_MAX_OPEN_ORDERS",
        `${context.openOrders} orders are working, the limit is ${maxOpen}`,
      );
    }
    return undefined;
  };
}

function deny(code: string, message: string, field?: string): Reason {
  return field === undefined ? { code, message } : { code, message, field };
}
