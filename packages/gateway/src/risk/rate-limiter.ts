import type { Nanos } from "@openfloor/core";

const WINDOW_NS = 1_000_000_000n;

/**
 * At most `limit` events per key in any one-second window (a sliding window, not a bucket that
 * refills at second boundaries): the time of each of the last `limit` events is kept in a ring.
 */
export class SlidingWindowRateLimiter {
  private readonly rings = new Map<string, { times: Nanos[]; next: number }>();

  /** True (and the event is counted) when one more event for `key` at `now` stays within `limit`. */
  tryAcquire(key: string, limit: number, now: Nanos): boolean {
    let ring = this.rings.get(key);
    if (ring === undefined || ring.times.length !== limit) {
      ring = { times: new Array<Nanos>(limit).fill(-WINDOW_NS), next: 0 };
      this.rings.set(key, ring);
    }
    const oldest = ring.times[ring.next]!;
    if (now - oldest < WINDOW_NS) return false;
    ring.times[ring.next] = now;
    ring.next = (ring.next + 1) % limit;
    return true;
  }

  reset(): void {
    this.rings.clear();
  }
}
