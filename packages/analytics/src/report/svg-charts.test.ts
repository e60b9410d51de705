import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { niceTicks } from "./svg-charts.js";

describe("niceTicks", () => {
  it("prints zero as zero when the range crosses it (no -2.78e-17 from summed steps)", () => {
    expect(niceTicks(-0.4, 0.1)).toEqual([-0.4, -0.3, -0.2, -0.1, 0, 0.1]);
  });

  it("covers the range with evenly spaced round ticks", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        (lo, spanRaw) => {
          // Chart ranges: not finer than the 12 significant digits tick labels carry.
          const span = Math.max(spanRaw, Math.abs(lo) * 1e-6);
          const eps = Math.max(Math.abs(lo), Math.abs(lo + span)) * 1e-11;
          const ticks = niceTicks(lo, lo + span);
          expect(ticks[0]!).toBeLessThanOrEqual(lo + eps);
          expect(ticks.at(-1)!).toBeGreaterThanOrEqual(lo + span - eps);
          const step = ticks[1]! - ticks[0]!;
          const mantissa = step / 10 ** Math.floor(Math.log10(step));
          expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-3)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
