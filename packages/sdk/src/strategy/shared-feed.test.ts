import { Subject } from "rxjs";
import { describe, expect, it } from "vitest";
import { sharedUntil } from "./shared-feed.js";

describe("sharedUntil", () => {
  it("shares one upstream subscription, drops it with the last subscriber, and ends everything on stop", () => {
    const source = new Subject<number>();
    const stopped = new Subject<void>();
    const shared = sharedUntil(source.asObservable(), stopped);
    const a: number[] = [];
    const b: number[] = [];
    const sa = shared.subscribe((v) => a.push(v));
    const sb = shared.subscribe((v) => b.push(v));
    expect(source.observed).toBe(true);
    source.next(1);
    sa.unsubscribe();
    source.next(2);
    sb.unsubscribe();
    expect(source.observed).toBe(false);
    expect([a, b]).toEqual([[1], [1, 2]]);

    let completed = 0;
    shared.subscribe({ complete: () => completed++ });
    stopped.next();
    expect(completed).toBe(1);
    expect(source.observed).toBe(false);
    shared.subscribe({ complete: () => completed++ });
    expect(completed).toBe(2);
  });

  it("hands an upstream error to every subscriber, and a subscriber leaving mid-delivery misses nothing of others", () => {
    const source = new Subject<number>();
    const shared = sharedUntil(source.asObservable(), new Subject<void>());
    const seen: string[] = [];
    const first = shared.subscribe((v) => {
      seen.push(`a${v}`);
      first.unsubscribe();
    });
    shared.subscribe({ next: (v) => seen.push(`b${v}`), error: (e: Error) => seen.push(`b:${e.message}`) });
    source.next(1);
    source.next(2);
    source.error(new Error("gone"));
    expect(seen).toEqual(["a1", "b1", "b2", "b:gone"]);
  });
});
