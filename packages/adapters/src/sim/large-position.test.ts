import { Decimal, defineInstrument, instrumentId, SimulatedClock } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { SimExchange } from "./exchange.js";

describe("SimExchange with a large spot position", () => {
  it("keeps averaging the entry price past 64-bit products (e.g. 10 BTC at 42,000.37)", () => {
    const btc = defineInstrument({
      id: instrumentId("BTC/USDT", "sim"),
      kind: "spot",
      base: "BTC",
      quote: "USDT",
      priceIncrement: "0.01",
      sizeIncrement: "0.0001",
    });
    const clock = new SimulatedClock(1n);
    const exchange = new SimExchange({
      venue: "sim",
      clock,
      instruments: [btc],
      startingBalances: { USDT: "100000000", BTC: "100" },
    });
    const level = (p: string, q: string) => ({ price: Decimal.from(p), size: Decimal.from(q) });
    exchange.applyMarketEvent({
      type: "book-snapshot",
      instrument: btc.id,
      bids: [level("42000.36", "100")],
      asks: [level("42000.37", "3.3333"), level("42000.41", "100")],
      sequence: 1n,
      tsEventNs: 1n,
      tsRecvNs: 1n,
    });
    for (let i = 0; i < 10; i++) {
      const r = exchange.submit("default", {
        clientOrderId: `b${i}`,
        instrument: btc.id,
        side: "buy",
        type: "market",
        timeInForce: "IOC",
        quantity: Decimal.from("1.0001"),
        postOnly: false,
        reduceOnly: false,
        strategyId: "s",
        account: "default",
      });
      expect(r.ok, `order ${i}`).toBe(true);
    }
    const pos = exchange.positions("default")[0]!;
    expect(pos.quantity.eq("10.001")).toBe(true);
    // 3.3333 at 42000.37 and 6.6677 at 42000.41: a repeating average, carried to as many places as fit.
    const exact = Decimal.from("3.3333")
      .mul("42000.37")
      .add(Decimal.from("6.6677").mul("42000.41"))
      .div("10.001", { scale: 6 });
    expect(pos.averageEntryPrice?.round(6).eq(exact)).toBe(true);
  });
});
