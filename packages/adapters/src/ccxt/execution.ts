import {
  type Decimal,
  type Fill,
  type Instrument,
  type InstrumentId,
  type Order,
  type OrderEvent,
  type OrderSide,
  type OrderType,
  type Reason,
  sizeDecimals,
  type TimeInForce,
  type VenueError,
} from "@openfloor/core";
import type { AmendRequest, VenueOrderReport } from "../contract/adapter.js";
import { assertCapability } from "../contract/capabilities.js";
import { checkAmendForVenue, checkOrderForVenue } from "../sim/validation.js";
import type { CcxtAccount } from "./account.js";
import { isClosedByUser, outcomeUnknown } from "./errors.js";
import type { CcxtOrder, CcxtTrade } from "./exchange.js";
import { optionalDecimal, toCcxtNumber } from "./normalize/numbers.js";
import { clientOrderIdOf, type FillOwner, fillOf, orderReportOf } from "./normalize/orders.js";
import { OrderStream } from "./order-stream.js";
import type { CcxtSession } from "./session.js";
import type { SubscriptionAcks } from "./taps.js";

/** The adapter's view of one order it placed (or was asked about). */
interface TrackedOrder {
  readonly clientOrderId: string;
  readonly instrument: Instrument;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly strategyId: string;
  readonly account: string;
  readonly createdMs: number;
  quantity: Decimal;
  venueOrderId: string | undefined;
  accepted: boolean;
  /** A terminal event went out (or the order filled completely): nothing more but late fills. */
  ended: boolean;
  filled: Decimal;
  readonly fillIds: Set<string>;
  cancelRequested: boolean;
  /** The venue said the order ended but not all its fills arrived yet. */
  pendingEnd: { kind: EndKind; venueFilled: Decimal; cancelTimer: () => void } | undefined;
  /** The last create request failed without an answer: the order may or may not exist. */
  uncertain: boolean;
}

type EndKind = "canceled" | "expired" | "filled";

/** How long to wait for fills the venue already counted before fetching them. */
const FILL_CATCH_UP_MS = 1_000;
const ORPHAN_LIMIT = 1_000;

/**
 * Order entry over ccxt and the venue's order/fill stream, turned into the core order events of each
 * order, keyed by client order id: `accepted` (once, with the venue order id), `filled` per execution
 * (deduplicated by the venue's trade id), then `canceled`/`expired` only after every fill the venue
 * counted has been delivered. Refusals reject the promise with a typed error and also arrive as
 * `rejected`/`cancel-rejected`/`amend-rejected`, unless the outcome is unknown (a timeout), which the
 * next reconciliation settles. After the private stream reconnects, tracked orders are reconciled
 * against REST (`fetchMyTrades`, `fetchOpenOrders`, `fetchOrder`).
 */
export class CcxtExecution {
  private readonly orders = new Map<string, TrackedOrder>();
  private readonly byVenueId = new Map<string, string>();
  private readonly orphanTrades = new Map<string, CcxtTrade[]>();
  private readonly stream: OrderStream;

  constructor(
    private readonly session: CcxtSession,
    private readonly account: CcxtAccount,
    acks: SubscriptionAcks | undefined,
    expectedAcks: number,
  ) {
    this.stream = new OrderStream(session, acks, expectedAcks, {
      onOrder: (o) => this.safely("order", () => this.onVenueOrder(o, undefined, true)),
      onTrade: (t) => this.safely("myTrade", () => this.onVenueTrade(t)),
      reconcile: () => this.reconcile(),
    });
  }

  /** Starts the order and fill stream and waits until it is live. */
  start(): Promise<void> {
    return this.stream.start();
  }

  async stop(): Promise<void> {
    for (const t of this.orders.values()) t.pendingEnd?.cancelTimer();
    await this.stream.stop();
  }

  /** A private stream (re)subscription was acknowledged. */
  onAck(count: number): void {
    this.stream.onAck(count);
  }

  // ---- order entry ----

