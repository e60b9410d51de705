import type { Decimal } from "@openfloor/core";

/** A spot market the emulator lists. Numbers are decimal strings, as venues publish them. */
export interface EmulatedMarketSpec {
  /** Venue symbol without separator, e.g. "BTCUSDT". */
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly tickSize: string;
  readonly stepSize: string;
  readonly minQty: string;
  /** Minimum price × quantity; "0" for none. */
  readonly minNotional: string;
  /** Mid price the synthetic book starts around. */
  readonly initialMid: string;
  /** Typical market-maker size per level; default minQty × 10000. */
  readonly levelQty?: string;
}

export type EmulatedSide = "buy" | "sell";
export type EmulatedOrderType = "limit" | "market";
export type EmulatedTimeInForce = "GTC" | "IOC" | "FOK";
export type EmulatedOrderStatus = "new" | "partially-filled" | "filled" | "canceled" | "rejected" | "expired";

/** An order of the emulated user (the market maker's orders are not reported). */
export interface EmulatedOrder {
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: EmulatedSide;
  readonly type: EmulatedOrderType;
  readonly timeInForce: EmulatedTimeInForce;
  readonly postOnly: boolean;
  readonly price: Decimal | undefined;
  readonly quantity: Decimal;
  readonly filled: Decimal;
  readonly quoteFilled: Decimal;
  readonly status: EmulatedOrderStatus;
  readonly createdMs: number;
  readonly updatedMs: number;
}

/** One execution of the emulated user. */
export interface EmulatedFill {
  readonly tradeId: string;
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: EmulatedSide;
  readonly price: Decimal;
  readonly quantity: Decimal;
  readonly commission: Decimal;
  readonly commissionAsset: string;
  readonly maker: boolean;
  readonly timeMs: number;
}

export type ExecutionKind = "new" | "trade" | "canceled" | "replaced" | "expired";

/** What happened to a user order; `order` is its state after the event. */
export interface ExecutionReport {
  readonly kind: ExecutionKind;
  readonly order: EmulatedOrder;
  readonly fill?: EmulatedFill;
  readonly timeMs: number;
}

/** A trade on the public tape. */
export interface PublicTrade {
  readonly id: string;
  readonly symbol: string;
  readonly price: Decimal;
  readonly quantity: Decimal;
  readonly takerSide: EmulatedSide;
  readonly buyerOrderId: string;
  readonly sellerOrderId: string;
  readonly timeMs: number;
}

/** Levels changed by one engine operation; size 0 removes a level. */
export interface DepthDiff {
  readonly symbol: string;
  /** Binance-style update ids: the range this diff covers. */
  readonly firstUpdateId: number;
  readonly lastUpdateId: number;
  /** Bybit-style per-symbol message counter (+1 per diff). */
  readonly batchId: number;
  readonly bids: readonly (readonly [Decimal, Decimal])[];
  readonly asks: readonly (readonly [Decimal, Decimal])[];
  readonly timeMs: number;
}

export interface DepthSnapshot {
  readonly symbol: string;
  readonly lastUpdateId: number;
  readonly batchId: number;
  readonly bids: readonly (readonly [Decimal, Decimal])[];
  readonly asks: readonly (readonly [Decimal, Decimal])[];
  readonly timeMs: number;
}

export interface Balance {
  readonly asset: string;
  readonly free: Decimal;
  readonly locked: Decimal;
}

/** What the engine tells the wire dialects, synchronously, in order. */
export interface EngineListener {
  onDepth?(diff: DepthDiff): void;
  onTrade?(trade: PublicTrade): void;
  onExecution?(report: ExecutionReport): void;
}

/** Why the engine refused a request; dialects turn it into their own error codes. */
export type EngineRejection =
  | "unknown-symbol"
  | "invalid-price"
  | "invalid-quantity"
  | "min-notional"
  | "insufficient-balance"
  | "unknown-order"
  | "duplicate-client-order-id"
  | "post-only-would-take"
  | "order-not-amendable";

export class EngineError extends Error {
  readonly rejection: EngineRejection;
  constructor(rejection: EngineRejection, message: string) {
    super(message);
    this.name = "EngineError";
    this.rejection = rejection;
  }
}
