import {
  type CallOptions,
  type ChannelCredentials,
  type ClientOptions,
  type ClientReadableStream,
  credentials,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  type Balance,
  balanceFromProto,
  type Clock,
  type Instrument,
  type InstrumentId,
  LiveClock,
  type Logger,
  type MarketEvent,
  marketEventFromProto,
  type Order,
  orderFromProto,
  orderRequestToProto,
  type PositionSnapshot,
  pb,
  positionFromProto,
  silentLogger,
} from "@openfloor/core";
import { BehaviorSubject, Observable, Subject, type Subscriber } from "rxjs";
import { NotConnected, type SdkError, TransportError } from "../../errors/sdk-errors.js";
import { marketDataRequestOf } from "../market-data-request.js";
import type {
  AmendChange,
  ConnectionStatus,
  DataSubscription,
  OrderUpdate,
  RecordValue,
  SubmitRequest,
  Transport,
} from "../transport.js";
import { isConnectionLoss, sdkErrorOfServiceError } from "./grpc-errors.js";
import { instrumentFromProto } from "./instrument-from-proto.js";
import { OrderUpdateDecoder } from "./order-update-decoder.js";
import { RecordStream } from "./record-stream.js";

/** TLS towards the gateway: PEM strings or buffers. */
export interface GrpcTlsOptions {
  /** CA certificates to trust. Default: the system's roots. */
  readonly rootCerts?: string | Buffer;
  /** Client key and certificate, for mTLS. Default: none. */
  readonly privateKey?: string | Buffer;
  readonly certChain?: string | Buffer;
}

/** How the transport reconnects when the gateway goes away. */
export interface GrpcReconnectOptions {
  /** Delay before the first attempt. Default 100 ms. */
  readonly initialDelayMs?: number;
  /** Upper bound of the delay, which doubles per failed attempt. Default 5000 ms. */
  readonly maxDelayMs?: number;
  /** Random spread of each delay, as a fraction of it (0.2 = ±20 %). Default 0.2. */
  readonly jitter?: number;
}

/** Options of `new GrpcTransport(…)`. */
export interface GrpcTransportOptions {
  /** The gateway sidecar, `host:port`. @example "127.0.0.1:7400" */
  readonly address: string;
  /** The strategy's token, sent as `authorization: Bearer <token>`; it names the strategy to the gateway. */
  readonly token: string;
  /** `true` for TLS with the system's roots, or the certificates to use. Default: plaintext. */
  readonly tls?: boolean | GrpcTlsOptions;
  /** Reconnect settings, or `false` to close the transport when the gateway goes away. Default: reconnect. */
  readonly reconnect?: false | GrpcReconnectOptions;
  /** Deadline of each order-path call. Default 10000 ms. */
  readonly deadlineMs?: number;
  /** HTTP/2 flow-control window of the market-data channel. Default 8 MiB (the 64 KiB default lets one frame per round trip). */
  readonly flowControlWindow?: number;
  /** Records are batched and sent this often. Default 50 ms. */
  readonly recordFlushMs?: number;
  /** Time source strategies schedule on. Default: `new LiveClock()`. */
  readonly clock?: Clock;
  /** Default: silent. */
  readonly logger?: Logger;
}

interface Feed {
  readonly request: pb.SubscribeRequest;
  readonly subscriber: Subscriber<MarketEvent>;
  call: ClientReadableStream<pb.SubscribeResponse> | undefined;
}

const EVENT_TYPE: Readonly<Record<string, pb.MarketEventType>> = {
  trade: pb.MarketEventType.MARKET_EVENT_TYPE_TRADE,
  quote: pb.MarketEventType.MARKET_EVENT_TYPE_QUOTE,
  book: pb.MarketEventType.MARKET_EVENT_TYPE_BOOK,
  bar: pb.MarketEventType.MARKET_EVENT_TYPE_BAR,
};

/**
 * The gRPC `Transport`: a strategy talks to a gateway sidecar. Order-path calls are unary; market data
 * comes as batched frames on one server stream per subscription, delivered synchronously as they are
 * decoded; order events and fills on one `StreamOrderUpdates` stream; records go out in batches on a
 * client stream.
 *
 * When the gateway goes away, `status$` turns `reconnecting` and calls fail fast with `NotConnected`;
 * the transport retries with exponential backoff and jitter, then re-opens every market-data stream and
 * the order stream and turns `connected` (the runner then resyncs the strategy's orders and positions).
 *
 * @example
 * const transport = new GrpcTransport({ address: "127.0.0.1:7400", token: process.env.OPENFLOOR_TOKEN! });
 * const running = await runStrategy(new MyStrategy(), transport);
 */
