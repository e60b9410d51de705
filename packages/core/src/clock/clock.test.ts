import { describe, expect, it } from "vitest";
import { LiveClock, SimulatedClock } from "./clock.js";

describe("SimulatedClock", () => {
  it("fires timers in time order, then insertion order, at their own time", () => {
    const clock = new SimulatedClock(1_000_000_000n);
    const fired: string[] = [];
    clock.setTimer(5, () => fired.push(`b@${clock.now()}`));
    clock.setTimer(1, () => fired.push(`a@${clock.now()}`));
    clock.setTimer(5, () => fired.push(`c@${clock.now()}`));
    const cancel = clock.setTimer(3, () => fired.push("canceled"));
    cancel();
    clock.advanceBy(10);
    expect(fired).toEqual(["a@1001000000", "b@1005000000", "c@1005000000"]);
    expect(clock.now()).toBe(1_010_000_000n);
  });

  it("runs timers set by timers within the same advance", () => {
    const clock = new SimulatedClock();
    let ticks = 0;
    const tick = () => {
      ticks++;
      clock.setTimer(1000, tick);
    };
    clock.setTimer(1000, tick);
    clock.advanceBy(10_000);
    expect(ticks).toBe(10);
  });

  it("refuses to go backwards", () => {
    const clock = new SimulatedClock(10n);
    expect(() => clock.advanceTo(5n)).toThrow(RangeError);
  });
});

describe("LiveClock", () => {
  it("is close to wall time and monotonic", () => {
    const clock = new LiveClock();
    const a = clock.now();
    const b = clock.now();
    expect(b >= a).toBe(true);
    expect(Math.abs(clock.nowMs() - Date.now())).toBeLessThan(50);
  });
});
