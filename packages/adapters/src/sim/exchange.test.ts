import {
  Decimal,
  InsufficientFundsError,
  InvalidOrderError,
  OrderNotFoundError,
  type Trade,
} from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { btcPerp, btcUsdt, TestVenue } from "./test-helpers.js";

const d = (v: string) => Decimal.from(v);

describe("SimExchange matching", () => {
  it("fills by price, then time: better price first, then the earlier order at a price", () => {
    const v = new TestVenue();
    const a = v.limit("alice", "sell", "1", "100.00");
    const b = v.limit("bob", "sell", "1", "100.00");
    const c = v.limit("carol", "sell", "1", "99.99");
    const t = v.limit("taker", "buy", "2.5", "100.00");
    expect(v.fillsOf(c).map((f) => `${f.quantity}@${f.price}`)).toEqual(["1.000@99.99"]);
    expect(v.fillsOf(a).map((f) => `${f.quantity}@${f.price}`)).toEqual(["1.000@100.00"]);
    expect(v.fillsOf(b).map((f) => `${f.quantity}@${f.price}`)).toEqual(["0.500@100.00"]);
    expect(v.status("taker", t)).toBe("filled");
    expect(v.status("bob", b)).toBe("partially-filled");
    expect(v.filled("bob", b)).toBe("0.500");
    expect(v.fillsOf(t).every((f) => f.liquidity === "taker")).toBe(true);
    expect(v.fillsOf(a)[0]!.liquidity).toBe("maker");
  });

  it("a partially filled order keeps the rest on the book at its price", () => {
    const v = new TestVenue();
    const s = v.limit("alice", "sell", "2", "100.00");
    v.limit("bob", "buy", "0.5", "101.00");
    expect(v.status("alice", s)).toBe("partially-filled");
    expect(v.exchange.bestAsk(v.instrument.id)).toEqual({ price: d("100.00"), size: d("1.500") });
    const open = v.exchange.openOrders("alice");
    expect(open.map((o) => [o.clientOrderId, o.filledQuantity.toString()])).toEqual([[s, "0.500"]]);
  });

  it("a limit order trades at the resting price, never through its own limit", () => {
    const v = new TestVenue();
    v.limit("alice", "sell", "1", "100.00");
    v.limit("alice", "sell", "1", "100.05");
    const t = v.limit("bob", "buy", "2", "100.02");
    expect(v.fillsOf(t).map((f) => `${f.quantity}@${f.price}`)).toEqual(["1.000@100.00"]);
    expect(v.status("bob", t)).toBe("partially-filled");
    expect(v.exchange.bestBid(v.instrument.id)?.price.toString()).toBe("100.02");
  });

  it("a market order sweeps levels and expires what the book cannot fill", () => {
    const v = new TestVenue();
    v.limit("alice", "sell", "1", "100.00");
    v.limit("alice", "sell", "1", "101.00");
    const m = v.market("bob", "buy", "3");
    expect(v.fillsOf(m).map((f) => `${f.quantity}@${f.price}`)).toEqual(["1.000@100.00", "1.000@101.00"]);
    expect(v.status("bob", m)).toBe("expired");
    expect(v.filled("bob", m)).toBe("2.000");
  });

  it("charges maker and taker fees from the instrument, exactly, in the quote currency", () => {
    const v = new TestVenue();
    const s = v.limit("alice", "sell", "0.5", "20000.00");
    const b = v.limit("bob", "buy", "0.5", "20000.00");
    const makerFee = v.fillsOf(s)[0]!.fee;
    const takerFee = v.fillsOf(b)[0]!.fee;
    expect([makerFee.currency, takerFee.currency]).toEqual(["USDT", "USDT"]);
    expect(makerFee.amount.eq("10")).toBe(true); // 10000 × 0.001
    expect(takerFee.amount.eq("20")).toBe(true); // 10000 × 0.002
    expect(d(v.balance("alice", "USDT").total).eq(d("1000000").add("10000").sub("10"))).toBe(true);
    expect(d(v.balance("alice", "BTC").total).eq("99.5")).toBe(true);
    expect(d(v.balance("bob", "USDT").total).eq(d("1000000").sub("10000").sub("20"))).toBe(true);
    expect(d(v.balance("bob", "BTC").total).eq("100.5")).toBe(true);
  });

  it("pays a maker rebate when the maker fee is negative", () => {
    const v = new TestVenue([btcUsdt({ makerFee: "-0.0001" })]);
    const s = v.limit("alice", "sell", "1", "100.00");
    v.limit("bob", "buy", "1", "100.00");
    expect(v.fillsOf(s)[0]!.fee.amount.eq("-0.01")).toBe(true);
    expect(d(v.balance("alice", "USDT").total).eq(d("1000100.01"))).toBe(true);
  });
});

