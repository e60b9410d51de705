import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecimalError } from "../errors/domain-errors.js";
import { Decimal } from "../numbers/decimal.js";
import { TickScale } from "./tick-scale.js";

describe("TickScale", () => {
  it("converts on power-of-ten and other increments", () => {
    const cents = new TickScale("0.010");
    expect(cents.increment.toString()).toBe("0.01");
    expect(cents.toTicks(Decimal.parse("50000.01"))).toBe(5_000_001);
    expect(cents.toTicks(Decimal.parse("50000.1"))).toBe(5_000_010);
    expect(cents.toTicks(Decimal.parse("-3.25"))).toBe(-325);
    expect(cents.fromTicks(5_000_001).toString()).toBe("50000.01");
    const halves = new TickScale("0.5");
    expect(halves.toTicks(Decimal.parse("101.5"))).toBe(203);
    expect(halves.fromTicks(203).toString()).toBe("101.5");
    const fives = new TickScale("5");
    expect(fives.toTicks(Decimal.parse("25"))).toBe(5);
  });

  it("rejects values off the grid, too many steps, and a non-positive increment", () => {
    const cents = new TickScale("0.01");
    expect(() => cents.toTicks(Decimal.parse("1.001"))).toThrow(
      expect.objectContaining({ code: "DECIMAL_PRECISION" }),
    );
    expect(() => new TickScale("0.5").toTicks(Decimal.parse("0.3"))).toThrow(
      /not a multiple of the increment 0.5/,
    );
    expect(() => new TickScale("0.000000000001").toTicks(Decimal.parse("100000"))).toThrow(
      expect.objectContaining({ code: "DECIMAL_OVERFLOW" }),
    );
    expect(() => new TickScale("0")).toThrow(DecimalError);
  });

  it("round-trips any on-grid value", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: -1e12, max: 1e12 }),
        (incUnits, scale, ticks) => {
          const ts = new TickScale(Decimal.fromUnits(BigInt(incUnits), scale));
          const value = ts.fromTicks(ticks);
          expect(ts.toTicks(value)).toBe(ticks);
          expect(ts.toTicks(value.round(scale + 3))).toBe(ticks);
        },
      ),
    );
  });
});
