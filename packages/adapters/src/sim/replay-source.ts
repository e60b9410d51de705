import type { MarketEvent, Nanos, SimulatedClock } from "@openfloor/core";

/** Options of `new ReplaySource(…)`. */
export interface ReplaySourceOptions {
  /** Recorded market events in time order (e.g. read from the Kafka recording or a file). */
  readonly events: AsyncIterable<MarketEvent> | Iterable<MarketEvent>;
  /** Advanced to each event's time before it is delivered, firing the timers due before it. */
  readonly clock: SimulatedClock;
  /** Receives each event, e.g. `(e) => exchange.applyMarketEvent(e)`. */
  readonly onEvent: (event: MarketEvent) => void;
}

/** Time of an event on the replay clock: event time, or the close of a bar. */
export function eventTime(event: MarketEvent): Nanos {
  return event.type === "bar" ? event.tsCloseNs : event.tsEventNs;
}

/**
 * Replays recorded market data through a simulated venue: for each event it advances the
 * `SimulatedClock` to the event's time (so latency timers, GTD expiries and strategy timers due
 * before it fire first), then delivers it. An event older than the clock is delivered at the
 * clock's time and counted in `outOfOrder`: the clock never goes back.
 *
 * @example
 * const replay = new ReplaySource({ events: readRecording(path), clock, onEvent: (e) => venue.applyMarketEvent(e) });
 * await replay.run();
 */
export class ReplaySource {
  /** Events delivered so far. */
  delivered = 0;
  /** Events whose time was before the clock's (delivered at the clock's time). */
  outOfOrder = 0;
  private readonly iterator: AsyncIterator<MarketEvent> | Iterator<MarketEvent>;
  private pending: MarketEvent | undefined;
  private done = false;

  constructor(private readonly options: ReplaySourceOptions) {
    const events = options.events;
    this.iterator =
      Symbol.asyncIterator in events
        ? (events as AsyncIterable<MarketEvent>)[Symbol.asyncIterator]()
        : (events as Iterable<MarketEvent>)[Symbol.iterator]();
  }

  get finished(): boolean {
    return this.done && this.pending === undefined;
  }

  /** Delivers the next event; false when the recording is exhausted. */
  async next(): Promise<boolean> {
    const event = this.pending ?? (await this.pull());
    this.pending = undefined;
    if (event === undefined) return false;
    this.deliver(event);
    return true;
  }

  /** Delivers every event up to and including time `untilNs`, then advances the clock to it. */
  async runUntil(untilNs: Nanos): Promise<void> {
    for (;;) {
      const event = this.pending ?? (await this.pull());
      this.pending = undefined;
      if (event === undefined) break;
      if (eventTime(event) > untilNs) {
        this.pending = event;
        break;
      }
      this.deliver(event);
    }
    if (untilNs > this.options.clock.now()) this.options.clock.advanceTo(untilNs);
  }

  /** Delivers everything; resolves with the number of events delivered. */
  async run(): Promise<number> {
    while (await this.next()) {}
    return this.delivered;
  }

  private async pull(): Promise<MarketEvent | undefined> {
    if (this.done) return undefined;
    const r = await this.iterator.next();
    if (r.done === true) {
      this.done = true;
      return undefined;
    }
    return r.value;
  }

  private deliver(event: MarketEvent): void {
    const clock = this.options.clock;
    const t = eventTime(event);
    if (t < clock.now()) this.outOfOrder++;
    else clock.advanceTo(t);
    this.delivered++;
    this.options.onEvent(event);
  }
}
