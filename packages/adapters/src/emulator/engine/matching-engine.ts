import { Decimal } from "@openfloor/core";
import { BookSide, type PriceLevel, type RestingOrder } from "./book.js";
import {
  type Balance,
  type DepthSnapshot,
  type EmulatedFill,
  type EmulatedMarketSpec,
  type EmulatedOrder,
  type EmulatedOrderType,
  type EmulatedSide,
  type EmulatedTimeInForce,
  EngineError,
  type EngineListener,
  type ExecutionKind,
  type PublicTrade,
} from "./types.js";

/** A new order of the emulated user. Exactly one of `quantity` / `quoteQuantity` (market buys only). */
export interface PlaceOrderRequest {
  readonly symbol: string;
  readonly side: EmulatedSide;
  readonly type: EmulatedOrderType;
  readonly timeInForce?: EmulatedTimeInForce;
  readonly postOnly?: boolean;
  readonly quantity?: Decimal;
  readonly quoteQuantity?: Decimal;
  readonly price?: Decimal;
  readonly clientOrderId?: string;
}

/** Names an order by venue id or client id. */
export interface OrderRef {
  readonly orderId?: string;
  readonly clientOrderId?: string;
}

export interface MatchingEngineOptions {
  readonly markets: readonly EmulatedMarketSpec[];
  /** Starting balances of the emulated user, e.g. `{ USDT: "1000000", BTC: "10" }`. */
  readonly balances?: Readonly<Record<string, string>>;
  /** Default "0.001". */
  readonly takerFee?: string;
  /** Default "0.001". */
  readonly makerFee?: string;
  /** Market-maker levels kept on each side. Default 20. */
  readonly levels?: number;
  /** Seed of the synthetic market's random walk. Default 1. */
  readonly seed?: number;
  /** Wall clock in ms. Default `Date.now`. */
  readonly now?: () => number;
}

interface UserOrderState {
  order: EmulatedOrder;
  /** Funds still locked for the open part. */
  locked: Decimal;
}

interface MarketState {
  readonly spec: EmulatedMarketSpec;
  readonly tick: Decimal;
  readonly step: Decimal;
  readonly levelQty: Decimal;
  readonly bids: BookSide;
  readonly asks: BookSide;
  lastUpdateId: number;
  batchId: number;
  readonly changed: Map<string, { bid: boolean; price: Decimal }>;
  readonly trades: PublicTrade[];
}

const COMMISSION_SCALE = 8;
const TRADE_HISTORY = 5_000;

/**
 * The emulator's venue: one price-time priority book per market, seeded with synthetic market-maker
 * liquidity, and one user account. Every mutation reports depth changes (with Binance-style update
 * ids and a Bybit-style message counter), public trades and the user's executions to listeners,
 * synchronously and in order. Deterministic for a given seed and clock.
 */
export class MatchingEngine {
  private readonly markets = new Map<string, MarketState>();
  private readonly listeners = new Set<EngineListener>();
  private readonly balances = new Map<string, { free: Decimal; locked: Decimal }>();
  private readonly orders = new Map<string, UserOrderState>();
  private readonly fills: EmulatedFill[] = [];
  private readonly takerFee: Decimal;
  private readonly makerFee: Decimal;
  private readonly levels: number;
  private readonly now: () => number;
  private rng: number;
  private nextOrderId = 8_000_000;
  private nextTradeId = 500_000;

  constructor(options: MatchingEngineOptions) {
    this.takerFee = Decimal.parse(options.takerFee ?? "0.001");
    this.makerFee = Decimal.parse(options.makerFee ?? "0.001");
    this.levels = options.levels ?? 20;
    this.now = options.now ?? Date.now;
    this.rng = (options.seed ?? 1) >>> 0 || 1;
    for (const [asset, amount] of Object.entries(options.balances ?? {})) {
      this.balances.set(asset, { free: Decimal.parse(amount), locked: Decimal.ZERO });
    }
    for (const spec of options.markets) this.listMarket(spec);
  }

