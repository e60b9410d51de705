import { Metadata, type ServerWritableStream } from "@grpc/grpc-js";
import {
  type Clock,
  type Decimal,
  DecimalError,
  fillToProto,
  formatInstrumentId,
  type Logger,
  orderEventToProto,
  orderRequestFromProto,
  orderToProto,
  type pb,
} from "@openfloor/core";
import type { StrategyIdentity } from "../auth/strategy-tokens.js";
import type { GatewayMetrics } from "../metrics/gateway-metrics.js";
import { type CallContext, callerOf, type PipelineOptions, serverStream, unary } from "./call-pipeline.js";
import type { OrderExecution, OrderUpdate } from "./execution-port.js";
import {
  checkScale,
  instrumentField,
  invalidField,
  optionalDecimalField,
  requireId,
} from "./request-fields.js";
import { GatewayError } from "./status-map.js";

export interface OrdersServiceDeps {
  readonly execution: OrderExecution;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly pipeline: PipelineOptions;
  /** Accounts each strategy may trade besides its default one. */
  readonly accountsOf: (strategyId: string) => readonly string[];
}

/** quantity × price must be representable, or every later notional computation would fail. */
function checkNotional(quantity: Decimal, price: Decimal | undefined): void {
  if (price === undefined) return;
  try {
    quantity.mul(price);
  } catch (error) {
    if (error instanceof DecimalError) {
      throw invalidField("quantity", `× price ${price.toString()} does not fit 64-bit fixed point`, error);
    }
    throw error;
  }
}

const ROUND_TRIP_END = new Set(["accepted", "rejected", "denied"]);
const MAX_PENDING_ROUND_TRIPS = 100_000;

/** Order updates of one strategy, converted once and fanned out to that strategy's streams. */
type UpdateListener = (message: pb.StreamOrderUpdatesResponse) => void;

/**
 * OrdersService: submit, amend, cancel, cancel-all and list, and the live stream of the caller's own
 * order events and fills. The strategy comes from the call's token, never from the request.
 */
export class OrdersService {
  private readonly streams = new Map<string, Set<UpdateListener>>();
  private readonly submittedAt = new Map<string, bigint>();
  private readonly openCalls = new Set<{ end(): void }>();
  private readonly unsubscribe: () => void;
  /** Strategies whose last stream closed with cancel-on-disconnect, for the caller's information. */
  readonly canceledOnDisconnect = new Map<string, number>();

  constructor(private readonly deps: OrdersServiceDeps) {
    this.unsubscribe = deps.execution.onUpdate((update) => this.publish(update));
  }

  /** The grpc-js implementation object for `OrdersServiceService`. */
  implementation(): pb.OrdersServiceServer {
    const p = this.deps.pipeline;
    return {
      submitOrder: unary("OrdersService/SubmitOrder", p, (req: pb.SubmitOrderRequest, ctx) =>
        this.submit(req, ctx),
      ),
      amendOrder: unary("OrdersService/AmendOrder", p, (req: pb.AmendOrderRequest, ctx) =>
        this.amend(req, ctx),
      ),
      cancelOrder: unary("OrdersService/CancelOrder", p, (req: pb.CancelOrderRequest, ctx) =>
        this.cancel(req, ctx),
      ),
      cancelAllOrders: unary("OrdersService/CancelAllOrders", p, (req: pb.CancelAllOrdersRequest, ctx) =>
        this.cancelAll(req, ctx),
      ),
      listOrders: unary("OrdersService/ListOrders", p, (req: pb.ListOrdersRequest, ctx) =>
        this.list(req, ctx),
      ),
      streamOrderUpdates: serverStream("OrdersService/StreamOrderUpdates", p, (call, ctx) =>
        this.stream(call, ctx),
      ),
    };
  }

  /** Number of open order-update streams of a strategy. */
  streamCount(strategyId: string): number {
    return this.streams.get(strategyId)?.size ?? 0;
  }

  connectedStrategies(): string[] {
    return [...this.streams.keys()];
  }

  /** Stops publishing and ends every open update stream (gateway shutdown). */
  close(): void {
    this.unsubscribe();
    this.streams.clear();
    for (const call of this.openCalls) call.end();
    this.openCalls.clear();
  }

  private trader(ctx: CallContext, account: string): { strategyId: string; account: string } {
    const who: StrategyIdentity = callerOf(ctx);
    if (account === "" || account === who.account)
      return { strategyId: who.strategyId, account: who.account };
    if (!this.deps.accountsOf(who.strategyId).includes(account)) {
      throw new GatewayError(
        "PERMISSION_DENIED",
        `strategy ${who.strategyId} may not trade account ${account}`,
        {
          context: { field: "account" },
        },
      );
    }
    return { strategyId: who.strategyId, account };
  }

  private async submit(req: pb.SubmitOrderRequest, ctx: CallContext): Promise<pb.SubmitOrderResponse> {
    requireId(req.clientOrderId, "clientOrderId");
    checkScale(req.quantity, "quantity");
    checkScale(req.price, "price");
    checkScale(req.triggerPrice, "triggerPrice");
    const who = this.trader(ctx, req.account);
    const request = orderRequestFromProto(req, who);
    checkNotional(request.quantity, request.price ?? request.triggerPrice);
    const key = `${who.strategyId}\u0000${request.clientOrderId}`;
    if (this.submittedAt.size < MAX_PENDING_ROUND_TRIPS) this.submittedAt.set(key, process.hrtime.bigint());
    try {
      const order = await this.deps.execution.submit(who, request);
      return { order: orderToProto(order) };
    } catch (error) {
      this.submittedAt.delete(key);
      throw error;
    }
  }

