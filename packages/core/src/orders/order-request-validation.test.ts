import { describe, expect, it } from "vitest";
import { OrderError } from "../errors/domain-errors.js";
import { defineInstrument } from "../instruments/instrument.js";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { validateOrderRequest } from "./order-request-validation.js";
import type { OrderRequest } from "./types.js";

const d = (text: string) => Decimal.parse(text);
const BTC = instrumentId("BTC/USDT", "sim");
const spot = defineInstrument({
  id: BTC,
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
  minSize: "0.001",
  minNotional: "5",
});
const inverse = defineInstrument({
  id: instrumentId("BTC/USD:BTC", "sim"),
  kind: "perpetual",
  base: "BTC",
  quote: "USD",
  inverse: true,
  multiplier: "100",
  priceIncrement: "0.5",
  sizeIncrement: "1",
  minNotional: "0.001",
});

function request(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientOrderId: "c-1",
    instrument: BTC,
    side: "buy",
    type: "limit",
    timeInForce: "GTC",
    quantity: d("0.01"),
    price: d("50000.00"),
    postOnly: false,
    reduceOnly: false,
    strategyId: "s-1",
    account: "main",
    ...overrides,
  };
}

function fieldOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OrderError);
    expect((error as OrderError).code).toBe("ORDER_INVALID");
    return (error as OrderError).context.field as string;
  }
  return undefined;
}

describe("validateOrderRequest on its face", () => {
  it.each<[string, Partial<OrderRequest>]>([
    ["a limit order", {}],
    ["a market order", { type: "market", price: undefined }],
    ["a stop-market order", { type: "stop-market", price: undefined, triggerPrice: d("49000") }],
    ["a stop-limit order", { type: "stop-limit", triggerPrice: d("49000") }],
    ["a GTD order", { timeInForce: "GTD", expireTimeNs: 1_700_000_000_000_000_000n }],
    ["a post-only limit", { postOnly: true }],
    ["a negative price (spreads, power)", { price: d("-12.5") }],
  ])("accepts %s", (_, overrides) => {
    expect(() => validateOrderRequest(request(overrides))).not.toThrow();
  });

  it.each<[string, Partial<OrderRequest>, string]>([
    ["empty client order id", { clientOrderId: "" }, "clientOrderId"],
    ["zero quantity", { quantity: d("0") }, "quantity"],
    ["negative quantity", { quantity: d("-1") }, "quantity"],
    ["limit without price", { price: undefined }, "price"],
    ["stop-limit without price", { type: "stop-limit", price: undefined, triggerPrice: d("1") }, "price"],
    ["market with a price", { type: "market" }, "price"],
    ["stop-market without trigger", { type: "stop-market", price: undefined }, "triggerPrice"],
    ["stop-limit without trigger", { type: "stop-limit" }, "triggerPrice"],
    ["limit with a trigger", { triggerPrice: d("1") }, "triggerPrice"],
    ["GTD without expiry", { timeInForce: "GTD" }, "expireTimeNs"],
    ["expiry without GTD", { expireTimeNs: 5n }, "expireTimeNs"],
    ["GTD with a zero expiry", { timeInForce: "GTD", expireTimeNs: 0n }, "expireTimeNs"],
    ["post-only market", { type: "market", price: undefined, postOnly: true }, "postOnly"],
    ["post-only IOC", { postOnly: true, timeInForce: "IOC" }, "postOnly"],
    ["post-only FOK", { postOnly: true, timeInForce: "FOK" }, "postOnly"],
  ])("refuses %s, naming the field", (_, overrides, field) => {
    expect(fieldOf(() => validateOrderRequest(request(overrides)))).toBe(field);
  });
});

describe("validateOrderRequest against the instrument", () => {
  it("accepts an order on the grid and above the minimums", () => {
    expect(() => validateOrderRequest(request(), spot)).not.toThrow();
    expect(() => validateOrderRequest(request({ type: "market", price: undefined }), spot)).not.toThrow();
  });

  it.each<[string, Partial<OrderRequest>, string]>([
    ["another instrument", { instrument: instrumentId("ETH/USDT", "sim") }, "instrument"],
    ["another venue", { instrument: instrumentId("BTC/USDT", "binance") }, "instrument"],
    ["a price off the tick grid", { price: d("50000.005") }, "price"],
    ["a trigger off the tick grid", { type: "stop-limit", triggerPrice: d("49000.001") }, "triggerPrice"],
    ["a quantity off the lot grid", { quantity: d("0.01005") }, "quantity"],
    ["a quantity below the minimum size", { quantity: d("0.0009") }, "quantity"],
    ["a notional below the minimum", { quantity: d("0.001"), price: d("4999.99") }, "quantity"],
    [
      "a stop-market notional below the minimum (at the trigger)",
      { type: "stop-market", price: undefined, triggerPrice: d("100.00"), quantity: d("0.01") },
      "quantity",
    ],
  ])("refuses %s, naming the field", (_, overrides, field) => {
    expect(fieldOf(() => validateOrderRequest(request(overrides), spot))).toBe(field);
  });

  it("checks an inverse contract's notional in the base currency", () => {
    const order = (quantity: string, price: string) =>
      request({ instrument: inverse.id, quantity: d(quantity), price: d(price) });
    // 1 contract × 100 USD / 50000 = 0.002 BTC ≥ 0.001
    expect(() => validateOrderRequest(order("1", "50000"), inverse)).not.toThrow();
    // 1 × 100 / 200000 = 0.0005 BTC < 0.001
    expect(fieldOf(() => validateOrderRequest(order("1", "200000"), inverse))).toBe("quantity");
    expect(fieldOf(() => validateOrderRequest(order("1", "50000.25"), inverse))).toBe("price");
  });

  it("names the order and the field in the message", () => {
    expect(() => validateOrderRequest(request({ price: d("50000.005") }), spot)).toThrow(
      /order "c-1": price 50000.005 is not a multiple of the tick size 0.01/,
    );
  });
});
