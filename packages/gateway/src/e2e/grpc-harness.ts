import {
  type CallOptions,
  type ChannelCredentials,
  type ClientReadableStream,
  credentials,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { pb } from "@openfloor/core";
import {
  createGateway,
  type Gateway,
  type GatewayOptions,
  type LogDestination,
  parseConfig,
} from "../index.js";

export const ALPHA_TOKEN = "alpha-token-0123456789abcdef0123";
export const BETA_TOKEN = "beta-token-0123456789abcdef01234";
export const ADMIN_TOKEN = "admin-token-0123456789abcdef0123";

/** A quiet, deterministic simulated venue: a flat book of 1-lot levels around 100, no trades, no drift. */
export function simVenueConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account: "main",
    seed: 7,
    instruments: [
      {
        symbol: "BTC/USDT",
        base: "BTC",
        quote: "USDT",
        priceIncrement: "0.01",
        sizeIncrement: "0.01",
        market: {
          startPrice: "100",
          spreadTicks: 2,
          depthLevels: 5,
          levelSize: "1",
          sizeJitter: 0,
          sizeChangeProbability: 0,
          volatilityTicks: 0,
          tradesPerSecond: 0,
          updateIntervalMs: 5,
        },
      },
      {
        symbol: "ETH/USDT",
        base: "ETH",
        quote: "USDT",
        priceIncrement: "0.01",
        sizeIncrement: "0.01",
        market: {
          startPrice: "50",
          depthLevels: 5,
          levelSize: "2",
          volatilityTicks: 1,
          tradesPerSecond: 50,
          updateIntervalMs: 5,
        },
      },
    ],
    balances: { USDT: "1000000", BTC: "100", ETH: "1000" },
    ...extra,
  };
}

/** A gateway config with strategies alpha, beta (traders) and ops (admin) on one sim venue. */
export function testConfigInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    listen: "127.0.0.1:0",
    venues: { sim: { adapter: "sim", config: simVenueConfig() } },
    accounts: { main: { venue: "sim" } },
    strategies: {
      alpha: { token: ALPHA_TOKEN },
      beta: { token: BETA_TOKEN },
      ops: { token: ADMIN_TOKEN, admin: true },
    },
    risk: { maxOrderQuantity: "50", priceBandBps: "2000" },
    logging: { level: "warn" },
    ...overrides,
  };
}

/** Collects log lines in memory (for the secret-redaction test). */
export class CapturedLog implements LogDestination {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  get text(): string {
    return this.lines.join("");
  }
}

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly address: string;
  readonly log: CapturedLog;
  stop(): Promise<void>;
}

export async function startTestGateway(
  input: Record<string, unknown> = testConfigInput(),
  options: GatewayOptions & { env?: Record<string, string> } = {},
): Promise<RunningGateway> {
  // These tests are about gRPC; the audit store has its own tests against real PostgreSQL.
  const config = parseConfig(
    { storage: { mode: "none" }, ...input },
    { env: options.env ?? {}, file: "test.yaml" },
  );
  const log = new CapturedLog();
  const gateway = createGateway(config, { logDestination: log, shutdownGraceMs: 500, ...options });
  const addresses = await gateway.start();
  return {
    gateway,
    address: addresses.grpc ?? "",
    log,
    async stop() {
      await gateway.stop();
    },
  };
}

export function auth(token: string | undefined): Metadata {
  const md = new Metadata();
  if (token !== undefined) md.set("authorization", `Bearer ${token}`);
  return md;
}

export interface Clients {
  readonly orders: pb.OrdersServiceClient;
  readonly marketData: pb.MarketDataServiceClient;
  readonly portfolio: pb.PortfolioServiceClient;
  readonly admin: pb.AdminServiceClient;
  readonly recording: pb.RecordingServiceClient;
  close(): void;
}

