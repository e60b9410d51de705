import {
  BadVenueMessageError,
  type Instrument,
  type Nanos,
  priceDecimals,
  sizeDecimals,
  type Trade,
} from "@openfloor/core";
import type { CcxtTrade } from "../exchange.js";
import { exactDecimal, msToNs } from "./numbers.js";

/**
 * A ccxt public trade as a core `Trade`. ccxt's `side` of a public trade is the taker's side.
 *
 * Binance `trade` event → ccxt: `{ e: "trade", s: "BTCUSDT", t: 500011, p: "50000.11000000",
 *   q: "0.00016000", T: 1700000000000, m: false }` → `{ id: "500011", price: 50000.11, amount: 0.00016,
 *   side: "buy", timestamp: 1700000000000 }`
 */
export function normalizeTrade(t: CcxtTrade, instrument: Instrument, recvNs: Nanos): Trade {
  const side = t.side;
  if (side !== "buy" && side !== "sell") {
    throw new BadVenueMessageError("BAD_VENUE_MESSAGE", `trade ${String(t.id)} has no taker side`, {
      context: { field: "side", value: String(side) },
    });
  }
  const price = exactDecimal(t.price, priceDecimals(instrument), "price");
  const size = exactDecimal(t.amount, sizeDecimals(instrument), "amount");
  if (!price.isPositive() || !size.isPositive()) {
    throw new BadVenueMessageError(
      "BAD_VENUE_MESSAGE",
      `trade ${String(t.id)} has a non-positive price or size`,
      {
        context: { field: price.isPositive() ? "amount" : "price" },
      },
    );
  }
  const tsEventNs = msToNs(t.timestamp, recvNs);
  return {
    type: "trade",
    instrument: instrument.id,
    price,
    size,
    aggressor: side,
    tradeId: t.id ?? `${tsEventNs}-${price.toString()}-${size.toString()}`,
    tsEventNs,
    tsRecvNs: recvNs,
  };
}
