// factory.ts (REQUIRED): the adapter class that composes instruments, data and execution behind the
// ExchangeAdapter contract, its capability map, and the AdapterFactory to register:
//   new AdapterRegistry().register(exampleAdapterFactory)
// Nothing registers itself on import.
import type { Fill, Instrument, InstrumentId, Order } from "@openfloor/core";
import type {
  AdapterContext,
  AmendRequest,
  ExchangeAdapter,
  MarketSubscription,
  VenueBalance,
  VenueOrderReport,
  VenuePosition,
} from "../contract/adapter.js";
import type { VenueCapabilities } from "../contract/capabilities.js";
import type { AdapterFactory } from "../contract/registry.js";
import { type ExampleConfig, exampleConfigSchema } from "./config.js";
import { ExampleMarketData } from "./data.js";
import { ExampleExecution } from "./execution.js";
import { ExampleRest } from "./http/client.js";
import { ExampleInstruments } from "./instruments.js";

/** Declare only what the venue really does: anything else fails with NotSupportedError before it is sent. */
export const EXAMPLE_CAPABILITIES: VenueCapabilities = {
  orderTypes: ["market", "limit"],
  timeInForce: ["GTC", "IOC", "FOK"],
  postOnly: true,
  reduceOnly: false,
  amendOrder: false,
  cancelAllOrders: true,
  marketData: { trades: true, quotes: false, book: true, bars: false },
  bookSequenceNumbers: true,
  fetchFillsSince: true,
  balances: true,
  positions: false,
};

export class ExampleAdapter implements ExchangeAdapter {
  readonly kind = "example";
  readonly capabilities = EXAMPLE_CAPABILITIES;
  private readonly instruments: ExampleInstruments;
  private readonly data: ExampleMarketData;
  private readonly execution: ExampleExecution;

  constructor(
    readonly venue: string,
    config: ExampleConfig,
    context: AdapterContext,
    env: Readonly<Record<string, string | undefined>> = process.env,
  ) {
    const apiKey = env[config.apiKeyEnv];
    const apiSecret = env[config.apiSecretEnv];
    const rest = new ExampleRest(venue, config, apiKey && apiSecret ? { apiKey, apiSecret } : undefined);
    this.instruments = new ExampleInstruments(venue, rest);
    this.execution = new ExampleExecution(venue, this.capabilities, rest, this.instruments, context);
    this.data = new ExampleMarketData(venue, config, this.capabilities, this.instruments, context, (u) =>
      this.execution.onOrderUpdate(u),
    );
  }

  /** REQUIRED: load instruments first (validation needs them), then open the stream. */
  async connect(): Promise<void> {
    await this.instruments.loadInstruments();
    await this.data.open();
  }

  /** REQUIRED. */
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

export const exampleAdapterFactory: AdapterFactory<ExampleConfig> = {
  kind: "example",
  configSchema: exampleConfigSchema,
  create: (venue, config, context) => new ExampleAdapter(venue, config, context),
};