export class GrpcTransport implements Transport {
  readonly clock: Clock;
  readonly status$ = new BehaviorSubject<ConnectionStatus>("connecting");
  private readonly logger: Logger;
  private readonly marketDataClient: pb.MarketDataServiceClient;
  private readonly ordersClient: pb.OrdersServiceClient;
  private readonly recordingClient: pb.RecordingServiceClient;
  private readonly portfolioClient: pb.PortfolioServiceClient;
  private readonly feeds = new Set<Feed>();
  private readonly updates = new Subject<OrderUpdate>();
  private readonly decoder = new OrderUpdateDecoder((u) => this.updates.next(u));
  private readonly records: RecordStream;
  private orderCall: ClientReadableStream<pb.StreamOrderUpdatesResponse> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly deadlineMs: number;
  private readonly bearer: string;

  constructor(private readonly options: GrpcTransportOptions) {
    this.clock = options.clock ?? new LiveClock();
    this.logger = options.logger ?? silentLogger;
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.bearer = `Bearer ${options.token}`;
    const creds = channelCredentials(options.tls);
    const reconnect = options.reconnect === false ? {} : (options.reconnect ?? {});
    const channel: Partial<ClientOptions> = {
      "grpc.initial_reconnect_backoff_ms": reconnect.initialDelayMs ?? 100,
      "grpc.max_reconnect_backoff_ms": reconnect.maxDelayMs ?? 5000,
    };
    this.marketDataClient = new pb.MarketDataServiceClient(options.address, creds, {
      ...channel,
      "grpc-node.flow_control_window": options.flowControlWindow ?? 8 * 1024 * 1024,
    });
    this.ordersClient = new pb.OrdersServiceClient(options.address, creds, channel);
    this.recordingClient = new pb.RecordingServiceClient(options.address, creds, channel);
    this.portfolioClient = new pb.PortfolioServiceClient(options.address, creds, channel);
    this.records = new RecordStream({
      flushMs: options.recordFlushMs ?? 50,
      open: (done) => this.recordingClient.record(this.metadata(), done),
      connected: () => this.status$.value === "connected",
      logger: this.logger,
    });
  }

  /** Checks the token with the gateway and opens the order stream. Bad token: `TransportError`. */
  async connect(): Promise<void> {
    if (this.status$.value === "connected") return;
    try {
      await this.listInstruments();
      await this.openOrderStream();
    } catch (e) {
      await this.close();
      throw e;
    }
    this.status$.next("connected");
  }

  async close(): Promise<void> {
    if (this.status$.value === "closed") return;
    clearTimeout(this.reconnectTimer);
    await this.records.close();
    this.status$.next("closed");
    const call = this.orderCall;
    this.orderCall = undefined;
    call?.cancel();
    for (const feed of [...this.feeds]) {
      this.feeds.delete(feed);
      const c = feed.call;
      feed.call = undefined;
      c?.cancel();
      feed.subscriber.complete();
    }
    this.updates.complete();
    this.marketDataClient.close();
    this.ordersClient.close();
    this.recordingClient.close();
    this.portfolioClient.close();
    this.status$.complete();
  }

  instruments(): Promise<readonly Instrument[]> {
    this.assertConnected("ListInstruments");
    return this.listInstruments();
  }

  marketData(subscription: DataSubscription): Observable<MarketEvent> {
    const r = marketDataRequestOf(subscription);
    const request: pb.SubscribeRequest = {
      instruments: r.instruments.map((i) => ({ symbol: i.symbol, venue: i.venue })),
      eventTypes: r.types.map((t) => EVENT_TYPE[t]!),
      bookDepth: r.depth,
      barIntervals: [...r.barIntervals],
      slowConsumerPolicy: pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_UNSPECIFIED,
    };
    return new Observable<MarketEvent>((subscriber) => {
      const feed: Feed = { request, subscriber, call: undefined };
      this.feeds.add(feed);
      if (this.status$.value === "connected") this.openFeed(feed);
      return () => {
        this.feeds.delete(feed);
        const call = feed.call;
        feed.call = undefined;
        call?.cancel();
      };
    });
  }

  async submit(request: SubmitRequest): Promise<Order> {
    const message = orderRequestToProto({ ...request, strategyId: "", account: request.account ?? "" });
    const res = await this.unary<pb.SubmitOrderResponse>("SubmitOrder", (md, o, cb) =>
      this.ordersClient.submitOrder(message, md, o, cb),
    );
    return orderOf(res.order, "SubmitOrder");
  }

