import ccxt from "ccxt";

// The slice of a ccxt (pro) exchange the adapter uses, typed at the boundary. ccxt's own typings
// are loose (`any` in many places) and its unified structures carry JavaScript numbers that may be
// undefined or NaN, so every field is optional here and parsers check what they read.

export interface CcxtMarket {
  readonly id: string;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly settle?: string;
  readonly type?: string;
  readonly spot?: boolean;
  readonly swap?: boolean;
  readonly future?: boolean;
  readonly option?: boolean;
  readonly inverse?: boolean;
  readonly active?: boolean;
  readonly contractSize?: number;
  readonly expiry?: number;
  readonly strike?: number;
  readonly optionType?: string;
  readonly maker?: number;
  readonly taker?: number;
  readonly precision: { readonly price?: number; readonly amount?: number };
  readonly limits: {
    readonly amount?: { readonly min?: number };
    readonly cost?: { readonly min?: number };
  };
}

export interface CcxtFee {
  readonly cost?: number;
  readonly currency?: string;
}

export interface CcxtTrade {
  readonly id?: string;
  readonly timestamp?: number;
  readonly symbol?: string;
  readonly order?: string;
  readonly side?: string;
  readonly price?: number;
  readonly amount?: number;
  readonly takerOrMaker?: string;
  readonly fee?: CcxtFee;
  readonly info?: unknown;
}

export type CcxtLevel = readonly number[];

export interface CcxtOrderBook {
  readonly bids: readonly CcxtLevel[];
  readonly asks: readonly CcxtLevel[];
  readonly nonce?: number;
  readonly timestamp?: number;
  readonly symbol?: string;
}

export interface CcxtTicker {
  readonly symbol?: string;
  readonly timestamp?: number;
  readonly bid?: number;
  readonly bidVolume?: number;
  readonly ask?: number;
  readonly askVolume?: number;
}

export type CcxtOHLCV = readonly number[];

export interface CcxtOrder {
  readonly id?: string;
  readonly clientOrderId?: string;
  readonly symbol?: string;
  readonly type?: string;
  readonly side?: string;
  readonly price?: number;
  readonly amount?: number;
  readonly filled?: number;
  readonly status?: string;
  readonly timeInForce?: string;
  readonly timestamp?: number;
  readonly lastUpdateTimestamp?: number;
  readonly trades?: readonly CcxtTrade[];
  readonly info?: unknown;
}

export interface CcxtBalanceEntry {
  readonly free?: number;
  readonly used?: number;
  readonly total?: number;
}

export interface CcxtPosition {
  readonly symbol?: string;
  readonly contracts?: number;
  readonly side?: string;
  readonly entryPrice?: number;
}

/** A ccxt websocket client, as far as the adapter looks at it. */
export interface CcxtWsClient {
  readonly url: string;
  isOpen?(): boolean;
  send?(message: unknown): Promise<unknown>;
}

/** Value of a `has` entry: true, false, "emulated" or undefined. */
export type HasValue = boolean | string | undefined;

export interface CcxtExchange {
  readonly id: string;
  readonly has: Readonly<Record<string, HasValue>>;
  readonly features?: unknown;
  readonly precisionMode: number;
  readonly markets: Readonly<Record<string, CcxtMarket>> | undefined;
  readonly currencies: Readonly<Record<string, { readonly precision?: number }>> | undefined;
  readonly timeframes: Readonly<Record<string, unknown>> | undefined;
  readonly urls: Record<string, unknown>;
  readonly options: Record<string, unknown>;
  /** ccxt's caches of the latest streamed values (a watch call resolves only on messages after it). */
  readonly bidsasks?: Readonly<Record<string, CcxtTicker | undefined>>;
  readonly tickers?: Readonly<Record<string, CcxtTicker | undefined>>;
  readonly ohlcvs?: Readonly<
    Record<string, Readonly<Record<string, readonly CcxtOHLCV[] | undefined>> | undefined>
  >;
  /** Open websocket clients by URL (ccxt drops a client when its connection closes). */
  readonly clients: Readonly<Record<string, CcxtWsClient>> | undefined;
  apiKey: string;
  secret: string;
  password: string;
  enableRateLimit: boolean;
  timeout: number;
  newUpdates: boolean;
  handleMessage(client: CcxtWsClient, message: unknown): void;
  /** Gets or creates the websocket client of a URL. */
  client(url: string): CcxtWsClient;
  setSandboxMode(enabled: boolean): void;
  loadHttpProxyAgent(): Promise<unknown>;
  loadMarkets(reload?: boolean): Promise<unknown>;
  parseTimeframe(timeframe: string): number;
  close(): Promise<unknown>;

  watchTrades(symbol: string): Promise<readonly CcxtTrade[]>;
  watchOrderBook(symbol: string, limit?: number): Promise<CcxtOrderBook>;
  watchBidsAsks(symbols: string[]): Promise<Readonly<Record<string, CcxtTicker>>>;
  watchTicker(symbol: string): Promise<CcxtTicker>;
  watchOHLCV(symbol: string, timeframe: string): Promise<readonly CcxtOHLCV[]>;
  watchOrders(): Promise<readonly CcxtOrder[]>;
  watchMyTrades(): Promise<readonly CcxtTrade[]>;
  unWatchTrades(symbol: string): Promise<unknown>;
  unWatchOrderBook(symbol: string): Promise<unknown>;
  unWatchTicker(symbol: string): Promise<unknown>;
  unWatchBidsAsks(symbols: string[]): Promise<unknown>;
  unWatchOHLCV(symbol: string, timeframe: string): Promise<unknown>;