  async submit(order: Order): Promise<void> {
    const s = this.session;
    const instrument = checkOrderForVenue(s.venue, s.capabilities, (id) => s.lookup(id), order);
    const symbol = instrument.id.symbol;
    const params: Record<string, unknown> = { clientOrderId: order.clientOrderId };
    if (order.type !== "market" && order.timeInForce !== "GTC") params.timeInForce = order.timeInForce;
    if (order.postOnly) params.postOnly = true;
    if (order.reduceOnly) params.reduceOnly = true;
    if (order.triggerPrice !== undefined)
      params.triggerPrice = toCcxtNumber(order.triggerPrice, "triggerPrice");
    const type = order.type === "market" || order.type === "stop-market" ? "market" : "limit";
    const amount = toCcxtNumber(order.quantity, "quantity");
    const price = order.price === undefined ? undefined : toCcxtNumber(order.price, "price");
    const existing = this.orders.get(order.clientOrderId);
    if (existing !== undefined) {
      // Resubmitting a client order id never creates a second order: settle the first one instead.
      if (!existing.uncertain) return;
      if (await this.findAtVenue(existing)) return;
    }
    const t = existing ?? this.track(order, instrument);
    let response: CcxtOrder;
    try {
      response = await s.exchange.createOrder(symbol, type, order.side, amount, price, params);
    } catch (error) {
      const mapped = s.mapError(error, "order", { clientOrderId: order.clientOrderId, symbol });
      if (outcomeUnknown(mapped)) t.uncertain = true;
      else if (!t.accepted) {
        t.ended = true;
        this.emit(t, { kind: "rejected", reason: reasonOf(mapped), tsNs: s.context.clock.now() });
      }
      throw mapped;
    }
    t.uncertain = false;
    this.onVenueOrder(response, t, false);
  }

  async amend(order: Order, change: AmendRequest): Promise<void> {
    const s = this.session;
    checkAmendForVenue(s.venue, s.capabilities, s.known(order.instrument), order.clientOrderId, change);
    const amount = change.quantity === undefined ? undefined : toCcxtNumber(change.quantity, "quantity");
    const price = change.price === undefined ? undefined : toCcxtNumber(change.price, "price");
    const trigger =
      change.triggerPrice === undefined ? undefined : toCcxtNumber(change.triggerPrice, "triggerPrice");
    const t = this.trackedFor(order);
    const symbol = t.instrument.id.symbol;
    try {
      const response = await s.exchange.editOrder(
        t.venueOrderId ?? "",
        symbol,
        order.type === "market" ? "market" : "limit",
        order.side,
        amount,
        price,
        {
          ...(t.venueOrderId === undefined ? { clientOrderId: t.clientOrderId } : {}),
          ...(trigger === undefined ? {} : { triggerPrice: trigger }),
        },
      );
      if (response.id !== undefined && t.venueOrderId !== undefined && response.id !== t.venueOrderId) {
        s.logger.warn(
          { clientOrderId: t.clientOrderId, from: t.venueOrderId, to: response.id },
          "ccxt adapter: the venue replaced the order on amend",
        );
        this.link(t, response.id);
      }
    } catch (error) {
      const mapped = s.mapError(error, "amend", { clientOrderId: t.clientOrderId, symbol });
      if (!outcomeUnknown(mapped)) {
        this.emit(t, { kind: "amend-rejected", reason: reasonOf(mapped), tsNs: s.context.clock.now() });
      }
      throw mapped;
    }
    if (change.quantity !== undefined) t.quantity = change.quantity;
    this.emit(t, {
      kind: "amended",
      ...(change.quantity === undefined ? {} : { quantity: change.quantity }),
      ...(change.price === undefined ? {} : { price: change.price }),
      ...(change.triggerPrice === undefined ? {} : { triggerPrice: change.triggerPrice }),
      tsNs: s.context.clock.now(),
    });
  }

  async cancel(order: Order): Promise<void> {
    const s = this.session;
    const t = this.trackedFor(order);
    const symbol = t.instrument.id.symbol;
    t.cancelRequested = true;
    let response: CcxtOrder;
    try {
      response = await s.exchange.cancelOrder(
        t.venueOrderId,
        symbol,
        t.venueOrderId === undefined ? { clientOrderId: t.clientOrderId } : {},
      );
    } catch (error) {
      const mapped = s.mapError(error, "cancel", { clientOrderId: t.clientOrderId, symbol });
      if (!outcomeUnknown(mapped)) {
        t.cancelRequested = false;
        this.emit(t, { kind: "cancel-rejected", reason: reasonOf(mapped), tsNs: s.context.clock.now() });
      }
      throw mapped;
    }
    this.afterCancel(t, response);
  }

