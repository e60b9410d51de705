import { Decimal, instrumentId, Money, OrderError, Portfolio } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import type { RiskLimitsConfig } from "../risk/risk-limits.js";
import { ExecutionError, type OrderUpdate } from "./execution-engine.js";
import { MemoryOrderJournal } from "./memory-order-journal.js";
import { BTC, deferred, limitOrder, marketOrder, S1, S2, simWorld } from "./sim-world.test-support.js";

const VENUE_ACCOUNT = "default";

describe("ExecutionEngine: submit", () => {
  it("takes an order through submitted to accepted at the venue, and fills into positions", async () => {
    const w = await simWorld();
    const updates: OrderUpdate[] = [];
    w.execution.onUpdate((u) => updates.push(u));

    const resting = await w.execution.submit(S1, limitOrder("o1"));
    expect(resting).toMatchObject({ status: "accepted", strategyId: "s1", account: "acct-1" });
    expect(resting.venueOrderId).toBeDefined();
    expect(w.exchange.openOrders(VENUE_ACCOUNT)).toHaveLength(1);

    const taken = await w.execution.submit(S1, marketOrder("o2", "buy", "2"));
    expect(taken.status).toBe("filled");
    expect(taken.filledQuantity.normalize().toString()).toBe("2");
    expect(w.positions.quantity("acct-1", BTC.id).normalize().toString()).toBe("2");
    expect(w.positions.quantity("acct-2", BTC.id).isZero()).toBe(true);

    const kinds = updates
      .filter((u) => u.order.clientOrderId === "o2")
      .map((u) => (u.kind === "fill" ? "fill" : u.event.kind));
    expect(kinds).toEqual(["submitted", "accepted", "filled", "fill"]);
    expect(w.execution.counters).toMatchObject({ ordersSubmitted: 2, fills: 1 });
    expect(w.execution.openOrderCount()).toBe(1);
  });

  it("feeds fills into a core Portfolio under the order's strategy and account", async () => {
    const portfolio = new Portfolio({ reportCurrency: "USDT" });
    const w = await simWorld({ portfolio });
    await w.execution.submit(S1, marketOrder("m1", "buy", "1.5"));
    await w.execution.submit(S2, marketOrder("m2", "sell", "0.5"));
    expect(portfolio.position("acct-1", BTC.id, "s1")?.quantity.normalize().toString()).toBe("1.5");
    expect(portfolio.position("acct-2", BTC.id, "s2")?.quantity.normalize().toString()).toBe("-0.5");
  });

  it("returns the same order for a resubmit and sends nothing more", async () => {
    const w = await simWorld();
    const first = await w.execution.submit(S1, limitOrder("o1"));
    const requests = w.exchange.requestCount;
    const again = await w.execution.submit(S1, limitOrder("o1"));
    expect(again).toBe(first);
    expect(w.exchange.requestCount).toBe(requests);
    expect(w.execution.orders(S1)).toHaveLength(1);
    // A denied order keeps its id too.
    const denied = await w.execution.submit(S1, limitOrder("big", { quantity: Decimal.from("100000000") }));
    const deniedAgain = await w.execution.submit(
      S1,
      limitOrder("big", { quantity: Decimal.from("100000000") }),
    );
    expect(deniedAgain).toBe(denied);
  });

  it("returns one order to concurrent resubmits while the write-ahead is in flight", async () => {
    const journal = new MemoryOrderJournal();
    const gate = deferred();
    const record = journal.recordIntent.bind(journal);
    journal.recordIntent = async (order) => {
      await gate.promise;
      await record(order);
    };
    const w = await simWorld({ journal });
    const submits = Array.from({ length: 5 }, () => w.execution.submit(S1, limitOrder("o1")));
    expect(w.exchange.requestCount).toBe(0);
    gate.resolve();
    const orders = await Promise.all(submits);
    expect(new Set(orders.map((o) => o.venueOrderId)).size).toBe(1);
    expect(orders.every((o) => o.status === "accepted")).toBe(true);
    expect(w.exchange.requestCount).toBe(1);
    expect(journal.entries.filter((e) => e.kind === "intent")).toHaveLength(1);
  });

  it("refuses a different order under a used client order id", async () => {
    const w = await simWorld();
    await w.execution.submit(S1, limitOrder("o1"));
    await expect(
      w.execution.submit(S1, limitOrder("o1", { price: Decimal.from("48000") })),
    ).rejects.toMatchObject({
      code: "ORDER_MISMATCH",
      context: { field: "price" },
    });
  });

  it.each([
    ["unknown venue", limitOrder("x", { instrument: instrumentId("BTC/USDT", "nowhere") }), "instrument"],
    ["unknown instrument", limitOrder("x", { instrument: instrumentId("DOGE/USDT", "sim") }), "instrument"],
    ["off-tick price", limitOrder("x", { price: Decimal.from("49000.001") }), "price"],
    ["zero quantity", limitOrder("x", { quantity: Decimal.ZERO }), "quantity"],
    ["market with a price", { ...marketOrder("x", "buy", "1"), price: Decimal.from("1") }, "price"],
    ["empty id", limitOrder(""), "clientOrderId"],
  ])(
    "refuses a malformed request (%s) with ORDER_INVALID naming the field",
    async (_name, request, field) => {
      const w = await simWorld();
      const error = await w.execution.submit(S1, request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OrderError);
      expect(error).toMatchObject({ code: "ORDER_INVALID", context: { field } });
      expect(w.exchange.requestCount).toBe(0);
    },
  );

  it("turns a venue refusal into a rejected order with the venue's code", async () => {
    const w = await simWorld();
    // Post-only at the ask would take liquidity: the venue rejects it.
    const order = await w.execution.submit(
      S1,
      limitOrder("po", { price: Decimal.from("50010"), postOnly: true }),
    );
    expect(order.status).toBe("rejected");
    expect(order.lastReason?.code).toBe("POST_ONLY_WOULD_CROSS");
    expect(w.execution.counters.ordersRejected.POST_ONLY_WOULD_CROSS).toBe(1);
    // Funds: the venue account cannot pay for this.
    const broke = await w.execution.submit(
      S1,
      limitOrder("broke", { price: Decimal.from("49990"), quantity: Decimal.from("9000") }),
    );
    expect(broke.status).toBe("rejected");
    expect(broke.lastReason?.code).toBe("INSUFFICIENT_FUNDS");
  });
});

