import {
  Decimal,
  defineInstrument,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  instrumentId,
  type OrderRequest,
  SimulatedClock,
} from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { type Exposure, RiskEngine, type WorkingOrders } from "./risk-engine.js";
import { parseRiskLimits, type RiskLimitsConfig } from "./risk-limits.js";

const btc = defineInstrument({
  id: instrumentId("BTC/USDT", "sim"),
  kind: "spot",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
});
const inversePerp = defineInstrument({
  id: instrumentId("BTC/USD:BTC", "sim"),
  kind: "perpetual",
  base: "BTC",
  quote: "USD",
  inverse: true,
  multiplier: "100",
  priceIncrement: "0.5",
  sizeIncrement: "1",
});
const who = { strategyId: "s1", account: "acct" };

function request(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientOrderId: "c1",
    instrument: btc.id,
    side: "buy",
    type: "limit",
    timeInForce: "GTC",
    quantity: Decimal.from("1"),
    price: Decimal.from("50000"),
    postOnly: false,
    reduceOnly: false,
    strategyId: who.strategyId,
    account: who.account,
    ...overrides,
  };
}

interface World {
  clock: SimulatedClock;
  mids: Map<string, Decimal>;
  positions: Map<string, Decimal>;
  exposure: Exposure;
  risk: RiskEngine;
}

function world(limits: RiskLimitsConfig = {}): World {
  const clock = new SimulatedClock(1_000_000_000n);
  const mids = new Map<string, Decimal>([[formatInstrumentId(btc.id), Decimal.from("50000")]]);
  const positions = new Map<string, Decimal>();
  const w: World = {
    clock,
    mids,
    positions,
    exposure: { gross: Decimal.ZERO, net: Decimal.ZERO },
    risk: undefined as unknown as RiskEngine,
  };
  w.risk = new RiskEngine({
    limits: parseRiskLimits(limits),
    clock,
    marks: (id: InstrumentId) => {
      const mid = mids.get(formatInstrumentId(id));
      return mid === undefined ? undefined : { mid };
    },
    positions: (account, id) => positions.get(`${account}|${formatInstrumentId(id)}`) ?? Decimal.ZERO,
    exposure: () => w.exposure,
  });
  return w;
}

function working(open: number, buy = "0", sell = "0"): WorkingOrders {
  return {
    strategyOpenOrders: open,
    openBuyQuantity: Decimal.from(buy),
    openSellQuantity: Decimal.from(sell),
  };
}

function setPosition(w: World, qty: string, instrument: Instrument = btc): void {
  w.positions.set(`${who.account}|${formatInstrumentId(instrument.id)}`, Decimal.from(qty));
}

