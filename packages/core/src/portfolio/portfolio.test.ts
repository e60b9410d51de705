import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PortfolioError } from "../errors/portfolio-error.js";
import { defineInstrument, type Instrument } from "../instruments/instrument.js";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { Money } from "../numbers/money.js";
import type { Fill, OrderSide } from "../orders/types.js";
import { Portfolio } from "./portfolio.js";

const d = (v: string) => Decimal.from(v);

const perp = defineInstrument({
  id: instrumentId("BTC/USDT:USDT", "binance"),
  kind: "perpetual",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.1",
  sizeIncrement: "0.001",
});
const inverse = defineInstrument({
  id: instrumentId("BTC/USD:BTC", "bybit"),
  kind: "perpetual",
  base: "BTC",
  quote: "USD",
  priceIncrement: "0.5",
  sizeIncrement: "1",
  multiplier: "100",
  inverse: true,
});
const spot = defineInstrument({
  id: instrumentId("BTC/USDT", "binance"),
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
});
const option = defineInstrument({
  id: instrumentId("ETH-C-4000", "deribit"),
  kind: "option",
  base: "ETH",
  quote: "USD",
  priceIncrement: "0.1",
  sizeIncrement: "1",
  expiry: 1n,
  option: { strike: "4000", right: "call" },
});

let seq = 0;
function fill(
  instrument: Instrument,
  side: OrderSide,
  quantity: string,
  price: string,
  fee?: Money,
  extra: Partial<Fill> = {},
): Fill {
  seq += 1;
  return {
    fillId: `f${seq}`,
    clientOrderId: `c${seq}`,
    venueOrderId: `v${seq}`,
    instrument: instrument.id,
    side,
    price: d(price),
    quantity: d(quantity),
    fee: fee ?? Money.zero(instrument.settlement),
    liquidity: "taker",
    tsEventNs: BigInt(seq),
    strategyId: "s1",
    account: "acct",
    ...extra,
  };
}

function codeOf(fn: () => unknown): { code: string; context: Readonly<Record<string, unknown>> } | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof PortfolioError) return { code: e.code, context: e.context };
    throw e;
  }
  return undefined;
}

