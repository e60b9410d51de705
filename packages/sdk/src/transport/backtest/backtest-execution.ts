import type { SimAdapter } from "@openfloor/adapters/sim";
import {
  applyOrderEvent,
  Decimal,
  type Fill,
  formatInstrumentId,
  type InstrumentId,
  isOpenfloorError,
  isTerminal,
  type Logger,
  newOrder,
  type Order,
  OrderError,
  type OrderEvent,
  type OrderRequest,
  type Reason,
  validateOrderRequest,
} from "@openfloor/core";
import {
  InvalidOrder,
  OrderFinished,
  RiskDenied,
  TransportError,
  VenueRejected,
} from "../../errors/sdk-errors.js";
import type { AmendChange, OrderUpdate, SubmitRequest } from "../transport.js";
import type { BacktestClock } from "./backtest-clock.js";
import type { InstrumentRoute } from "./instrument-route.js";
import type { PreTradeRisk } from "./pre-trade-risk.js";

interface OrderEntry {
  order: Order;
  readonly route: InstrumentRoute;
  readonly adapter: SimAdapter;
  /** The submit on its way to the venue (with latency); cancels and amends wait for it. */
  inflight: Promise<Order> | undefined;
  ended: boolean;
}

/** What the execution needs from the transport around it. */
export interface ExecutionDeps {
  readonly clock: BacktestClock;
  readonly strategyId: string;
  readonly logger: Logger;
  readonly risk: PreTradeRisk | undefined;
  /** The route of an instrument, or undefined when no venue of the backtest lists it. */
  readonly route: (id: InstrumentId) => InstrumentRoute | undefined;
  /** The adapter (and account) of a venue. */
  readonly adapter: (venue: string) => SimAdapter;
  /** Receives every order event and fill of the strategy. */
  readonly emit: (update: OrderUpdate) => void;
}

const AMENDABLE: ReadonlySet<Order["status"]> = new Set(["submitted", "accepted", "partially-filled"]);

/**
 * The order path of a backtest, kept as honest as the gateway's: one strategy's orders from request to
 * end through core's order state machine. A new order is validated against its instrument, passes the
 * optional pre-trade risk check (a failure is a `denied` order, as with the gateway's risk engine), goes
 * to the simulated venue's adapter (with its latency model), and the venue's events come back through
 * `onVenueEvent`. Submits are idempotent per client order id.
 */
export class BacktestExecution {
  private readonly entries = new Map<string, OrderEntry>();
  private readonly positions = new Map<string, Decimal>();
  private live = 0;
  /** Venue events that did not apply (illegal transitions, unknown orders): a venue/OMS disagreement. */
  venueEventErrors = 0;

  constructor(private readonly deps: ExecutionDeps) {}

  submit(request: SubmitRequest): Promise<Order> {
    const existing = this.entries.get(request.clientOrderId);
    if (existing !== undefined) {
      if (!sameRequest(existing.order, request)) {
        throw new InvalidOrder(
          "INVALID_ORDER",
          `client order id ${request.clientOrderId} is already used by a different order`,
          { context: { clientOrderId: request.clientOrderId, field: "clientOrderId" } },
        );
      }
      return existing.inflight ?? Promise.resolve(existing.order);
    }
    const route = this.deps.route(request.instrument);
    if (route === undefined) {
      const id = formatInstrumentId(request.instrument);
      throw new InvalidOrder(
        "UNKNOWN_INSTRUMENT",
        `unknown instrument ${id}: no venue of this backtest lists it`,
        {
          context: { instrument: id, field: "instrument", clientOrderId: request.clientOrderId },
        },
      );
    }
    const adapter = this.deps.adapter(route.instrument.id.venue);
    if (request.account !== undefined && request.account !== "" && request.account !== adapter.account) {
      throw new TransportError("PERMISSION_DENIED", `account ${request.account} is not this strategy's`, {
        context: { account: request.account, field: "account", clientOrderId: request.clientOrderId },
      });
    }
    const full: OrderRequest = { ...request, strategyId: this.deps.strategyId, account: adapter.account };
    checkRequest(full, route);
    const reason = this.deps.risk?.(full, route.instrument, this.riskContext(route, false));
    const entry: OrderEntry = {
      order: newOrder(full, this.deps.clock.now()),
      route,
      adapter,
      inflight: undefined,
      ended: false,
    };
    this.entries.set(full.clientOrderId, entry);
    if (reason !== undefined) {
      this.deps.logger.info({ clientOrderId: full.clientOrderId, code: reason.code }, "order denied");
      this.applyLocal(entry, { kind: "denied", reason, tsNs: this.deps.clock.now() });
      return Promise.resolve(entry.order);
    }
    route.liveOrders++;
    this.live++;
    const inflight = this.send(entry);
    entry.inflight = inflight;
    return inflight;
  }

