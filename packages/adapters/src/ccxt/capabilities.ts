import type { OrderType, TimeInForce } from "@openfloor/core";
import type { VenueCapabilities } from "../contract/capabilities.js";
import { type CcxtExchange, type HasValue, isPlainObject } from "./exchange.js";

/** Venues whose ccxt `editOrder` replaces the order (a new venue order id), which is not an amend. */
const EDIT_IS_CANCEL_REPLACE = new Set(["binance", "binanceus", "tokocrypto"]);

/** Venues whose websocket book carries sequence numbers the adapter sees (ccxt `nonce` or a raw tap). */
const SEQUENCED_BOOKS = new Set(["binance", "binanceus", "bybit"]);

function yes(v: HasValue): boolean {
  return v === true || v === "emulated";
}

function path(root: unknown, ...keys: string[]): unknown {
  let at = root;
  for (const k of keys) {
    if (!isPlainObject(at)) return undefined;
    at = at[k];
  }
  return at;
}

/** How the adapter reaches each stream: over websocket or by REST polling. */
export interface Transports {
  readonly trades: "ws" | "rest" | undefined;
  readonly book: "ws" | "rest" | undefined;
  readonly bars: "ws" | "rest" | undefined;
  readonly ticker: "ws" | "rest" | undefined;
  readonly bidsAsks: "ws" | "rest" | undefined;
  readonly orders: "ws" | "rest" | undefined;
}

/** Picks websocket where ccxt's `has` offers it (unless the config says REST), else REST polling. */
export function transportsOf(
  has: Readonly<Record<string, HasValue>>,
  mode: "auto" | "websocket" | "rest",
): Transports {
  const pick = (watch: string, fetch: string): "ws" | "rest" | undefined => {
    if (mode !== "rest" && has.ws === true && yes(has[watch])) return "ws";
    if (mode === "websocket" && has.ws === true) return undefined;
    return yes(has[fetch]) ? "rest" : undefined;
  };
  const orders =
    mode !== "rest" && has.ws === true && yes(has.watchOrders) && yes(has.watchMyTrades) ? "ws" : "rest";
  return {
    trades: pick("watchTrades", "fetchTrades"),
    book: pick("watchOrderBook", "fetchOrderBook"),
    bars: pick("watchOHLCV", "fetchOHLCV"),
    ticker: pick("watchTicker", "fetchTicker"),
    bidsAsks: pick("watchBidsAsks", "fetchBidsAsks"),
    orders: yes(has.fetchMyTrades) || orders === "ws" ? orders : undefined,
  };
}

/**
 * The capability map of a ccxt exchange, derived from its `has` and `features` (spot section, or the
 * market type the instruments are): time in force and post-only from `features.createOrder`, native
 * amend from `has.editOrder`, and streams from the `watch*`/`fetch*` entries that `transports` chose.
 */
export function capabilitiesOf(
  exchange: CcxtExchange,
  transports: Transports,
  settings: {
    readonly orderTypes: readonly OrderType[];
    readonly amendOrder: boolean | undefined;
    readonly quotes: "book" | "bidsAsks" | "ticker";
    readonly marketType: string;
  },
): VenueCapabilities {
  const has = exchange.has;
  const featureSection =
    settings.marketType === "spot"
      ? path(exchange.features, "spot")
      : (path(exchange.features, settings.marketType, "linear") ??
        path(exchange.features, settings.marketType));
  const createOrder = path(featureSection, "createOrder");
  const tif = path(createOrder, "timeInForce");
  const timeInForce: TimeInForce[] = ["GTC"];
  if (path(tif, "IOC") === true) timeInForce.push("IOC");
  if (path(tif, "FOK") === true) timeInForce.push("FOK");
  const orderTypes = settings.orderTypes.filter((t) => t !== "market" || has.createMarketOrder !== false);
  const quoteSource =
    settings.quotes === "book"
      ? transports.book
      : settings.quotes === "bidsAsks"
        ? transports.bidsAsks
        : transports.ticker;
  return Object.freeze({
    orderTypes: Object.freeze(orderTypes),
    timeInForce: Object.freeze(timeInForce),
    postOnly: path(tif, "PO") === true || has.createPostOnlyOrder === true,
    reduceOnly: settings.marketType !== "spot" && path(createOrder, "reduceOnly") === true,
    amendOrder: settings.amendOrder ?? (has.editOrder === true && !EDIT_IS_CANCEL_REPLACE.has(exchange.id)),
    cancelAllOrders: yes(has.cancelAllOrders),
    marketData: Object.freeze({
      trades: transports.trades !== undefined,
      quotes: quoteSource !== undefined,
      book: transports.book !== undefined,
      bars: transports.bars !== undefined,
    }),
    bookSequenceNumbers: transports.book === "ws" && SEQUENCED_BOOKS.has(exchange.id),
    fetchFillsSince: yes(has.fetchMyTrades),
    balances: yes(has.fetchBalance),
    positions: settings.marketType !== "spot" && yes(has.fetchPositions),
  });
}
