import { Decimal } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { describeRiskLimits, limitFor, parseRiskLimits, RiskLimitsError } from "./risk-limits.js";

describe("parseRiskLimits", () => {
  it("parses plain values as defaults and maps as overrides", () => {
    const limits = parseRiskLimits({
      maxOrderQuantity: { default: "10", "BTC/USDT:sim": "0.5" },
      maxOrderNotional: 250000,
      priceBandBps: 0.5,
      maxOpenOrders: "20",
      maxOrdersPerSecond: { s1: 5 },
    });
    expect(limitFor(limits.maxOrderQuantity, "BTC/USDT:sim")?.toString()).toBe("0.5");
    expect(limitFor(limits.maxOrderQuantity, "ETH/USDT:sim")?.toString()).toBe("10");
    expect(limitFor(limits.maxOrderNotional, "x")?.eq(Decimal.from(250000))).toBe(true);
    expect(limitFor(limits.priceBandBps, "x")?.toString()).toBe("0.5");
    expect(limitFor(limits.maxOpenOrders, "s1")).toBe(20);
    expect(limitFor(limits.maxOrdersPerSecond, "s1")).toBe(5);
    expect(limitFor(limits.maxOrdersPerSecond, "s2")).toBeUndefined();
    expect(limits.maxGrossExposure).toBeUndefined();
    expect(describeRiskLimits(limits)).toContain("maxOrderQuantity: default 10, BTC/USDT:sim 0.5");
  });

  it("treats no config as no limits", () => {
    expect(parseRiskLimits(undefined)).toEqual({});
    expect(describeRiskLimits({})).toBe("no risk limits");
  });

  it.each([
    [{ maxOrderQuantity: "abc" }, "risk.maxOrderQuantity: not a decimal number"],
    [{ maxOrderQuantity: { "BTC/USDT:sim": "-1" } }, "risk.maxOrderQuantity.BTC/USDT:sim: must be positive"],
    [{ maxOpenOrders: 1.5 }, "risk.maxOpenOrders: must be a positive whole number"],
    [{ maxOrdersPerSecond: 0 }, "risk.maxOrdersPerSecond: must be a positive whole number"],
    [{ maxOrderQty: "1" }, "risk.maxOrderQty: unknown risk limit; allowed: maxOrderQuantity"],
    [{ priceBandBps: [1] }, "risk.priceBandBps: must be a number, a decimal string or a map"],
    [{ maxNetExposure: "NaN" }, "risk.maxNetExposure: not a decimal number"],
    ["strict", "risk: must be a map of limits"],
  ])("names the key of a bad value: %j", (config, message) => {
    const run = () => parseRiskLimits(config, "risk");
    expect(run).toThrow(RiskLimitsError);
    expect(run).toThrow(message);
  });

  it("uses the given prefix", () => {
    expect(() => parseRiskLimits({ maxOrderNotional: "0" }, "gateway.yaml: risk")).toThrow(
      "gateway.yaml: risk.maxOrderNotional: must be positive",
    );
  });
});
