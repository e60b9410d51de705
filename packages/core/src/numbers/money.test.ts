import { describe, expect, it } from "vitest";
import { CurrencyMismatchError } from "../errors/domain-errors.js";
import { Money } from "./money.js";
import { quantity } from "./price-quantity.js";

describe("Money", () => {
  it("adds within a currency exactly", () => {
    expect(Money.of("12.50", "USDT").add(Money.of("0.5", "USDT")).toString()).toBe("13.00 USDT");
    expect(Money.of("0.1", "USD").add(Money.of("0.2", "USD")).eq(Money.of("0.3", "USD"))).toBe(true);
  });

  it("refuses to mix currencies without a conversion", () => {
    expect(() => Money.of("1", "BTC").add(Money.of("1", "USDT"))).toThrow(CurrencyMismatchError);
    expect(Money.of("0.5", "BTC").convert("60000", "USDT").toString()).toBe("30000.0 USDT");
  });

  it("round-trips through protobuf", () => {
    const m = Money.of("-0.00012345", "BTC");
    expect(Money.fromProto(m.toProto()).eq(m)).toBe(true);
  });

  it("quantities are never negative", () => {
    expect(() => quantity("-1")).toThrow(/must not be negative/);
    expect(quantity("0.001").toString()).toBe("0.001");
  });
});
