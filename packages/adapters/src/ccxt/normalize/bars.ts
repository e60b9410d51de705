import { type Bar, type Instrument, priceDecimals, sizeDecimals } from "@openfloor/core";
import type { CcxtOHLCV } from "../exchange.js";
import { exactDecimal, finite } from "./numbers.js";

/**
 * Turns ccxt candles (`[timestamp, open, high, low, close, volume]`, the newest one still changing)
 * into completed core `Bar`s. A candle is complete once a later one appears, or once its period plus a
 * grace for late updates has passed (`flush`): ccxt drops the venues' "closed" flag, and a quiet market
 * sends no later candle. Candles that closed before `notBeforeMs` (history a REST poll returns) and
 * updates of a bar already emitted are ignored.
 *
 * Binance `kline` event → ccxt: `{ e: "kline", k: { t: 1700000040000, i: "1m", o: "50000.01000000",
 *   h: "50000.11000000", l: "50000.01000000", c: "50000.11000000", v: "0.01000000", x: false } }`
 *   → `[1700000040000, 50000.01, 50000.11, 50000.01, 50000.11, 0.01]`
 */
export class BarAssembler {
  private pending: CcxtOHLCV | undefined;
  private lastEmittedMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly instrument: Instrument,
    private readonly interval: string,
    private readonly periodMs: number,
    private readonly notBeforeMs: number,
    /** How long after its period a candle may still change. Default half the period, at most 1 s. */
    private readonly graceMs: number = Math.min(1_000, periodMs / 2),
  ) {}

  /** When the pending candle is complete by time alone, or undefined without one. */
  get closesAtMs(): number | undefined {
    const ts = this.pending?.[0];
    return ts === undefined ? undefined : ts + this.periodMs + this.graceMs;
  }

  push(candles: readonly CcxtOHLCV[]): Bar[] {
    const out: Bar[] = [];
    for (const c of [...candles].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0))) {
      const ts = finite(c[0], "ohlcv.timestamp");
      if (ts <= this.lastEmittedMs) continue;
      const pendingTs = this.pending?.[0];
      if (pendingTs !== undefined && ts < pendingTs) continue;
      if (pendingTs !== undefined && ts > pendingTs) this.complete(out);
      this.pending = c;
    }
    return out;
  }

  /** Emits the pending candle if its period (and grace) has passed by `nowMs`. */
  flush(nowMs: number): Bar[] {
    const closes = this.closesAtMs;
    const out: Bar[] = [];
    if (closes !== undefined && nowMs >= closes) this.complete(out);
    return out;
  }

  private complete(out: Bar[]): void {
    const c = this.pending;
    this.pending = undefined;
    if (c === undefined) return;
    const ts = finite(c[0], "ohlcv.timestamp");
    this.lastEmittedMs = ts;
    if (ts + this.periodMs > this.notBeforeMs) out.push(this.toBar(c));
  }

  private toBar(c: CcxtOHLCV): Bar {
    const p = priceDecimals(this.instrument);
    const openMs = finite(c[0], "ohlcv.timestamp");
    return {
      type: "bar",
      instrument: this.instrument.id,
      interval: this.interval,
      open: exactDecimal(c[1], p, "open"),
      high: exactDecimal(c[2], p, "high"),
      low: exactDecimal(c[3], p, "low"),
      close: exactDecimal(c[4], p, "close"),
      volume: exactDecimal(c[5], sizeDecimals(this.instrument), "volume"),
      tsOpenNs: BigInt(openMs) * 1_000_000n,
      tsCloseNs: BigInt(openMs + this.periodMs) * 1_000_000n,
    };
  }
}
