import {
  type Balance,
  type Clock,
  type Instrument,
  type InstrumentId,
  isOpenfloorError,
  LiveClock,
  type Logger,
  type MarketEvent,
  type Order,
  type OrderRequest,
  type PositionSnapshot,
} from "@openfloor/core";
import type { FrameSink, Gateway, GatewayConfig, StrategyIdentity } from "@openfloor/gateway";
import { BehaviorSubject, Observable, Subject } from "rxjs";
import { NotConnected, type SdkError, TransportError } from "../../errors/sdk-errors.js";
import { sdkErrorOf } from "../gateway-errors.js";
import { marketDataRequestOf } from "../market-data-request.js";
import { recordPayloadOf } from "../strategy-records.js";
import type {
  AmendChange,
  ConnectionStatus,
  DataSubscription,
  OrderUpdate,
  RecordValue,
  SubmitRequest,
  Transport,
} from "../transport.js";

/** Options of `new InProcessTransport(…)`. */
export interface InProcessTransportOptions {
  /**
   * The gateway to embed. A `Gateway` is used as it is (start it before `connect()`; the transport never
   * stops it); a `GatewayConfig` is built with `createGateway(config, { grpc: false })`, started on
   * `connect()` and stopped on `close()`. Default: the gateway's built-in development config (simulated
   * venue) with `token` as the strategy token. A gateway built here serves no gRPC and hands market
   * events to the strategy synchronously (`marketData.frameMaxEvents` 1).
   * @example new InProcessTransport({ gateway: loadConfig("gateway.yaml"), token: process.env.OPENFLOOR_TOKEN! })
   */
  readonly gateway?: Gateway | GatewayConfig;
  /** The strategy's token; it names the strategy to the gateway, exactly as over gRPC. */
  readonly token: string;
  /** Time source strategies schedule on (and, for a gateway built here, the gateway's). Default: `new LiveClock()`. */
  readonly clock?: Clock;
  /** Logger of a gateway built here. Default: the gateway's own (pino to stdout). */
  readonly gatewayLogger?: Logger;
}

function isGateway(g: Gateway | GatewayConfig): g is Gateway {
  return typeof (g as Partial<Gateway>).authenticate === "function";
}

/**
 * The in-process `Transport`: the strategy runs in the gateway's process, with no serialization on any
 * path. Market data comes straight from the gateway's `DataEngine`, orders go straight to its
 * `ExecutionEngine` under the strategy identity of `token`, records into `gateway.records`.
 * `@openfloor/gateway` is loaded on `connect()` only, so users of the other transports never load it.
 *
 * @example
 * const running = await runStrategy(new MyStrategy(), new InProcessTransport({ token: "dev-token" }));
 */
export class InProcessTransport implements Transport {
  readonly clock: Clock;
  readonly status$ = new BehaviorSubject<ConnectionStatus>("connecting");
  private gatewayRef: Gateway | undefined;
  private identity: StrategyIdentity | undefined;
  private owned = false;
  private readonly updates = new Subject<OrderUpdate>();
  private unsubscribeUpdates: (() => void) | undefined;

  constructor(private readonly options: InProcessTransportOptions) {
    this.clock = options.clock ?? new LiveClock();
  }

  /** The embedded gateway (after `connect()`). */
  get gateway(): Gateway {
    if (this.gatewayRef === undefined) throw notConnected("the gateway");
    return this.gatewayRef;
  }

  async connect(): Promise<void> {
    if (this.gatewayRef !== undefined) return;
    const given = this.options.gateway;
    let gateway: Gateway;
    if (given !== undefined && isGateway(given)) {
      gateway = given;
    } else {
      const mod = await import("@openfloor/gateway");
      const base =
        given ?? mod.defaultConfig({ token: this.options.token, listen: { host: "127.0.0.1", port: 0 } });
      // Nothing but this strategy subscribes to a gateway without gRPC: hand each event over as it
      // arrives (a one-event frame is written at once) instead of batching it to the next loop turn.
      const config: GatewayConfig = { ...base, marketData: { ...base.marketData, frameMaxEvents: 1 } };
      gateway = mod.createGateway(config, {
        grpc: false,
        clock: this.clock,
        ...(this.options.gatewayLogger === undefined ? {} : { logger: this.options.gatewayLogger }),
      });
      await gateway.start();
      this.owned = true;
    }
    const identity = gateway.authenticate(this.options.token);
    if (identity === undefined) {
      if (this.owned) await gateway.stop();
      this.status$.next("closed");
      throw new TransportError("TRANSPORT", "the gateway does not accept this strategy token", {
        context: { transport: "in-process" },
      });
    }
    this.identity = identity;
    this.gatewayRef = gateway;
    const strategyId = identity.strategyId;
    this.unsubscribeUpdates = gateway.execution.onUpdate((u) => {
      if (u.strategyId !== strategyId) return;
      this.updates.next(
        u.kind === "event"
          ? { kind: "event", order: u.order, event: u.event }
          : { kind: "fill", order: u.order, fill: u.fill },
      );
    });
    this.status$.next("connected");
  }

