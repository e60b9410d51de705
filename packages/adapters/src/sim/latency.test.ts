import { SimulatedClock } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { DelayLine } from "./latency.js";
import { SeededRandom } from "./random.js";

describe("DelayLine", () => {
  it("delivers synchronously with zero latency", () => {
    const clock = new SimulatedClock(0n);
    const line = new DelayLine(clock, { fixedMs: 0, jitterMs: 0 }, new SeededRandom(1));
    const got: number[] = [];
    line.send(() => got.push(1));
    expect(got).toEqual([1]);
  });

  it("delays by fixed + jitter on the clock and never reorders", () => {
    const clock = new SimulatedClock(0n);
    const line = new DelayLine(clock, { fixedMs: 5, jitterMs: 10 }, new SeededRandom(3));
    const got: Array<[number, bigint]> = [];
    for (let i = 0; i < 50; i++) {
      line.send(() => got.push([i, clock.now()]));
      clock.advanceBy(0.5);
    }
    expect(got.length).toBeLessThan(50);
    clock.advanceBy(100);
    expect(got.map(([i]) => i)).toEqual([...Array(50).keys()]);
    for (let i = 1; i < got.length; i++) expect(got[i]![1] >= got[i - 1]![1]).toBe(true);
    expect(got[0]![1] >= 5_000_000n && got[0]![1] < 15_000_000n).toBe(true);
  });

  it("clear() drops what is in flight", () => {
    const clock = new SimulatedClock(0n);
    const line = new DelayLine(clock, { fixedMs: 5, jitterMs: 0 }, new SeededRandom(3));
    const got: number[] = [];
    line.send(() => got.push(1));
    line.clear();
    line.send(() => got.push(2));
    clock.advanceBy(10);
    expect(got).toEqual([2]);
  });
});
