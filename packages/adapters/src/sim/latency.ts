import type { Clock, Nanos } from "@openfloor/core";
import type { SeededRandom } from "./random.js";

/**
 * One-way network latency between a client and the simulated venue: `fixedMs` plus a uniform
 * random jitter in `[0, jitterMs)` drawn from the venue's seeded generator.
 */
export interface LatencyModel {
  /** Fixed one-way latency in milliseconds. Default 0. */
  readonly fixedMs: number;
  /** Upper bound of the uniform random jitter added to each message, in ms. Default 0. */
  readonly jitterMs: number;
}

export const ZERO_LATENCY: LatencyModel = Object.freeze({ fixedMs: 0, jitterMs: 0 });

/** Draws one latency sample in milliseconds. */
export function sampleLatencyMs(model: LatencyModel, rng: SeededRandom): number {
  return model.jitterMs > 0 ? model.fixedMs + rng.next() * model.jitterMs : model.fixedMs;
}

interface Pending {
  readonly due: Nanos;
  readonly run: () => void;
}

const NS_PER_MS = 1_000_000;

/**
 * Delivers callbacks after a latency on the given clock, never out of order: a message is never
 * delivered before one sent earlier, even when its own jitter is smaller (a TCP stream does not
 * reorder either). With zero latency and nothing queued, delivery is synchronous.
 */
export class DelayLine {
  private readonly queue: Pending[] = [];
  private head = 0;
  private lastDue: Nanos = 0n;
  private cancelTimer: (() => void) | undefined;
  private draining = false;

  constructor(
    private readonly clock: Clock,
    private readonly model: LatencyModel,
    private readonly rng: SeededRandom,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Runs `fn` after one latency sample. */
  send(fn: () => void): void {
    const delayMs = sampleLatencyMs(this.model, this.rng);
    const now = this.clock.now();
    if (delayMs <= 0 && this.head === this.queue.length) {
      fn();
      return;
    }
    let due = now + BigInt(Math.round(delayMs * NS_PER_MS));
    if (due < this.lastDue) due = this.lastDue;
    this.lastDue = due;
    this.queue.push({ due, run: fn });
    if (this.cancelTimer === undefined && !this.draining) this.arm();
  }

  /** Drops everything in flight (a connection that went down loses its packets). */
  clear(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.queue.length = 0;
    this.head = 0;
  }

  private arm(): void {
    const next = this.queue[this.head];
    if (next === undefined) return;
    const waitMs = Math.max(0, Number(next.due - this.clock.now()) / NS_PER_MS);
    this.cancelTimer = this.clock.setTimer(waitMs, () => this.drain());
  }

  private drain(): void {
    this.cancelTimer = undefined;
    // Live timers may fire a fraction of a millisecond early; the head is due because its timer fired.
    const horizon = this.clock.now() + BigInt(NS_PER_MS);
    let first = true;
    this.draining = true;
    while (this.head < this.queue.length) {
      const item = this.queue[this.head]!;
      if (!first && item.due > horizon) break;
      first = false;
      this.head++;
      try {
        item.run();
      } catch (error) {
        // A throwing receiver must not stall delivery of later messages.
        this.onError(error);
      }
    }
    this.draining = false;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.head < this.queue.length && this.cancelTimer === undefined) this.arm();
  }
}
