import type {
  Clock,
  Decimal,
  Fill,
  Instrument,
  InstrumentId,
  Logger,
  MarketEvent,
  Order,
  OrderEvent,
  OrderSide,
  OrderStatus,
  OrderType,
  VenueOrderId,
} from "@openfloor/core";
import type { VenueCapabilities } from "./capabilities.js";

/** Market-data channels a strategy can subscribe to. */
export type MarketChannel = "trades" | "quotes" | "book" | "bars";

export interface MarketSubscription {
  readonly instrument: InstrumentId;
  readonly channel: MarketChannel;
  /** For `book`: levels per side (0 = venue default). */
  readonly depth?: number;
  /** For `bars`: interval such as "1m". */
  readonly interval?: string;
}

/** An order as the venue reports it, for reconciliation. */
export interface VenueOrderReport {
  readonly clientOrderId?: string;
  readonly venueOrderId: VenueOrderId;
  readonly instrument: InstrumentId;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly status: OrderStatus;
  readonly quantity: Decimal;
  readonly price?: Decimal;
  readonly filledQuantity: Decimal;
  readonly tsNs: bigint;
}

export interface VenueBalance {
  readonly currency: string;
  readonly total: Decimal;
  readonly free: Decimal;
  readonly locked: Decimal;
}

export interface VenuePosition {
  readonly instrument: InstrumentId;
  /** Signed: positive long. */
  readonly quantity: Decimal;
  readonly averageEntryPrice?: Decimal;
}

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected";

/**
 * Where an adapter delivers what the venue says. Called on the adapter's event loop turn; the
 * receiver must not block (the gateway's data engine queues and batches).
 */
export interface VenueEventSink {
  /** Normalized market data. Book streams: a snapshot first, then sequenced deltas. */
  onMarketEvent(event: MarketEvent): void;
  /** An order event for an order this adapter knows by client order id. */
  onOrderEvent(clientOrderId: string, event: OrderEvent): void;
  /** An event for an order the adapter cannot attribute (placed outside openfloor, or unknown id). */
  onUnknownOrder?(report: VenueOrderReport): void;
  onConnectionState?(state: ConnectionState, detail?: string): void;
  /** A malformed message or transient error that was skipped; the stream goes on. */
  onError?(error: Error): void;
}

/** What an adapter is given by whoever creates it (gateway, backtest, test). */
export interface AdapterContext {
  readonly clock: Clock;
  readonly sink: VenueEventSink;
  readonly logger: Logger;
}

/** Instruments the venue lists, normalized to core `Instrument`s with exact increments. */
export interface InstrumentProvider {
  loadInstruments(): Promise<readonly Instrument[]>;
  /** A loaded instrument, or undefined. */
  instrument(id: InstrumentId): Instrument | undefined;
}

export interface MarketDataClient {
  subscribe(subscription: MarketSubscription): Promise<void>;
  unsubscribe(subscription: MarketSubscription): Promise<void>;
}

/** The changes an amend asks for; unset fields stay as they are. */
export interface AmendRequest {
  readonly quantity?: Decimal;
  readonly price?: Decimal;
  readonly triggerPrice?: Decimal;
}

/**
 * Order entry. Methods resolve when the venue has taken the request (not when it is filled); the
 * outcome (accepted, rejected, filled, canceled, …) arrives through `VenueEventSink.onOrderEvent`.
 * A request the venue refuses synchronously rejects with a `VenueError` subclass.
 */
export interface ExecutionClient {
  submitOrder(order: Order): Promise<void>;
  amendOrder(order: Order, change: AmendRequest): Promise<void>;
  cancelOrder(order: Order): Promise<void>;
  cancelAllOrders(instrument?: InstrumentId): Promise<void>;
  fetchOpenOrders(instrument?: InstrumentId): Promise<readonly VenueOrderReport[]>;
  /** Fills at or after `sinceNs` (for reconciliation after a restart). */
  fetchFills(sinceNs: bigint, instrument?: InstrumentId): Promise<readonly Fill[]>;
  fetchBalances(): Promise<readonly VenueBalance[]>;
  fetchPositions(): Promise<readonly VenuePosition[]>;
}

/** One venue connection: instruments, market data and execution behind one interface. */
export interface ExchangeAdapter extends InstrumentProvider, MarketDataClient, ExecutionClient {
  /** Venue name as used in instrument ids, e.g. "binance". */
  readonly venue: string;
  /** Adapter kind, e.g. "sim", "ccxt". */
  readonly kind: string;
  readonly capabilities: VenueCapabilities;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}