describe("SimExchange time in force", () => {
  it("IOC fills what it can and expires the rest", () => {
    const v = new TestVenue();
    v.limit("alice", "sell", "1", "100.00");
    const t = v.limit("bob", "buy", "2", "100.00", { timeInForce: "IOC" });
    expect(v.kinds(t)).toEqual(["accepted", "filled", "expired"]);
    expect(v.exchange.bestBid(v.instrument.id)).toBeUndefined();
  });

  it("FOK fills completely or not at all", () => {
    const v = new TestVenue();
    v.limit("alice", "sell", "1", "100.00");
    v.limit("alice", "sell", "1", "100.01");
    const no = v.limit("bob", "buy", "2", "100.00", { timeInForce: "FOK" });
    expect(v.kinds(no)).toEqual(["accepted", "expired"]);
    const yes = v.limit("bob", "buy", "2", "100.01", { timeInForce: "FOK" });
    expect(v.kinds(yes)).toEqual(["accepted", "filled", "filled"]);
    expect(v.status("bob", yes)).toBe("filled");
  });

  it("GTD expires at its expire time on the clock", () => {
    const v = new TestVenue();
    const at = v.clock.now() + 60_000_000_000n;
    const t = v.limit("bob", "buy", "1", "90.00", { timeInForce: "GTD", expireTimeNs: at });
    v.clock.advanceTo(at - 1n);
    expect(v.status("bob", t)).toBe("accepted");
    v.clock.advanceTo(at);
    expect(v.status("bob", t)).toBe("expired");
    expect(v.exchange.openOrders("bob")).toEqual([]);
  });

  it("GTD with an expire time in the past is rejected", () => {
    const v = new TestVenue();
    const r = v.exchange.submit(
      "bob",
      v.request("buy", "1", { price: d("90"), timeInForce: "GTD", expireTimeNs: v.clock.now() }),
    );
    expect(r.ok).toBe(false);
  });

  it("DAY expires at the next UTC midnight", () => {
    const v = new TestVenue();
    const t = v.limit("bob", "buy", "1", "90.00", { timeInForce: "DAY" });
    const day = 86_400_000_000_000n;
    const midnight = (v.clock.now() / day + 1n) * day;
    v.clock.advanceTo(midnight - 1n);
    expect(v.status("bob", t)).toBe("accepted");
    v.clock.advanceTo(midnight);
    expect(v.status("bob", t)).toBe("expired");
  });

  it("GTC rests until canceled", () => {
    const v = new TestVenue();
    const t = v.limit("bob", "buy", "1", "90.00");
    v.clock.advanceBy(7 * 86_400_000);
    expect(v.status("bob", t)).toBe("accepted");
    expect(v.exchange.cancel("bob", t).ok).toBe(true);
    expect(v.kinds(t)).toEqual(["accepted", "canceled"]);
  });
});