  async cancelAll(instrument?: InstrumentId): Promise<void> {
    const s = this.session;
    assertCapability(s.venue, s.capabilities.cancelAllOrders, "cancel-all");
    const symbols = new Set<string>();
    if (instrument !== undefined) symbols.add(s.known(instrument).id.symbol);
    else {
      for (const t of this.orders.values()) if (!t.ended) symbols.add(t.instrument.id.symbol);
      for (const r of await this.account.fetchOpen(undefined)) symbols.add(r.instrument.symbol);
    }
    for (const symbol of symbols) {
      const mine = [...this.orders.values()].filter((t) => !t.ended && t.instrument.id.symbol === symbol);
      for (const t of mine) t.cancelRequested = true;
      let response: readonly CcxtOrder[] | CcxtOrder | undefined;
      try {
        response = await s.exchange.cancelAllOrders(symbol);
      } catch (error) {
        for (const t of mine) t.cancelRequested = false;
        throw s.mapError(error, "cancel", { symbol });
      }
      const list = Array.isArray(response) ? response : response === undefined ? [] : [response as CcxtOrder];
      for (const o of list) {
        const t = this.find(o);
        if (t !== undefined) this.safely("order", () => this.afterCancel(t, o));
      }
    }
  }

  // ---- reconciliation queries ----

  fetchOpenOrders(instrument?: InstrumentId): Promise<readonly VenueOrderReport[]> {
    return this.account.fetchOpenOrders(instrument);
  }

  /** Fills since `sinceNs`, attributed to the orders this adapter tracks. */
  fetchFills(sinceNs: bigint, instrument?: InstrumentId): Promise<readonly Fill[]> {
    return this.account.fetchFills(sinceNs, instrument, (trade) => {
      const t = this.findTrade(trade);
      return t === undefined ? undefined : this.owner(t);
    });
  }

  /**
   * Settles every order still open in our view against REST: fills we missed, and orders that ended
   * while the stream was down.
   */
  async reconcile(): Promise<void> {
    const s = this.session;
    const open = [...this.orders.values()].filter((t) => !t.ended || t.pendingEnd !== undefined);
    if (open.length === 0) return;
    s.stats.reconciliations++;
    const bySymbol = new Map<string, TrackedOrder[]>();
    for (const t of open) {
      const list = bySymbol.get(t.instrument.id.symbol) ?? [];
      list.push(t);
      bySymbol.set(t.instrument.id.symbol, list);
    }
    for (const [symbol, tracked] of bySymbol) {
      try {
        const since = Math.min(...tracked.map((t) => t.createdMs)) - 1_000;
        for (const trade of await s.exchange.fetchMyTrades(symbol, since)) {
          this.safely("myTrade", () => this.onVenueTrade(trade));
        }
        const stillOpen = new Set((await s.exchange.fetchOpenOrders(symbol)).map((o) => o.id));
        for (const t of tracked) {
          if (t.ended || t.venueOrderId === undefined || stillOpen.has(t.venueOrderId)) continue;
          const o = await s.exchange.fetchOrder(t.venueOrderId, symbol, {});
          this.safely("order", () => this.onVenueOrder(o, t, false));
        }
      } catch (error) {
        if (!isClosedByUser(error)) {
          s.logger.warn(
            { symbol, err: s.mapError(error, "query", { symbol }) },
            "ccxt adapter: reconciliation failed",
          );
        }
      }
    }
  }

  // ---- venue events ----

  /** An order update from the venue (websocket, REST response or reconciliation). */
  private onVenueOrder(o: CcxtOrder, known: TrackedOrder | undefined, fromStream: boolean): void {
    const s = this.session;
    const t = known ?? this.find(o);
    if (t === undefined) {
      const inst = s.instrumentBySymbol(o.symbol);
      if (fromStream && inst !== undefined && o.id !== undefined) {
        s.context.sink.onUnknownOrder?.(orderReportOf(o, inst, s.context.clock.now()));
      }
      return;
    }
    if (o.id !== undefined) this.link(t, o.id);
    for (const trade of o.trades ?? []) {
      if (trade.id !== undefined)
        this.applyTrade(t, { ...trade, order: trade.order ?? o.id, side: trade.side ?? o.side });
    }
    if (o.status === "rejected") {
      if (!t.ended && !t.filled.isPositive()) {
        t.ended = true;
        this.emit(t, {
          kind: "rejected",
          reason: { code: "VENUE_REJECTED", message: `${s.venue} rejected the order` },
          tsNs: s.context.clock.now(),
        });
      }
      return;
    }
    this.ensureAccepted(t);
    const venueFilled = optionalDecimal(o.filled, sizeDecimals(t.instrument), "filled");
    switch (o.status) {
      case "closed":
        if (venueFilled?.lt(t.quantity)) this.end(t, this.endKind(t), venueFilled);
        else this.end(t, "filled", venueFilled ?? t.quantity);
        break;
      case "canceled":
        this.end(t, this.endKind(t), venueFilled ?? t.filled);
        break;
      case "expired":
        this.end(t, "expired", venueFilled ?? t.filled);
        break;
      default:
        break;
    }
  }