  async amend(clientOrderId: string, change: AmendChange): Promise<Order> {
    const message: pb.AmendOrderRequest = {
      clientOrderId,
      quantity: change.quantity?.toProto(),
      price: change.price?.toProto(),
      triggerPrice: change.triggerPrice?.toProto(),
      replacementClientOrderId: "",
    };
    const res = await this.unary<pb.AmendOrderResponse>("AmendOrder", (md, o, cb) =>
      this.ordersClient.amendOrder(message, md, o, cb),
    );
    return orderOf(res.order, "AmendOrder");
  }

  async cancel(clientOrderId: string): Promise<Order> {
    const res = await this.unary<pb.CancelOrderResponse>("CancelOrder", (md, o, cb) =>
      this.ordersClient.cancelOrder({ clientOrderId }, md, o, cb),
    );
    return orderOf(res.order, "CancelOrder");
  }

  async cancelAll(instrument?: InstrumentId): Promise<readonly Order[]> {
    const message: pb.CancelAllOrdersRequest = {
      instrument:
        instrument === undefined ? undefined : { symbol: instrument.symbol, venue: instrument.venue },
    };
    const res = await this.unary<pb.CancelAllOrdersResponse>("CancelAllOrders", (md, o, cb) =>
      this.ordersClient.cancelAllOrders(message, md, o, cb),
    );
    return res.orders.map((o) => orderFromProto(o));
  }

  async orders(openOnly: boolean): Promise<readonly Order[]> {
    const res = await this.unary<pb.ListOrdersResponse>("ListOrders", (md, o, cb) =>
      this.ordersClient.listOrders({ openOnly }, md, o, cb),
    );
    return res.orders.map((o) => orderFromProto(o));
  }

  async positions(): Promise<readonly PositionSnapshot[]> {
    const res = await this.unary<pb.GetPositionsResponse>("GetPositions", (md, o, cb) =>
      this.portfolioClient.getPositions({}, md, o, cb),
    );
    return res.positions.map((p) => positionFromProto(p));
  }

  async balances(): Promise<readonly Balance[]> {
    const res = await this.unary<pb.GetBalancesResponse>("GetBalances", (md, o, cb) =>
      this.portfolioClient.getBalances({}, md, o, cb),
    );
    return res.balances.map((b) => balanceFromProto(b));
  }

  orderUpdates(): Observable<OrderUpdate> {
    return this.updates.asObservable();
  }

  record(values: readonly RecordValue[]): void {
    if (this.status$.value === "closed") return;
    this.records.push(values);
  }

  private metadata(): Metadata {
    const md = new Metadata();
    md.set("authorization", this.bearer);
    return md;
  }

  private assertConnected(method: string): void {
    const state = this.status$.value;
    if (state === "connected") return;
    throw new NotConnected("NOT_CONNECTED", `${method}: the gateway at ${this.options.address} is ${state}`, {
      context: { method, status: state, address: this.options.address },
    });
  }

  private unary<Res>(
    method: string,
    invoke: (
      metadata: Metadata,
      options: Partial<CallOptions>,
      callback: (error: ServiceError | null, response: Res) => void,
    ) => unknown,
    gated = true,
    deadlineMs = this.deadlineMs,
  ): Promise<Res> {
    if (gated) this.assertConnected(method);
    return new Promise<Res>((resolve, reject) => {
      invoke(this.metadata(), { deadline: Date.now() + deadlineMs }, (error, response) => {
        if (error === null) {
          resolve(response);
          return;
        }
        if (isConnectionLoss(error)) this.lost(error);
        reject(sdkErrorOfServiceError(error, method));
      });
    });
  }

  private async listInstruments(deadlineMs = this.deadlineMs): Promise<Instrument[]> {
    const res = await this.unary<pb.ListInstrumentsResponse>(
      "ListInstruments",
      (md, o, cb) => this.marketDataClient.listInstruments({ venue: "" }, md, o, cb),
      false,
      deadlineMs,
    );
    return res.instruments.map(instrumentFromProto);
  }

  /** Opens the order stream; resolves once the gateway has registered it (headers received). */
  private openOrderStream(): Promise<void> {
    const call = this.ordersClient.streamOrderUpdates({}, this.metadata());
    this.orderCall = call;
    return new Promise<void>((resolve, reject) => {
      let live = false;
      call.on("metadata", () => {
        live = true;
        resolve();
      });
      call.on("data", (message: pb.StreamOrderUpdatesResponse) => {
        try {
          this.decoder.onMessage(message);
        } catch (e) {
          this.logger.error({ err: e }, "malformed order update from the gateway");
        }
      });
      const ended = (error: ServiceError | undefined) => {
        if (this.orderCall !== call) return;
        this.orderCall = undefined;
        if (!live) {
          reject(
            error === undefined
              ? new NotConnected("NOT_CONNECTED", "StreamOrderUpdates ended before it started")
              : sdkErrorOfServiceError(error, "StreamOrderUpdates"),
          );
          return;
        }
        this.lost(error);
      };
      call.on("error", (e: ServiceError) => ended(e));
      call.on("end", () => ended(undefined));
    });
  }