  private async amend(req: pb.AmendOrderRequest, ctx: CallContext): Promise<pb.AmendOrderResponse> {
    const id = requireId(req.clientOrderId, "clientOrderId");
    const quantity = optionalDecimalField(req.quantity, "quantity");
    const price = optionalDecimalField(req.price, "price");
    const triggerPrice = optionalDecimalField(req.triggerPrice, "triggerPrice");
    if (quantity === undefined && price === undefined && triggerPrice === undefined) {
      throw invalidField(
        "quantity",
        "is missing: an amend sets at least one of quantity, price, triggerPrice",
      );
    }
    if (quantity !== undefined && !quantity.isPositive()) {
      throw invalidField("quantity", `must be positive, got ${quantity.toString()}`);
    }
    if (req.replacementClientOrderId !== "")
      requireId(req.replacementClientOrderId, "replacementClientOrderId");
    const who = this.trader(ctx, "");
    const order = await this.deps.execution.amend(who, id, {
      ...(quantity ? { quantity } : {}),
      ...(price ? { price } : {}),
      ...(triggerPrice ? { triggerPrice } : {}),
      ...(req.replacementClientOrderId ? { replacementClientOrderId: req.replacementClientOrderId } : {}),
    });
    return { order: orderToProto(order) };
  }

  private async cancel(req: pb.CancelOrderRequest, ctx: CallContext): Promise<pb.CancelOrderResponse> {
    const id = requireId(req.clientOrderId, "clientOrderId");
    const order = await this.deps.execution.cancel(this.trader(ctx, ""), id);
    return { order: orderToProto(order) };
  }

  private async cancelAll(
    req: pb.CancelAllOrdersRequest,
    ctx: CallContext,
  ): Promise<pb.CancelAllOrdersResponse> {
    const instrument =
      req.instrument === undefined ? undefined : instrumentField(req.instrument, "instrument");
    const orders = await this.deps.execution.cancelAll(this.trader(ctx, ""), instrument);
    return { orders: orders.map(orderToProto) };
  }

  private list(req: pb.ListOrdersRequest, ctx: CallContext): pb.ListOrdersResponse {
    const orders = this.deps.execution.orders(this.trader(ctx, ""), { openOnly: req.openOnly });
    return { orders: orders.map(orderToProto) };
  }

  private stream(
    call: ServerWritableStream<pb.StreamOrderUpdatesRequest, pb.StreamOrderUpdatesResponse>,
    ctx: CallContext,
  ): void {
    const who = callerOf(ctx);
    let listeners = this.streams.get(who.strategyId);
    if (listeners === undefined) {
      listeners = new Set();
      this.streams.set(who.strategyId, listeners);
    }
    const listener: UpdateListener = (message) => {
      if (!call.writable) return;
      call.write(message);
    };
    listeners.add(listener);
    // Headers go out now so the client knows the stream is live before any update.
    call.sendMetadata(new Metadata());
    this.openCalls.add(call);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.openCalls.delete(call);
      const set = this.streams.get(who.strategyId);
      set?.delete(listener);
      if (set !== undefined && set.size === 0) {
        this.streams.delete(who.strategyId);
        if (who.cancelOnDisconnect) this.cancelOnDisconnect(who.strategyId);
      }
    };
    call.on("cancelled", end);
    call.on("close", end);
    call.on("finish", end);
    call.on("error", (error: unknown) => {
      end();
      this.deps.logger.debug({ err: error, strategyId: who.strategyId }, "order update stream error");
    });
    if (call.cancelled) end();
  }

  private cancelOnDisconnect(strategyId: string): void {
    this.deps.logger.info({ strategyId }, "last order stream closed; canceling the strategy's open orders");
    this.deps.execution.cancelStrategyOrders(strategyId).then(
      (n) => this.canceledOnDisconnect.set(strategyId, (this.canceledOnDisconnect.get(strategyId) ?? 0) + n),
      (error: unknown) => this.deps.logger.error({ err: error, strategyId }, "cancel on disconnect failed"),
    );
  }

  private publish(update: OrderUpdate): void {
    const m = this.deps.metrics;
    if (update.kind === "event") {
      const kind = update.event.kind;
      m.orderEvents.inc({ kind });
      if (kind === "denied") m.riskRejections.inc({ reason: update.event.reason.code });
    }
    const listeners = this.streams.get(update.strategyId);
    const key = `${update.strategyId}\u0000${update.order.clientOrderId}`;
    if (update.kind === "event" && ROUND_TRIP_END.has(update.event.kind)) {
      const t0 = this.submittedAt.get(key);
      if (t0 !== undefined) {
        this.submittedAt.delete(key);
        if (listeners !== undefined) m.orderRoundTrip.observe(Number(process.hrtime.bigint() - t0) / 1e9);
      }
    }
    if (listeners === undefined || listeners.size === 0) return;
    const now = this.deps.clock.now();
    let message: pb.StreamOrderUpdatesResponse;
    try {
      message =
        update.kind === "event"
          ? { update: { $case: "event", value: orderEventToProto(update.event, update.order, now) } }
          : { update: { $case: "fill", value: fillToProto(update.fill, now) } };
    } catch (error) {
      this.deps.logger.error(
        {
          err: error,
          strategyId: update.strategyId,
          instrument: formatInstrumentId(update.order.instrument),
        },
        "cannot convert an order update for the wire",
      );
      return;
    }
    for (const listener of listeners) listener(message);
  }
}
