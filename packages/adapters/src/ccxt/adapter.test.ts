import { BadVenueMessageError, Decimal, instrumentId, type Quote, type Trade } from "@openfloor/core";
import { afterEach, describe, expect, it } from "vitest";
import type { EmulatedExchange } from "../emulator/index.js";
import { type AdapterUnderTest, adapterOn, orderFor, TEST_ENV } from "./test-support.js";

let t: AdapterUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const trades = (u: AdapterUnderTest) => u.sink.market.filter((e): e is Trade => e.type === "trade");
const quotes = (u: AdapterUnderTest) => u.sink.market.filter((e): e is Quote => e.type === "quote");

describe.each(["binance", "bybit"] as EmulatedExchange[])("ccxt adapter on emulated %s", (exchange) => {
  const btc = instrumentId("BTC/USDT", exchange);

  it("a malformed venue message is logged with venue and message type, counted, and skipped", async () => {
    t = await adapterOn(exchange, { symbols: ["BTC/USDT"] });
    const u = t;
    await u.adapter.connect();
    await u.adapter.subscribe({ instrument: btc, channel: "trades" });
    u.venue.engine.takerTrade("BTCUSDT", "buy", Decimal.parse("0.001"));
    await u.sink.until(() => trades(u).length === 1, "the first trade");
    u.venue.publishMalformedTrade(exchange, "BTCUSDT");
    await u.sink.until(() => u.sink.errors.length === 1, "the malformed message to be reported");
    expect(u.sink.errors[0]).toBeInstanceOf(BadVenueMessageError);
    expect(u.adapter.stats.malformedMessages).toBe(1);
    const line = u.logger.lines.find((l) => l.level === "warn" && l.msg?.includes("malformed"));
    expect(line?.obj).toMatchObject({ venue: exchange, messageType: "trade", symbol: "BTC/USDT" });
    // The stream goes on.
    u.venue.engine.takerTrade("BTCUSDT", "sell", Decimal.parse("0.002"));
    await u.sink.until(() => trades(u).length === 2, "a trade after the malformed one");
    expect(trades(u)[1]!.size.toString()).toBe("0.00200");
  });

  it("fills and balances stay exact where ccxt's floats do not (0.1 + 0.2)", async () => {
    t = await adapterOn(
      exchange,
      { symbols: ["SOL/USDT"] },
      {
        markets: [
          {
            symbol: "SOLUSDT",
            base: "SOL",
            quote: "USDT",
            tickSize: "0.1",
            stepSize: "0.1",
            minQty: "0.1",
            minNotional: "0",
            initialMid: "3.0",
          },
        ],
        balances: { USDT: "1000", SOL: "0" },
      },
    );
    const u = t;
    await u.adapter.connect();
    for (const q of ["0.1", "0.2"]) {
      const o = orderFor(exchange, "SOL/USDT", "buy", "limit", q, "3.1");
      await u.adapter.submitOrder(o);
      await u.sink.until(
        () => u.sink.eventsOf(o.clientOrderId).some((e) => e.kind === "filled"),
        `the ${q} fill`,
      );
    }
    const fills = u.sink.orders.flatMap((o) => (o.event.kind === "filled" ? [o.event.fill] : []));
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(fills.reduce((s, f) => s.add(f.quantity), Decimal.ZERO).toString()).toBe("0.3");
    expect(fills.reduce((s, f) => s.add(f.price.mul(f.quantity)), Decimal.ZERO).toString()).toBe("0.93");
    const balances = await u.adapter.fetchBalances();
    for (const b of u.venue.engine.balanceList()) {
      const mine = balances.find((x) => x.currency === b.asset);
      expect(mine?.free.eq(b.free), `${b.asset} free ${mine?.free} = ${b.free}`).toBe(true);
      expect(mine?.total.eq(b.free.add(b.locked)), `${b.asset} total`).toBe(true);
    }
    expect(balances.find((b) => b.currency === "USDT")?.total.toString()).toBe("999.07000000");
  });

  it("fills missed while the private stream was down arrive through reconciliation", async () => {
    t = await adapterOn(exchange, { symbols: ["BTC/USDT"] });
    const u = t;
    await u.adapter.connect();
    const o = orderFor(exchange, "BTC/USDT", "sell", "limit", "0.01", "50010.00");
    await u.adapter.submitOrder(o);
    await u.sink.until(() => u.sink.eventsOf(o.clientOrderId).some((e) => e.kind === "accepted"), "accepted");
    const reconciliations = u.adapter.stats.reconciliations;
    u.venue.dropConnections();
    // Fill it while no socket is up: the execution report goes nowhere.
    u.venue.engine.takerTrade("BTCUSDT", "buy", Decimal.parse("60"));
    await u.sink.until(
      () => u.sink.eventsOf(o.clientOrderId).some((e) => e.kind === "filled"),
      "the missed fill",
    );
    expect(u.adapter.stats.reconciliations).toBeGreaterThan(reconciliations);
    expect(u.sink.states).toContain("reconnecting");
    await u.sink.until(() => u.sink.states.at(-1) === "connected", "connected again");
  });

  it("quotes from the top of the L2 stream by default", async () => {
    t = await adapterOn(exchange, { symbols: ["BTC/USDT"] });
    const u = t;
    await u.adapter.connect();
    await u.adapter.subscribe({ instrument: btc, channel: "quotes" });
    await u.sink.until(() => quotes(u).length === 1, "a quote");
    u.venue.engine.takerTrade("BTCUSDT", "buy", u.venue.engine.bestAsk("BTCUSDT")!.total);
    await u.sink.until(() => quotes(u).length === 2, "a quote after the best ask was taken");
    const [before, after] = quotes(u);
    expect(after!.askPrice.gt(before!.askPrice)).toBe(true);
    const ask = u.venue.engine.bestAsk("BTCUSDT")!;
    expect(after!.askPrice.eq(ask.price) && after!.askSize.eq(ask.total)).toBe(true);
  });

  it("never logs or reports the credentials", async () => {
    t = await adapterOn(exchange, { symbols: ["BTC/USDT"] });
    const u = t;
    await u.adapter.connect();
    await u.adapter.subscribe({ instrument: btc, channel: "book" });
    u.venue.failNextOrder("auth");
    await u.adapter
      .submitOrder(orderFor(exchange, "BTC/USDT", "buy", "limit", "0.001", "40000.00"))
      .catch(() => undefined);
    u.venue.dropConnections();
    await u.sink.until(
      () => u.sink.states.at(-1) === "connected" && u.sink.states.includes("reconnecting"),
      "a reconnect",
    );
    const everything = u.logger.text() + JSON.stringify(u.sink.errors.map((e) => [e.message, e.stack]));
    expect(everything).not.toContain(TEST_ENV.EMU_API_KEY);
    expect(everything).not.toContain(TEST_ENV.EMU_SECRET);
    expect(everything).not.toMatch(/signature=[0-9a-f]{16}/);
  });
});