  async amend(clientOrderId: string, change: AmendChange): Promise<Order> {
    const entry = this.entry(clientOrderId);
    if (entry.inflight !== undefined) await entry.inflight;
    const order = entry.order;
    if (isTerminal(order.status)) throw finished(order, "amend");
    if (change.quantity === undefined && change.price === undefined && change.triggerPrice === undefined) {
      throw invalid(clientOrderId, "quantity", "an amend must change quantity, price or triggerPrice");
    }
    if (!AMENDABLE.has(order.status)) {
      throw invalid(clientOrderId, "status", `the order cannot be amended while ${order.status}`);
    }
    const amended: OrderRequest = {
      ...order,
      quantity: change.quantity ?? order.quantity,
      price: change.price ?? order.price,
      triggerPrice: change.triggerPrice ?? order.triggerPrice,
    };
    checkRequest(amended, entry.route);
    if (amended.quantity.lte(order.filledQuantity)) {
      throw invalid(
        clientOrderId,
        "quantity",
        `${amended.quantity} must be above the filled quantity ${order.filledQuantity}`,
      );
    }
    const values = {
      ...(change.quantity === undefined ? {} : { quantity: change.quantity }),
      ...(change.price === undefined ? {} : { price: change.price }),
      ...(change.triggerPrice === undefined ? {} : { triggerPrice: change.triggerPrice }),
    };
    const now = this.deps.clock.now();
    const reason = this.deps.risk?.(amended, entry.route.instrument, this.riskContext(entry.route, true));
    this.applyLocal(entry, { kind: "pending-amend", ...values, tsNs: now });
    if (reason !== undefined) {
      this.applyReport(entry, { kind: "amend-rejected", reason, tsNs: now });
      throw new RiskDenied("RISK_DENIED", `amend of ${clientOrderId} denied: ${reason.message}`, {
        context: { clientOrderId, reason },
      });
    }
    try {
      await entry.adapter.amendOrder(entry.order, values);
    } catch (error) {
      const r = venueReason(error);
      this.applyReport(entry, { kind: "amend-rejected", reason: r, tsNs: this.deps.clock.now() });
      throw new VenueRejected("VENUE_REJECTED", `amend of ${clientOrderId} rejected: ${r.message}`, {
        cause: error,
        context: { clientOrderId, reason: r },
      });
    }
    return entry.order;
  }

  async cancel(clientOrderId: string): Promise<Order> {
    const entry = this.entry(clientOrderId);
    if (isTerminal(entry.order.status)) throw finished(entry.order, "cancel");
    return this.requestCancel(entry);
  }

  /** Cancels every working order (in one instrument, if given); resolves with them once the venue answered. */
  async cancelAll(instrument?: InstrumentId): Promise<Order[]> {
    const key = instrument === undefined ? undefined : formatInstrumentId(instrument);
    const working = [...this.entries.values()].filter(
      (e) => !e.ended && (key === undefined || e.route.key === key),
    );
    const results = await Promise.allSettled(working.map((e) => this.requestCancel(e)));
    results.forEach((r, i) => {
      if (r.status === "rejected") {
        this.deps.logger.warn(
          { err: r.reason, clientOrderId: working[i]!.order.clientOrderId },
          "cancel failed",
        );
      }
    });
    return working.map((e) => e.order);
  }

  /** The strategy's orders, oldest first. */
  orders(openOnly: boolean): Order[] {
    const out: Order[] = [];
    for (const e of this.entries.values()) if (!openOnly || !e.ended) out.push(e.order);
    return out;
  }

  /** Orders that have not ended, over every instrument. */
  get liveCount(): number {
    return this.live;
  }

  /** An order event the venue reported. Never throws: what does not apply is counted and logged. */
  onVenueEvent(clientOrderId: string, event: OrderEvent): void {
    const entry = this.entries.get(clientOrderId);
    if (entry === undefined) {
      this.venueEventErrors++;
      this.deps.logger.warn({ clientOrderId, event: event.kind }, "venue event for an unknown order");
      return;
    }
    this.applyReport(entry, event);
  }

  /** Signed net position of the strategy in an instrument, from its fills. */
  position(key: string): Decimal {
    return this.positions.get(key) ?? Decimal.ZERO;
  }

  private async send(entry: OrderEntry): Promise<Order> {
    try {
      entry.route.sync();
      this.applyLocal(entry, { kind: "submitted", tsNs: this.deps.clock.now() });
      try {
        await entry.adapter.submitOrder(entry.order);
      } catch (error) {
        this.applyReport(entry, {
          kind: "rejected",
          reason: venueReason(error),
          tsNs: this.deps.clock.now(),
        });
      }
    } catch (error) {
      this.deps.logger.error(
        { err: error, clientOrderId: entry.order.clientOrderId },
        "order submission failed",
      );
    } finally {
      entry.inflight = undefined;
    }
    return entry.order;
  }