  /** An execution of ours from the venue. */
  private onVenueTrade(trade: CcxtTrade): void {
    const t = this.findTrade(trade);
    if (t !== undefined) {
      this.applyTrade(t, trade);
      return;
    }
    // A fill can arrive before the REST answer that tells us its order id.
    if (trade.order !== undefined) {
      const list = this.orphanTrades.get(trade.order) ?? [];
      list.push(trade);
      this.orphanTrades.set(trade.order, list);
      if (this.orphanTrades.size > ORPHAN_LIMIT) {
        this.orphanTrades.delete(this.orphanTrades.keys().next().value as string);
      }
    }
  }

  private applyTrade(t: TrackedOrder, trade: CcxtTrade): void {
    if (trade.id === undefined || t.fillIds.has(trade.id)) return;
    const s = this.session;
    if (trade.order !== undefined) this.link(t, trade.order);
    const fill = fillOf(
      trade,
      t.instrument,
      this.owner(t),
      (c) => this.session.currencyScale(c),
      s.context.clock.now(),
    );
    t.fillIds.add(fill.fillId);
    this.ensureAccepted(t);
    t.filled = t.filled.add(fill.quantity);
    this.emit(t, { kind: "filled", fill, eventId: `fill:${fill.fillId}`, tsNs: s.context.clock.now() });
    if (t.filled.gte(t.quantity)) t.ended = true;
    const pending = t.pendingEnd;
    if (pending !== undefined && t.filled.gte(pending.venueFilled)) {
      pending.cancelTimer();
      t.pendingEnd = undefined;
      this.finishEnd(t, pending.kind);
    }
  }

  private afterCancel(t: TrackedOrder, response: CcxtOrder): void {
    if (response.status !== undefined) this.onVenueOrder(response, t, false);
    // Without a status (Bybit answers just the ids) the stream reports the outcome; without a stream, we do.
    else if (!this.stream.isLive) this.end(t, "canceled", t.filled);
  }

  private endKind(t: TrackedOrder): "canceled" | "expired" {
    if (t.cancelRequested) return "canceled";
    return t.type === "market" || t.timeInForce === "IOC" || t.timeInForce === "FOK" ? "expired" : "canceled";
  }

  /** The venue says the order is done with `venueFilled` executed; wait for fills we have not seen. */
  private end(t: TrackedOrder, kind: EndKind, venueFilled: Decimal): void {
    if (t.pendingEnd !== undefined) return;
    if (t.ended && kind !== "filled") return;
    if (venueFilled.gt(t.filled)) {
      const cancelTimer = this.session.context.clock.setTimer(FILL_CATCH_UP_MS, () => void this.catchUp(t));
      t.pendingEnd = { kind, venueFilled, cancelTimer };
      return;
    }
    this.finishEnd(t, kind);
  }

  private finishEnd(t: TrackedOrder, kind: EndKind): void {
    if (kind === "filled" || t.ended) {
      t.ended = true;
      return;
    }
    t.ended = true;
    this.emit(t, {
      kind,
      eventId: `${t.venueOrderId ?? t.clientOrderId}:${kind}`,
      tsNs: this.session.context.clock.now(),
    });
  }

  /** Fills the venue counted did not arrive on the stream: fetch them, then end the order. */
  private async catchUp(t: TrackedOrder): Promise<void> {
    const s = this.session;
    try {
      for (const trade of await s.exchange.fetchMyTrades(t.instrument.id.symbol, t.createdMs - 1_000)) {
        if (trade.order === t.venueOrderId) this.safely("myTrade", () => this.applyTrade(t, trade));
      }
    } catch (error) {
      s.logger.warn(
        { clientOrderId: t.clientOrderId, err: s.mapError(error, "query") },
        "ccxt adapter: fill catch-up failed",
      );
    }
    const pending = t.pendingEnd;
    if (pending === undefined) return;
    t.pendingEnd = undefined;
    if (t.filled.lt(pending.venueFilled)) {
      s.logger.warn(
        {
          clientOrderId: t.clientOrderId,
          venueFilled: pending.venueFilled.toString(),
          seen: t.filled.toString(),
        },
        "ccxt adapter: the venue counts fills we never received; reconcile",
      );
    }
    this.finishEnd(t, pending.kind);
  }

