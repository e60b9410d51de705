import type { Clock, Decimal, InstrumentId, Logger, OrderSide } from "@openfloor/core";
import type { AdapterContext, ExchangeAdapter, VenueEventSink } from "../contract/adapter.js";

/** A limit order the harness sets up for a test, e.g. one the venue will fill only in part. */
export interface ArrangedOrder {
  readonly side: OrderSide;
  readonly price: Decimal;
  readonly quantity: Decimal;
}

/**
 * What the conformance kit gives `makeHarness`: the sink to deliver events to, and a helper that
 * builds the adapter's context around it.
 */
export interface ConformanceKit {
  /** The sink the adapter must deliver to (the kit records and checks everything it receives). */
  readonly sink: VenueEventSink;
  readonly logger: Logger;
  /**
   * An `AdapterContext` with the kit's sink and logger and the given clock (default: a `LiveClock`).
   * The kit uses the same clock for order timestamps and `fetchFills(since)`.
   */
  context(clock?: Clock): AdapterContext;
}

/**
 * How the kit drives one venue: the adapter under test plus the few venue-specific things a generic
 * suite cannot know. Only `adapter`, `instrument`, `marketablePrice` and `restingPrice` are required;
 * each optional hook enables the tests that need it (the others are skipped, saying why).
 */
export interface ConformanceHarness {
  /** Built with `kit.context(…)`, not yet connected: the kit connects and disconnects it. */
  readonly adapter: ExchangeAdapter;
  /** The instrument to trade and subscribe to; it must be listed by `loadInstruments()`. */
  readonly instrument: InstrumentId;
  /** A limit price at which an order on `side` executes at once (e.g. a few ticks through the best ask for a buy). */
  marketablePrice(side: OrderSide): Promise<Decimal> | Decimal;
  /** A limit price at which an order on `side` rests untouched for the length of a test (far from the market). */
  restingPrice(side: OrderSide): Promise<Decimal> | Decimal;
  /** Size of test orders. Default: the instrument's minimum size, raised to meet its minimum notional. */
  readonly orderQuantity?: Decimal;
  /** A limit order the venue will fill in part and leave open with the rest (enables the partial-fill test). */
  arrangePartialFill?(): Promise<ArrangedOrder> | ArrangedOrder;
  /** A limit order the venue will refuse for insufficient funds (enables that error-mapping test). */
  insufficientFundsOrder?(): Promise<ArrangedOrder> | ArrangedOrder;
  /** Drops the adapter's streaming connection the way the network would; the adapter must recover by itself. */
  dropConnection?(): Promise<void> | void;
  /** Makes the adapter miss one book update, so the next one skips a sequence number. */
  injectSequenceGap?(): Promise<void> | void;
  /** Requests that reached the venue so far: proves refused orders were never sent. */
  venueRequestCount?(): number;
  /**
   * Moves a simulated clock forward by `ms` so latency and market timers fire. Omit it for a live
   * clock: the kit then waits in real time.
   */
  advance?(ms: number): Promise<void> | void;
  /** Frees what the harness started (servers, emulators); called after the kit disconnects the adapter. */
  teardown?(): Promise<void> | void;
}

/** Builds a fresh harness for each test. */
export type MakeHarness = (kit: ConformanceKit) => Promise<ConformanceHarness> | ConformanceHarness;

/** Options of `runConformanceSuite`. */
export interface ConformanceOptions {
  /** How long (real time) the kit waits for an expected event. Default 5000 ms. */
  readonly waitMs?: number;
  /** Step of `advance` (simulated clocks) or of polling (live clocks), in ms. Default 5. */
  readonly stepMs?: number;
  /** `account` on the kit's order requests. Default "conformance". */
  readonly account?: string;
  /** Bar interval for the bars test. Default "1s". */
  readonly barInterval?: string;
  /** Per-test timeout for vitest. Default 30_000 ms. */
  readonly testTimeoutMs?: number;
}
