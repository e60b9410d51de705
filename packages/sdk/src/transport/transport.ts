import type {
  Balance,
  Clock,
  Fill,
  Instrument,
  InstrumentId,
  MarketEvent,
  Order,
  OrderEvent,
  PositionSnapshot,
} from "@openfloor/core";
import type { Observable } from "rxjs";

/** Market-data channels a strategy can subscribe to. */
export type DataChannel = "trades" | "quotes" | "book" | "bars";

export interface DataSubscription {
  readonly instrument: InstrumentId;
  readonly channel: DataChannel;
  /** `book`: levels per side; 0 = full depth. */
  readonly depth?: number;
  /** `bars`: interval such as "1m". */
  readonly interval?: string;
}

/** What the strategy asks the gateway for; ids, account and strategy are filled in by the SDK. */
export interface SubmitRequest {
  readonly clientOrderId: string;
  readonly instrument: InstrumentId;
  readonly side: Order["side"];
  readonly type: Order["type"];
  readonly timeInForce: Order["timeInForce"];
  readonly quantity: Order["quantity"];
  readonly price?: Order["price"];
  readonly triggerPrice?: Order["triggerPrice"];
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  readonly expireTimeNs?: bigint;
  /** Empty: the strategy's default account. */
  readonly account?: string;
}

export interface AmendChange {
  readonly quantity?: Order["quantity"];
  readonly price?: Order["price"];
  readonly triggerPrice?: Order["triggerPrice"];
}

/** An update about one of this strategy's orders. */
export type OrderUpdate =
  | { readonly kind: "event"; readonly order: Order; readonly event: OrderEvent }
  | { readonly kind: "fill"; readonly order: Order; readonly fill: Fill };

/** A strategy internal to record for post-trade analysis. */
export interface RecordValue {
  readonly name: string;
  readonly tsNs: bigint;
  readonly value: number | string | { readonly decimal: string } | Readonly<Record<string, unknown>>;
}

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "closed";

/**
 * How a strategy reaches a gateway: over gRPC to a sidecar, in-process, or a backtest. The strategy
 * code is the same for all three; only the transport given to the runner changes.
 */
export interface Transport {
  /** The clock strategies schedule on: live for gRPC and in-process, simulated in backtests. */
  readonly clock: Clock;
  readonly status$: Observable<ConnectionStatus>;
  connect(): Promise<void>;
  close(): Promise<void>;
  instruments(): Promise<readonly Instrument[]>;
  marketData(subscription: DataSubscription): Observable<MarketEvent>;
  submit(request: SubmitRequest): Promise<Order>;
  amend(clientOrderId: string, change: AmendChange): Promise<Order>;
  cancel(clientOrderId: string): Promise<Order>;
  cancelAll(instrument?: InstrumentId): Promise<readonly Order[]>;
  /** This strategy's orders as the gateway knows them (used to resync after a reconnect). */
  orders(openOnly: boolean): Promise<readonly Order[]>;
  /**
   * This strategy's positions as the gateway accounts them, read on start and after a reconnect so
   * fills the strategy did not hear about still count. Transports without a gateway (backtests) omit it.
   */
  positions?(): Promise<readonly PositionSnapshot[]>;
  /** Cash balances of the strategy's account at the gateway (read with `positions`). */
  balances?(): Promise<readonly Balance[]>;
  /** Live stream of this strategy's order events and fills. */
  orderUpdates(): Observable<OrderUpdate>;
  record(values: readonly RecordValue[]): void;
  /**
   * Optional hint that strategy code started async work (a callback returned a promise). Live transports
   * ignore it; the backtest transport lets that work settle before it moves simulated time on.
   */
  notePendingWork?(): void;
}