  private ensureAccepted(t: TrackedOrder): void {
    if (t.accepted || t.venueOrderId === undefined) return;
    t.accepted = true;
    this.emit(t, {
      kind: "accepted",
      venueOrderId: t.venueOrderId,
      eventId: `${t.venueOrderId}:accepted`,
      tsNs: this.session.context.clock.now(),
    });
  }

  private emit(t: TrackedOrder, event: OrderEvent): void {
    try {
      this.session.context.sink.onOrderEvent(t.clientOrderId, event);
    } catch (error) {
      this.session.logger.error(
        { err: error, clientOrderId: t.clientOrderId, kind: event.kind },
        "ccxt adapter: order event sink threw",
      );
    }
  }

  // ---- bookkeeping ----

  private track(order: Order, instrument: Instrument): TrackedOrder {
    const t: TrackedOrder = {
      clientOrderId: order.clientOrderId,
      instrument,
      side: order.side,
      type: order.type,
      timeInForce: order.timeInForce,
      strategyId: order.strategyId,
      account: order.account,
      createdMs: this.session.context.clock.nowMs(),
      quantity: order.quantity,
      venueOrderId: order.venueOrderId,
      accepted:
        order.venueOrderId !== undefined && order.status !== "submitted" && order.status !== "initialized",
      ended: false,
      filled: order.filledQuantity,
      fillIds: new Set(order.fillIds),
      cancelRequested: false,
      pendingEnd: undefined,
      uncertain: false,
    };
    this.orders.set(order.clientOrderId, t);
    if (order.venueOrderId !== undefined) this.link(t, order.venueOrderId);
    return t;
  }

  /** The tracked order for an `Order` the caller holds (tracked here, or known from before a restart). */
  private trackedFor(order: Order): TrackedOrder {
    const t = this.orders.get(order.clientOrderId);
    if (t !== undefined) return t;
    return this.track(order, this.session.known(order.instrument));
  }

  private link(t: TrackedOrder, venueOrderId: string): void {
    if (t.venueOrderId === undefined) t.venueOrderId = venueOrderId;
    this.byVenueId.set(venueOrderId, t.clientOrderId);
    const orphans = this.orphanTrades.get(venueOrderId);
    if (orphans !== undefined) {
      this.orphanTrades.delete(venueOrderId);
      for (const trade of orphans) this.applyTrade(t, trade);
    }
  }

  private find(o: CcxtOrder): TrackedOrder | undefined {
    const byId = o.id === undefined ? undefined : this.byVenueId.get(o.id);
    const cid = byId ?? clientOrderIdOf(o);
    return cid === undefined ? undefined : this.orders.get(cid);
  }

  private findTrade(trade: CcxtTrade): TrackedOrder | undefined {
    const byId = trade.order === undefined ? undefined : this.byVenueId.get(trade.order);
    const cid = byId ?? clientOrderIdOf(trade);
    return cid === undefined ? undefined : this.orders.get(cid);
  }

  private owner(t: TrackedOrder): FillOwner {
    return {
      clientOrderId: t.clientOrderId,
      venueOrderId: t.venueOrderId ?? "",
      strategyId: t.strategyId,
      account: t.account,
      side: t.side,
    };
  }

  /** Looks an order up at the venue by client order id after a create whose outcome was unknown. */
  private async findAtVenue(t: TrackedOrder): Promise<boolean> {
    const s = this.session;
    try {
      const o = await s.exchange.fetchOrder(t.venueOrderId ?? "", t.instrument.id.symbol, {
        clientOrderId: t.clientOrderId,
      });
      t.uncertain = false;
      this.onVenueOrder(o, t, false);
      return true;
    } catch (error) {
      const mapped = s.mapError(error, "query", { clientOrderId: t.clientOrderId });
      if (mapped.code === "ORDER_NOT_FOUND") return false;
      throw mapped;
    }
  }

  private safely(messageType: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.session.malformed(messageType, undefined, error);
    }
  }
}

function reasonOf(error: VenueError): Reason {
  const field = error.context.field;
  return {
    code: error.code,
    message: error.message,
    ...(typeof field === "string" ? { field } : {}),
  };
}
