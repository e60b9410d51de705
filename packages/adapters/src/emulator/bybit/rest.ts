import { Decimal } from "@openfloor/core";
import { buildKlines, intervalMs, tapeStats } from "../engine/klines.js";
import type { MatchingEngine, OrderRef } from "../engine/matching-engine.js";
import { type EmulatedOrder, EngineError, type EngineRejection } from "../engine/types.js";
import type { FaultPlan, OrderFault, OrderOperation, WireReply, WireRequest } from "../wire.js";
import * as fmt from "./format.js";

const FAULTS: Record<OrderFault, { code: number; msg: string }> = {
  "insufficient-funds": { code: 170131, msg: "Insufficient balance." },
  "unknown-order": { code: 170213, msg: "Order does not exist." },
  "rate-limit": { code: 10006, msg: "Too many visits. Exceeded the API Rate Limit." },
  "invalid-price": { code: 170134, msg: "Order price decimal too long." },
  auth: { code: 10003, msg: "API key is invalid." },
};

const REJECTIONS: Record<EngineRejection, { code: number; msg: string }> = {
  "unknown-symbol": { code: 170121, msg: "Invalid symbol." },
  "invalid-price": FAULTS["invalid-price"],
  "invalid-quantity": { code: 170137, msg: "Order quantity decimal too long." },
  "min-notional": { code: 170140, msg: "Order value exceeded lower limit." },
  "insufficient-balance": FAULTS["insufficient-funds"],
  "unknown-order": FAULTS["unknown-order"],
  "duplicate-client-order-id": { code: 170141, msg: "Duplicate clientOrderId." },
  "post-only-would-take": { code: 170218, msg: "The LIMIT-MAKER order is rejected due to invalid price." },
  "order-not-amendable": { code: 10001, msg: "params error: order cannot be amended" },
};

/** Bybit's minute intervals are bare numbers ("1", "60"); days and weeks are "D", "W". */
function bybitIntervalMs(interval: string): number | undefined {
  if (interval === "D") return 86_400_000;
  if (interval === "W") return 604_800_000;
  return /^\d+$/.test(interval) ? intervalMs(`${interval}m`) : undefined;
}

/**
 * Bybit v5 spot REST (`/v5/...`) over the engine: what ccxt's bybit class calls for markets, books,
 * trades, tickers, klines, the unified wallet and order entry (create, amend, cancel, cancel-all,
 * realtime orders, history, executions). Errors come back as HTTP 200 with a non-zero `retCode`, as on
 * the real venue. Signatures are accepted unchecked.
 */
export class BybitRest {
  constructor(
    private readonly engine: MatchingEngine,
    private readonly faults: FaultPlan,
    private readonly now: () => number,
  ) {}

  handle(req: WireRequest): WireReply | undefined {
    const path = req.path;
    const p = req.params;
    const isPrivate = !path.startsWith("/v5/market/");
    if (
      isPrivate &&
      (req.headers["x-bapi-api-key"] === undefined || req.headers["x-bapi-sign"] === undefined)
    ) {
      return this.fail(10003, "API key is invalid.");
    }
    try {
      const result = this.route(`${req.method} ${path}`, p);
      return result === undefined ? undefined : { status: 200, body: fmt.envelope(result, this.now()) };
    } catch (e) {
      if (e instanceof EngineError) {
        const r = REJECTIONS[e.rejection];
        return this.fail(r.code, r.msg);
      }
      if (e instanceof InjectedFault) return this.fail(e.code, e.message);
      throw e;
    }
  }

  private fail(code: number, msg: string): WireReply {
    return { status: 200, body: fmt.envelope({}, this.now(), code, msg) };
  }

  private fault(operation: OrderOperation): void {
    const f = this.faults.take(operation);
    if (f !== undefined) throw new InjectedFault(FAULTS[f].code, FAULTS[f].msg);
  }

