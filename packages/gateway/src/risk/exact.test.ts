import { Decimal } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import * as x from "./exact.js";

const d = (s: string) => x.exact(Decimal.from(s));

describe("exact arithmetic for risk", () => {
  it("multiplies beyond the 64-bit range of a Decimal without loss", () => {
    const product = x.mul(d("123456.12345678"), d("50000.12345678"));
    expect(product.units).toBe(12345612345678n * 5000012345678n);
    expect(product.scale).toBe(16);
    expect(x.cmp(product, { units: 61728214143344732565279684n, scale: 16 })).toBe(0);
  });

  it("compares and adds across scales", () => {
    expect(x.cmp(d("1.50"), d("1.5"))).toBe(0);
    expect(x.cmp(x.add(d("0.1"), d("0.2")), d("0.3"))).toBe(0);
    expect(x.cmp(x.sub(d("1"), d("1.0001")), d("-0.0001"))).toBe(0);
    expect(x.abs(d("-2")).units).toBe(2n);
  });

  it("divides rounding up", () => {
    expect(x.toDecimal(x.divCeil(d("1"), d("3"), 4)).toString()).toBe("0.3334");
    expect(x.toDecimal(x.divCeil(d("-1"), d("3"), 4)).toString()).toBe("-0.3333");
  });

  it("converts back to the nearest Decimal that fits", () => {
    expect(x.toDecimal(d("1.2300")).toString()).toBe("1.23");
    const wide = x.mul(d("123456.12345678"), d("50000.12345678"));
    const back = x.toDecimal(wide);
    expect(back.scale).toBeLessThan(16);
    expect(back.toString()).toBe("6172821414.334473257");
    expect(x.toDecimal({ units: 10n ** 30n, scale: 0 }).toString()).toBe("9223372036854775807");
  });
});
