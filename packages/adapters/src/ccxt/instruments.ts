import {
  BadVenueMessageError,
  Decimal,
  defineInstrument,
  type Instrument,
  type InstrumentKind,
  instrumentId,
} from "@openfloor/core";
import { type CcxtMarket, PRECISION_MODE } from "./exchange.js";

/**
 * ccxt precision → an exact increment. TICK_SIZE mode gives the tick itself (0.01); DECIMAL_PLACES gives
 * a number of places (2 → 0.01). SIGNIFICANT_DIGITS has no fixed increment and is refused.
 */
export function incrementOf(
  precision: number | undefined,
  mode: number,
  field: string,
  symbol: string,
): Decimal {
  if (precision === undefined || !Number.isFinite(precision) || precision <= 0) {
    if (precision === 0 && mode === PRECISION_MODE.DECIMAL_PLACES) return Decimal.ONE;
    throw new BadVenueMessageError("BAD_VENUE_MESSAGE", `market ${symbol}: no ${field} precision`, {
      context: { symbol, field },
    });
  }
  if (mode === PRECISION_MODE.TICK_SIZE) return Decimal.fromNumber(precision).normalize();
  if (mode === PRECISION_MODE.DECIMAL_PLACES && Number.isInteger(precision))
    return Decimal.fromUnits(1n, precision);
  throw new BadVenueMessageError(
    "BAD_VENUE_MESSAGE",
    `market ${symbol}: precision mode ${mode} has no fixed ${field} increment`,
    { context: { symbol, field, mode } },
  );
}

function kindOf(market: CcxtMarket): InstrumentKind {
  if (market.swap === true) return "perpetual";
  if (market.future === true) return "future";
  if (market.option === true) return "option";
  return "spot";
}

function optional(value: number | undefined): Decimal | undefined {
  return value === undefined || !Number.isFinite(value) ? undefined : Decimal.fromNumber(value);
}

/**
 * A ccxt market as a core `Instrument` with exact increments. The instrument id is the unified ccxt
 * symbol at `venue` (e.g. `BTC/USDT:binance`, `BTC/USDT:USDT:bybit`).
 */
export function marketToInstrument(venue: string, market: CcxtMarket, precisionMode: number): Instrument {
  const priceIncrement = incrementOf(market.precision.price, precisionMode, "price", market.symbol);
  const sizeIncrement = incrementOf(market.precision.amount, precisionMode, "amount", market.symbol);
  const minSize = optional(market.limits.amount?.min);
  const minNotional = optional(market.limits.cost?.min);
  const kind = kindOf(market);
  const expiryMs = market.expiry;
  return defineInstrument({
    id: instrumentId(market.symbol, venue),
    kind,
    base: market.base,
    quote: market.quote,
    ...(market.settle === undefined ? {} : { settlement: market.settle }),
    priceIncrement,
    sizeIncrement,
    minSize: minSize === undefined || minSize.lt(sizeIncrement) ? sizeIncrement : minSize,
    ...(minNotional === undefined ? {} : { minNotional }),
    ...(market.contractSize === undefined || kind === "spot"
      ? {}
      : { multiplier: Decimal.fromNumber(market.contractSize) }),
    inverse: market.inverse === true && kind !== "spot",
    ...(market.maker === undefined ? {} : { makerFee: Decimal.fromNumber(market.maker) }),
    ...(market.taker === undefined ? {} : { takerFee: Decimal.fromNumber(market.taker) }),
    ...(expiryMs === undefined || (kind !== "future" && kind !== "option")
      ? {}
      : { expiry: BigInt(expiryMs) * 1_000_000n }),
    ...(kind === "option" && market.strike !== undefined
      ? {
          option: {
            strike: Decimal.fromNumber(market.strike),
            right: market.optionType === "put" ? "put" : "call",
          },
        }
      : {}),
  });
}
