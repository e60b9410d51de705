import { Decimal, defineInstrument, type Fill, instrumentId, Money } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { AccountPositions } from "./account-positions.js";

const btc = defineInstrument({
  id: instrumentId("BTC/USDT", "sim"),
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
});
const eth = defineInstrument({
  id: instrumentId("ETH/USDT", "sim"),
  kind: "spot",
  base: "ETH",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.001",
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
});

function fill(
  instrument: typeof btc,
  side: "buy" | "sell",
  quantity: string,
  price: string,
  id: string,
): Fill {
  return {
    fillId: id,
    clientOrderId: "c",
    venueOrderId: "v",
    instrument: instrument.id,
    side,
    price: Decimal.from(price),
    quantity: Decimal.from(quantity),
    fee: Money.zero("USDT"),
    liquidity: "taker",
    tsEventNs: 1n,
    strategyId: "s1",
    account: "a",
  };
}

describe("AccountPositions", () => {
  it("nets fills per account and instrument exactly", () => {
    const p = new AccountPositions();
    p.applyFill("a", btc, fill(btc, "buy", "0.1", "50000", "1"));
    p.applyFill("a", btc, fill(btc, "buy", "0.2", "50000", "2"));
    p.applyFill("a", btc, fill(btc, "sell", "0.3", "50000", "3"));
    p.applyFill("b", btc, fill(btc, "sell", "1", "50000", "4"));
    expect(p.quantity("a", btc.id).isZero()).toBe(true);
    expect(p.quantity("b", btc.id).toString()).toBe("-1");
    expect(p.quantity("c", btc.id).isZero()).toBe(true);
    expect(p.positions("b")).toHaveLength(1);
  });

  it("values exposure per settlement currency at the mid, else the last fill price", () => {
    const mids = new Map([["BTC/USDT:sim", Decimal.from("60000")]]);
    const p = new AccountPositions({
      marks: (id) => {
        const mid = mids.get(`${id.symbol}:${id.venue}`);
        return mid === undefined ? undefined : { mid };
      },
    });
    p.applyFill("a", btc, fill(btc, "buy", "1", "50000", "1"));
    p.applyFill("a", eth, fill(eth, "sell", "10", "3000", "2"));
    p.applyFill("a", inverse, fill(inverse, "sell", "500", "50000", "3"));
    const usdt = p.exposure("a", "USDT");
    expect(usdt.gross.toString()).toBe("90000");
    expect(usdt.net.toString()).toBe("30000");
    // 500 contracts × 100 USD / 50 000 = 1 BTC short, in the inverse contract's settlement currency.
    const btcExposure = p.exposure("a", "BTC");
    expect(btcExposure.gross.toString()).toBe("1");
    expect(btcExposure.net.toString()).toBe("-1");
  });
});
