import type { Nanos } from "../clock/clock.js";
import type { InstrumentId } from "../instruments/instrument-id.js";
import type { Decimal } from "../numbers/decimal.js";
import type { OrderSide } from "../orders/types.js";

export interface Trade {
  readonly type: "trade";
  readonly instrument: InstrumentId;
  readonly price: Decimal;
  readonly size: Decimal;
  /** Side of the taker. */
  readonly aggressor: OrderSide;
  readonly tradeId: string;
  readonly tsEventNs: Nanos;
  readonly tsRecvNs: Nanos;
}

/** Top of book. */
export interface Quote {
  readonly type: "quote";
  readonly instrument: InstrumentId;
  readonly bidPrice: Decimal;
  readonly bidSize: Decimal;
  readonly askPrice: Decimal;
  readonly askSize: Decimal;
  readonly tsEventNs: Nanos;
  readonly tsRecvNs: Nanos;
}

export interface BookLevel {
  readonly price: Decimal;
  /** In a delta, zero removes the level. */
  readonly size: Decimal;
}

export interface BookSnapshot {
  readonly type: "book-snapshot";
  readonly instrument: InstrumentId;
  /** Best first: bids descending, asks ascending. */
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
  /** Sequence number of the last update folded into this snapshot. */
  readonly sequence: bigint;
  readonly tsEventNs: Nanos;
  readonly tsRecvNs: Nanos;
}

export interface BookDelta {
  readonly type: "book-delta";
  readonly instrument: InstrumentId;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
  /** Applies when `firstSequence` is the previous `sequence` + 1. */
  readonly firstSequence: bigint;
  readonly sequence: bigint;
  readonly tsEventNs: Nanos;
  readonly tsRecvNs: Nanos;
}

export interface Bar {
  readonly type: "bar";
  readonly instrument: InstrumentId;
  /** e.g. "1s", "1m", "1h". */
  readonly interval: string;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly close: Decimal;
  readonly volume: Decimal;
  readonly tsOpenNs: Nanos;
  readonly tsCloseNs: Nanos;
}

export type MarketEvent = Trade | Quote | BookSnapshot | BookDelta | Bar;
