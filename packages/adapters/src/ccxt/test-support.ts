// Helpers for the ccxt adapter's own tests (not part of the package's public face).
import {
  applyOrderEvent,
  type Clock,
  Decimal,
  instrumentId,
  LiveClock,
  type Logger,
  type MarketEvent,
  newOrder,
  type Order,
  type OrderEvent,
  type OrderSide,
  type OrderType,
} from "@openfloor/core";
import type { ConnectionState, VenueEventSink } from "../contract/adapter.js";
import { type EmulatedExchange, VenueEmulator, type VenueEmulatorOptions } from "../emulator/index.js";
import { CcxtAdapter } from "./adapter.js";
import { type CcxtAdapterConfigInput, ccxtAdapterConfigSchema } from "./config.js";

export const TEST_ENV = { EMU_API_KEY: "emu-api-key-7f3a91", EMU_SECRET: "emu-secret-c04be2" };

/** A sink that records everything and lets a test await the event it expects (no sleeping). */
export class AwaitingSink implements VenueEventSink {
  readonly market: MarketEvent[] = [];
  readonly orders: { clientOrderId: string; event: OrderEvent }[] = [];
  readonly states: ConnectionState[] = [];
  readonly errors: Error[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  onMarketEvent(event: MarketEvent): void {
    this.market.push(event);
    this.wake();
  }
  onOrderEvent(clientOrderId: string, event: OrderEvent): void {
    this.orders.push({ clientOrderId, event });
    this.wake();
  }
  onConnectionState(state: ConnectionState): void {
    this.states.push(state);
    this.wake();
  }
  onError(error: Error): void {
    this.errors.push(error);
    this.wake();
  }

  /** Resolves as soon as `check` holds after some event; rejects after `timeoutMs`. */
  until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.check !== check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  eventsOf(clientOrderId: string): OrderEvent[] {
    return this.orders.filter((o) => o.clientOrderId === clientOrderId).map((o) => o.event);
  }

  private wake(): void {
    const ready = this.waiters.filter((w) => w.check());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}

/** A logger that keeps every line (to check what gets logged, e.g. that no secret does). */
export class CapturingLogger implements Logger {
  readonly lines: { level: string; obj: object; msg?: string }[] = [];
  debug(obj: object, msg?: string): void {
    this.lines.push({ level: "debug", obj, ...(msg === undefined ? {} : { msg }) });
  }
  info(obj: object, msg?: string): void {
    this.lines.push({ level: "info", obj, ...(msg === undefined ? {} : { msg }) });
  }
  warn(obj: object, msg?: string): void {
    this.lines.push({ level: "warn", obj, ...(msg === undefined ? {} : { msg }) });
  }
  error(obj: object, msg?: string): void {
    this.lines.push({ level: "error", obj, ...(msg === undefined ? {} : { msg }) });
  }
  child(): Logger {
    return this;
  }
  /** Everything logged, serialized the way a JSON logger would (errors with message and stack). */
  text(): string {
    return JSON.stringify(this.lines, (_k, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Error) return { name: v.name, message: v.message, stack: v.stack, cause: v.cause };
      return v;
    });
  }
}

export interface AdapterUnderTest {
  readonly venue: VenueEmulator;
  readonly adapter: CcxtAdapter;
  readonly sink: AwaitingSink;
  readonly logger: CapturingLogger;
  readonly clock: Clock;
  stop(): Promise<void>;
}

/** An emulator plus a ccxt adapter pointed at it (not connected yet). */
export async function adapterOn(
  exchange: EmulatedExchange,
  config: Partial<CcxtAdapterConfigInput> = {},
  emulator: VenueEmulatorOptions = {},
): Promise<AdapterUnderTest> {
  const venue = await VenueEmulator.start({ seed: 3, ...emulator });
  const sink = new AwaitingSink();
  const logger = new CapturingLogger();
  const clock = new LiveClock();
  const adapter = new CcxtAdapter(
    exchange,
    ccxtAdapterConfigSchema.parse({
      exchange,
      urls: venue.ccxtUrls(exchange),
      credentials: { apiKeyEnv: "EMU_API_KEY", secretEnv: "EMU_SECRET" },
      reconnect: { initialDelayMs: 20, maxDelayMs: 200, jitter: 0.2 },
      ...config,
    }),
    { clock, sink, logger },
    { env: TEST_ENV },
  );
  return {
    venue,
    adapter,
    sink,
    logger,
    clock,
    stop: async () => {
      await adapter.disconnect();
      await venue.stop();
    },
  };
}

let counter = 0;

/** An order as the OMS hands it over: created and submitted. */
export function orderFor(
  venue: string,
  symbol: string,
  side: OrderSide,
  type: OrderType,
  quantity: string,
  price?: string,
): Order {
  const request = {
    clientOrderId: `t-${Date.now().toString(36)}-${++counter}`,
    instrument: instrumentId(symbol, venue),
    side,
    type,
    timeInForce: "GTC" as const,
    quantity: Decimal.parse(quantity),
    ...(price === undefined ? {} : { price: Decimal.parse(price) }),
    postOnly: false,
    reduceOnly: false,
    strategyId: "test",
    account: "test",
  };
  return applyOrderEvent(newOrder(request, 0n), { kind: "submitted", tsNs: 0n }).order;
}

/** The error a promise rejects with (or undefined). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}
