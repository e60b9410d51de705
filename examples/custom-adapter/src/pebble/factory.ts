// The Pebble adapter: instruments, market data and execution behind the ExchangeAdapter contract, its
// capability map, and the factory to register: `defaultAdapterRegistry().register(pebbleAdapterFactory)`.
// Nothing registers itself on import.
import type {
  AdapterContext,
  AdapterFactory,
  AmendRequest,
  ExchangeAdapter,
  MarketSubscription,
  VenueBalance,
  VenueCapabilities,
  VenueOrderReport,
  VenuePosition,
} from "@openfloor/adapters";
import type { Fill, Instrument, InstrumentId, Order } from "@openfloor/core";
import { type PebbleConfig, pebbleConfigSchema } from "./config.js";
import { PebbleConnection } from "./connection.js";
import { PebbleMarketData } from "./data.js";
import { PebbleExecution } from "./execution.js";
import { PebbleInstruments } from "./instruments.js";

/** What Pebble does; anything else fails with NotSupportedError before it is sent. */
export const PEBBLE_CAPABILITIES: VenueCapabilities = {
  orderTypes: ["market", "limit"],
  timeInForce: ["GTC", "IOC"],
  postOnly: false,
  reduceOnly: false,
  amendOrder: false,
  cancelAllOrders: true,
  marketData: { trades: true, quotes: false, book: true, bars: false },
  bookSequenceNumbers: true,
  fetchFillsSince: true,
  balances: true,
  positions: false,
};

export class PebbleAdapter implements ExchangeAdapter {
  readonly kind = "pebble";
  readonly capabilities = PEBBLE_CAPABILITIES;
  private readonly instruments: PebbleInstruments;
  private readonly data: PebbleMarketData;
  private readonly execution: PebbleExecution;

  constructor(
    readonly venue: string,
    config: PebbleConfig,
    context: AdapterContext,
    env: Readonly<Record<string, string | undefined>> = process.env,
  ) {
    const connection = new PebbleConnection(venue, config.endpoint, env[config.apiKeyEnv]);
    this.instruments = new PebbleInstruments(venue, connection);
    this.execution = new PebbleExecution(venue, this.capabilities, connection, this.instruments, context);
    this.data = new PebbleMarketData(
      venue,
      config,
      this.capabilities,
      this.instruments,
      connection,
      context,
      (u) => this.execution.onOrderUpdate(u),
    );
  }

  /** Loads instruments first (order checks need them), then opens the stream. */
  async connect(): Promise<void> {
    await this.instruments.loadInstruments();
    this.data.open();
  }

  async disconnect(): Promise<void> {
    this.data.close();
  }

  loadInstruments(): Promise<readonly Instrument[]> {
    return this.instruments.loadInstruments();
  }
  instrument(id: InstrumentId): Instrument | undefined {
    return this.instruments.instrument(id);
  }
  subscribe(s: MarketSubscription): Promise<void> {
    return this.data.subscribe(s);
  }
  unsubscribe(s: MarketSubscription): Promise<void> {
    return this.data.unsubscribe(s);
  }
  submitOrder(order: Order): Promise<void> {
    return this.execution.submitOrder(order);
  }
  amendOrder(order: Order, change: AmendRequest): Promise<void> {
    return this.execution.amendOrder(order, change);
  }
  cancelOrder(order: Order): Promise<void> {
    return this.execution.cancelOrder(order);
  }
  cancelAllOrders(instrument?: InstrumentId): Promise<void> {
    return this.execution.cancelAllOrders(instrument);
  }
  fetchOpenOrders(instrument?: InstrumentId): Promise<readonly VenueOrderReport[]> {
    return this.execution.fetchOpenOrders(instrument);
  }
  fetchFills(sinceNs: bigint, instrument?: InstrumentId): Promise<readonly Fill[]> {
    return this.execution.fetchFills(sinceNs, instrument);
  }
  fetchBalances(): Promise<readonly VenueBalance[]> {
    return this.execution.fetchBalances();
  }
  fetchPositions(): Promise<readonly VenuePosition[]> {
    return this.execution.fetchPositions();
  }
}

/** Register it: `registry.register(pebbleAdapterFactory)`; then `venues.<name>.adapter: pebble` in the config. */
export const pebbleAdapterFactory: AdapterFactory<PebbleConfig> = {
  kind: "pebble",
  configSchema: pebbleConfigSchema,
  create: (venue, config, context) => new PebbleAdapter(venue, config, context),
};