  fetchTrades(symbol: string, since?: number, limit?: number): Promise<readonly CcxtTrade[]>;
  fetchOrderBook(symbol: string, limit?: number): Promise<CcxtOrderBook>;
  fetchTicker(symbol: string): Promise<CcxtTicker>;
  fetchBidsAsks(symbols: string[]): Promise<Readonly<Record<string, CcxtTicker>>>;
  fetchOHLCV(
    symbol: string,
    timeframe: string,
    since?: number,
    limit?: number,
  ): Promise<readonly CcxtOHLCV[]>;
  fetchBalance(): Promise<Readonly<Record<string, unknown>>>;
  fetchPositions(symbols?: string[]): Promise<readonly CcxtPosition[]>;
  fetchOpenOrders(symbol?: string): Promise<readonly CcxtOrder[]>;
  fetchOrder(id: string, symbol: string, params: Record<string, unknown>): Promise<CcxtOrder>;
  fetchMyTrades(symbol?: string, since?: number, limit?: number): Promise<readonly CcxtTrade[]>;
  createOrder(
    symbol: string,
    type: string,
    side: string,
    amount: number,
    price: number | undefined,
    params: Record<string, unknown>,
  ): Promise<CcxtOrder>;
  editOrder(
    id: string,
    symbol: string,
    type: string,
    side: string,
    amount: number | undefined,
    price: number | undefined,
    params: Record<string, unknown>,
  ): Promise<CcxtOrder>;
  cancelOrder(id: string | undefined, symbol: string, params: Record<string, unknown>): Promise<CcxtOrder>;
  cancelAllOrders(symbol?: string): Promise<readonly CcxtOrder[] | CcxtOrder | undefined>;
}

/** ccxt's precision modes (`exchange.precisionMode`). */
export const PRECISION_MODE = { DECIMAL_PLACES: 2, SIGNIFICANT_DIGITS: 3, TICK_SIZE: 4 } as const;

/** The installed ccxt version. */
export function ccxtVersion(): string {
  return ccxt.version;
}

/** Exchange ids ccxt knows, with websocket (pro) support or without. */
export function ccxtExchangeIds(): { readonly rest: readonly string[]; readonly pro: readonly string[] } {
  return { rest: ccxt.exchanges, pro: proIds() };
}

// ccxt.pro lists its exchange ids at run time; its typings do not declare the list.
function proIds(): readonly string[] {
  return (ccxt.pro as unknown as { readonly exchanges: readonly string[] }).exchanges;
}

type ExchangeClass = new (config: Record<string, unknown>) => unknown;

/**
 * Instantiates ccxt's exchange class for `id`: the pro (websocket) class when ccxt has one, else the
 * REST class. Returns undefined for an unknown id.
 */
export function instantiateExchange(id: string, config: Record<string, unknown>): CcxtExchange | undefined {
  const pro = ccxt.pro as unknown as Readonly<Record<string, ExchangeClass | undefined>>;
  const rest = ccxt as unknown as Readonly<Record<string, ExchangeClass | undefined>>;
  const Class = proIds().includes(id) ? pro[id] : ccxt.exchanges.includes(id) ? rest[id] : undefined;
  if (Class === undefined) return undefined;
  // The one cast across the boundary: ccxt's classes satisfy CcxtExchange at run time.
  return new Class(config) as CcxtExchange;
}

/** Merges `source` into `target` recursively (plain objects only), as ccxt's URL overrides need. */
export function deepMerge(target: Record<string, unknown>, source: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) deepMerge(current, value);
    else if (isPlainObject(value)) {
      const copy: Record<string, unknown> = {};
      deepMerge(copy, value);
      target[key] = copy;
    } else target[key] = value;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * ccxt sends a throttled subscription without handling the send's failure, so a socket that closes in
 * between (a disconnect, a dropped connection) becomes an unhandled rejection, which ends a Node process.
 * Marks every send's promise as handled; whoever awaits it still sees the error.
 */
export function guardWebsocketSends(exchange: CcxtExchange): void {
  const guarded = new WeakSet<CcxtWsClient>();
  const client = exchange.client.bind(exchange);
  exchange.client = (url: string) => {
    const c = client(url);
    const send = c.send;
    if (!guarded.has(c) && send !== undefined) {
      guarded.add(c);
      c.send = (message: unknown) => {
        const sent = send.call(c, message);
        sent.catch(() => undefined);
        return sent;
      };
    }
    return c;
  };
}

/** True when any string in `urls` (recursively) is a plain `ws://` URL. */
export function hasPlainWebsocketUrl(urls: unknown): boolean {
  if (typeof urls === "string") return urls.startsWith("ws://");
  if (isPlainObject(urls)) return Object.values(urls).some(hasPlainWebsocketUrl);
  return false;
}