describe("ExecutionEngine: pre-trade risk", () => {
  const cases: Array<[string, RiskLimitsConfig, () => ReturnType<typeof limitOrder>]> = [
    ["RISK_MAX_ORDER_QTY", { maxOrderQuantity: "0.5" }, () => limitOrder("r")],
    ["RISK_MAX_NOTIONAL", { maxOrderNotional: "40000" }, () => limitOrder("r")],
    ["RISK_PRICE_BAND", { priceBandBps: "100" }, () => limitOrder("r", { price: Decimal.from("40000") })],
    ["RISK_MAX_POSITION", { maxPositionPerInstrument: "0.5" }, () => limitOrder("r")],
    ["RISK_MAX_GROSS_EXPOSURE", { maxGrossExposure: "10000" }, () => limitOrder("r")],
    ["RISK_MAX_NET_EXPOSURE", { maxNetExposure: "10000" }, () => limitOrder("r")],
  ];
  it.each(cases)("denies with %s and never reaches the venue", async (code, limits, request) => {
    const w = await simWorld({ limits });
    const updates: OrderUpdate[] = [];
    w.execution.onUpdate((u) => updates.push(u));
    const order = await w.execution.submit(S1, request());
    expect(order.status).toBe("denied");
    expect(order.lastReason?.code).toBe(code);
    expect(w.exchange.requestCount).toBe(0);
    expect(updates).toEqual([
      { kind: "event", strategyId: "s1", order, event: expect.objectContaining({ kind: "denied" }) },
    ]);
    expect(w.execution.counters.ordersDenied[code]).toBe(1);
  });

  it("counts working orders and fills towards the position limit", async () => {
    const w = await simWorld({ limits: { maxPositionPerInstrument: "2" } });
    expect((await w.execution.submit(S1, marketOrder("m1", "buy", "1"))).status).toBe("filled");
    expect((await w.execution.submit(S1, limitOrder("l1"))).status).toBe("accepted");
    const over = await w.execution.submit(S1, limitOrder("l2", { quantity: Decimal.from("0.0001") }));
    expect(over.lastReason?.code).toBe("RISK_MAX_POSITION");
    // Another account has its own position.
    expect((await w.execution.submit(S2, limitOrder("s2-l1"))).status).toBe("accepted");
  });

  it("denies beyond the open-order limit and the order rate", async () => {
    const w = await simWorld({ limits: { maxOpenOrders: 2, maxOrdersPerSecond: 3 } });
    await w.execution.submit(S1, limitOrder("a"));
    await w.execution.submit(S1, limitOrder("b"));
    expect((await w.execution.submit(S1, limitOrder("c"))).lastReason?.code).toBe("RISK_MAX_OPEN_ORDERS");
    await w.execution.cancel(S1, "a");
    expect((await w.execution.submit(S1, limitOrder("d"))).status).toBe("accepted");
    await w.execution.cancel(S1, "d");
    expect((await w.execution.submit(S1, limitOrder("e"))).lastReason?.code).toBe("RISK_RATE_LIMIT");
    w.clock.advanceBy(1000);
    expect((await w.execution.submit(S1, limitOrder("f"))).status).toBe("accepted");
  });

  it("reducing-only allows only orders that shrink the position; halted allows nothing new", async () => {
    const w = await simWorld();
    await w.execution.submit(S1, marketOrder("m1", "buy", "2"));
    w.execution.setTradingState("reducing-only", "test");
    expect((await w.execution.submit(S1, limitOrder("buy"))).lastReason?.code).toBe("REDUCE_ONLY_STATE");
    expect(
      (
        await w.execution.submit(
          S1,
          limitOrder("flip", { side: "sell", price: Decimal.from("51000"), quantity: Decimal.from("3") }),
        )
      ).lastReason?.code,
    ).toBe("REDUCE_ONLY_STATE");
    const reduce = await w.execution.submit(S1, marketOrder("sell", "sell", "1.5"));
    expect(reduce.status).toBe("filled");
    expect(w.positions.quantity("acct-1", BTC.id).normalize().toString()).toBe("0.5");

    w.execution.setTradingState("halted", "test");
    expect((await w.execution.submit(S1, marketOrder("sell2", "sell", "0.5"))).lastReason?.code).toBe(
      "TRADING_HALTED",
    );
    // Cancels still go out while halted.
    w.execution.setTradingState("active", "test");
    await w.execution.submit(S1, limitOrder("rest"));
    w.execution.setTradingState("halted", "test");
    expect((await w.execution.cancel(S1, "rest")).status).toBe("canceled");
  });

  it("kill switch cancels every open order at the venue and stops new ones until released", async () => {
    const w = await simWorld();
    await w.execution.submit(S1, limitOrder("a"));
    await w.execution.submit(S1, limitOrder("b"));
    await w.execution.submit(S2, limitOrder("c"));
    expect(w.exchange.openOrders(VENUE_ACCOUNT)).toHaveLength(3);

    expect(await w.execution.engageKillSwitch("runaway strategy")).toEqual({ canceled: 3 });
    expect(w.exchange.openOrders(VENUE_ACCOUNT)).toHaveLength(0);
    expect(w.execution.openOrderCount()).toBe(0);
    expect(w.execution.orders(S1).map((o) => o.status)).toEqual(["canceled", "canceled"]);
    expect(w.execution.killSwitchEngaged).toBe(true);
    const denied = await w.execution.submit(S1, limitOrder("d"));
    expect(denied.lastReason).toMatchObject({ code: "TRADING_HALTED" });
    expect(denied.lastReason?.message).toContain("runaway strategy");

    expect(w.execution.releaseKillSwitch("fixed")).toBe(true);
    expect((await w.execution.submit(S1, limitOrder("e"))).status).toBe("accepted");
  });
});

