import {
  applyOrderEvent,
  type Clock,
  Decimal,
  type Instrument,
  LiveClock,
  newOrder,
  notional,
  type Order,
  type OrderRequest,
  type OrderSide,
  type OrderStatus,
  silentLogger,
} from "@openfloor/core";
import type { AdapterContext } from "../contract/adapter.js";
import type { ConformanceHarness, ConformanceKit, ConformanceOptions, MakeHarness } from "./harness.js";
import { RecordingSink, type TrackedOrder } from "./recording-sink.js";

const runId = Date.now().toString(36);
let orderCounter = 0;

/** A fresh client order id, unique across runs (venues such as Binance allow `[A-Za-z0-9_-]{1,36}`). */
export function nextClientOrderId(): string {
  return `of-${runId}-${++orderCounter}`;
}

/** Thrown when an expected event does not come in time; says what was awaited. */
export class ConformanceTimeout extends Error {}

/** One test's view of a harness: the recorded events plus helpers to act and wait. */
export class ConformanceDriver {
  readonly sink = new RecordingSink();
  harness!: ConformanceHarness;
  instrument!: Instrument;
  private clock: Clock = new LiveClock();
  private readonly waitMs: number;
  private readonly stepMs: number;
  private readonly account: string;

  constructor(options: ConformanceOptions) {
    this.waitMs = options.waitMs ?? 5000;
    this.stepMs = options.stepMs ?? 5;
    this.account = options.account ?? "conformance";
  }

  get adapter(): ConformanceHarness["adapter"] {
    return this.harness.adapter;
  }

  now(): bigint {
    return this.clock.now();
  }

  /** Builds the harness, connects the adapter and loads its instruments. */
  async start(make: MakeHarness): Promise<void> {
    const kit: ConformanceKit = {
      sink: this.sink,
      logger: silentLogger,
      context: (clock?: Clock): AdapterContext => {
        this.clock = clock ?? new LiveClock();
        return { clock: this.clock, sink: this.sink, logger: silentLogger };
      },
    };
    this.harness = await make(kit);
    await this.during(this.adapter.connect(), "connect()");
    const instruments = await this.during(this.adapter.loadInstruments(), "loadInstruments()");
    const key = `${this.harness.instrument.symbol}:${this.harness.instrument.venue}`;
    const found = instruments.find((i) => `${i.id.symbol}:${i.id.venue}` === key);
    if (found === undefined)
      throw new Error(`the harness instrument ${key} is not among the adapter's instruments`);
    this.instrument = found;
  }

  async stop(): Promise<void> {
    if (this.harness === undefined) return;
    try {
      await this.during(this.adapter.disconnect(), "disconnect()");
    } finally {
      await this.harness.teardown?.();
    }
  }

  /** Lets time pass: advances a simulated clock, or waits in real time. */
  async pump(ms = this.stepMs): Promise<void> {
    if (this.harness.advance !== undefined) {
      await this.harness.advance(ms);
      await new Promise<void>((r) => setImmediate(r));
    } else {
      await new Promise<void>((r) => setTimeout(r, ms));
    }
  }

  /** Waits until `predicate` holds; fails naming `what` after the wait budget. */
  async waitFor(predicate: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new ConformanceTimeout(`timed out after ${this.waitMs} ms waiting for ${what}`);
      await this.pump();
    }
  }

  /** Lets time pass for `ms` of the adapter's clock (or real time). */
  async idle(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += this.stepMs) await this.pump();
  }

  /** Awaits an adapter call while pumping the clock (its answer may depend on latency timers). */
  async during<T>(promise: Promise<T>, what: string): Promise<T> {
    let settled = false;
    const watched = promise.then(
      (v) => {
        settled = true;
        return v;
      },
      (e: unknown) => {
        settled = true;
        throw e;
      },
    );
    watched.catch(() => {});
    const deadline = Date.now() + this.waitMs;
    while (!settled) {
      if (Date.now() > deadline)
        throw new ConformanceTimeout(`timed out after ${this.waitMs} ms waiting for ${what}`);
      await this.pump();
    }
    return watched;
  }

  /** Awaits an adapter call expected to fail; returns the error. */
  async failure(promise: Promise<unknown>, what: string): Promise<unknown> {
    try {
      await this.during(promise, what);
    } catch (error) {
      return error;
    }
    return undefined;
  }

  /** Order size: the harness's, or the minimum size raised to meet the minimum notional at `price`. */
  quantityAt(price: Decimal): Decimal {
    if (this.harness.orderQuantity !== undefined) return this.harness.orderQuantity;
    const i = this.instrument;
    const least = Decimal.max(i.minSize, i.sizeIncrement);
    if (!i.minNotional.isPositive() || !price.isPositive()) return least;
    const perUnit = notional(i, price, Decimal.ONE).abs();
    const needed = i.minNotional.div(perUnit, { rounding: "ceil" }).roundToIncrement(i.sizeIncrement, "ceil");
    return Decimal.max(least, needed);
  }

  /** A request on the harness instrument; limit GTC unless overridden. */
  request(side: OrderSide, fields: Partial<OrderRequest> & { price?: Decimal }): OrderRequest {
    const base: OrderRequest = {
      clientOrderId: nextClientOrderId(),
      instrument: this.instrument.id,
      side,
      type: "limit",
      timeInForce: "GTC",
      quantity: fields.quantity ?? this.quantityAt(fields.price ?? Decimal.ONE),
      postOnly: false,
      reduceOnly: false,
      strategyId: "conformance",
      account: this.account,
    };
    return { ...base, ...fields };
  }

  /** The order as the OMS hands it to an adapter: created, then submitted. */
  order(request: OrderRequest): Order {
    const now = this.clock.now();
    return applyOrderEvent(newOrder(request, now), { kind: "submitted", tsNs: now }).order;
  }

  /** Tracks and submits; resolves with the tracked order once the adapter took the request. */
  async submit(request: OrderRequest): Promise<TrackedOrder> {
    const order = this.order(request);
    const tracked = this.sink.track(order);
    await this.during(this.adapter.submitOrder(order), `submitOrder(${request.clientOrderId})`);
    return tracked;
  }

  /** A limit order that rests (accepted, nothing filled). */
  async restingOrder(side: OrderSide): Promise<TrackedOrder> {
    const price = await this.harness.restingPrice(side);
    const t = await this.submit(this.request(side, { price, quantity: this.quantityAt(price) }));
    await this.until(t, ["accepted"], "the resting order to be accepted");
    return t;
  }

  /** Waits until the tracked order reaches one of `statuses`. */
  async until(t: TrackedOrder, statuses: readonly OrderStatus[], what: string): Promise<void> {
    await this.waitFor(
      () => statuses.includes(t.order.status) || t.errors.length > 0,
      `${what} (order ${t.order.clientOrderId} is ${t.order.status})`,
    );
    if (t.errors.length > 0) throw t.errors[0];
  }

  async cancel(t: TrackedOrder): Promise<void> {
    await this.during(this.adapter.cancelOrder(t.order), `cancelOrder(${t.order.clientOrderId})`);
  }
}