  private route(key: string, p: ReadonlyMap<string, string>): unknown {
    switch (key) {
      case "GET /v5/market/time": {
        const now = this.now();
        return { timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` };
      }
      case "GET /v5/market/instruments-info":
        return { category: "spot", list: this.engine.marketSpecs().map(fmt.instrument), nextPageCursor: "" };
      case "GET /v5/market/orderbook": {
        const symbol = required(p, "symbol");
        return fmt.orderbook(
          this.engine.spec(symbol),
          this.engine.depth(symbol, Number(p.get("limit") ?? 50)),
        );
      }
      case "GET /v5/market/recent-trade": {
        const symbol = required(p, "symbol");
        const spec = this.engine.spec(symbol);
        const trades = this.engine.recentTrades(symbol, Number(p.get("limit") ?? 60)).reverse();
        return { category: "spot", list: trades.map((t) => fmt.recentTrade(spec, t)) };
      }
      case "GET /v5/market/tickers": {
        const symbols = p.has("symbol")
          ? [required(p, "symbol")]
          : this.engine.marketSpecs().map((s) => s.symbol);
        return {
          category: "spot",
          list: symbols.map((s) => fmt.restTicker(this.engine.spec(s), this.stats(s))),
        };
      }
      case "GET /v5/market/kline":
        return this.klines(p);
      case "GET /v5/user/query-api":
        return {
          id: "13770661",
          note: "emulator",
          apiKey: "",
          readOnly: 0,
          secret: "",
          permissions: { Spot: ["SpotTrade"], Wallet: ["AccountTransfer"] },
          ips: ["*"],
          type: 1,
          unified: 0,
          uta: 1,
          userID: 24600000,
          isMaster: true,
        };
      case "GET /v5/account/info":
        return { marginMode: "REGULAR_MARGIN", updatedTime: String(this.now()), unifiedMarginStatus: 6 };
      case "GET /v5/asset/coin/query-info": {
        const coins = new Set(this.engine.marketSpecs().flatMap((s) => [s.base, s.quote]));
        return {
          rows: [...coins].map((coin) => ({ name: coin, coin, remainAmount: "1000000", chains: [] })),
        };
      }
      case "GET /v5/account/wallet-balance":
        return fmt.walletBalance(this.engine.balanceList());
      case "GET /v5/account/fee-rate":
        return {
          list: this.engine
            .marketSpecs()
            .map((s) => ({ symbol: s.symbol, takerFeeRate: "0.001", makerFeeRate: "0.001" })),
        };
      case "GET /v5/order/realtime":
        return this.orderList(this.realtime(p));
      case "GET /v5/order/history":
        return this.orderList(this.engine.allOrders(p.get("symbol")).filter((o) => matchesRef(o, p)));
      case "GET /v5/execution/list":
        return this.executions(p);
      case "POST /v5/order/create":
        return this.create(p);
      case "POST /v5/order/amend":
        return this.amend(p);
      case "POST /v5/order/cancel": {
        this.fault("cancel");
        const o = this.engine.cancelOrder(required(p, "symbol"), ref(p));
        return { orderId: o.id, orderLinkId: o.clientOrderId };
      }
      case "POST /v5/order/cancel-all": {
        this.fault("cancel");
        const canceled = this.engine.cancelAll(p.get("symbol"));
        return { list: canceled.map((o) => ({ orderId: o.id, orderLinkId: o.clientOrderId })), success: "1" };
      }
      default:
        return undefined;
    }
  }

  private create(p: ReadonlyMap<string, string>) {
    this.fault("create");
    const type = required(p, "orderType");
    const side = required(p, "side") === "Sell" ? "sell" : "buy";
    const tif = p.get("timeInForce");
    const qty = Decimal.parse(required(p, "qty"));
    const price = p.get("price");
    const quoteUnit =
      type === "Market" &&
      (p.get("marketUnit") === "quoteCoin" || (p.get("marketUnit") === undefined && side === "buy"));
    const clientOrderId = p.get("orderLinkId");
    const o = this.engine.placeOrder({
      symbol: required(p, "symbol"),
      side,
      type: type === "Market" ? "market" : "limit",
      timeInForce: tif === "IOC" || tif === "FOK" ? tif : "GTC",
      postOnly: tif === "PostOnly",
      ...(quoteUnit ? { quoteQuantity: qty } : { quantity: qty }),
      ...(price === undefined || type === "Market" ? {} : { price: Decimal.parse(price) }),
      ...(clientOrderId === undefined ? {} : { clientOrderId }),
    });
    return { orderId: o.id, orderLinkId: o.clientOrderId };
  }

  private amend(p: ReadonlyMap<string, string>) {
    this.fault("amend");
    const qty = p.get("qty");
    const price = p.get("price");
    const o = this.engine.amendOrder(required(p, "symbol"), ref(p), {
      ...(qty === undefined ? {} : { quantity: Decimal.parse(qty) }),
      ...(price === undefined ? {} : { price: Decimal.parse(price) }),
    });
    return { orderId: o.id, orderLinkId: o.clientOrderId };
  }

  private realtime(p: ReadonlyMap<string, string>): EmulatedOrder[] {
    const open = this.engine.openOrders(p.get("symbol")).filter((o) => matchesRef(o, p));
    if (!p.has("orderId") && !p.has("orderLinkId")) return open;
    // Bybit's realtime endpoint also answers for recently closed orders queried by id.
    return this.engine.allOrders(p.get("symbol")).filter((o) => matchesRef(o, p));
  }

  private orderList(orders: readonly EmulatedOrder[]) {
    const list = [...orders]
      .sort((a, b) => b.createdMs - a.createdMs)
      .map((o) =>
        fmt.order(
          this.engine.spec(o.symbol),
          o,
          this.engine.userFills(o.symbol).filter((f) => f.orderId === o.id),
        ),
      );
    return { category: "spot", list, nextPageCursor: "" };
  }

  private executions(p: ReadonlyMap<string, string>) {
    const start = p.get("startTime");
    const limit = Number(p.get("limit") ?? 50);
    const orderId = p.get("orderId");
    const fills = this.engine
      .userFills(p.get("symbol"), start === undefined ? undefined : Number(start))
      .filter((f) => orderId === undefined || f.orderId === orderId);
    const list = fills
      .slice(-limit)
      .reverse()
      .map((f) =>
        fmt.execution(
          this.engine.spec(f.symbol),
          f,
          this.engine.findOrder(f.symbol, { orderId: f.orderId })!,
        ),
      );
    return { category: "spot", list, nextPageCursor: "" };
  }

  private klines(p: ReadonlyMap<string, string>) {
    const symbol = required(p, "symbol");
    const spec = this.engine.spec(symbol);
    const period = bybitIntervalMs(required(p, "interval"));
    if (period === undefined) throw new InjectedFault(10001, "Invalid period!");
    const start = p.get("start");
    const limit = Number(p.get("limit") ?? 200);
    const all = buildKlines(this.engine.recentTrades(symbol, 5_000), period).filter(
      (k) => start === undefined || k.openMs >= Number(start),
    );
    const rows = all.slice(Math.max(0, all.length - limit)).map((k) => fmt.klineRow(spec, k));
    return { category: "spot", symbol, list: rows.reverse() };
  }

  stats(symbol: string): fmt.SpotTickerStats {
    const bid = this.engine.bestBid(symbol);
    const ask = this.engine.bestAsk(symbol);
    const s = tapeStats(
      this.engine.recentTrades(symbol, 5_000),
      Decimal.parse(this.engine.spec(symbol).initialMid),
    );
    return {
      ...s,
      bid: [bid?.price ?? Decimal.ZERO, bid?.total ?? Decimal.ZERO],
      ask: [ask?.price ?? Decimal.ZERO, ask?.total ?? Decimal.ZERO],
    };
  }
}

class InjectedFault extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function required(p: ReadonlyMap<string, string>, name: string): string {
  const v = p.get(name);
  if (v === undefined || v === "") throw new InjectedFault(10001, `params error: ${name} is required`);
  return v;
}

function ref(p: ReadonlyMap<string, string>): OrderRef {
  const orderId = p.get("orderId");
  const clientOrderId = p.get("orderLinkId");
  return {
    ...(orderId === undefined || orderId === "" ? {} : { orderId }),
    ...(clientOrderId === undefined || clientOrderId === "" ? {} : { clientOrderId }),
  };
}

function matchesRef(o: EmulatedOrder, p: ReadonlyMap<string, string>): boolean {
  const orderId = p.get("orderId");
  const link = p.get("orderLinkId");
  return (orderId === undefined || o.id === orderId) && (link === undefined || o.clientOrderId === link);
}