export function clientsFor(
  address: string,
  creds: ChannelCredentials = credentials.createInsecure(),
): Clients {
  const orders = new pb.OrdersServiceClient(address, creds);
  const marketData = new pb.MarketDataServiceClient(address, creds);
  const portfolio = new pb.PortfolioServiceClient(address, creds);
  const admin = new pb.AdminServiceClient(address, creds);
  const recording = new pb.RecordingServiceClient(address, creds);
  return {
    orders,
    marketData,
    portfolio,
    admin,
    recording,
    close() {
      for (const c of [orders, marketData, portfolio, admin, recording]) c.close();
    },
  };
}

/** The last (fullest) overload of a generated unary method, which is the one TypeScript infers from. */
type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/** Calls a unary method; resolves with the response or rejects with the ServiceError. */
export function call<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata,
  deadlineMs = 5000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, { deadline: Date.now() + deadlineMs }, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** The ServiceError a call fails with (fails the test if it succeeds). */
export async function callError<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata,
): Promise<ServiceError> {
  try {
    await call(client, method, request, metadata);
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("expected the call to fail");
}

/**
 * Buffers a server stream's messages; `next(predicate)` resolves with the first buffered or future
 * message that matches (no sleeping: it waits for the event itself).
 */
export class StreamReader<T> {
  private readonly buffer: T[] = [];
  private waiters: { predicate: (m: T) => boolean; resolve: (m: T) => void; reject: (e: Error) => void }[] =
    [];
  private ended: Error | undefined;
  readonly ready: Promise<void>;

  constructor(readonly stream: ClientReadableStream<T>) {
    this.ready = new Promise((resolve) => stream.once("metadata", () => resolve()));
    stream.on("data", (message: T) => {
      const i = this.waiters.findIndex((w) => w.predicate(message));
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        w?.resolve(message);
      } else {
        this.buffer.push(message);
      }
    });
    const fail = (error: Error) => {
      this.ended = error;
      for (const w of this.waiters) w.reject(error);
      this.waiters = [];
    };
    stream.on("error", fail);
    stream.on("end", () => fail(new Error("stream ended")));
  }

  next(predicate: (m: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    const i = this.buffer.findIndex(predicate);
    if (i >= 0) return Promise.resolve(this.buffer.splice(i, 1)[0]!);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching stream message within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** Resolves with the status error that ends the stream. */
  closed(): Promise<ServiceError> {
    return new Promise((resolve) => {
      if (this.ended) resolve(this.ended as ServiceError);
      this.stream.on("error", (e) => resolve(e as ServiceError));
    });
  }

  cancel(): void {
    this.stream.cancel();
  }
}

export const dec = (text: string): pb.Decimal => {
  const [int = "0", frac = ""] = text.replace("-", "").split(".");
  const mantissa = BigInt(int + frac) * (text.startsWith("-") ? -1n : 1n);
  return { mantissa, scale: frac.length };
};

export const BTC: pb.InstrumentId = { symbol: "BTC/USDT", venue: "sim" };
export const ETH: pb.InstrumentId = { symbol: "ETH/USDT", venue: "sim" };

export function limitOrder(
  clientOrderId: string,
  side: "buy" | "sell",
  quantity: string,
  price: string,
  instrument: pb.InstrumentId = BTC,
): pb.SubmitOrderRequest {
  return {
    clientOrderId,
    instrument,
    side: side === "buy" ? pb.Side.SIDE_BUY : pb.Side.SIDE_SELL,
    type: pb.OrderType.ORDER_TYPE_LIMIT,
    timeInForce: pb.TimeInForce.TIME_IN_FORCE_GTC,
    quantity: dec(quantity),
    price: dec(price),
    triggerPrice: undefined,
    postOnly: false,
    reduceOnly: false,
    expireTimeNs: 0n,
    account: "",
  };
}

/** Decimal proto → text. */
export function text(d: pb.Decimal | undefined): string {
  if (d === undefined) return "undefined";
  const neg = d.mantissa < 0n;
  const digits = (neg ? -d.mantissa : d.mantissa).toString().padStart(d.scale + 1, "0");
  const out = d.scale === 0 ? digits : `${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}`;
  return (neg ? "-" : "") + out.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}