describe("ExecutionEngine: write-ahead journal", () => {
  it("awaits recordIntent before the venue sees the order", async () => {
    const journal = new MemoryOrderJournal();
    const gate = deferred();
    const seen: string[] = [];
    const record = journal.recordIntent.bind(journal);
    journal.recordIntent = async (order) => {
      seen.push(
        `intent:${order.status}:venue-has-it=${w.exchange.order(VENUE_ACCOUNT, order.clientOrderId) !== undefined}`,
      );
      await gate.promise;
      await record(order);
    };
    const w = await simWorld({ journal });
    const pending = w.execution.submit(S1, limitOrder("o1"));
    await Promise.resolve();
    expect(w.exchange.requestCount).toBe(0);
    expect(w.execution.order(S1, "o1")?.status).toBe("initialized");
    gate.resolve();
    const order = await pending;
    expect(order.status).toBe("accepted");
    expect(seen).toEqual(["intent:initialized:venue-has-it=false"]);
    expect(journal.entries.map((e) => (e.kind === "intent" ? "intent" : e.event.kind))).toEqual([
      "intent",
      "submitted",
      "accepted",
    ]);
  });

  it("ends an order canceled while its intent is being written, without sending it", async () => {
    const journal = new MemoryOrderJournal();
    const gate = deferred();
    const record = journal.recordIntent.bind(journal);
    journal.recordIntent = async (order) => {
      await gate.promise;
      await record(order);
    };
    const w = await simWorld({ journal });
    const submitting = w.execution.submit(S1, limitOrder("o1"));
    expect((await w.execution.cancel(S1, "o1")).status).toBe("canceled");
    gate.resolve();
    expect((await submitting).status).toBe("canceled");
    expect(w.exchange.requestCount).toBe(0);
    expect(w.execution.openOrderCount()).toBe(0);
  });

  it("kill switch cancels orders still on their way to the venue once they land", async () => {
    const w = await simWorld({ latencyMs: 1 });
    const submitting = [w.execution.submit(S1, limitOrder("a")), w.execution.submit(S2, limitOrder("b"))];
    const killing = w.execution.engageKillSwitch("test");
    for (let i = 0; i < 10; i++) {
      w.clock.advanceBy(1);
      await new Promise((r) => setImmediate(r));
    }
    expect(await killing).toEqual({ canceled: 2 });
    await Promise.all(submitting);
    expect(w.exchange.openOrders(VENUE_ACCOUNT)).toHaveLength(0);
    expect(w.execution.openOrderCount()).toBe(0);
  });

  it("denies new orders with AUDIT_UNAVAILABLE while the journal is down, but still cancels", async () => {
    const journal = new MemoryOrderJournal();
    const w = await simWorld({ journal });
    await w.execution.submit(S1, limitOrder("o1"));
    journal.available = false;
    const denied = await w.execution.submit(S1, limitOrder("o2"));
    expect(denied).toMatchObject({ status: "denied", lastReason: { code: "AUDIT_UNAVAILABLE" } });
    expect(w.exchange.order(VENUE_ACCOUNT, "o2")).toBeUndefined();
    expect((await w.execution.cancel(S1, "o1")).status).toBe("canceled");
    journal.available = true;
    expect((await w.execution.submit(S1, limitOrder("o3"))).status).toBe("accepted");
  });

  it("denies with AUDIT_UNAVAILABLE when the intent write fails", async () => {
    const journal = new MemoryOrderJournal();
    journal.recordIntent = () => Promise.reject(new Error("connection refused"));
    const w = await simWorld({ journal });
    const order = await w.execution.submit(S1, limitOrder("o1"));
    expect(order).toMatchObject({ status: "denied", lastReason: { code: "AUDIT_UNAVAILABLE" } });
    expect(w.exchange.requestCount).toBe(0);
  });

  it("keeps the hot path going when recordEvent throws", async () => {
    const journal = new MemoryOrderJournal();
    journal.recordEvent = () => {
      throw new Error("queue full");
    };
    const w = await simWorld({ journal });
    expect((await w.execution.submit(S1, limitOrder("o1"))).status).toBe("accepted");
    expect(w.execution.counters.journalErrors).toBe(2);
  });
});

