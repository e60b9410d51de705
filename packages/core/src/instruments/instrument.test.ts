import { describe, expect, it } from "vitest";
import { InstrumentError } from "../errors/domain-errors.js";
import { Decimal } from "../numbers/decimal.js";
import { defineInstrument, isInSession, notional, priceDecimals, sizeDecimals } from "./instrument.js";
import { formatInstrumentId, instrumentId, parseInstrumentId } from "./instrument-id.js";

const btc = defineInstrument({
  id: instrumentId("BTC/USDT", "binance"),
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.00001",
  minNotional: "5",
  takerFee: "0.001",
});

describe("instrument ids", () => {
  it("parse and format, keeping ccxt perpetual symbols intact", () => {
    expect(parseInstrumentId("BTC/USDT:binance")).toEqual({ symbol: "BTC/USDT", venue: "binance" });
    expect(parseInstrumentId("BTC/USDT:USDT:bybit")).toEqual({ symbol: "BTC/USDT:USDT", venue: "bybit" });
    expect(formatInstrumentId(instrumentId("ETH/USDT", "okx"))).toBe("ETH/USDT:okx");
  });

  it.each(["BTC/USDT", ":binance", "BTC/USDT:", "BTC USDT:binance", "BTC/USDT:bin ance"])(
    "rejects %j",
    (text) => {
      expect(() => parseInstrumentId(text)).toThrow(InstrumentError);
    },
  );
});

describe("instruments", () => {
  it("fills defaults and derives settlement", () => {
    expect(btc.settlement).toBe("USDT");
    expect(btc.minSize.toString()).toBe("0.00001");
    expect(btc.multiplier.toString()).toBe("1");
    expect(priceDecimals(btc)).toBe(2);
    expect(sizeDecimals(btc)).toBe(5);
    const inverse = defineInstrument({
      id: instrumentId("BTC/USD:BTC", "bybit"),
      kind: "perpetual",
      base: "BTC",
      quote: "USD",
      priceIncrement: "0.5",
      sizeIncrement: "1",
      multiplier: "1",
      inverse: true,
    });
    expect(inverse.settlement).toBe("BTC");
  });

  it("computes linear and inverse notional exactly", () => {
    expect(notional(btc, Decimal.from("60000.01"), Decimal.from("0.5")).toString()).toBe("30000.005");
    const inverse = defineInstrument({
      id: instrumentId("BTC/USD", "deribit"),
      kind: "perpetual",
      base: "BTC",
      quote: "USD",
      priceIncrement: "0.5",
      sizeIncrement: "1",
      multiplier: "10",
      inverse: true,
    });
    // 1000 contracts × 10 USD / 50000 USD per BTC = 0.2 BTC
    expect(notional(inverse, Decimal.from("50000"), Decimal.from("1000")).eq("0.2")).toBe(true);
  });

  it("names the instrument and field in errors", () => {
    expect(() =>
      defineInstrument({
        id: instrumentId("X/Y", "sim"),
        kind: "spot",
        base: "X",
        quote: "Y",
        priceIncrement: "0",
        sizeIncrement: "1",
      }),
    ).toThrow("instrument X/Y:sim: priceIncrement must be positive, got 0");
    expect(() =>
      defineInstrument({
        id: instrumentId("DEBASE-2027-01", "eex"),
        kind: "power_future",
        base: "MWh",
        quote: "EUR",
        priceIncrement: "0.01",
        sizeIncrement: "1",
      }),
    ).toThrow(/deliveryPeriod is required/);
  });

  it("defines a power future with a delivery period and an equity with sessions", () => {
    const power = defineInstrument({
      id: instrumentId("DEBASE-2027-01", "eex"),
      kind: "power_future",
      base: "MWh",
      quote: "EUR",
      priceIncrement: "0.01",
      sizeIncrement: "1",
      multiplier: "744",
      deliveryPeriod: { start: 1798761600000000000n, end: 1801440000000000000n, profile: "base" },
    });
    expect(power.deliveryPeriod?.profile).toBe("base");
    const aapl = defineInstrument({
      id: instrumentId("AAPL", "nasdaq"),
      kind: "equity",
      base: "AAPL",
      quote: "USD",
      priceIncrement: "0.01",
      sizeIncrement: "1",
      sessions: [{ days: [1, 2, 3, 4, 5], open: "09:30", close: "16:00", timeZone: "America/New_York" }],
    });
    // Wednesday 2026-11-25 15:00 UTC = 10:00 New York: open. 22:00 UTC = 17:00: closed.
    expect(isInSession(aapl, Date.UTC(2026, 10, 25, 15, 0))).toBe(true);
    expect(isInSession(aapl, Date.UTC(2026, 10, 25, 22, 0))).toBe(false);
    // Saturday.
    expect(isInSession(aapl, Date.UTC(2026, 10, 28, 15, 0))).toBe(false);
    expect(isInSession(btc, Date.UTC(2026, 10, 28, 15, 0))).toBe(true);
  });
});