describe("Portfolio", () => {
  it("totals linear and inverse PnL in the report currency through conversion rates", () => {
    const pf = new Portfolio({ reportCurrency: "USDT", instruments: [perp, inverse] });
    pf.applyFill(fill(perp, "buy", "0.5", "60000", Money.of("15", "USDT")));
    pf.applyFill(fill(inverse, "sell", "1000", "50000", Money.of("0.001", "BTC")));
    pf.mark(perp.id, d("61000"));
    pf.mark(inverse.id, d("50000"));

    // BTC fees need a BTC→USDT rate.
    expect(codeOf(() => pf.totals())).toEqual({
      code: "PORTFOLIO_NO_RATE",
      context: { from: "BTC", to: "USDT" },
    });
    pf.setRate("BTC", "USDT", "61000");
    const t = pf.totals();
    // Unrealized 0.5 × (61000 − 60000) = 500 USDT (inverse short at its entry: 0).
    // Fees 15 USDT + 0.001 BTC × 61000 = 76 USDT. Net 500 − 76 = 424.
    expect(t.unrealizedPnl.toString()).toBe("500 USDT");
    expect(t.fees.toString()).toBe("76 USDT");
    expect(t.netPnl.toString()).toBe("424 USDT");

    // Exposure: long 0.5 × 61000 = 30500 USDT; short 1000 × 100 / 50000 = 2 BTC = 122000 USDT.
    const e = pf.exposure();
    expect(e.gross.toString()).toBe("152500 USDT");
    expect(e.net.toString()).toBe("-91500 USDT");
  });

  it("converts through the reverse rate, rounded to reportScale", () => {
    const pf = new Portfolio({ reportCurrency: "USDT", reportScale: 2 });
    pf.setRate("USDT", "BTC", "0.00003");
    // 0.001 BTC / 0.00003 = 33.333… → 33.33.
    expect(pf.convert(d("0.001"), "BTC").toString()).toBe("33.33");
    expect(pf.convert(d("1.23456"), "USDT").toString()).toBe("1.23456");
    expect(codeOf(() => pf.convert(d("1"), "EUR"))?.code).toBe("PORTFOLIO_NO_RATE");
  });

  it("refuses unknown instruments with a typed error", () => {
    const pf = new Portfolio({ reportCurrency: "USDT" });
    expect(codeOf(() => pf.applyFill(fill(perp, "buy", "1", "1")))).toEqual({
      code: "PORTFOLIO_UNKNOWN_INSTRUMENT",
      context: { instrument: "BTC/USDT:USDT:binance" },
    });
    expect(codeOf(() => pf.mark(perp.id, d("1")))?.code).toBe("PORTFOLIO_UNKNOWN_INSTRUMENT");
  });

  it("keeps spot cash: base for quote, fees in their own currency, duplicates ignored", () => {
    const pf = new Portfolio({ reportCurrency: "USDT", instruments: [spot] });
    pf.deposit("acct", "USDT", "100000");
    // Buy 0.5 BTC at 60000 paying 0.1% fee in BTC (0.0005): BTC +0.4995, USDT −30000.
    const buy = fill(spot, "buy", "0.5", "60000", Money.of("0.0005", "BTC"));
    expect(pf.applyFill(buy)).toBe(true);
    expect(pf.applyFill(buy)).toBe(false);
    expect(pf.balance("acct", "BTC").toString()).toBe("0.4995");
    expect(pf.balance("acct", "USDT").toString()).toBe("70000");
    // Sell the 0.4995 BTC at 62000 = 30969 USDT, fee 0.1% in USDT = 30.969.
    pf.applyFill(fill(spot, "sell", "0.4995", "62000", Money.of("30.969", "USDT")));
    // USDT: 70000 + 30969 − 30.969 = 100938.031.
    expect(pf.balance("acct", "USDT").toString()).toBe("100938.031");
    expect(pf.balance("acct", "BTC").isZero()).toBe(true);
    // The position counts fills, not fee deductions: 0.5 − 0.4995 = 0.0005 BTC is still "held".
    expect(pf.position("acct", spot.id, "s1")?.quantity.toString()).toBe("0.0005");
    expect(pf.balances().map((b) => [b.currency, b.total.toString(), b.locked.toString()])).toEqual([
      ["USDT", "100938.031", "0"],
      ["BTC", "0", "0"],
    ]);
  });

  it("credits derivative realized PnL and funding to the settlement currency", () => {
    const pf = new Portfolio({ reportCurrency: "USDT", instruments: [perp] });
    pf.deposit("acct", "USDT", "10000");
    pf.applyFill(fill(perp, "buy", "0.5", "60000", Money.of("15", "USDT")));
    expect(pf.balance("acct", "USDT").toString()).toBe("9985");
    const paid = pf.applyFunding({
      account: "acct",
      instrument: perp.id,
      funding: { rate: "0.0001", markPrice: "61000", id: "fund-1" },
      tsNs: 10n,
    });
    expect(paid.toString()).toBe("-3.05");
    pf.applyFill(fill(perp, "sell", "0.5", "62000", Money.of("6.2", "USDT")));
    // 10000 − 15 − 3.05 + 1000 − 6.2 = 10975.75.
    expect(pf.balance("acct", "USDT").toString()).toBe("10975.75");
    expect(pf.totals().netPnl.toString()).toBe("975.75 USDT");
  });

  it("pays option premium in quote without a base balance", () => {
    const pf = new Portfolio({ reportCurrency: "USD", instruments: [option] });
    pf.applyFill(fill(option, "buy", "2", "150.5"));
    expect(pf.balance("acct", "USD").toString()).toBe("-301");
    expect(pf.balance("acct", "ETH").isZero()).toBe(true);
  });

  it("keeps one position per strategy, or nets them when perStrategy is false", () => {
    const a = fill(perp, "buy", "1", "100", undefined, { strategyId: "s1" });
    const b = fill(perp, "buy", "2", "110", undefined, { strategyId: "s2" });
    const split = new Portfolio({ reportCurrency: "USDT", instruments: [perp] });
    split.applyFill(a);
    split.applyFill(b);
    expect(split.positions()).toHaveLength(2);
    expect(split.position("acct", perp.id, "s2")?.quantity.toString()).toBe("2");

    const netted = new Portfolio({ reportCurrency: "USDT", instruments: [perp], perStrategy: false });
    netted.applyFill(a);
    netted.applyFill(b);
    expect(netted.positions()).toHaveLength(1);
    expect(netted.position("acct", perp.id)?.quantity.toString()).toBe("3");
    expect(netted.position("acct", perp.id)?.strategyId).toBe("");
  });

  it("applies funding by rate to each strategy's position; an amount needs a strategy", () => {
    const pf = new Portfolio({ reportCurrency: "USDT", instruments: [perp] });
    pf.applyFill(fill(perp, "buy", "1", "100", undefined, { strategyId: "s1" }));
    pf.applyFill(fill(perp, "sell", "3", "100", undefined, { strategyId: "s2" }));
    // s1 long 1 pays 1 × 100 × 0.01 = 1; s2 short 3 receives 3: net +2.
    const total = pf.applyFunding({
      account: "acct",
      instrument: perp.id,
      funding: { rate: "0.01", markPrice: "100" },
      tsNs: 1n,
    });
    expect(total.toString()).toBe("2");
    expect(pf.position("acct", perp.id, "s1")?.fundingPnl.toString()).toBe("-1");
    const amount = { account: "acct", instrument: perp.id, funding: { amount: "-1" }, tsNs: 2n };
    expect(codeOf(() => pf.applyFunding(amount))?.code).toBe("PORTFOLIO_AMBIGUOUS_FUNDING");
    expect(pf.applyFunding({ ...amount, strategyId: "s2" }).toString()).toBe("-1");
    expect(pf.balance("acct", "USDT").toString()).toBe("1");
  });

  it("marks positions opened after the mark", () => {
    const pf = new Portfolio({ reportCurrency: "USDT", instruments: [perp, inverse] });
    pf.mark(perp.id, d("105"));
    pf.applyFill(fill(perp, "buy", "2", "100"));
    expect(pf.totals().unrealizedPnl.toString()).toBe("10 USDT");
    expect(codeOf(() => pf.mark(inverse.id, d("0")))?.code).toBe("PORTFOLIO_INVALID_PRICE");
  });

  it("property: spot cash valued at the mark equals position PnL net of fees, exactly", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            buy: fc.boolean(),
            qty: fc.integer({ min: 1, max: 50_000 }),
            ticks: fc.integer({ min: 1, max: 10_000_000 }),
            fee: fc.integer({ min: -100, max: 100_000 }),
          }),
          { maxLength: 40, size: "max" },
        ),
        fc.integer({ min: 1, max: 10_000_000 }),
        (gen, markTicks) => {
          const pf = new Portfolio({ reportCurrency: "USDT", instruments: [spot] });
          for (const g of gen) {
            const f = fill(
              spot,
              g.buy ? "buy" : "sell",
              Decimal.fromUnits(BigInt(g.qty), 4).toString(),
              Decimal.fromUnits(BigInt(g.ticks), 2).toString(),
              Money.of(Decimal.fromUnits(BigInt(g.fee), 6), "USDT"),
            );
            pf.applyFill(f);
            pf.applyFill(f);
          }
          const mark = Decimal.fromUnits(BigInt(markTicks), 2);
          pf.mark(spot.id, mark);
          const equity = pf.balance("acct", "USDT").add(pf.balance("acct", "BTC").mul(mark));
          expect(equity.eq(pf.totals().netPnl.amount)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