describe("RiskEngine", () => {
  it("passes an order within every limit", () => {
    const w = world({
      maxOrderQuantity: "2",
      maxOrderNotional: "100000",
      maxPositionPerInstrument: "5",
      maxGrossExposure: "1000000",
      maxNetExposure: "1000000",
      priceBandBps: "100",
      maxOpenOrders: 3,
      maxOrdersPerSecond: 10,
    });
    expect(w.risk.check(who, request(), btc, working(2))).toBeUndefined();
  });

  it("denies a quantity above the limit, with a per-instrument override", () => {
    const w = world({ maxOrderQuantity: { default: "10", "BTC/USDT:sim": "0.5" } });
    const reason = w.risk.check(who, request({ quantity: Decimal.from("0.5001") }), btc);
    expect(reason).toMatchObject({ code: "RISK_MAX_ORDER_QTY", field: "quantity" });
    expect(w.risk.check(who, request({ quantity: Decimal.from("0.5") }), btc)).toBeUndefined();
    expect(w.risk.check(who, request({ quantity: Decimal.from("5") }), inversePerp)).toBeUndefined();
  });

  it("denies a notional above the limit, valuing market orders at the mid", () => {
    const w = world({ maxOrderNotional: "100000" });
    expect(w.risk.check(who, request({ quantity: Decimal.from("2") }), btc)).toBeUndefined();
    expect(w.risk.check(who, request({ quantity: Decimal.from("2.0001") }), btc)?.code).toBe(
      "RISK_MAX_NOTIONAL",
    );
    const market = request({ type: "market", price: undefined, quantity: Decimal.from("2.0001") });
    expect(w.risk.check(who, market, btc)?.code).toBe("RISK_MAX_NOTIONAL");
    w.mids.clear();
    // No mid to value a market order: fail closed.
    expect(w.risk.check(who, request({ type: "market", price: undefined }), btc)).toMatchObject({
      code: "RISK_MAX_NOTIONAL",
      message: expect.stringContaining("no price"),
    });
  });

  it("values notional without overflow for large exact products", () => {
    const w = world({ maxOrderNotional: "1000000000" });
    const q = Decimal.from("123456.12345678");
    const p = Decimal.from("50000.12345678");
    // q × p at 16 places does not fit a 64-bit Decimal; the check still answers exactly.
    expect(w.risk.check(who, request({ quantity: q, price: p }), btc)?.code).toBe("RISK_MAX_NOTIONAL");
  });

  it("values inverse contracts as quantity × multiplier / price", () => {
    const w = world({ maxOrderNotional: "0.2" });
    // 100 contracts × 100 USD / 50000 = 0.2 BTC.
    const r = request({
      instrument: inversePerp.id,
      quantity: Decimal.from("100"),
      price: Decimal.from("50000"),
    });
    expect(w.risk.check(who, r, inversePerp)).toBeUndefined();
    expect(w.risk.check(who, { ...r, quantity: Decimal.from("101") }, inversePerp)?.code).toBe(
      "RISK_MAX_NOTIONAL",
    );
  });

  it("denies a limit price outside the band around the mid", () => {
    const w = world({ priceBandBps: "100" });
    expect(w.risk.check(who, request({ price: Decimal.from("50500") }), btc)).toBeUndefined();
    expect(w.risk.check(who, request({ price: Decimal.from("49500") }), btc)).toBeUndefined();
    expect(w.risk.check(who, request({ price: Decimal.from("50500.01") }), btc)).toMatchObject({
      code: "RISK_PRICE_BAND",
      field: "price",
    });
    expect(w.risk.check(who, request({ price: Decimal.from("5000") }), btc)?.code).toBe("RISK_PRICE_BAND");
    const stop = request({ type: "stop-market", price: undefined, triggerPrice: Decimal.from("60000") });
    expect(w.risk.check(who, stop, btc)).toMatchObject({ code: "RISK_PRICE_BAND", field: "triggerPrice" });
  });

  it("denies an order that would take the position beyond the limit, counting working orders", () => {
    const w = world({ maxPositionPerInstrument: "3" });
    setPosition(w, "2");
    expect(w.risk.check(who, request(), btc)).toBeUndefined();
    expect(w.risk.check(who, request(), btc, working(1, "0.5"))?.code).toBe("RISK_MAX_POSITION");
    expect(w.risk.check(who, request({ quantity: Decimal.from("1.5") }), btc)?.code).toBe(
      "RISK_MAX_POSITION",
    );
    // Selling reduces, even from above the limit.
    setPosition(w, "10");
    expect(w.risk.check(who, request({ side: "sell", quantity: Decimal.from("4") }), btc)).toBeUndefined();
    setPosition(w, "-2.5");
    expect(w.risk.check(who, request({ side: "sell" }), btc)?.code).toBe("RISK_MAX_POSITION");
  });

  it("denies orders beyond gross and net exposure per account", () => {
    const gross = world({ maxGrossExposure: "150000" });
    gross.exposure = { gross: Decimal.from("100000"), net: Decimal.from("100000") };
    expect(gross.risk.check(who, request(), btc)).toBeUndefined();
    expect(gross.risk.check(who, request({ quantity: Decimal.from("1.0001") }), btc)?.code).toBe(
      "RISK_MAX_GROSS_EXPOSURE",
    );

    const net = world({ maxNetExposure: "150000" });
    net.exposure = { gross: Decimal.from("300000"), net: Decimal.from("100000") };
    expect(net.risk.check(who, request(), btc)).toBeUndefined();
    expect(net.risk.check(who, request({ quantity: Decimal.from("2") }), btc)?.code).toBe(
      "RISK_MAX_NET_EXPOSURE",
    );
    // A short that hedges the net long passes.
    expect(net.risk.check(who, request({ side: "sell", quantity: Decimal.from("5") }), btc)).toBeUndefined();

    const perAccount = world({ maxGrossExposure: { default: "1", acct: "1000000" } });
    expect(perAccount.risk.check(who, request(), btc)).toBeUndefined();
    expect(perAccount.risk.check({ ...who, account: "other" }, request(), btc)?.code).toBe(
      "RISK_MAX_GROSS_EXPOSURE",
    );
  });

  it("denies beyond the open-order limit, except for amends", () => {
    const w = world({ maxOpenOrders: { default: 2, s2: 5 } });
    expect(w.risk.check(who, request(), btc, working(1))).toBeUndefined();
    expect(w.risk.check(who, request(), btc, working(2))?.code).toBe("RISK_MAX_OPEN_ORDERS");
    expect(w.risk.check(who, request(), btc, working(2), { amend: true })).toBeUndefined();
    expect(w.risk.check({ ...who, strategyId: "s2" }, request(), btc, working(4))).toBeUndefined();
  });

  it("limits orders per strategy in a sliding one-second window", () => {
    const w = world({ maxOrdersPerSecond: 3 });
    for (let i = 0; i < 3; i++) expect(w.risk.check(who, request(), btc)).toBeUndefined();
    expect(w.risk.check(who, request(), btc)?.code).toBe("RISK_RATE_LIMIT");
    expect(w.risk.check({ ...who, strategyId: "s2" }, request(), btc)).toBeUndefined();
    w.clock.advanceBy(999);
    expect(w.risk.check(who, request(), btc)?.code).toBe("RISK_RATE_LIMIT");
    w.clock.advanceBy(1);
    expect(w.risk.check(who, request(), btc)).toBeUndefined();
    // A denial for another reason does not use up the rate.
    const strict = world({ maxOrdersPerSecond: 1, maxOrderQuantity: "1" });
    expect(strict.risk.check(who, request({ quantity: Decimal.from("2") }), btc)?.code).toBe(
      "RISK_MAX_ORDER_QTY",
    );
    expect(strict.risk.check(who, request(), btc)).toBeUndefined();
  });

  it("denies everything while halted and only reducing orders while reducing-only", () => {
    const w = world();
    w.risk.setTradingState("halted");
    expect(w.risk.check(who, request(), btc)).toMatchObject({ code: "TRADING_HALTED" });
    w.risk.setTradingState("reducing-only");
    expect(w.risk.check(who, request(), btc)?.code).toBe("REDUCE_ONLY_STATE");
    setPosition(w, "2");
    expect(w.risk.check(who, request(), btc)?.code).toBe("REDUCE_ONLY_STATE");
    expect(w.risk.check(who, request({ side: "sell", quantity: Decimal.from("2") }), btc)).toBeUndefined();
    // Flipping through zero opens a new position: denied.
    expect(w.risk.check(who, request({ side: "sell", quantity: Decimal.from("3") }), btc)?.code).toBe(
      "REDUCE_ONLY_STATE",
    );
    // Working sells already cover the position.
    expect(w.risk.check(who, request({ side: "sell" }), btc, working(1, "0", "1.5"))?.code).toBe(
      "REDUCE_ONLY_STATE",
    );
  });

  it("kill switch halts and its release restores the state before it", () => {
    const w = world();
    w.risk.setTradingState("reducing-only");
    expect(w.risk.engageKillSwitch("ops")).toBe(true);
    expect(w.risk.engageKillSwitch("again")).toBe(false);
    expect(w.risk.tradingState).toBe("halted");
    expect(w.risk.killSwitchEngaged).toBe(true);
    expect(w.risk.check(who, request(), btc)?.message).toContain("kill switch: ops");
    w.risk.setTradingState("active");
    expect(w.risk.tradingState).toBe("halted");
    expect(w.risk.releaseKillSwitch()).toBe(true);
    expect(w.risk.tradingState).toBe("active");
    expect(w.risk.check(who, request(), btc)).toBeUndefined();
  });

  it("setLimits replaces the limits in force and describes them", () => {
    const w = world();
    const summary = w.risk.setLimits(parseRiskLimits({ maxOrderQuantity: "1" }));
    expect(summary).toBe("maxOrderQuantity: default 1");
    expect(w.risk.check(who, request({ quantity: Decimal.from("2") }), btc)?.code).toBe("RISK_MAX_ORDER_QTY");
  });
});