describe("ccxt adapter: capabilities and sources", () => {
  it("derives the capability map from ccxt's has/features", async () => {
    t = await adapterOn("binance", { symbols: ["BTC/USDT"] });
    const binance = t.adapter.capabilities;
    expect(binance.amendOrder, "Binance spot edits by cancel-replace").toBe(false);
    expect(binance.timeInForce).toEqual(["GTC", "IOC", "FOK"]);
    expect(binance.postOnly).toBe(true);
    expect(binance.bookSequenceNumbers).toBe(true);
    expect(binance.positions).toBe(false);
    await t.stop();
    t = await adapterOn("bybit", { symbols: ["BTC/USDT"] });
    expect(t.adapter.capabilities.amendOrder, "Bybit amends in place").toBe(true);
    await t.stop();
    t = await adapterOn("binance", { symbols: ["BTC/USDT"], transport: "rest" });
    expect(t.adapter.capabilities.bookSequenceNumbers).toBe(false);
    expect(t.adapter.capabilities.marketData).toEqual({ trades: true, quotes: true, book: true, bars: true });
  });

  it("Binance bookTicker quotes (quotes: bidsAsks)", async () => {
    t = await adapterOn("binance", { symbols: ["BTC/USDT"], quotes: "bidsAsks" });
    const u = t;
    await u.adapter.connect();
    await u.adapter.subscribe({ instrument: instrumentId("BTC/USDT", "binance"), channel: "quotes" });
    u.venue.engine.touchBook("BTCUSDT");
    u.venue.engine.takerTrade("BTCUSDT", "sell", Decimal.parse("0.5"));
    await u.sink.until(() => quotes(u).length > 0, "a bookTicker quote");
    const bid = u.venue.engine.bestBid("BTCUSDT")!;
    await u.sink.until(() => quotes(u).at(-1)!.bidPrice.eq(bid.price), "the quote of the current best bid");
  });

  it("unsubscribing stops a stream and tells the venue", async () => {
    t = await adapterOn("binance", { symbols: ["BTC/USDT"] });
    const u = t;
    await u.adapter.connect();
    const sub = { instrument: instrumentId("BTC/USDT", "binance"), channel: "trades" } as const;
    await u.adapter.subscribe(sub);
    u.venue.engine.takerTrade("BTCUSDT", "buy", Decimal.parse("0.001"));
    await u.sink.until(() => trades(u).length === 1, "a trade");
    await u.adapter.unsubscribe(sub);
    const sent = u.venue.stats().messagesSent;
    u.venue.engine.takerTrade("BTCUSDT", "buy", Decimal.parse("0.001"));
    expect(u.venue.stats().messagesSent, "no trade message for an unsubscribed stream").toBe(sent);
  });
});
