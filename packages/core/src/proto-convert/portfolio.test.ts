import { describe, expect, it } from "vitest";
import { PortfolioError } from "../errors/portfolio-error.js";
import { Balance as BalanceMessage, Position as PositionMessage } from "../gen/openfloor/v1/portfolio.js";
import { defineInstrument } from "../instruments/instrument.js";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { Money } from "../numbers/money.js";
import { Portfolio } from "../portfolio/portfolio.js";
import { balanceFromProto, balanceToProto, positionFromProto, positionToProto } from "./portfolio.js";

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

function portfolioWithPosition(): Portfolio {
  const pf = new Portfolio({ reportCurrency: "BTC", instruments: [inverse] });
  pf.deposit("acct", "BTC", "1.5", 1n);
  pf.applyFill({
    fillId: "t1",
    clientOrderId: "c1",
    venueOrderId: "v1",
    instrument: inverse.id,
    side: "buy",
    price: Decimal.from("50000"),
    quantity: Decimal.from("1000"),
    fee: Money.of("0.001", "BTC"),
    liquidity: "taker",
    tsEventNs: 1_700_000_000_000_000_000n,
    strategyId: "s1",
    account: "acct",
  });
  pf.mark(inverse.id, Decimal.from("55000"));
  return pf;
}

function errorOf(fn: () => unknown): PortfolioError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof PortfolioError) return e;
    throw e;
  }
  return undefined;
}

describe("portfolio proto conversion", () => {
  it("round-trips a position through the wire losslessly", () => {
    const snapshot = portfolioWithPosition().position("acct", inverse.id, "s1")!.snapshot();
    const bytes = PositionMessage.encode(positionToProto(snapshot)).finish();
    const back = positionFromProto(PositionMessage.decode(bytes));
    expect(back).toEqual(snapshot);
    expect(back.unrealizedPnl.toString()).toBe("0.181818181818181818 BTC");
    expect(back.quantity.toString()).toBe("1000");
    expect(back.fees.map(String)).toEqual(["0.001 BTC"]);
  });

  it("keeps a flat position's absent average entry price absent", () => {
    const pf = new Portfolio({ reportCurrency: "BTC", instruments: [inverse] });
    pf.applyFunding({ account: "acct", instrument: inverse.id, funding: { amount: "0.0001" }, tsNs: 5n });
    const snapshot = pf.positions()[0]!.snapshot();
    const message = positionToProto(snapshot);
    expect(message.averageEntryPrice).toBeUndefined();
    expect(message.markPrice).toBeUndefined();
    expect(positionFromProto(PositionMessage.decode(PositionMessage.encode(message).finish()))).toEqual(
      snapshot,
    );
  });

  it("round-trips balances", () => {
    for (const balance of portfolioWithPosition().balances()) {
      const back = balanceFromProto(
        BalanceMessage.decode(BalanceMessage.encode(balanceToProto(balance)).finish()),
      );
      expect(back).toEqual(balance);
    }
    expect(portfolioWithPosition().balance("acct", "BTC").toString()).toBe("1.499");
  });

  it("names the field of a malformed message", () => {
    const good = positionToProto(portfolioWithPosition().positions()[0]!.snapshot());
    const noInstrument = errorOf(() => positionFromProto({ ...good, instrument: undefined }));
    expect(noInstrument?.code).toBe("PORTFOLIO_INVALID_MESSAGE");
    expect(noInstrument?.context.field).toBe("instrument");
    const badQuantity = errorOf(() => positionFromProto({ ...good, quantity: { mantissa: 1n, scale: 40 } }));
    expect(badQuantity?.context.field).toBe("quantity");
    const badFee = errorOf(() =>
      positionFromProto({ ...good, fees: [{ amount: { mantissa: 1n, scale: 0 }, currency: "" }] }),
    );
    expect(badFee?.context.field).toBe("fees[0].currency");
    const badBalance = errorOf(() =>
      balanceFromProto({
        account: "a",
        currency: "",
        total: undefined,
        free: undefined,
        locked: undefined,
        tsNs: 0n,
      }),
    );
    expect(badBalance?.context.field).toBe("currency");
  });
});
