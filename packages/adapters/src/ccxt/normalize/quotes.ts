import { type Instrument, type Nanos, priceDecimals, type Quote, sizeDecimals } from "@openfloor/core";
import type { CcxtTicker } from "../exchange.js";
import { exactDecimal, msToNs } from "./numbers.js";

/**
 * Top of book from a ccxt ticker or bid/ask structure; undefined when the venue's ticker has no bid or
 * ask (Bybit's spot ticker stream carries only last prices and volumes).
 *
 * Binance `bookTicker` → ccxt: `{ u: 1021, s: "BTCUSDT", b: "49999.99000000", B: "0.11300000",
 *   a: "50000.01000000", A: "0.02982000" }` → `{ bid: 49999.99, bidVolume: 0.113, ask: 50000.01, askVolume: 0.02982 }`
 */
export function normalizeQuote(t: CcxtTicker, instrument: Instrument, recvNs: Nanos): Quote | undefined {
  if (t.bid === undefined || t.ask === undefined || t.bid === null || t.ask === null) return undefined;
  const p = priceDecimals(instrument);
  const s = sizeDecimals(instrument);
  return {
    type: "quote",
    instrument: instrument.id,
    bidPrice: exactDecimal(t.bid, p, "bid"),
    bidSize: exactDecimal(t.bidVolume ?? 0, s, "bidVolume"),
    askPrice: exactDecimal(t.ask, p, "ask"),
    askSize: exactDecimal(t.askVolume ?? 0, s, "askVolume"),
    tsEventNs: msToNs(t.timestamp, recvNs),
    tsRecvNs: recvNs,
  };
}
