import type { Decimal, Fill, InstrumentId, Order, OrderEvent, OrderRequest } from "@openfloor/core";

/** Who is trading, as the OMS knows it. */
export interface Trader {
  readonly strategyId: string;
  readonly account: string;
}

export type TradingStateName = "active" | "reducing-only" | "halted";

/** An order event or fill for one strategy's order, as the OMS publishes it. */
export type OrderUpdate =
  | { readonly kind: "event"; readonly strategyId: string; readonly order: Order; readonly event: OrderEvent }
  | { readonly kind: "fill"; readonly strategyId: string; readonly order: Order; readonly fill: Fill };

/** The change an amend asks for; unset fields stay as they are. */
export interface OrderChange {
  readonly quantity?: Decimal;
  readonly price?: Decimal;
  readonly triggerPrice?: Decimal;
  /** Client order id of the replacement when the venue amends by cancel-replace. */
  readonly replacementClientOrderId?: string;
}

/**
 * The part of the execution engine (OMS) the gRPC services and the in-process transport call. The
 * gateway's `ExecutionEngine` implements it; services depend on this port only.
 */
export interface OrderExecution {
  submit(who: Trader, request: OrderRequest): Promise<Order>;
  amend(who: Trader, clientOrderId: string, change: OrderChange): Promise<Order>;
  cancel(who: Trader, clientOrderId: string): Promise<Order>;
  cancelAll(who: Trader, instrument?: InstrumentId): Promise<Order[]>;
  orders(who: Trader, options?: { openOnly?: boolean }): Order[];
  onUpdate(listener: (update: OrderUpdate) => void): () => void;
  setTradingState(state: TradingStateName, reason: string): void;
  engageKillSwitch(reason: string): Promise<{ canceled: number }>;
  cancelStrategyOrders(strategyId: string): Promise<number>;
  openOrderCount(): number;
}
