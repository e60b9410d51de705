import type { Clock } from "@openfloor/core";

/** Exponential backoff: `initialDelayMs` doubling per failed attempt up to `maxDelayMs`, minus up to `jitter` of it. */
export interface Backoff {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** 0..1: each delay is shortened by a random fraction up to this, so reconnecting clients spread out. */
  readonly jitter: number;
}

/** The delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.max(0, Math.round(base * (1 - backoff.jitter * random())));
}

/** Something that runs until stopped. */
export interface Runnable {
  start(): void;
  /** Resolves once it has stopped. */
  stop(): Promise<void>;
}

/** What a loop does after its source failed. */
export type FailureAction = "stop" | "retry" | "backoff";

export interface StreamLoopOptions<T> {
  /** For logs, e.g. "trades BTC/USDT". */
  readonly name: string;
  /** One ccxt `watch*` call, or a poll (which waits its interval itself). */
  readonly next: () => Promise<T>;
  /** Handles one value; the loop waits for a returned promise (e.g. a resubscription) before going on. */
  readonly onData: (value: T) => void | Promise<void>;
  /** Classifies a failure; `consecutive` counts failures since the last value (1 for the first). */
  readonly onFailure: (error: unknown, consecutive: number) => FailureAction;
  /**
   * Called with false when the loop starts backing off, and with true once it is back: at the first value,
   * or as soon as `isConnected` says the retried call sits on an open connection (a quiet stream may send
   * nothing for a long time after reconnecting).
   */
  readonly onHealth?: (healthy: boolean) => void;
  readonly isConnected?: () => boolean;
  readonly clock: Clock;
  readonly backoff: Backoff;
}

/**
 * Calls `next` over and over, handing each value to `onData`: the shape of every ccxt stream
 * (`watch*` resolves with the next update) and of REST polling. Failures are classified by the owner:
 * retry at once (a malformed message), back off (the connection dropped; ccxt reconnects on the next
 * call) or stop (closed by us, or nothing retrying can fix).
 */
export class StreamLoop<T> implements Runnable {
  private stopped = true;
  private healthy = true;
  private cancelSleep: (() => void) | undefined;
  private finished: Promise<void> = Promise.resolve();

  constructor(private readonly options: StreamLoopOptions<T>) {}

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.finished = this.run();
  }

  /** Stops after the pending call settles; resolves when the loop has exited. */
  stop(): Promise<void> {
    this.stopped = true;
    this.cancelSleep?.();
    return this.finished;
  }

  private async run(): Promise<void> {
    const o = this.options;
    let failures = 0;
    this.healthy = true;
    while (!this.stopped) {
      let value: T;
      try {
        const pending = o.next();
        if (!this.healthy) this.watchRecovery(pending);
        value = await pending;
      } catch (error) {
        if (this.stopped) break;
        failures++;
        const action = o.onFailure(error, failures);
        if (action === "stop") break;
        if (action === "backoff") {
          this.setHealthy(false);
          await this.sleep(backoffDelay(failures - 1, o.backoff));
        }
        continue;
      }
      if (this.stopped) break;
      failures = 0;
      this.setHealthy(true);
      try {
        await o.onData(value);
      } catch (error) {
        if (o.onFailure(error, 1) === "stop") break;
      }
    }
    this.stopped = true;
    this.setHealthy(true);
  }

  private setHealthy(healthy: boolean): void {
    if (this.healthy === healthy) return;
    this.healthy = healthy;
    this.options.onHealth?.(healthy);
  }

  /** While a retried call is pending, checks the connection every 25 ms and reports recovery. */
  private watchRecovery(pending: Promise<T>): void {
    const isConnected = this.options.isConnected;
    if (isConnected === undefined) return;
    let settled = false;
    pending.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    const check = () => {
      if (settled || this.stopped || this.healthy) return;
      if (isConnected()) this.setHealthy(true);
      else this.options.clock.setTimer(25, check);
    };
    this.options.clock.setTimer(25, check);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.options.clock.setTimer(ms, () => {
        this.cancelSleep = undefined;
        resolve();
      });
      this.cancelSleep = () => {
        cancel();
        this.cancelSleep = undefined;
        resolve();
      };
    });
  }
}