describe("ExecutionEngine: cancel and amend", () => {
  it("cancels idempotently and cancels all of one strategy only", async () => {
    const w = await simWorld();
    await w.execution.submit(S1, limitOrder("a"));
    await w.execution.submit(S1, limitOrder("b", { side: "sell", price: Decimal.from("51000") }));
    await w.execution.submit(S2, limitOrder("c"));
    expect((await w.execution.cancel(S1, "a")).status).toBe("canceled");
    const requests = w.exchange.requestCount;
    expect((await w.execution.cancel(S1, "a")).status).toBe("canceled");
    expect(w.exchange.requestCount).toBe(requests);

    const all = await w.execution.cancelAll(S1);
    expect(all.map((o) => [o.clientOrderId, o.status])).toEqual([["b", "canceled"]]);
    expect(w.execution.order(S2, "c")?.status).toBe("accepted");
    expect(await w.execution.cancelStrategyOrders("s2")).toBe(1);
    expect(w.execution.openOrderCount()).toBe(0);
  });

  it("amends natively when the venue supports it", async () => {
    const w = await simWorld();
    await w.execution.submit(S1, limitOrder("a"));
    const amended = await w.execution.amend(S1, "a", {
      price: Decimal.from("49500"),
      quantity: Decimal.from("2"),
    });
    expect(amended).toMatchObject({ status: "accepted", clientOrderId: "a" });
    expect(amended.price?.normalize().toString()).toBe("49500");
    expect(amended.quantity.normalize().toString()).toBe("2");
    expect(w.execution.counters.amendsSent).toBe(1);
  });

  it("rejects an amend that breaks a risk limit, leaving the order as it was", async () => {
    const w = await simWorld({ limits: { maxOrderQuantity: "2" } });
    await w.execution.submit(S1, limitOrder("a"));
    const order = await w.execution.amend(S1, "a", { quantity: Decimal.from("3") });
    expect(order).toMatchObject({ status: "accepted", lastReason: { code: "RISK_MAX_ORDER_QTY" } });
    expect(order.quantity.normalize().toString()).toBe("1");
    expect(w.execution.counters.amendsSent).toBe(0);
  });

  it("refuses to amend an order that has ended", async () => {
    const w = await simWorld();
    await w.execution.submit(S1, limitOrder("a"));
    await w.execution.cancel(S1, "a");
    await expect(w.execution.amend(S1, "a", { price: Decimal.from("48000") })).rejects.toMatchObject({
      code: "ORDER_ILLEGAL_TRANSITION",
    });
    await expect(w.execution.amend(S1, "a", {})).rejects.toMatchObject({ code: "ORDER_INVALID" });
  });
});

