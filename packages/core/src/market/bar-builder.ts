import type { Nanos } from "../clock/clock.js";
import { formatInstrumentId, type InstrumentId, sameInstrument } from "../instruments/instrument-id.js";
import type { Decimal } from "../numbers/decimal.js";
import { BarError, type BarInterval, parseBarInterval } from "./bar-interval.js";
import type { Bar, Trade } from "./types.js";

/** Options of `new BarBuilder(…)`. */
export interface BarBuilderOptions {
  readonly instrument: InstrumentId;
  /** Bar length. @example "1m" */
  readonly interval: string;
}

interface OpenBar {
  readonly tsOpenNs: Nanos;
  readonly tsCloseNs: Nanos;
  readonly open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
}

/**
 * Builds time bars of one instrument from its trades, for venues that publish no bars. Bars align
 * on interval boundaries of event time (`[tsOpenNs, tsCloseNs)`, multiples of the interval since the
 * epoch). A bar is emitted when the first trade past its end arrives, or when `flush(now)` is called
 * at or after its end (call it from a timer so quiet markets still close bars). Intervals without
 * trades produce no bar. A trade older than the bar being built belongs to a bar already emitted: it
 * is dropped and counted in `lateTrades`.
 *
 * @example
 * const bars = new BarBuilder({ instrument: id, interval: "1m" });
 * const done = bars.onTrade(trade); // a Bar when `trade` opened the next minute
 * clock.setTimer(1_000, () => bars.flush(clock.now()));
 */
export class BarBuilder {
  readonly instrument: InstrumentId;
  readonly interval: BarInterval;
  /** Trades dropped because their bar had already been emitted. */
  lateTrades = 0;
  private bar: OpenBar | undefined;
  private emittedUntil: Nanos | undefined;

  constructor(options: BarBuilderOptions) {
    this.instrument = options.instrument;
    this.interval = parseBarInterval(options.interval);
  }

  /** Folds a trade in; returns the bar it completed, if it is the first trade past that bar's end. */
  onTrade(trade: Trade): Bar | undefined {
    if (trade.instrument !== this.instrument && !sameInstrument(trade.instrument, this.instrument)) {
      throw new BarError(
        "BAR_INSTRUMENT_MISMATCH",
        `bar builder of ${formatInstrumentId(this.instrument)} fed a trade of ${formatInstrumentId(trade.instrument)}`,
        {
          context: {
            builder: formatInstrumentId(this.instrument),
            trade: formatInstrumentId(trade.instrument),
          },
        },
      );
    }
    const openNs = this.alignedStart(trade.tsEventNs);
    const bar = this.bar;
    if (bar === undefined) {
      if (this.emittedUntil !== undefined && openNs < this.emittedUntil) {
        this.lateTrades++;
        return undefined;
      }
      this.bar = this.start(openNs, trade);
      return undefined;
    }
    if (openNs === bar.tsOpenNs) {
      if (trade.price.gt(bar.high)) bar.high = trade.price;
      if (trade.price.lt(bar.low)) bar.low = trade.price;
      bar.close = trade.price;
      bar.volume = bar.volume.add(trade.size);
      return undefined;
    }
    if (openNs < bar.tsOpenNs) {
      this.lateTrades++;
      return undefined;
    }
    const done = this.emit(bar);
    this.bar = this.start(openNs, trade);
    return done;
  }

  /** Emits the bar being built if `nowNs` is at or past its end. */
  flush(nowNs: Nanos): Bar | undefined {
    const bar = this.bar;
    if (bar === undefined || nowNs < bar.tsCloseNs) return undefined;
    this.bar = undefined;
    return this.emit(bar);
  }

  /** The bar being built, as it stands. */
  get current(): Bar | undefined {
    return this.bar === undefined ? undefined : this.toBar(this.bar);
  }

  private alignedStart(ts: Nanos): Nanos {
    const ns = this.interval.ns;
    const r = ts % ns;
    return r < 0n ? ts - r - ns : ts - r;
  }

  private start(tsOpenNs: Nanos, trade: Trade): OpenBar {
    return {
      tsOpenNs,
      tsCloseNs: tsOpenNs + this.interval.ns,
      open: trade.price,
      high: trade.price,
      low: trade.price,
      close: trade.price,
      volume: trade.size,
    };
  }

  private emit(bar: OpenBar): Bar {
    this.emittedUntil = bar.tsCloseNs;
    return this.toBar(bar);
  }

  private toBar(bar: OpenBar): Bar {
    return {
      type: "bar",
      instrument: this.instrument,
      interval: this.interval.text,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      volume: bar.volume,
      tsOpenNs: bar.tsOpenNs,
      tsCloseNs: bar.tsCloseNs,
    };
  }
}