describe("SimExchange flags", () => {
  it("post-only is rejected when it would cross, and rests as maker when it would not", () => {
    const v = new TestVenue();
    v.limit("alice", "sell", "1", "100.00");
    const r = v.exchange.submit("bob", v.request("buy", "1", { price: d("100.00"), postOnly: true }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(InvalidOrderError);
      expect(r.error.context.reason).toBe("POST_ONLY_WOULD_CROSS");
    }
    const ok = v.limit("bob", "buy", "1", "99.99", { postOnly: true });
    expect(v.status("bob", ok)).toBe("accepted");
    v.market("carol", "sell", "1");
    expect(v.fillsOf(ok)[0]!.liquidity).toBe("maker");
  });

  it("reduce-only is rejected without a position and never flips one", () => {
    const v = new TestVenue([btcPerp()]);
    const refused = v.exchange.submit("bob", v.request("sell", "1", { price: d("100"), reduceOnly: true }));
    expect(refused.ok).toBe(false);
    v.limit("alice", "sell", "1", "100.0");
    v.limit("bob", "buy", "1", "100.0");
    expect(v.exchange.positions("bob").map((p) => p.quantity.toString())).toEqual(["1.00"]);
    v.limit("alice", "buy", "5", "99.0");
    const r = v.limit("bob", "sell", "3", "99.0", { reduceOnly: true });
    expect(v.filled("bob", r)).toBe("1.00");
    expect(v.status("bob", r)).toBe("expired");
    expect(v.exchange.positions("bob")).toEqual([]);
  });

  it("a resting reduce-only order is canceled rather than filled once the position is gone", () => {
    const v = new TestVenue([btcPerp()]);
    v.limit("alice", "sell", "1", "100.0");
    v.limit("bob", "buy", "1", "100.0");
    const ro = v.limit("bob", "sell", "1", "110.0", { reduceOnly: true });
    v.limit("alice", "buy", "1", "95.0");
    v.market("bob", "sell", "1");
    expect(v.exchange.positions("bob")).toEqual([]);
    v.limit("carol", "buy", "1", "110.0");
    expect(v.status("bob", ro)).toBe("canceled");
    expect(v.filled("bob", ro)).toBe("0");
  });

  it("perpetual: realized PnL and fees move the settlement balance", () => {
    const v = new TestVenue([btcPerp()], { startingBalances: { USDT: "1000" } });
    v.limit("alice", "sell", "2", "100.0");
    v.limit("bob", "buy", "2", "100.0");
    v.limit("alice", "buy", "2", "110.0");
    v.limit("bob", "sell", "2", "110.0");
    // bob took both times: +2 × 10 PnL − 0.0005 × 200 − 0.0005 × 220
    expect(d(v.balance("bob", "USDT").total).eq(d("1000").add("20").sub("0.1").sub("0.11"))).toBe(true);
    // alice made both times: −2 × 10 PnL − 0.0002 × 200 − 0.0002 × 220
    expect(d(v.balance("alice", "USDT").total).eq(d("1000").sub("20").sub("0.04").sub("0.044"))).toBe(true);
    expect(v.exchange.positions("bob")).toEqual([]);
  });
});

describe("SimExchange stops", () => {
  it("a stop-market buy triggers when the last trade reaches its trigger", () => {
    const v = new TestVenue();
    v.limit("alice", "sell", "5", "105.00");
    const stop = v.exchange.submit(
      "bob",
      v.request("buy", "1", { type: "stop-market", timeInForce: "GTC", triggerPrice: d("101.00") }),
    );
    expect(stop.ok).toBe(true);
    v.limit("mm", "sell", "1", "100.00");
    v.limit("x", "buy", "1", "100.00");
    expect(v.status("bob", "c2")).toBe("accepted");
    v.limit("mm", "sell", "1", "101.00");
    v.limit("x", "buy", "1", "101.00");
    expect(v.status("bob", "c2")).toBe("filled");
    expect(v.fillsOf("c2").map((f) => `${f.quantity}@${f.price}`)).toEqual(["1.000@105.00"]);
  });

  it("a stop-limit sell triggers on the mid and then rests at its limit", () => {
    const v = new TestVenue([btcUsdt()], { stopTrigger: "mid" });
    v.limit("mm", "buy", "1", "99.00");
    v.limit("mm", "sell", "1", "101.00");
    const r = v.request("sell", "1", {
      type: "stop-limit",
      price: d("98.50"),
      triggerPrice: d("99.50"),
    });
    expect(v.exchange.submit("bob", r).ok).toBe(true);
    expect(v.exchange.bestAsk(v.instrument.id)?.price.toString()).toBe("101.00");
    v.exchange.cancelAll("mm");
    v.limit("mm", "buy", "1", "97.00");
    v.limit("mm", "sell", "1", "101.00");
    // mid 99.00 ≤ 99.50: the stop-limit sells at 98.50, above the 97.00 bid, so it rests.
    expect(v.status("bob", r.clientOrderId)).toBe("accepted");
    expect(v.exchange.bestAsk(v.instrument.id)?.price.toString()).toBe("98.50");
  });

  it("a stop already through its trigger at submission triggers at once", () => {
    const v = new TestVenue();
    v.limit("mm", "sell", "1", "100.00");
    v.limit("x", "buy", "1", "100.00");
    v.limit("mm", "sell", "1", "100.50");
    const r = v.request("buy", "1", { type: "stop-market", triggerPrice: d("99.00") });
    expect(v.exchange.submit("bob", r).ok).toBe(true);
    expect(v.status("bob", r.clientOrderId)).toBe("filled");
  });
});

describe("SimExchange amend and cancel", () => {
  it("a size decrease keeps queue priority; a price change loses it", () => {
    const v = new TestVenue();
    const a = v.limit("alice", "sell", "2", "100.00");
    const b = v.limit("bob", "sell", "1", "100.00");
    expect(v.exchange.amend("alice", a, { quantity: d("1") }).ok).toBe(true);
    v.market("x", "buy", "1");
    expect(v.filled("alice", a)).toBe("1.000");
    expect(v.filled("bob", b)).toBe("0");

    const c = v.limit("carol", "sell", "1", "100.00");
    expect(v.exchange.amend("bob", b, { price: d("100.01") }).ok).toBe(true);
    expect(v.exchange.amend("bob", b, { price: d("100.00") }).ok).toBe(true);
    v.market("x", "buy", "1");
    expect(v.filled("carol", c)).toBe("1.000");
    expect(v.filled("bob", b)).toBe("0");
    expect(v.kinds(b)).toEqual(["accepted", "amended", "amended"]);
  });

  it("a size increase loses priority", () => {
    const v = new TestVenue();
    const a = v.limit("alice", "sell", "1", "100.00");
    const b = v.limit("bob", "sell", "1", "100.00");
    expect(v.exchange.amend("alice", a, { quantity: d("2") }).ok).toBe(true);
    v.market("x", "buy", "1");
    expect(v.filled("bob", b)).toBe("1.000");
    expect(v.filled("alice", a)).toBe("0");
  });

  it("an amend to a crossing price trades at once", () => {
    const v = new TestVenue();
    v.limit("alice", "sell", "1", "100.00");
    const b = v.limit("bob", "buy", "1", "99.00");
    expect(v.exchange.amend("bob", b, { price: d("100.00") }).ok).toBe(true);
    expect(v.status("bob", b)).toBe("filled");
    expect(v.kinds(b)).toEqual(["accepted", "amended", "filled"]);
  });

  it("refuses an amend below the filled quantity, with amend-rejected", () => {
    const v = new TestVenue();
    const a = v.limit("alice", "sell", "2", "100.00");
    v.market("x", "buy", "1");
    const r = v.exchange.amend("alice", a, { quantity: d("1") });
    expect(r.ok).toBe(false);
    expect(v.kinds(a).at(-1)).toBe("amend-rejected");
    expect(v.status("alice", a)).toBe("partially-filled");
  });

  it("cancel-all cancels only the account's open orders (of one instrument if given)", () => {
    const v = new TestVenue();
    const a1 = v.limit("alice", "buy", "1", "90.00");
    const a2 = v.limit("alice", "sell", "1", "110.00");
    const b1 = v.limit("bob", "buy", "1", "91.00");
    const r = v.exchange.cancelAll("alice", v.instrument.id);
    expect(r).toEqual({ ok: true, value: 2 });
    expect([v.status("alice", a1), v.status("alice", a2), v.status("bob", b1)]).toEqual([
      "canceled",
      "canceled",
      "accepted",
    ]);
    expect(d(v.balance("alice", "USDT").locked).isZero()).toBe(true);
  });

  it("canceling an unknown or ended order is OrderNotFoundError", () => {
    const v = new TestVenue();
    const r1 = v.exchange.cancel("bob", "nope");
    expect(!r1.ok && r1.error).toBeInstanceOf(OrderNotFoundError);
    v.limit("alice", "sell", "1", "100.00");
    const t = v.limit("bob", "buy", "1", "100.00");
    const r2 = v.exchange.cancel("bob", t);
    expect(!r2.ok && r2.error).toBeInstanceOf(OrderNotFoundError);
  });

  it("a duplicate client order id is refused without touching the live order", () => {
    const v = new TestVenue();
    const t = v.limit("bob", "buy", "1", "90.00");
    const before = v.events.length;
    const r = v.exchange.submit("bob", { ...v.request("buy", "1", { price: d("91") }), clientOrderId: t });
    expect(r.ok).toBe(false);
    expect(v.events.length).toBe(before);
    expect(v.exchange.openOrders("bob").length).toBe(1);
  });
});

describe("SimExchange funds", () => {
  it("locks funds for open spot orders and refuses what the account cannot afford", () => {
    const v = new TestVenue([btcUsdt()], { startingBalances: { USDT: "1000", BTC: "1" } });
    v.limit("bob", "buy", "5", "100.00");
    // 500 USDT × (1 + 0.002 highest fee)
    expect(d(v.balance("bob", "USDT").locked).eq("501")).toBe(true);
    const r = v.exchange.submit("bob", v.request("buy", "5", { price: d("100.00") }));
    expect(!r.ok && r.error).toBeInstanceOf(InsufficientFundsError);
    expect(v.kinds(r.ok ? "" : "c2")).toEqual(["rejected"]);
    const s = v.exchange.submit("bob", v.request("sell", "2", { price: d("200.00") }));
    expect(!s.ok && s.error).toBeInstanceOf(InsufficientFundsError);
  });

  it("a market buy must afford what the book would fill", () => {
    const v = new TestVenue([btcUsdt()], { startingBalances: { USDT: "150", BTC: "10" } });
    v.limit("alice", "sell", "1", "100.00");
    v.limit("alice", "sell", "1", "120.00");
    const r = v.exchange.submit("bob", v.request("buy", "2", { type: "market", timeInForce: "IOC" }));
    expect(!r.ok && r.error).toBeInstanceOf(InsufficientFundsError);
    const ok = v.market("bob", "buy", "1");
    expect(v.status("bob", ok)).toBe("filled");
  });
});

describe("SimExchange and external liquidity", () => {
  function withBook() {
    const v = new TestVenue();
    const id = v.instrument.id;
    const now = v.clock.now();
    v.exchange.applyMarketEvent({
      type: "book-snapshot",
      instrument: id,
      bids: [
        { price: d("99.00"), size: d("2") },
        { price: d("98.00"), size: d("2") },
      ],
      asks: [
        { price: d("101.00"), size: d("2") },
        { price: d("102.00"), size: d("2") },
      ],
      sequence: 1n,
      tsEventNs: now,
      tsRecvNs: now,
    });
    return v;
  }

  const trade = (v: TestVenue, price: string, size: string, aggressor: "buy" | "sell"): Trade => ({
    type: "trade",
    instrument: v.instrument.id,
    price: d(price),
    size: d(size),
    aggressor,
    tradeId: `x${price}${size}`,
    tsEventNs: v.clock.now(),
    tsRecvNs: v.clock.now(),
  });

  it("takers take external liquidity, which stays depleted until the source updates it", () => {
    const v = withBook();
    const t = v.limit("bob", "buy", "3", "102.00");
    expect(v.fillsOf(t).map((f) => `${f.quantity}@${f.price}`)).toEqual(["2.000@101.00", "1.000@102.00"]);
    expect(v.exchange.bestAsk(v.instrument.id)).toEqual({ price: d("102.00"), size: d("1.000") });
    v.exchange.applyMarketEvent({
      type: "book-delta",
      instrument: v.instrument.id,
      bids: [],
      asks: [{ price: d("101.00"), size: d("2") }],
      firstSequence: 2n,
      sequence: 2n,
      tsEventNs: v.clock.now(),
      tsRecvNs: v.clock.now(),
    });
    expect(v.exchange.bestAsk(v.instrument.id)?.price.toString()).toBe("101.00");
  });

  it("an external trade fills resting orders priced better than it", () => {
    const v = withBook();
    const inside = v.limit("bob", "buy", "1", "99.50");
    v.exchange.applyMarketEvent(trade(v, "99.00", "0.4", "sell"));
    expect(v.fillsOf(inside).map((f) => `${f.quantity}@${f.price}:${f.liquidity}`)).toEqual([
      "0.400@99.50:maker",
    ]);
  });

  it("at the trade's price, a resting order fills only after the external size queued ahead of it", () => {
    const v = withBook();
    const joined = v.limit("bob", "buy", "1", "99.00");
    v.exchange.applyMarketEvent(trade(v, "99.00", "1.5", "sell"));
    expect(v.filled("bob", joined)).toBe("0");
    v.exchange.applyMarketEvent(trade(v, "99.00", "1", "sell"));
    expect(v.filled("bob", joined)).toBe("0.500");
  });

  it("a smaller external level shortens the queue ahead", () => {
    const v = withBook();
    const joined = v.limit("bob", "buy", "1", "99.00");
    v.exchange.applyMarketEvent({
      type: "book-delta",
      instrument: v.instrument.id,
      bids: [{ price: d("99.00"), size: d("0.5") }],
      asks: [],
      firstSequence: 2n,
      sequence: 2n,
      tsEventNs: v.clock.now(),
      tsRecvNs: v.clock.now(),
    });
    v.exchange.applyMarketEvent(trade(v, "99.00", "1", "sell"));
    expect(v.filled("bob", joined)).toBe("0.500");
  });

  it("an external book moving through a resting order fills it at its own price", () => {
    const v = withBook();
    const bid = v.limit("bob", "buy", "1", "100.00");
    v.exchange.applyMarketEvent({
      type: "book-delta",
      instrument: v.instrument.id,
      bids: [],
      asks: [{ price: d("99.80"), size: d("0.7") }],
      firstSequence: 2n,
      sequence: 2n,
      tsEventNs: v.clock.now(),
      tsRecvNs: v.clock.now(),
    });
    expect(v.fillsOf(bid).map((f) => `${f.quantity}@${f.price}:${f.liquidity}`)).toEqual([
      "0.700@100.00:maker",
    ]);
    expect(v.exchange.bestAsk(v.instrument.id)?.price.toString()).toBe("101.00");
  });

  it("publishes the merged book: external size plus resting orders, sequenced", () => {
    const v = withBook();
    const seen: string[] = [];
    v.exchange.watch(v.instrument.id, "book");
    v.exchange.addListener({
      onMarketEvent: (e) => {
        if (e.type === "book-delta")
          seen.push(`${e.sequence}:${e.bids.map((l) => `${l.price}x${l.size}`).join(",")}`);
      },
    });
    const snap = v.exchange.bookSnapshot(v.instrument.id);
    v.limit("bob", "buy", "1", "99.00");
    expect(seen).toEqual([`${snap.sequence + 1n}:99.00x3.000`]);
  });
});

describe("SimExchange queries", () => {
  it("fills since a time, and the journal since a sequence", () => {
    const v = new TestVenue();
    v.limit("alice", "sell", "5", "100.00");
    v.limit("bob", "buy", "1", "100.00");
    v.clock.advanceBy(1000);
    const since = v.clock.now();
    v.limit("bob", "buy", "1", "100.00");
    expect(v.exchange.fills("bob").length).toBe(2);
    expect(v.exchange.fills("bob", since).length).toBe(1);
    const seq = v.exchange.lastEventSeq("bob");
    v.limit("bob", "buy", "1", "100.00");
    const { events, complete } = v.exchange.eventsSince("bob", seq);
    expect(complete).toBe(true);
    expect(events.map((e) => e.event.kind)).toEqual(["accepted", "filled"]);
  });
});
