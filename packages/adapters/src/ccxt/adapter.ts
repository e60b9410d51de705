import {
  type Fill,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  type Order,
  VenueError,
} from "@openfloor/core";
import type {
  AdapterContext,
  AmendRequest,
  ExchangeAdapter,
  MarketSubscription,
  VenueBalance,
  VenueOrderReport,
  VenuePosition,
} from "../contract/adapter.js";
import { assertCapability, type VenueCapabilities } from "../contract/capabilities.js";
import { AdapterConfigError } from "../contract/registry.js";
import { CcxtAccount } from "./account.js";
import { capabilitiesOf, transportsOf } from "./capabilities.js";
import {
  type CcxtAdapterConfig,
  DEFAULT_ORDER_TYPES,
  type ResolvedCredentials,
  resolveCredentials,
} from "./config.js";
import {
  type CcxtExchange,
  deepMerge,
  guardWebsocketSends,
  hasPlainWebsocketUrl,
  instantiateExchange,
} from "./exchange.js";
import { CcxtExecution } from "./execution.js";
import { marketToInstrument } from "./instruments.js";
import { CcxtMarketData } from "./market-data.js";
import { type CcxtAdapterStats, CcxtSession } from "./session.js";
import { BybitBookSequencer, installTaps, type RawTap, SubscriptionAcks } from "./taps.js";

/** Extra construction options, mostly for tests. */
export interface CcxtAdapterOptions {
  /** Where credential environment variables are read. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Private stream subscriptions ccxt makes per exchange on connect (see `SubscriptionAcks`). */
const EXPECTED_ACKS: Readonly<Record<string, number>> = { binance: 1, bybit: 2 };

/**
 * An `ExchangeAdapter` over any ccxt exchange (kind `"ccxt"`): instruments from ccxt's markets with exact
 * increments, market data over ccxt pro's websocket `watch*` calls (REST polling where the venue or the
 * config has none), order entry through ccxt's unified order methods, and the venue's order and fill
 * stream turned into core order events. Rate limits are ccxt's own (`enableRateLimit`); errors are mapped
 * to the shared venue error classes; credentials come from environment variables or secret files and are
 * kept out of every message.
 *
 * @example
 * const adapter = new CcxtAdapter("binance", ccxtAdapterConfigSchema.parse({
 *   exchange: "binance", symbols: ["BTC/USDT"],
 *   credentials: { apiKeyEnv: "BINANCE_API_KEY", secretEnv: "BINANCE_SECRET" },
 * }), { clock, sink, logger });
 * await adapter.connect();
 * await adapter.subscribe({ instrument: instrumentId("BTC/USDT", "binance"), channel: "book" });
 */
export class CcxtAdapter implements ExchangeAdapter {
  readonly kind = "ccxt";
  readonly venue: string;
  readonly capabilities: VenueCapabilities;
  private readonly exchange: CcxtExchange;
  private readonly session: CcxtSession;
  private readonly marketData: CcxtMarketData;
  private readonly execution: CcxtExecution;
  private readonly account: CcxtAccount;
  private readonly credentials: ResolvedCredentials;
  private readonly config: CcxtAdapterConfig;
  private connecting: Promise<void> | undefined;
  private marketsLoaded: Promise<readonly Instrument[]> | undefined;

  constructor(
    venue: string,
    config: CcxtAdapterConfig,
    context: AdapterContext,
    options: CcxtAdapterOptions = {},
  ) {
    this.venue = venue;
    this.config = config;
    this.credentials = resolveCredentials(venue, config.credentials, options.env);
    const exchange = instantiateExchange(config.exchange, {
      enableRateLimit: true,
      timeout: config.timeoutMs,
      ...(this.credentials.apiKey === undefined ? {} : { apiKey: this.credentials.apiKey }),
      ...(this.credentials.secret === undefined ? {} : { secret: this.credentials.secret }),
      ...(this.credentials.password === undefined ? {} : { password: this.credentials.password }),
      options: {
        // Currencies need extra (often private, heavy) endpoints; markets carry what the adapter needs.
        fetchCurrencies: false,
        warnOnFetchOpenOrdersWithoutSymbol: false,
        ...(config.exchange === "binance" || config.exchange === "bybit"
          ? { fetchMarkets: { types: ["spot"] } }
          : {}),
        ...config.options,
      },
    });
    if (exchange === undefined) {
      throw new AdapterConfigError(
        "ADAPTER_CONFIG_INVALID",
        `venues.${venue}.exchange: ccxt has no exchange ${JSON.stringify(config.exchange)}`,
        {
          context: { venue, key: "exchange", value: config.exchange },
        },
      );
    }
    if (config.sandbox) exchange.setSandboxMode(true);
    if (config.urls !== undefined) deepMerge(exchange.urls, config.urls);
    this.exchange = exchange;
    const marketType = typeof config.options?.defaultType === "string" ? config.options.defaultType : "spot";
    const transports = transportsOf(exchange.has, config.transport);
    this.capabilities = capabilitiesOf(exchange, transports, {
      orderTypes: config.orderTypes ?? DEFAULT_ORDER_TYPES,
      amendOrder: config.amendOrder,
      quotes: config.quotes,
      marketType,
    });
    const secrets = [this.credentials.apiKey, this.credentials.secret, this.credentials.password].filter(
      (x): x is string => x !== undefined,
    );
    this.session = new CcxtSession(venue, exchange, context, config, transports, this.capabilities, secrets);
    const sequencer = exchange.id.startsWith("bybit") ? new BybitBookSequencer() : undefined;
    const acks = new SubscriptionAcks(exchange.id, (n) => this.execution.onAck(n));
    const taps: RawTap[] = sequencer === undefined ? [acks] : [sequencer, acks];
    installTaps(exchange, taps);
    guardWebsocketSends(exchange);
    this.marketData = new CcxtMarketData(this.session, sequencer, acks);
    this.account = new CcxtAccount(this.session);
    this.execution = new CcxtExecution(
      this.session,
      this.account,
      acks,
      acks.known ? (EXPECTED_ACKS[exchange.id] ?? 0) : 0,
    );
  }