  async close(): Promise<void> {
    if (this.status$.value === "closed") return;
    this.status$.next("closed");
    this.unsubscribeUpdates?.();
    this.updates.complete();
    const gateway = this.gatewayRef;
    this.gatewayRef = undefined;
    if (gateway !== undefined && this.owned) await gateway.stop();
    this.status$.complete();
  }

  async instruments(): Promise<readonly Instrument[]> {
    return this.gateway.marketData.instruments();
  }

  marketData(subscription: DataSubscription): Observable<MarketEvent> {
    return new Observable<MarketEvent>((subscriber) => {
      const sink: FrameSink = {
        write: (events) => {
          for (let i = 0; i < events.length; i++) subscriber.next(events[i]!.event);
          return true;
        },
        onDrain: () => undefined,
        close: (error) => {
          if (error === undefined) subscriber.complete();
          else subscriber.error(mapError(error));
        },
      };
      let handle: { close(error?: Error): void } | undefined;
      try {
        handle = this.gateway.marketData.subscribe(marketDataRequestOf(subscription), sink);
      } catch (e) {
        subscriber.error(mapError(e));
      }
      return () => handle?.close();
    });
  }

  submit(request: SubmitRequest): Promise<Order> {
    return this.call((g, who) => {
      const full: OrderRequest = {
        ...request,
        strategyId: who.strategyId,
        account: request.account ?? who.account,
      };
      return g.execution.submit(who, full);
    });
  }

  amend(clientOrderId: string, change: AmendChange): Promise<Order> {
    return this.call((g, who) => g.execution.amend(who, clientOrderId, change));
  }

  cancel(clientOrderId: string): Promise<Order> {
    return this.call((g, who) => g.execution.cancel(who, clientOrderId));
  }

  cancelAll(instrument?: InstrumentId): Promise<readonly Order[]> {
    return this.call((g, who) => g.execution.cancelAll(who, instrument));
  }

  orders(openOnly: boolean): Promise<readonly Order[]> {
    return this.call(async (g, who) => g.execution.orders(who, { openOnly }));
  }

  positions(): Promise<readonly PositionSnapshot[]> {
    return this.call(async (g, who) => g.portfolios.positions(who.strategyId));
  }

  /** As the gateway's `GetBalances`: the venue's balances when it reports them, else the fill ledger's. */
  balances(): Promise<readonly Balance[]> {
    return this.call(async (g, who) => {
      const venue = g.config.accounts[who.account]?.venue;
      const adapter = venue === undefined ? undefined : g.venues.get(venue);
      if (!adapter?.capabilities.balances) return g.portfolios.balances(who.account);
      const tsNs = this.clock.now();
      return (await adapter.fetchBalances()).map((b) => ({
        account: who.account,
        currency: b.currency,
        total: b.total,
        free: b.free,
        locked: b.locked,
        tsNs,
      }));
    });
  }

  orderUpdates(): Observable<OrderUpdate> {
    return this.updates.asObservable();
  }

  record(values: readonly RecordValue[]): void {
    const gateway = this.gatewayRef;
    const who = this.identity;
    if (gateway === undefined || who === undefined) return;
    gateway.records.append(
      values.map((v) => ({
        strategyId: who.strategyId,
        name: v.name,
        tsNs: v.tsNs,
        value: recordPayloadOf(v.value),
      })),
    );
  }

  private async call<T>(fn: (gateway: Gateway, who: StrategyIdentity) => Promise<T>): Promise<T> {
    const gateway = this.gatewayRef;
    const who = this.identity;
    if (gateway === undefined || who === undefined || this.status$.value !== "connected") {
      throw notConnected("the order path");
    }
    try {
      return await fn(gateway, who);
    } catch (e) {
      throw mapError(e);
    }
  }
}

function notConnected(what: string): NotConnected {
  return new NotConnected(
    "NOT_CONNECTED",
    `${what} is not available: the in-process gateway is not connected`,
    {
      context: { transport: "in-process" },
    },
  );
}

function mapError(e: unknown): SdkError | unknown {
  if (!isOpenfloorError(e)) return e;
  const field = typeof e.context.field === "string" ? e.context.field : "";
  return sdkErrorOf({ code: e.code, message: e.message, field }, e);
}
