import {
  Decimal,
  type DecimalLike,
  formatInstrumentId,
  type Instrument,
  isOpenfloorError,
  isTerminal,
  type Order,
  type OrderRequest,
  type OrderSide,
  type OrderType,
  type TimeInForce,
  validateOrderRequest,
} from "@openfloor/core";
import type { Subscription } from "rxjs";
import { InvalidOrder, RiskDenied } from "../errors/sdk-errors.js";
import type { OrderUpdate, SubmitRequest, Transport } from "../transport/transport.js";
import { type InstrumentRef, toInstrumentId } from "./instrument-ref.js";
import { OrderHandle } from "./order-handle.js";
import type { PositionsApi } from "./positions-api.js";

/** An order as a strategy writes it: decimals as strings or Decimals; defaults filled in. */
export interface OrderSpec {
  instrument: InstrumentRef;
  side: OrderSide;
  quantity: DecimalLike;
  /** Default: "limit" when `price` is given, else "market". */
  type?: OrderType;
  price?: DecimalLike;
  triggerPrice?: DecimalLike;
  /** Default: "GTC" for limit and stop-limit, "IOC" for market and stop-market. */
  timeInForce?: TimeInForce;
  /** Default false. */
  postOnly?: boolean;
  /** Default false. */
  reduceOnly?: boolean;
  /** Required for GTD: expiry in ns since the epoch. */
  expireTimeNs?: bigint;
  /** Default: the strategy's account at the gateway. */
  account?: string;
  /** Default: generated (`<strategy>-<start>-<n>`). Reuse one only to resubmit idempotently. */
  clientOrderId?: string;
}

/** Options of `buy` / `sell`: a price makes it a limit order. */
export type SideOptions = Omit<OrderSpec, "instrument" | "side" | "quantity">;

/**
 * Order entry for a strategy. Requests are checked against the instrument (tick and lot grid, minimum
 * size) before they leave; the gateway's risk engine then checks limits. A denial throws `RiskDenied`.
 */
export class OrdersApi {
  private readonly handles = new Map<string, OrderHandle>();
  private readonly early = new Map<string, OrderUpdate[]>();
  private seq = 0;
  private readonly idPrefix: string;

  constructor(
    private readonly transport: Transport,
    private readonly strategyId: string,
    private readonly instruments: ReadonlyMap<string, Instrument>,
    private readonly positions: PositionsApi,
    private readonly guard: (fn: () => void) => void,
    private readonly report: (error: unknown) => void = () => undefined,
    private readonly onAsync: () => void = () => undefined,
  ) {
    this.idPrefix = `${strategyId}-${transport.clock.nowMs().toString(36)}`;
  }

  /** @internal Routes the transport's order updates to handles and positions. */
  start(): Subscription {
    return this.transport.orderUpdates().subscribe((u) => {
      if (u.kind === "fill") this.guard(() => this.positions.applyFill(u.fill));
      const handle = this.handles.get(u.order.clientOrderId);
      if (handle !== undefined) {
        this.guard(() => handle.receive(u));
        if (handle.isDone) this.handles.delete(u.order.clientOrderId);
      } else {
        const list = this.early.get(u.order.clientOrderId);
        if (list !== undefined) list.push(u);
      }
    });
  }

  /** Submits an order; resolves with its handle once the gateway has it. */
  async submit(spec: OrderSpec): Promise<OrderHandle> {
    // The caller awaits what follows (even a refusal): in a backtest, time waits for it.
    this.onAsync();
    const request = this.toRequest(spec);
    this.early.set(request.clientOrderId, []);
    // Updates can overtake the submit response on the stream: buffer them until the handle exists.
    let order: Order;
    try {
      order = await this.transport.submit(request);
    } catch (e) {
      this.early.delete(request.clientOrderId);
      throw e;
    }
    const buffered = this.early.get(request.clientOrderId) ?? [];
    this.early.delete(request.clientOrderId);
    if (order.status === "denied") {
      throw new RiskDenied(
        "RISK_DENIED",
        `order ${order.clientOrderId} denied: ${order.lastReason?.message ?? "no reason"}`,
        {
          context: { clientOrderId: order.clientOrderId, reason: order.lastReason },
        },
      );
    }
    const handle = new OrderHandle(
      order,
      {
        amend: (id, change) => this.transport.amend(id, change),
        cancel: (id) => this.transport.cancel(id),
      },
      this.report,
      buffered,
      this.onAsync,
    );
    if (!handle.isDone) this.handles.set(order.clientOrderId, handle);
    return handle;
  }