  private async requestCancel(entry: OrderEntry): Promise<Order> {
    if (entry.inflight !== undefined) await entry.inflight;
    const status = entry.order.status;
    if (isTerminal(status) || status === "pending-cancel") return entry.order;
    this.applyLocal(entry, { kind: "pending-cancel", tsNs: this.deps.clock.now() });
    try {
      await entry.adapter.cancelOrder(entry.order);
    } catch (error) {
      const r = venueReason(error);
      this.applyReport(entry, { kind: "cancel-rejected", reason: r, tsNs: this.deps.clock.now() });
      // The order may have ended at the venue first (filled, expired): that is no failure of the cancel.
      if (!isTerminal(entry.order.status)) {
        throw new VenueRejected(
          "VENUE_REJECTED",
          `cancel of ${entry.order.clientOrderId} rejected: ${r.message}`,
          {
            cause: error,
            context: { clientOrderId: entry.order.clientOrderId, reason: r },
          },
        );
      }
    }
    return entry.order;
  }

  private riskContext(route: InstrumentRoute, amend: boolean) {
    return {
      openOrders: this.live,
      position: this.position(route.key),
      markPrice: route.markPrice(),
      amend,
    };
  }

  private entry(clientOrderId: string): OrderEntry {
    const entry = this.entries.get(clientOrderId);
    if (entry === undefined) {
      throw new TransportError(
        "UNKNOWN_ORDER",
        `no order ${JSON.stringify(clientOrderId)} of this strategy`,
        {
          context: { clientOrderId, field: "clientOrderId" },
        },
      );
    }
    return entry;
  }

  /** An event the OMS decides itself; an illegal one is a programming error and throws. */
  private applyLocal(entry: OrderEntry, event: OrderEvent): void {
    const t = applyOrderEvent(entry.order, event);
    if (t.outcome === "applied") this.after(entry, t.order, event);
  }

  /** An event the venue reported (or a failed venue call): never throws. */
  private applyReport(entry: OrderEntry, event: OrderEvent): void {
    let next: Order;
    try {
      const t = applyOrderEvent(entry.order, event);
      if (t.outcome === "duplicate") return;
      next = t.order;
    } catch (error) {
      this.venueEventErrors++;
      this.deps.logger.warn(
        {
          err: error,
          clientOrderId: entry.order.clientOrderId,
          status: entry.order.status,
          event: event.kind,
        },
        "venue event not applied",
      );
      return;
    }
    this.after(entry, next, event);
  }

  private after(entry: OrderEntry, order: Order, event: OrderEvent): void {
    entry.order = order;
    if (!entry.ended && isTerminal(order.status)) {
      entry.ended = true;
      if (event.kind !== "denied") {
        entry.route.liveOrders--;
        this.live--;
      }
    }
    if (event.kind === "filled") this.addFill(entry.route.key, event.fill);
    this.deps.emit({ kind: "event", order, event });
    if (event.kind === "filled") this.deps.emit({ kind: "fill", order, fill: event.fill });
  }

  private addFill(key: string, fill: Fill): void {
    const p = this.position(key);
    this.positions.set(key, fill.side === "buy" ? p.add(fill.quantity) : p.sub(fill.quantity));
  }
}

/** Validation against the instrument, as `InvalidOrder` naming the field. */
function checkRequest(request: OrderRequest, route: InstrumentRoute): void {
  try {
    validateOrderRequest(request, route.instrument);
  } catch (error) {
    if (error instanceof OrderError) {
      throw new InvalidOrder("INVALID_ORDER", error.message, { cause: error, context: { ...error.context } });
    }
    throw error;
  }
}

function sameRequest(order: Order, request: SubmitRequest): boolean {
  const eq = (a: Decimal | undefined, b: Decimal | undefined) =>
    a === undefined ? b === undefined : b !== undefined && a.eq(b);
  return (
    formatInstrumentId(order.instrument) === formatInstrumentId(request.instrument) &&
    order.side === request.side &&
    order.type === request.type &&
    order.timeInForce === request.timeInForce &&
    order.quantity.eq(request.quantity) &&
    eq(order.price, request.price) &&
    eq(order.triggerPrice, request.triggerPrice)
  );
}

function invalid(clientOrderId: string, field: string, why: string): InvalidOrder {
  return new InvalidOrder("INVALID_ORDER", `order ${JSON.stringify(clientOrderId)}: ${field} ${why}`, {
    context: { clientOrderId, field },
  });
}

function finished(order: Order, what: string): OrderFinished {
  return new OrderFinished(
    "ORDER_FINISHED",
    `cannot ${what} order ${order.clientOrderId}: it is ${order.status}`,
    {
      context: { clientOrderId: order.clientOrderId, status: order.status },
    },
  );
}

/** A failed venue call as the reason of a `rejected`, `cancel-rejected` or `amend-rejected` event. */
function venueReason(error: unknown): Reason {
  if (isOpenfloorError(error)) {
    const code = typeof error.context.reason === "string" ? error.context.reason : error.code;
    const field = error.context.field;
    return typeof field === "string"
      ? { code, message: error.message, field }
      : { code, message: error.message };
  }
  return { code: "VENUE_ERROR", message: error instanceof Error ? error.message : String(error) };
}