  private openFeed(feed: Feed): void {
    const call = this.marketDataClient.subscribe(feed.request, this.metadata());
    feed.call = call;
    const subscriber = feed.subscriber;
    call.on("data", (response: pb.SubscribeResponse) => {
      const events = response.frame?.events;
      if (events === undefined) return;
      for (let i = 0; i < events.length; i++) {
        let event: MarketEvent;
        try {
          event = marketEventFromProto(events[i]!);
        } catch (e) {
          this.logger.error({ err: e }, "malformed market event from the gateway; skipped");
          continue;
        }
        subscriber.next(event);
      }
    });
    const ended = (error: ServiceError | undefined) => {
      if (feed.call !== call) return;
      feed.call = undefined;
      if (error === undefined || isConnectionLoss(error) || error.code === status.CANCELLED) {
        this.lost(error);
        return;
      }
      this.feeds.delete(feed);
      subscriber.error(sdkErrorOfServiceError(error, "Subscribe"));
    };
    call.on("error", (e: ServiceError) => ended(e));
    call.on("end", () => ended(undefined));
  }

  /** The gateway went away: drop every stream, and reconnect (or close) as configured. */
  private lost(error: ServiceError | undefined): void {
    if (this.status$.value !== "connected") return;
    this.logger.warn({ err: error, address: this.options.address }, "gateway connection lost");
    const call = this.orderCall;
    this.orderCall = undefined;
    call?.cancel();
    for (const feed of this.feeds) {
      const c = feed.call;
      feed.call = undefined;
      c?.cancel();
    }
    if (this.options.reconnect === false) {
      const reason = new NotConnected("NOT_CONNECTED", `the gateway at ${this.options.address} went away`, {
        cause: error,
      });
      for (const feed of [...this.feeds]) feed.subscriber.error(reason);
      this.feeds.clear();
      void this.close();
      return;
    }
    this.status$.next("reconnecting");
    this.scheduleReconnect(0);
  }

  private scheduleReconnect(attempt: number): void {
    const r = this.options.reconnect === false ? {} : (this.options.reconnect ?? {});
    const base = Math.min(r.maxDelayMs ?? 5000, (r.initialDelayMs ?? 100) * 2 ** attempt);
    const jitter = r.jitter ?? 0.2;
    const delay = Math.max(0, base * (1 + jitter * (2 * Math.random() - 1)));
    this.reconnectTimer = setTimeout(() => {
      void this.reconnect(attempt);
    }, delay);
  }

  private async reconnect(attempt: number): Promise<void> {
    if (this.status$.value !== "reconnecting") return;
    try {
      await this.listInstruments(Math.max(1000, this.deadlineMs / 10));
      if (this.status$.value !== "reconnecting") return;
      await this.openOrderStream();
    } catch (e) {
      if (this.status$.value !== "reconnecting") return;
      const err = e as SdkError;
      if (err instanceof TransportError && err.code !== "TRANSPORT") {
        this.logger.error({ err }, "the gateway refused the reconnect");
      }
      this.logger.debug({ err, attempt }, "reconnect attempt failed");
      this.scheduleReconnect(attempt + 1);
      return;
    }
    if (this.status$.value !== "reconnecting") return;
    for (const feed of this.feeds) this.openFeed(feed);
    this.logger.info({ address: this.options.address, attempts: attempt + 1 }, "gateway reconnected");
    this.status$.next("connected");
  }
}

function channelCredentials(tls: GrpcTransportOptions["tls"]): ChannelCredentials {
  if (tls === undefined || tls === false) return credentials.createInsecure();
  if (tls === true) return credentials.createSsl();
  const buf = (v: string | Buffer | undefined) => (v === undefined ? null : Buffer.from(v));
  return credentials.createSsl(buf(tls.rootCerts), buf(tls.privateKey), buf(tls.certChain));
}

function orderOf(message: pb.Order | undefined, method: string): Order {
  if (message === undefined) {
    throw new TransportError("TRANSPORT", `${method}: the gateway answered without an order`, {
      context: { method },
    });
  }
  return orderFromProto(message);
}
