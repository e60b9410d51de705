// Scripted market data for the SDK's own tests (not part of the public API).
import {
  type BookDelta,
  type BookSnapshot,
  Decimal,
  instrumentId,
  type MarketEvent,
  type Quote,
  type Trade,
} from "@openfloor/core";
import type { BacktestInstrumentSpec } from "./venue-config.js";

/** 2024-01-01T00:00:00Z. */
export const T0 = 1_704_067_200_000_000_000n;
export const BTC = "BTC/USDT:sim";
const id = instrumentId("BTC/USDT", "sim");

/** BTC/USDT on "sim": tick 0.01, lot 0.0001, maker 0.0002, taker 0.001. */
export const BTC_SPEC: BacktestInstrumentSpec = {
  symbol: "BTC/USDT",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
  makerFee: "0.0002",
  takerFee: "0.001",
};

export function at(ms: number): bigint {
  return T0 + BigInt(Math.round(ms * 1_000_000));
}

export function quote(ms: number, bid: string, ask: string, bidSize = "5", askSize = "5"): Quote {
  return {
    type: "quote",
    instrument: id,
    bidPrice: Decimal.from(bid),
    bidSize: Decimal.from(bidSize),
    askPrice: Decimal.from(ask),
    askSize: Decimal.from(askSize),
    tsEventNs: at(ms),
    tsRecvNs: at(ms),
  };
}

let tradeSeq = 0;
export function trade(ms: number, price: string, size: string, aggressor: "buy" | "sell" = "buy"): Trade {
  return {
    type: "trade",
    instrument: id,
    price: Decimal.from(price),
    size: Decimal.from(size),
    aggressor,
    tradeId: `x${++tradeSeq}`,
    tsEventNs: at(ms),
    tsRecvNs: at(ms),
  };
}

const levels = (pairs: readonly (readonly [string, string])[]) =>
  pairs.map(([p, s]) => ({ price: Decimal.from(p), size: Decimal.from(s) }));

export function snapshot(
  ms: number,
  sequence: number,
  bids: readonly (readonly [string, string])[],
  asks: readonly (readonly [string, string])[],
): BookSnapshot {
  return {
    type: "book-snapshot",
    instrument: id,
    bids: levels(bids),
    asks: levels(asks),
    sequence: BigInt(sequence),
    tsEventNs: at(ms),
    tsRecvNs: at(ms),
  };
}

export function delta(
  ms: number,
  sequence: number,
  bids: readonly (readonly [string, string])[],
  asks: readonly (readonly [string, string])[],
): BookDelta {
  return {
    type: "book-delta",
    instrument: id,
    bids: levels(bids),
    asks: levels(asks),
    firstSequence: BigInt(sequence),
    sequence: BigInt(sequence),
    tsEventNs: at(ms),
    tsRecvNs: at(ms),
  };
}

/** A quiet market: a quote every `stepMs` from 0 to `untilMs`, bid 100.00 / ask 100.02 (size 5 each). */
export function quietQuotes(untilMs: number, stepMs = 100): MarketEvent[] {
  const out: MarketEvent[] = [];
  for (let ms = 0; ms <= untilMs; ms += stepMs) out.push(quote(ms, "100.00", "100.02"));
  return out;
}