  /** Registers a listener; returns its removal. */
  addListener(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  marketSpecs(): EmulatedMarketSpec[] {
    return [...this.markets.values()].map((m) => m.spec);
  }

  hasMarket(symbol: string): boolean {
    return this.markets.has(symbol);
  }

  spec(symbol: string): EmulatedMarketSpec {
    return this.state(symbol).spec;
  }

  // ---- market data ----

  depth(symbol: string, limit = 100): DepthSnapshot {
    const m = this.state(symbol);
    const side = (s: BookSide) => s.levels.slice(0, limit).map((l) => [l.price, l.total] as const);
    return {
      symbol,
      lastUpdateId: m.lastUpdateId,
      batchId: m.batchId,
      bids: side(m.bids),
      asks: side(m.asks),
      timeMs: this.now(),
    };
  }

  /** Newest last. */
  recentTrades(symbol: string, limit = 500): PublicTrade[] {
    const trades = this.state(symbol).trades;
    return trades.slice(Math.max(0, trades.length - limit));
  }

  bestBid(symbol: string): PriceLevel | undefined {
    return this.state(symbol).bids.best();
  }

  bestAsk(symbol: string): PriceLevel | undefined {
    return this.state(symbol).asks.best();
  }

  // ---- account ----

  balanceList(): Balance[] {
    return [...this.balances.entries()]
      .map(([asset, b]) => ({ asset, free: b.free, locked: b.locked }))
      .sort((a, b) => a.asset.localeCompare(b.asset));
  }

  openOrders(symbol?: string): EmulatedOrder[] {
    return [...this.orders.values()]
      .map((s) => s.order)
      .filter((o) => isOpen(o) && (symbol === undefined || o.symbol === symbol));
  }

  findOrder(symbol: string | undefined, ref: OrderRef): EmulatedOrder | undefined {
    return this.findState(symbol, ref)?.order;
  }

  allOrders(symbol?: string): EmulatedOrder[] {
    return [...this.orders.values()]
      .map((s) => s.order)
      .filter((o) => symbol === undefined || o.symbol === symbol);
  }

  userFills(symbol?: string, sinceMs?: number): EmulatedFill[] {
    return this.fills.filter(
      (f) => (symbol === undefined || f.symbol === symbol) && (sinceMs === undefined || f.timeMs >= sinceMs),
    );
  }

  placeOrder(request: PlaceOrderRequest): EmulatedOrder {
    const m = this.state(request.symbol);
    const type = request.type;
    const timeInForce = request.timeInForce ?? "GTC";
    const postOnly = request.postOnly ?? false;
    const price = request.price;
    if (type === "limit") {
      if (price === undefined || !price.isPositive() || !price.isMultipleOf(m.tick)) {
        throw new EngineError(
          "invalid-price",
          `price ${price?.toString()} is not on the ${m.spec.tickSize} grid`,
        );
      }
    }
    const quantity = request.quantity;
    if (quantity !== undefined) {
      if (!quantity.isPositive() || !quantity.isMultipleOf(m.step)) {
        throw new EngineError(
          "invalid-quantity",
          `quantity ${quantity.toString()} is not a multiple of ${m.spec.stepSize}`,
        );
      }
      if (quantity.lt(m.spec.minQty)) {
        throw new EngineError(
          "invalid-quantity",
          `quantity ${quantity.toString()} is below ${m.spec.minQty}`,
        );
      }
      if (price !== undefined && quantity.mul(price).lt(m.spec.minNotional)) {
        throw new EngineError("min-notional", `notional below ${m.spec.minNotional}`);
      }
    } else if (request.quoteQuantity === undefined || !request.quoteQuantity.isPositive()) {
      throw new EngineError("invalid-quantity", "an order needs a positive quantity");
    }
    const clientOrderId = request.clientOrderId ?? `emu-${this.nextOrderId + 1}`;
    if (this.openOrders().some((o) => o.clientOrderId === clientOrderId)) {
      throw new EngineError("duplicate-client-order-id", `client order id ${clientOrderId} is already open`);
    }
    const opposite = request.side === "buy" ? m.asks : m.bids;
    if (postOnly && price !== undefined) {
      const best = opposite.best();
      if (best !== undefined && crosses(request.side, price, best.price)) {
        throw new EngineError("post-only-would-take", "post-only order would immediately match and take");
      }
    }
    const locked = this.lockFor(m, request, opposite);
    const fokFails = timeInForce === "FOK" && !this.fillable(request, opposite);
    const time = this.now();
    const order: EmulatedOrder = {
      id: String(++this.nextOrderId),
      clientOrderId,
      symbol: request.symbol,
      side: request.side,
      type,
      timeInForce,
      postOnly,
      price,
      quantity: quantity ?? Decimal.ZERO,
      filled: Decimal.ZERO,
      quoteFilled: Decimal.ZERO,
      status: "new",
      createdMs: time,
      updatedMs: time,
    };
    const state: UserOrderState = { order, locked: locked.amount };
    this.orders.set(order.id, state);
    this.moveFree(locked.asset, locked.amount.neg(), locked.amount);
    this.emitExecution("new", state);
    if (fokFails) {
      this.finish(state, "expired");
      return state.order;
    }
    this.match(m, state, request.quoteQuantity);
    this.restOrExpire(m, state);
    this.flush(m);
    return state.order;
  }

  cancelOrder(symbol: string, ref: OrderRef): EmulatedOrder {
    const state = this.findState(symbol, ref);
    if (state === undefined || !isOpen(state.order)) {
      throw new EngineError("unknown-order", "Unknown order sent.");
    }
    const m = this.state(state.order.symbol);
    this.unrest(m, state);
    this.finish(state, "canceled");
    this.flush(m);
    return state.order;
  }

  cancelAll(symbol?: string): EmulatedOrder[] {
    return this.openOrders(symbol).map((o) => this.cancelOrder(o.symbol, { orderId: o.id }));
  }

  /**
   * Amends a resting limit order in place (Bybit semantics): a price change or a size increase
   * loses time priority; the order keeps its ids.
   */
  amendOrder(symbol: string, ref: OrderRef, change: { quantity?: Decimal; price?: Decimal }): EmulatedOrder {
    const state = this.findState(symbol, ref);
    if (state === undefined || !isOpen(state.order))
      throw new EngineError("unknown-order", "Order does not exist.");
    const m = this.state(symbol);
    const order = state.order;
    if (order.type !== "limit" || order.price === undefined) {
      throw new EngineError("order-not-amendable", "only limit orders can be amended");
    }
    const price = change.price ?? order.price;
    const quantity = change.quantity ?? order.quantity;
    if (!price.isPositive() || !price.isMultipleOf(m.tick))
      throw new EngineError("invalid-price", "bad price");
    if (!quantity.isMultipleOf(m.step) || quantity.lte(order.filled)) {
      throw new EngineError("invalid-quantity", "new quantity must exceed the filled quantity");
    }
    this.unrest(m, state);
    this.releaseLock(state);
    const remaining = quantity.sub(order.filled);
    const lockAsset = order.side === "buy" ? m.spec.quote : m.spec.base;
    const lockAmount = order.side === "buy" ? remaining.mul(price) : remaining;
    if (this.balance(lockAsset).free.lt(lockAmount)) {
      this.restOrExpire(m, state);
      this.flush(m);
      throw new EngineError("insufficient-balance", "Insufficient balance.");
    }
    this.moveFree(lockAsset, lockAmount.neg(), lockAmount);
    state.locked = lockAmount;
    state.order = { ...order, price, quantity, updatedMs: this.now() };
    this.emitExecution("replaced", state);
    this.match(m, state, undefined);
    this.restOrExpire(m, state);
    this.flush(m);
    return state.order;
  }

  // ---- synthetic market activity ----

  /** Another participant takes `quantity` from the book (fills resting user orders at the front too). */
  takerTrade(symbol: string, side: EmulatedSide, quantity: Decimal): void {
    const m = this.state(symbol);
    const book = side === "buy" ? m.asks : m.bids;
    let left = quantity;
    while (left.isPositive()) {
      const level = book.best();
      if (level === undefined) break;
      const maker = level.orders[0]!;
      const q = Decimal.min(left, maker.remaining);
      this.tradeAt(m, book, level, maker, q, side, undefined);
      left = left.sub(q);
    }
    this.replenish(m);
    this.flush(m);
  }

  /** Changes the market maker's size at one level (a depth update without a trade). */
  touchBook(symbol: string, bid = this.random() < 0.5): void {
    const m = this.state(symbol);
    const side = bid ? m.bids : m.asks;
    const levels = side.levels;
    if (levels.length === 0) return;
    const level = levels[Math.floor(this.random() * Math.min(levels.length, 10))]!;
    const mm = level.orders.find((o) => o.owner === "mm");
    if (mm !== undefined && this.random() < 0.5 && mm.remaining.gt(m.step)) {
      side.reduce(level, mm, m.step);
    } else {
      side.add(level.price, { orderId: `mm-${++this.nextOrderId}`, owner: "mm", remaining: this.mmQty(m) });
    }
    this.markChanged(m, bid, level.price);
    this.flush(m);
  }

  /** One random step of the synthetic market: a taker trade, a book change, or both. */
  step(symbol?: string): void {
    for (const m of this.markets.values()) {
      if (symbol !== undefined && m.spec.symbol !== symbol) continue;
      const r = this.random();
      if (r < 0.4) {
        const qty = m.step.mul(1 + Math.floor(this.random() * 20));
        this.takerTrade(m.spec.symbol, this.random() < 0.5 ? "buy" : "sell", Decimal.max(qty, m.spec.minQty));
      } else {
        this.touchBook(m.spec.symbol);
      }
    }
  }

  /** Skips `count` update ids (and one message counter) on a market: the next diff shows a gap. */
  skipSequence(symbol: string, count = 5): void {
    this.advanceSequence(symbol, count, 1);
  }

  /** Moves a market's sequence numbers on, for depth messages sent around the engine (replays, benchmarks). */
  advanceSequence(symbol: string, updateIds: number, batches: number): void {
    const m = this.state(symbol);
    m.lastUpdateId += updateIds;
    m.batchId += batches;
  }

  // ---- internals ----

  private listMarket(spec: EmulatedMarketSpec): void {
    const tick = Decimal.parse(spec.tickSize);
    const step = Decimal.parse(spec.stepSize);
    const m: MarketState = {
      spec,
      tick,
      step,
      levelQty:
        spec.levelQty === undefined ? Decimal.parse(spec.minQty).mul(10_000) : Decimal.parse(spec.levelQty),
      bids: new BookSide(true),
      asks: new BookSide(false),
      lastUpdateId: 1_000,
      batchId: 1,
      changed: new Map(),
      trades: [],
    };
    this.markets.set(spec.symbol, m);
    const mid = Decimal.parse(spec.initialMid).roundToIncrement(tick);
    for (let i = 1; i <= this.levels; i++) {
      m.bids.add(mid.sub(tick.mul(i)), {
        orderId: `mm-${++this.nextOrderId}`,
        owner: "mm",
        remaining: this.mmQty(m),
      });
      m.asks.add(mid.add(tick.mul(i)), {
        orderId: `mm-${++this.nextOrderId}`,
        owner: "mm",
        remaining: this.mmQty(m),
      });
    }
  }

  private state(symbol: string): MarketState {
    const m = this.markets.get(symbol);
    if (m === undefined) throw new EngineError("unknown-symbol", `Invalid symbol: ${symbol}`);
    return m;
  }

  private findState(symbol: string | undefined, ref: OrderRef): UserOrderState | undefined {
    if (ref.orderId !== undefined) {
      const s = this.orders.get(ref.orderId);
      return s !== undefined && (symbol === undefined || s.order.symbol === symbol) ? s : undefined;
    }
    if (ref.clientOrderId === undefined) return undefined;
    let found: UserOrderState | undefined;
    for (const s of this.orders.values()) {
      if (s.order.clientOrderId !== ref.clientOrderId) continue;
      if (symbol !== undefined && s.order.symbol !== symbol) continue;
      // Prefer the open one when a client id was reused after its earlier order closed.
      if (found === undefined || isOpen(s.order)) found = s;
    }
    return found;
  }

  private balance(asset: string): { free: Decimal; locked: Decimal } {
    let b = this.balances.get(asset);
    if (b === undefined) {
      b = { free: Decimal.ZERO, locked: Decimal.ZERO };
      this.balances.set(asset, b);
    }
    return b;
  }

  private moveFree(asset: string, freeDelta: Decimal, lockedDelta: Decimal): void {
    const b = this.balance(asset);
    b.free = b.free.add(freeDelta);
    b.locked = b.locked.add(lockedDelta);
  }

  private lockFor(
    m: MarketState,
    request: PlaceOrderRequest,
    opposite: BookSide,
  ): { asset: string; amount: Decimal } {
    let asset: string;
    let amount: Decimal;
    if (request.side === "sell") {
      asset = m.spec.base;
      amount = request.quantity ?? Decimal.ZERO;
    } else {
      asset = m.spec.quote;
      if (request.quoteQuantity !== undefined) amount = request.quoteQuantity;
      else if (request.type === "limit") amount = (request.quantity ?? Decimal.ZERO).mul(request.price!);
      else amount = estimateCost(opposite, request.quantity ?? Decimal.ZERO);
    }
    if (this.balance(asset).free.lt(amount)) {
      throw new EngineError("insufficient-balance", "Account has insufficient balance for requested action.");
    }
    return { asset, amount };
  }

  private fillable(request: PlaceOrderRequest, opposite: BookSide): boolean {
    let need = request.quantity ?? Decimal.ZERO;
    for (const level of opposite.levels) {
      if (request.price !== undefined && !crosses(request.side, request.price, level.price)) break;
      need = need.sub(level.total);
      if (!need.isPositive()) return true;
    }
    return false;
  }

  private match(m: MarketState, state: UserOrderState, quoteBudget: Decimal | undefined): void {
    const side = state.order.side;
    const opposite = side === "buy" ? m.asks : m.bids;
    let budget = quoteBudget;
    for (;;) {
      const order = state.order;
      const level = opposite.best();
      if (level === undefined) break;
      if (order.price !== undefined && order.type === "limit" && !crosses(side, order.price, level.price))
        break;
      let want: Decimal;
      if (budget !== undefined) {
        want = budget
          .div(level.price, { scale: m.step.scale, rounding: "down" })
          .roundToIncrement(m.step, "down");
      } else {
        want = order.quantity.sub(order.filled);
      }
      if (!want.isPositive()) break;
      const maker = level.orders[0]!;
      if (maker.owner === "user" && maker.orderId === order.id) break;
      const q = Decimal.min(want, maker.remaining);
      this.tradeAt(m, opposite, level, maker, q, side, state);
      if (budget !== undefined) budget = budget.sub(q.mul(level.price));
    }
  }

  private tradeAt(
    m: MarketState,
    book: BookSide,
    level: PriceLevel,
    maker: RestingOrder,
    quantity: Decimal,
    takerSide: EmulatedSide,
    taker: UserOrderState | undefined,
  ): void {
    const price = level.price;
    book.reduce(level, maker, quantity);
    this.markChanged(m, book.isBid, price);
    const time = this.now();
    const tradeId = String(++this.nextTradeId);
    const makerState = maker.owner === "user" ? this.orders.get(maker.orderId) : undefined;
    const takerOrderId = taker?.order.id ?? `ext-${this.nextTradeId}`;
    const trade: PublicTrade = {
      id: tradeId,
      symbol: m.spec.symbol,
      price,
      quantity,
      takerSide,
      buyerOrderId: takerSide === "buy" ? takerOrderId : maker.orderId,
      sellerOrderId: takerSide === "buy" ? maker.orderId : takerOrderId,
      timeMs: time,
    };
    m.trades.push(trade);
    if (m.trades.length > TRADE_HISTORY) m.trades.splice(0, m.trades.length - TRADE_HISTORY);
    for (const l of this.listeners) l.onTrade?.(trade);
    if (makerState !== undefined) this.applyFill(m, makerState, tradeId, price, quantity, true, time);
    if (taker !== undefined) this.applyFill(m, taker, tradeId, price, quantity, false, time);
  }

  private applyFill(
    m: MarketState,
    state: UserOrderState,
    tradeId: string,
    price: Decimal,
    quantity: Decimal,
    maker: boolean,
    time: number,
  ): void {
    const order = state.order;
    const rate = maker ? this.makerFee : this.takerFee;
    const cost = price.mul(quantity);
    let commission: Decimal;
    let commissionAsset: string;
    if (order.side === "buy") {
      commissionAsset = m.spec.base;
      commission = quantity.mul(rate, { scale: COMMISSION_SCALE, rounding: "up" });
      const release = order.type === "limit" && order.price !== undefined ? order.price.mul(quantity) : cost;
      const fromLock = Decimal.min(release, state.locked);
      state.locked = state.locked.sub(fromLock);
      this.moveFree(m.spec.quote, fromLock.sub(cost), fromLock.neg());
      this.moveFree(m.spec.base, quantity.sub(commission), Decimal.ZERO);
    } else {
      commissionAsset = m.spec.quote;
      commission = cost.mul(rate, { scale: COMMISSION_SCALE, rounding: "up" });
      const fromLock = Decimal.min(quantity, state.locked);
      state.locked = state.locked.sub(fromLock);
      this.moveFree(m.spec.base, fromLock.sub(quantity), fromLock.neg());
      this.moveFree(m.spec.quote, cost.sub(commission), Decimal.ZERO);
    }
    const filled = order.filled.add(quantity);
    const full = order.quantity.isPositive() && filled.gte(order.quantity);
    state.order = {
      ...order,
      filled,
      quoteFilled: order.quoteFilled.add(cost),
      status: full ? "filled" : "partially-filled",
      updatedMs: time,
    };
    const fill: EmulatedFill = {
      tradeId,
      orderId: order.id,
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      price,
      quantity,
      commission,
      commissionAsset,
      maker,
      timeMs: time,
    };
    this.fills.push(fill);
    if (full) this.releaseLock(state);
    this.emitExecution("trade", state, fill);
  }

  /** After matching: a GTC limit rests; anything else left over expires. */
  private restOrExpire(m: MarketState, state: UserOrderState): void {
    const order = state.order;
    if (!isOpen(order)) return;
    const remaining = order.quantity.sub(order.filled);
    if (order.type === "limit" && order.timeInForce === "GTC" && remaining.isPositive()) {
      const book = order.side === "buy" ? m.bids : m.asks;
      book.add(order.price!, { orderId: order.id, owner: "user", remaining });
      this.markChanged(m, book.isBid, order.price!);
      return;
    }
    if (order.type === "market" && order.quantity.isZero()) {
      // A market buy by quote amount ends when the budget is spent.
      state.order = { ...order, quantity: order.filled, status: "filled", updatedMs: this.now() };
      this.releaseLock(state);
      if (order.filled.isPositive()) return;
    }
    this.finish(state, "expired");
  }

  private unrest(m: MarketState, state: UserOrderState): void {
    const book = state.order.side === "buy" ? m.bids : m.asks;
    const found = book.find(state.order.id);
    if (found === undefined) return;
    book.remove(found.level, found.order);
    this.markChanged(m, book.isBid, found.level.price);
  }

  private releaseLock(state: UserOrderState): void {
    if (state.locked.isZero()) return;
    const m = this.state(state.order.symbol);
    const asset = state.order.side === "buy" ? m.spec.quote : m.spec.base;
    this.moveFree(asset, state.locked, state.locked.neg());
    state.locked = Decimal.ZERO;
  }

  private finish(state: UserOrderState, kind: "canceled" | "expired"): void {
    this.releaseLock(state);
    state.order = { ...state.order, status: kind, updatedMs: this.now() };
    this.emitExecution(kind, state);
  }

  private emitExecution(kind: ExecutionKind, state: UserOrderState, fill?: EmulatedFill): void {
    const report = { kind, order: state.order, timeMs: this.now(), ...(fill === undefined ? {} : { fill }) };
    for (const l of this.listeners) l.onExecution?.(report);
  }

  private markChanged(m: MarketState, bid: boolean, price: Decimal): void {
    m.changed.set(`${bid ? "b" : "a"}${price.normalize().toString()}`, { bid, price });
  }

  private replenish(m: MarketState): void {
    for (const side of [m.bids, m.asks]) {
      const other = side === m.bids ? m.asks : m.bids;
      while (side.levels.length < this.levels) {
        const worst = side.levels[side.levels.length - 1];
        const otherBest = other.best();
        let price: Decimal;
        if (worst !== undefined) price = side.isBid ? worst.price.sub(m.tick) : worst.price.add(m.tick);
        else if (otherBest !== undefined)
          price = side.isBid ? otherBest.price.sub(m.tick) : otherBest.price.add(m.tick);
        else price = Decimal.parse(m.spec.initialMid);
        if (!price.isPositive()) break;
        side.add(price, { orderId: `mm-${++this.nextOrderId}`, owner: "mm", remaining: this.mmQty(m) });
        this.markChanged(m, side.isBid, price);
      }
    }
  }

  private flush(m: MarketState): void {
    if (m.changed.size === 0) return;
    const bids: (readonly [Decimal, Decimal])[] = [];
    const asks: (readonly [Decimal, Decimal])[] = [];
    for (const { bid, price } of m.changed.values()) {
      const level = (bid ? m.bids : m.asks).level(price);
      (bid ? bids : asks).push([price, level?.total ?? Decimal.ZERO]);
    }
    const first = m.lastUpdateId + 1;
    m.lastUpdateId += m.changed.size;
    m.batchId += 1;
    m.changed.clear();
    const diff = {
      symbol: m.spec.symbol,
      firstUpdateId: first,
      lastUpdateId: m.lastUpdateId,
      batchId: m.batchId,
      bids,
      asks,
      timeMs: this.now(),
    };
    for (const l of this.listeners) l.onDepth?.(diff);
  }

  private mmQty(m: MarketState): Decimal {
    const factor = 0.5 + this.random();
    return Decimal.max(
      m.levelQty.mul(Decimal.fromNumber(factor, { scale: 2 })).roundToIncrement(m.step, "down"),
      m.step,
    );
  }

  /** mulberry32: small, fast and deterministic. */
  private random(): number {
    this.rng = (this.rng + 0x6d2b79f5) >>> 0;
    let t = this.rng;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

function isOpen(order: EmulatedOrder): boolean {
  return order.status === "new" || order.status === "partially-filled";
}

function crosses(side: EmulatedSide, limit: Decimal, opposite: Decimal): boolean {
  return side === "buy" ? limit.gte(opposite) : limit.lte(opposite);
}

function estimateCost(book: BookSide, quantity: Decimal): Decimal {
  let left = quantity;
  let cost = Decimal.ZERO;
  for (const level of book.levels) {
    const q = Decimal.min(left, level.total);
    cost = cost.add(q.mul(level.price));
    left = left.sub(q);
    if (!left.isPositive()) break;
  }
  return cost;
}
