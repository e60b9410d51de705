import type { MarketEvent, Nanos } from "@openfloor/core";
import { SdkError } from "../../errors/sdk-errors.js";
import type { BacktestTransport } from "./backtest-transport.js";

/** Market events in time order, in batches (a file reader hands over what one read decoded). */
export type EventBatches = AsyncIterable<readonly MarketEvent[]> | Iterable<readonly MarketEvent[]>;

/** Where a replay stands. */
export interface ReplayProgress {
  /** Events delivered so far. */
  readonly events: number;
  /** The simulated clock. */
  readonly simTimeNs: Nanos;
  /** Wall time since the replay started, in ms. */
  readonly wallMs: number;
}

/** Options of `new EventReplay(…)`. */
export interface EventReplayOptions {
  /** Called about every `progressIntervalMs` of wall time while events flow. Default: none. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Default 200. */
  readonly progressIntervalMs?: number;
}

/** Rounds of async settling after one event before the backtest gives up on the strategy. */
const MAX_SETTLE_ROUNDS = 100_000;

/**
 * Drives a backtest: moves the simulated clock to each event's time (firing the timers due before it,
 * one at a time), hands the event to the transport, and after any event or timer that touched the order
 * path lets the strategy's promise continuations settle before time moves on, so an `await`ed submit
 * continues at the simulated time it was made. The hot path is synchronous and allocates nothing.
 *
 * @example
 * const replay = new EventReplay(transport, batches);
 * await replay.runUntil(fromNs, false); // warm-up: events before the start reach the venue only
 * await runStrategy(strategy, transport);
 * await replay.runUntil(toNs, true);
 */
export class EventReplay {
  /** Events delivered. */
  events = 0;
  /** Events older than the clock when they came (delivered at the clock's time). */
  outOfOrder = 0;
  private readonly iterator: AsyncIterator<readonly MarketEvent[]> | Iterator<readonly MarketEvent[]>;
  private batch: readonly MarketEvent[] = [];
  private index = 0;
  private exhausted = false;
  private readonly started = performance.now();
  private lastProgress = 0;
  private timerSteps = 0;
  private readonly progressEvery: number;

  constructor(
    private readonly transport: BacktestTransport,
    source: EventBatches,
    private readonly options: EventReplayOptions = {},
  ) {
    this.iterator =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<readonly MarketEvent[]>)[Symbol.asyncIterator]()
        : (source as Iterable<readonly MarketEvent[]>)[Symbol.iterator]();
    this.progressEvery = options.progressIntervalMs ?? 200;
  }

  /** True once the source has no more events. */
  get done(): boolean {
    return this.exhausted && this.index >= this.batch.length;
  }

  /** Time of the next event, without delivering it; undefined at the end of the data. */
  async peekTime(): Promise<Nanos | undefined> {
    if (!(await this.fill())) return undefined;
    return eventTime(this.batch[this.index]!);
  }

  /**
   * Delivers events up to `untilNs` (inclusive or not), then stops with the clock at the last event.
   * Without `untilNs`, delivers everything.
   */
  async runUntil(untilNs: Nanos | undefined, inclusive: boolean, stopWhen?: () => boolean): Promise<void> {
    const clock = this.transport.clock;
    const transport = this.transport;
    while (await this.fill()) {
      const batch = this.batch;
      let i = this.index;
      for (; i < batch.length; i++) {
        const e = batch[i]!;
        const t = e.type === "bar" ? e.tsCloseNs : e.tsEventNs;
        if (untilNs !== undefined && (t > untilNs || (!inclusive && t === untilNs))) {
          this.index = i;
          return;
        }
        const now = clock.now();
        if (t > now) {
          const due = clock.nextDue();
          if (due !== undefined && due <= t) {
            this.index = i;
            await this.advanceTimers(t, stopWhen);
            if (stopWhen?.() === true) return;
          }
          clock.advanceTo(t);
        } else if (t < now) this.outOfOrder++;
        transport.dispatch(e);
        this.events++;
        if (transport.pendingWork) {
          this.index = i + 1;
          await this.settle();
          if (stopWhen?.() === true) return;
        }
        if ((this.events & 4095) === 0) this.progress();
      }
      this.index = i;
    }
  }

  /**
   * Moves the clock to `t`, firing due timers one time at a time and letting the strategy's async work
   * settle after each, as it would have at that time.
   */
  async advanceTimers(t: Nanos, stopWhen?: () => boolean): Promise<void> {
    const clock = this.transport.clock;
    for (;;) {
      const due = clock.nextDue();
      if (due === undefined || due > t) break;
      clock.advanceTo(due);
      // An async timer callback (every() with an async fn, a venue answer after latency) flags its work.
      if (this.transport.pendingWork || this.transport.callsInFlight > 0) {
        await this.settle(true);
        if (stopWhen?.() === true) return;
      }
      if ((++this.timerSteps & 1023) === 0) this.progress();
    }
    if (t > clock.now()) clock.advanceTo(t);
  }

  /** When the next timer is due, if any. */
  nextTimer(): Nanos | undefined {
    return this.transport.clock.nextDue();
  }

  /** The simulated clock's time. */
  now(): Nanos {
    return this.transport.clock.now();
  }

  /** Reports progress now. */
  progress(): void {
    const onProgress = this.options.onProgress;
    if (onProgress === undefined) return;
    const wallMs = performance.now() - this.started;
    if (wallMs - this.lastProgress < this.progressEvery) return;
    this.lastProgress = wallMs;
    onProgress({ events: this.events, simTimeNs: this.transport.clock.now(), wallMs });
  }

  /** Lets promise continuations of the strategy run (they may place more orders, and so on). */
  async settle(force = false): Promise<void> {
    if (force) this.transport.pendingWork = true;
    for (let round = 0; this.transport.pendingWork; round++) {
      if (round >= MAX_SETTLE_ROUNDS) {
        throw new SdkError(
          "INVALID_ARGUMENT",
          `the strategy kept working on orders for ${MAX_SETTLE_ROUNDS} rounds without simulated time moving on`,
          { context: { simTimeNs: this.transport.clock.now().toString() } },
        );
      }
      this.transport.pendingWork = false;
      // A macrotask runs only after every queued microtask: every chain of awaits has settled.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async fill(): Promise<boolean> {
    while (this.index >= this.batch.length) {
      if (this.exhausted) return false;
      const r = await this.iterator.next();
      if (r.done === true) {
        this.exhausted = true;
        this.batch = [];
        this.index = 0;
        return false;
      }
      this.batch = r.value;
      this.index = 0;
    }
    return true;
  }
}

/** Time of an event on the backtest clock: event time, or the close of a bar. */
export function eventTime(event: MarketEvent): Nanos {
  return event.type === "bar" ? event.tsCloseNs : event.tsEventNs;
}
