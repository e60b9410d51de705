/** Nanoseconds since the Unix epoch. */
export type Nanos = bigint;

/**
 * The source of time for everything that needs one, so the same code runs live, in a backtest and in
 * a test. `now()` is nanoseconds since the epoch; timers fire on this clock's time.
 */
export interface Clock {
  now(): Nanos;
  /** Milliseconds since the epoch, for logging and display. */
  nowMs(): number;
  /** Calls `fn` after `delayMs` of this clock's time. Returns a cancel function. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

const NS_PER_MS = 1_000_000n;

/** Wall-clock time with sub-millisecond resolution from the monotonic high-resolution timer. */
export class LiveClock implements Clock {
  private readonly originNs: bigint;
  private readonly originHr: bigint;

  constructor() {
    this.originNs = BigInt(Date.now()) * NS_PER_MS;
    this.originHr = process.hrtime.bigint();
  }

  now(): Nanos {
    return this.originNs + (process.hrtime.bigint() - this.originHr);
  }

  nowMs(): number {
    return Number(this.now() / NS_PER_MS);
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const handle = setTimeout(fn, delayMs);
    return () => clearTimeout(handle);
  }
}

interface SimTimer {
  at: Nanos;
  seq: number;
  fn: () => void;
  canceled: boolean;
}

/**
 * Time that moves only when told to (backtests, tests). `advanceTo(t)` fires every timer due at or
 * before `t`, in time order (ties in the order they were set), with `now()` equal to each timer's time.
 */
export class SimulatedClock implements Clock {
  private current: Nanos;
  private seq = 0;
  private readonly timers: SimTimer[] = [];

  constructor(startNs: Nanos = 0n) {
    this.current = startNs;
  }

  now(): Nanos {
    return this.current;
  }

  nowMs(): number {
    return Number(this.current / NS_PER_MS);
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const timer: SimTimer = {
      at: this.current + BigInt(Math.max(0, Math.round(delayMs * 1_000_000))),
      seq: this.seq++,
      fn,
      canceled: false,
    };
    // Keep sorted by (at, seq); timers are few, insertion keeps firing O(1).
    let i = this.timers.length;
    while (i > 0) {
      const prev = this.timers[i - 1]!;
      if (prev.at < timer.at || (prev.at === timer.at && prev.seq < timer.seq)) break;
      i--;
    }
    this.timers.splice(i, 0, timer);
    return () => {
      timer.canceled = true;
    };
  }

  /** Time of the next pending timer, if any. */
  nextTimerAt(): Nanos | undefined {
    return this.timers.find((t) => !t.canceled)?.at;
  }

  /** Moves time forward to `t`, firing due timers in order. Moving backwards is an error. */
  advanceTo(t: Nanos): void {
    if (t < this.current) {
      throw new RangeError(`simulated clock cannot move backwards (now ${this.current}, asked ${t})`);
    }
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.at > t) break;
      this.timers.shift();
      if (next.canceled) continue;
      this.current = next.at;
      next.fn();
    }
    this.current = t;
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.current + BigInt(Math.round(ms * 1_000_000)));
  }
}