  /** Buys `quantity`; with `price` a limit order, else a market order. */
  buy(instrument: InstrumentRef, quantity: DecimalLike, options: SideOptions = {}): Promise<OrderHandle> {
    return this.submit({ ...options, instrument, side: "buy", quantity });
  }

  /** Sells `quantity`; with `price` a limit order, else a market order. */
  sell(instrument: InstrumentRef, quantity: DecimalLike, options: SideOptions = {}): Promise<OrderHandle> {
    return this.submit({ ...options, instrument, side: "sell", quantity });
  }

  /** Cancels every open order of this strategy (in one instrument, if given). */
  async cancelAll(instrument?: InstrumentRef): Promise<readonly Order[]> {
    return this.transport.cancelAll(instrument === undefined ? undefined : toInstrumentId(instrument));
  }

  /** Handles of this strategy's orders that are not finished. */
  open(): OrderHandle[] {
    return [...this.handles.values()].filter((h) => !h.isDone);
  }

  /** @internal Re-reads open orders from the gateway after a reconnect and refreshes the handles. */
  async resync(): Promise<void> {
    const orders = await this.transport.orders(false);
    for (const o of orders) {
      const h = this.handles.get(o.clientOrderId);
      if (h === undefined) continue;
      h.apply(o);
      if (isTerminal(o.status)) this.handles.delete(o.clientOrderId);
    }
  }

  private toRequest(spec: OrderSpec): SubmitRequest {
    const id = toInstrumentId(spec.instrument);
    const key = formatInstrumentId(id);
    const instrument = this.instruments.get(key);
    if (instrument === undefined) {
      throw new InvalidOrder("UNKNOWN_INSTRUMENT", `unknown instrument ${key}`, {
        context: { instrument: key, field: "instrument" },
      });
    }
    const parse = (field: string, v: DecimalLike | undefined): Decimal | undefined => {
      if (v === undefined) return undefined;
      try {
        return Decimal.from(v);
      } catch (e) {
        throw new InvalidOrder("INVALID_ORDER", `${field}: ${(e as Error).message}`, {
          cause: e,
          context: { field },
        });
      }
    };
    const price = parse("price", spec.price);
    const triggerPrice = parse("triggerPrice", spec.triggerPrice);
    const type: OrderType =
      spec.type ??
      (triggerPrice !== undefined
        ? price !== undefined
          ? "stop-limit"
          : "stop-market"
        : price !== undefined
          ? "limit"
          : "market");
    const request: OrderRequest = {
      clientOrderId: spec.clientOrderId ?? `${this.idPrefix}-${++this.seq}`,
      instrument: id,
      side: spec.side,
      type,
      timeInForce: spec.timeInForce ?? (type === "limit" || type === "stop-limit" ? "GTC" : "IOC"),
      quantity: parse("quantity", spec.quantity) ?? Decimal.ZERO,
      ...(price === undefined ? {} : { price }),
      ...(triggerPrice === undefined ? {} : { triggerPrice }),
      postOnly: spec.postOnly ?? false,
      reduceOnly: spec.reduceOnly ?? false,
      ...(spec.expireTimeNs === undefined ? {} : { expireTimeNs: spec.expireTimeNs }),
      strategyId: this.strategyId,
      account: spec.account ?? "",
    };
    try {
      validateOrderRequest(request, instrument);
    } catch (e) {
      if (isOpenfloorError(e)) {
        throw new InvalidOrder("INVALID_ORDER", e.message, { cause: e, context: { ...e.context } });
      }
      throw e;
    }
    const { strategyId: _s, account, ...rest } = request;
    return { ...rest, ...(account === "" ? {} : { account }) };
  }
}