  /** Counters: malformed messages skipped, book gaps resynced, disconnects, reconciliations. */
  get stats(): Readonly<CcxtAdapterStats> {
    return this.session.stats;
  }

  /** The ccxt exchange id, e.g. "binance". */
  get exchangeId(): string {
    return this.exchange.id;
  }

  get hasCredentials(): boolean {
    return this.credentials.apiKey !== undefined && this.credentials.secret !== undefined;
  }

  /** Loads markets and, with credentials, starts the private order stream. Idempotent. */
  connect(): Promise<void> {
    this.connecting ??= this.doConnect().catch((error: unknown) => {
      this.connecting = undefined;
      this.session.health.set("disconnected", "connect failed");
      throw error;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    this.session.health.set("connecting");
    if (hasPlainWebsocketUrl(this.exchange.urls)) {
      // ccxt refuses plain ws:// (a local emulator) until its proxy agent module is loaded.
      await this.exchange.loadHttpProxyAgent();
    }
    await this.loadInstruments();
    if (this.hasCredentials) await this.execution.start();
    this.session.health.set("connected");
  }

  async disconnect(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    if (connecting !== undefined) await connecting.catch(() => undefined);
    // Pending ccxt calls settle only when the exchange closes its connections: stop, close, then wait.
    const stopping = Promise.all([this.marketData.stop(), this.execution.stop()]);
    try {
      await this.exchange.close();
    } catch (error) {
      this.session.logger.debug(
        { err: this.session.mapError(error, "stream") },
        "ccxt adapter: close failed",
      );
    }
    await stopping;
    this.session.health.set("disconnected");
  }

  loadInstruments(): Promise<readonly Instrument[]> {
    this.marketsLoaded ??= this.readMarkets().catch((error: unknown) => {
      this.marketsLoaded = undefined;
      throw error instanceof VenueError || error instanceof AdapterConfigError
        ? error
        : this.session.mapError(error, "load");
    });
    return this.marketsLoaded;
  }

  private async readMarkets(): Promise<readonly Instrument[]> {
    await this.exchange.loadMarkets();
    const markets = this.exchange.markets ?? {};
    const wanted = this.config.symbols;
    const instruments: Instrument[] = [];
    if (wanted !== undefined) {
      for (const [i, symbol] of wanted.entries()) {
        const market = markets[symbol];
        if (market === undefined) {
          throw new AdapterConfigError(
            "ADAPTER_CONFIG_INVALID",
            `venues.${this.venue}.symbols[${i}]: ${this.exchange.id} has no market ${JSON.stringify(symbol)}`,
            { context: { venue: this.venue, key: `symbols[${i}]`, value: symbol } },
          );
        }
        instruments.push(marketToInstrument(this.venue, market, this.exchange.precisionMode));
      }
    } else {
      for (const market of Object.values(markets)) {
        if (market.active === false) continue;
        try {
          instruments.push(marketToInstrument(this.venue, market, this.exchange.precisionMode));
        } catch (error) {
          this.session.logger.debug({ symbol: market.symbol, err: error }, "ccxt adapter: market skipped");
        }
      }
    }
    this.session.setInstruments(instruments);
    return instruments;
  }

  instrument(id: InstrumentId): Instrument | undefined {
    return id.venue === this.venue ? this.session.instrumentBySymbol(id.symbol) : undefined;
  }

  async subscribe(subscription: MarketSubscription): Promise<void> {
    const instrument = this.knownInstrument(subscription.instrument);
    assertCapability(
      this.venue,
      this.capabilities.marketData[subscription.channel],
      `${subscription.channel} data`,
    );
    await this.marketData.subscribe(subscription, instrument);
  }

  unsubscribe(subscription: MarketSubscription): Promise<void> {
    return this.marketData.unsubscribe(subscription);
  }

  submitOrder(order: Order): Promise<void> {
    return this.execution.submit(order);
  }

  amendOrder(order: Order, change: AmendRequest): Promise<void> {
    return this.execution.amend(order, change);
  }

  cancelOrder(order: Order): Promise<void> {
    return this.execution.cancel(order);
  }

  cancelAllOrders(instrument?: InstrumentId): Promise<void> {
    return this.execution.cancelAll(instrument);
  }

  fetchOpenOrders(instrument?: InstrumentId): Promise<readonly VenueOrderReport[]> {
    return this.execution.fetchOpenOrders(instrument);
  }

  fetchFills(sinceNs: bigint, instrument?: InstrumentId): Promise<readonly Fill[]> {
    return this.execution.fetchFills(sinceNs, instrument);
  }

  fetchBalances(): Promise<readonly VenueBalance[]> {
    return this.account.fetchBalances();
  }

  fetchPositions(): Promise<readonly VenuePosition[]> {
    return this.account.fetchPositions();
  }

  /** Reconciles tracked orders with the venue now (also done after every private stream reconnect). */
  reconcile(): Promise<void> {
    return this.execution.reconcile();
  }

  private knownInstrument(id: InstrumentId): Instrument {
    const instrument = this.instrument(id);
    if (instrument !== undefined) return instrument;
    const text = formatInstrumentId(id);
    throw new VenueError("VENUE_ERROR", `${this.venue}: unknown instrument ${text}`, {
      context: { venue: this.venue, field: "instrument", instrument: text },
    });
  }
}