describe("ExecutionEngine: isolation", () => {
  it("lets a strategy see and touch only its own orders", async () => {
    const w = await simWorld();
    await w.execution.submit(S1, limitOrder("mine"));
    expect(w.execution.orders(S2)).toEqual([]);
    expect(() => w.execution.order(S2, "mine")).toThrow(ExecutionError);
    expect(() => w.execution.order(S2, "mine")).toThrow(
      expect.objectContaining({ code: "PERMISSION_DENIED" }),
    );
    await expect(w.execution.cancel(S2, "mine")).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await expect(w.execution.amend(S2, "mine", { price: Decimal.from("1") })).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
    });
    expect(await w.execution.cancelAll(S2)).toEqual([]);
    expect(w.execution.order(S1, "mine")?.status).toBe("accepted");
    expect(w.execution.order(S2, "nobody")).toBeUndefined();
    await expect(w.execution.cancel(S2, "nobody")).rejects.toMatchObject({ code: "ORDER_NOT_FOUND" });
  });

  it("refuses a request that names another strategy or account", async () => {
    const w = await simWorld();
    await expect(w.execution.submit(S1, limitOrder("x", { strategyId: "s2" }))).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
    });
    await expect(w.execution.submit(S1, limitOrder("x", { account: "acct-2" }))).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
    });
  });

  it("keeps client order ids unique per venue across strategies", async () => {
    const w = await simWorld();
    await w.execution.submit(S1, limitOrder("same"));
    await expect(w.execution.submit(S2, limitOrder("same"))).rejects.toMatchObject({
      code: "ORDER_INVALID",
      context: { field: "clientOrderId" },
    });
  });
});

