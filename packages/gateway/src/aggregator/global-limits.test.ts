import { ConversionRates, Decimal, defineInstrument, instrumentId, Money } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { evaluateLimits, riskFigures } from "./global-limits.js";

const linear = defineInstrument({
  id: instrumentId("BTC/USDT:USDT", "bybit"),
  kind: "perpetual",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.1",
  sizeIncrement: "0.001",
});
const inverse = defineInstrument({
  id: instrumentId("BTC/USD:BTC", "bitmex"),
  kind: "perpetual",
  base: "BTC",
  quote: "USD",
  inverse: true,
  multiplier: "1",
  priceIncrement: "0.5",
  sizeIncrement: "1",
});

describe("riskFigures and evaluateLimits", () => {
  it("sums exposure across venues exactly, inverse contracts valued in base and converted", () => {
    const rates = new ConversionRates();
    rates.set("BTC", "USDT", "50000");
    const f = riskFigures(
      [
        {
          account: "a",
          instrument: linear,
          quantity: Decimal.from("0.5"),
          markPrice: Decimal.from("50000"),
          pnl: Decimal.from("10"),
          fees: [Money.of("1", "USDT")],
        },
        // Short 10,000 USD of inverse at 50,000: −0.2 BTC = −10,000 USDT.
        {
          account: "b",
          instrument: inverse,
          quantity: Decimal.from("-10000"),
          markPrice: Decimal.from("50000"),
          pnl: Decimal.from("0.001"),
          fees: [],
        },
        {
          account: "b",
          instrument: linear,
          quantity: Decimal.from("1"),
          markPrice: undefined,
          pnl: Decimal.ZERO,
          fees: [],
        },
      ],
      rates,
      "USDT",
    );
    expect(f.total.gross.toString()).toBe("35000");
    expect(f.total.net.toString()).toBe("15000");
    expect(f.total.pnl.toString()).toBe("59");
    expect(f.byVenue.get("bitmex")?.net.toString()).toBe("-10000");
    expect(f.byAccount.get("a")?.gross.toString()).toBe("25000");
  });

  it("exposure breaches set the configured state and lift; a daily loss halt holds for the day", () => {
    const figures = { gross: Decimal.from("120"), net: Decimal.ZERO, pnl: Decimal.ZERO };
    expect(evaluateLimits(figures, Decimal.ZERO, { maxGrossExposure: "100" }, "USDT")).toMatchObject({
      state: "reducing-only",
    });
    expect(
      evaluateLimits(
        { ...figures, gross: Decimal.from("100") },
        Decimal.ZERO,
        { maxGrossExposure: "100" },
        "USDT",
      ).state,
    ).toBe("active");
    const loss = evaluateLimits(figures, Decimal.from("-50"), { maxDailyLoss: "50" }, "USDT");
    expect(loss).toMatchObject({ state: "halted", lossBreached: true });
    // Recovered PnL, but the halt holds (latched) until the day rolls.
    expect(evaluateLimits(figures, Decimal.from("10"), { maxDailyLoss: "50" }, "USDT", true).state).toBe(
      "halted",
    );
  });
});
