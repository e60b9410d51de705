import { BadVenueMessageError, Decimal } from "@openfloor/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exactDecimal, msToNs, tickDecimals } from "./numbers.js";

describe("exactDecimal: ccxt floats back to exact decimals", () => {
  it("recovers values that float arithmetic smeared (0.1 + 0.2)", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(exactDecimal(0.1 + 0.2, 2, "price").toString()).toBe("0.30");
    expect(exactDecimal(0.1 + 0.2, 8, "price").toString()).toBe("0.30000000");
    expect(exactDecimal(1.1 * 3, 1, "size").toString()).toBe("3.3");
    expect(exactDecimal(96504.01 - 0.01, 2, "price").toString()).toBe("96504.00");
    expect(exactDecimal(0.7 + 0.1, 5, "size").eq("0.8")).toBe(true);
    expect(exactDecimal(1e-8, 8, "fee").toString()).toBe("0.00000001");
  });

  it("keeps a value that is not on the grid instead of rounding it away", () => {
    // An average fill price finer than the tick is real information, not float noise.
    expect(exactDecimal(50000.015, 2, "average").toString()).toBe("50000.015");
    expect(exactDecimal(0.4999999, 2, "fee").toString()).toBe("0.4999999");
  });

  it("every grid value survives the trip through a float", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }),
        fc.integer({ min: 0, max: 8 }),
        (units, scale) => {
          const exact = Decimal.fromUnits(units, scale);
          const viaFloat = Number(exact.toString());
          expect(exactDecimal(viaFloat, scale, "x").eq(exact)).toBe(true);
        },
      ),
    );
  });

  it("sums computed in floats land on the grid", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 20 }),
        (lots) => {
          const floatSum = lots.reduce((s, l) => s + l * 0.00001, 0);
          const exact = lots.reduce((s, l) => s.add(Decimal.fromUnits(BigInt(l), 5)), Decimal.ZERO);
          expect(exactDecimal(floatSum, 5, "sum").eq(exact)).toBe(true);
        },
      ),
    );
  });

  it("refuses NaN, infinities, strings and absent values as malformed, naming the field", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, "1.5", undefined, null]) {
      const error = (() => {
        try {
          exactDecimal(bad, 2, "price");
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(BadVenueMessageError);
      expect((error as BadVenueMessageError).context.field).toBe("price");
    }
  });

  it("converts timestamps and tick sizes", () => {
    expect(msToNs(1735689600122, 5n)).toBe(1_735_689_600_122_000_000n);
    expect(msToNs(undefined, 5n)).toBe(5n);
    expect(tickDecimals(0.01)).toBe(2);
    expect(tickDecimals(1e-8)).toBe(8);
    expect(tickDecimals(0.5)).toBe(1);
    expect(tickDecimals(1)).toBe(0);
  });
});