describe("ExecutionEngine: venue events", () => {
  it("drops duplicates, ignores stale reports and survives illegal ones", async () => {
    const w = await simWorld();
    const filled = await w.execution.submit(S1, marketOrder("m", "buy", "1"));
    const fillUpdates: OrderUpdate[] = [];
    w.execution.onUpdate((u) => fillUpdates.push(u));
    const fill = w.exchange.fills(VENUE_ACCOUNT)[0]!;
    const ts = w.clock.now();

    w.execution.handleVenueOrderEvent("sim", "m", { kind: "filled", fill, tsNs: ts });
    w.execution.handleVenueOrderEvent("sim", "m", { kind: "accepted", venueOrderId: "late", tsNs: ts });
    w.execution.handleVenueOrderEvent("sim", "m", { kind: "submitted", tsNs: ts });
    expect(w.execution.counters.duplicateVenueEvents).toBe(3);
    expect(fillUpdates).toEqual([]);
    expect(w.positions.quantity("acct-1", BTC.id).normalize().toString()).toBe("1");

    expect(() =>
      w.execution.handleVenueOrderEvent("sim", "m", {
        kind: "rejected",
        reason: { code: "X", message: "late rejection" },
        tsNs: ts,
      }),
    ).not.toThrow();
    expect(w.execution.counters.illegalTransitions).toBe(1);
    w.execution.handleVenueOrderEvent("sim", "ghost", { kind: "canceled", tsNs: ts });
    expect(w.execution.counters.unknownOrderEvents).toBe(1);
    expect(w.execution.counters.venueEventErrors).toBe(2);
    expect(w.execution.order(S1, "m")).toBe(filled);
  });

  it("applies a fill that overtakes the acknowledgement", async () => {
    const w = await simWorld({ latencyMs: 1 });
    const pending = w.execution.submit(S1, limitOrder("a"));
    expect(w.execution.order(S1, "a")?.status).toBe("submitted");
    const ts = w.clock.now();
    w.execution.handleVenueOrderEvent("sim", "a", {
      kind: "filled",
      fill: {
        fillId: "f-early",
        clientOrderId: "a",
        venueOrderId: "v-1",
        instrument: BTC.id,
        side: "buy",
        price: Decimal.from("49000"),
        quantity: Decimal.from("0.4"),
        fee: Money.zero("USDT"),
        liquidity: "maker",
        tsEventNs: ts,
        strategyId: "s1",
        account: "acct-1",
      },
      tsNs: ts,
    });
    expect(w.execution.order(S1, "a")).toMatchObject({ status: "partially-filled", venueOrderId: "v-1" });
    w.clock.advanceBy(5);
    const order = await pending;
    // The venue's ack arrives after the fill: it changes nothing.
    expect(order).toMatchObject({ status: "partially-filled", venueOrderId: "v-1" });
    expect(w.positions.quantity("acct-1", BTC.id).normalize().toString()).toBe("0.4");
  });
});
