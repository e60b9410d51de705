import { Decimal } from "@openfloor/core";
import type { PublicTrade } from "./types.js";

/** A candle built from the public tape. */
export interface Kline {
  readonly openMs: number;
  readonly closeMs: number;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly close: Decimal;
  readonly volume: Decimal;
  readonly quoteVolume: Decimal;
  readonly takerBuyVolume: Decimal;
  readonly takerBuyQuoteVolume: Decimal;
  readonly count: number;
  readonly firstTradeId: number;
  readonly lastTradeId: number;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "1s", "1m", "15m", "1h", "1d" → milliseconds; undefined when not understood. */
export function intervalMs(interval: string): number | undefined {
  const m = /^(\d+)([smhdw])$/.exec(interval);
  if (m === null) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Buckets trades (oldest first) into candles of `periodMs`, oldest first. */
export function buildKlines(trades: readonly PublicTrade[], periodMs: number): Kline[] {
  const out: Kline[] = [];
  let current: Kline | undefined;
  for (const t of trades) {
    if (current !== undefined && current.openMs === bucketOf(t.timeMs, periodMs)) {
      current = extendKline(current, t);
    } else {
      if (current !== undefined) out.push(current);
      current = startKline(t, periodMs);
    }
  }
  if (current !== undefined) out.push(current);
  return out;
}

export function bucketOf(timeMs: number, periodMs: number): number {
  return Math.floor(timeMs / periodMs) * periodMs;
}

/** A candle holding just `t`. */
export function startKline(t: PublicTrade, periodMs: number): Kline {
  const openMs = bucketOf(t.timeMs, periodMs);
  return {
    openMs,
    closeMs: openMs + periodMs - 1,
    open: t.price,
    high: t.price,
    low: t.price,
    close: t.price,
    volume: t.quantity,
    quoteVolume: t.price.mul(t.quantity),
    takerBuyVolume: t.takerSide === "buy" ? t.quantity : Decimal.ZERO,
    takerBuyQuoteVolume: t.takerSide === "buy" ? t.price.mul(t.quantity) : Decimal.ZERO,
    count: 1,
    firstTradeId: Number(t.id),
    lastTradeId: Number(t.id),
  };
}

/** `k` with trade `t` (of the same bucket) folded in. */
export function extendKline(k: Kline, t: PublicTrade): Kline {
  const quote = t.price.mul(t.quantity);
  const buy = t.takerSide === "buy";
  return {
    ...k,
    high: Decimal.max(k.high, t.price),
    low: Decimal.min(k.low, t.price),
    close: t.price,
    volume: k.volume.add(t.quantity),
    quoteVolume: k.quoteVolume.add(quote),
    takerBuyVolume: buy ? k.takerBuyVolume.add(t.quantity) : k.takerBuyVolume,
    takerBuyQuoteVolume: buy ? k.takerBuyQuoteVolume.add(quote) : k.takerBuyQuoteVolume,
    count: k.count + 1,
    lastTradeId: Number(t.id),
  };
}

/** Rolling statistics over the trades the engine keeps (its "24 hours"). */
export interface TapeStats {
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly last: Decimal;
  readonly lastQty: Decimal;
  readonly volume: Decimal;
  readonly quoteVolume: Decimal;
  readonly firstId: number;
  readonly lastId: number;
  readonly count: number;
}

export function tapeStats(trades: readonly PublicTrade[], fallbackPrice: Decimal): TapeStats {
  const first = trades[0];
  if (first === undefined) {
    return {
      open: fallbackPrice,
      high: fallbackPrice,
      low: fallbackPrice,
      last: fallbackPrice,
      lastQty: Decimal.ZERO,
      volume: Decimal.ZERO,
      quoteVolume: Decimal.ZERO,
      firstId: -1,
      lastId: -1,
      count: 0,
    };
  }
  const k = buildKlines(trades, Number.MAX_SAFE_INTEGER)[0]!;
  const last = trades[trades.length - 1]!;
  return {
    open: k.open,
    high: k.high,
    low: k.low,
    last: k.close,
    lastQty: last.quantity,
    volume: k.volume,
    quoteVolume: k.quoteVolume,
    firstId: Number(first.id),
    lastId: Number(last.id),
    count: k.count,
  };
}
