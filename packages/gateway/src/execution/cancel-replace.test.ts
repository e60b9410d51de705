import { Decimal } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import type { OrderUpdate } from "./execution-engine.js";
import { MemoryOrderJournal } from "./memory-order-journal.js";
import { limitOrder, S1, S2, simWorld } from "./sim-world.test-support.js";

const VENUE_ACCOUNT = "default";

describe("ExecutionEngine: amend by cancel-replace on a venue without native amend", () => {
  it("cancels the original and sends a linked replacement with the new values", async () => {
    const journal = new MemoryOrderJournal();
    const w = await simWorld({ nativeAmend: false, journal });
    const updates: OrderUpdate[] = [];
    w.execution.onUpdate((u) => updates.push(u));
    await w.execution.submit(S1, limitOrder("a"));

    const replacement = await w.execution.amend(S1, "a", {
      price: Decimal.from("49500"),
      replacementClientOrderId: "a-2",
    });
    expect(replacement).toMatchObject({
      clientOrderId: "a-2",
      replacesClientOrderId: "a",
      status: "accepted",
    });
    expect(replacement.price?.normalize().toString()).toBe("49500");
    expect(replacement.quantity.normalize().toString()).toBe("1");
    expect(w.execution.order(S1, "a")?.status).toBe("canceled");
    expect(w.exchange.openOrders(VENUE_ACCOUNT).map((o) => o.clientOrderId)).toEqual(["a-2"]);
    expect(w.execution.openOrderCount()).toBe(1);
    // The replacement was written ahead like any new order, after the original's cancel.
    const trail = journal.entries.map((e) =>
      e.kind === "intent" ? `intent ${e.order.clientOrderId}` : `${e.order.clientOrderId} ${e.event.kind}`,
    );
    expect(trail.slice(3)).toEqual([
      "a pending-cancel",
      "a canceled",
      "intent a-2",
      "a-2 submitted",
      "a-2 accepted",
    ]);
    expect(updates.some((u) => u.order.clientOrderId === "a-2" && u.kind === "event")).toBe(true);
  });

  it("is idempotent on the replacement id", async () => {
    const w = await simWorld({ nativeAmend: false });
    await w.execution.submit(S1, limitOrder("a"));
    const first = await w.execution.amend(S1, "a", {
      price: Decimal.from("49500"),
      replacementClientOrderId: "a-2",
    });
    const requests = w.exchange.requestCount;
    const again = await w.execution.amend(S1, "a", {
      price: Decimal.from("49500"),
      replacementClientOrderId: "a-2",
    });
    expect(again).toBe(first);
    expect(w.exchange.requestCount).toBe(requests);
    await expect(
      w.execution.amend(S1, "a", { price: Decimal.from("49400"), replacementClientOrderId: "a" }),
    ).rejects.toMatchObject({ code: "ORDER_INVALID", context: { field: "replacementClientOrderId" } });
  });

  it("replaces only what is left after fills", async () => {
    const w = await simWorld({ nativeAmend: false });
    await w.execution.submit(
      S1,
      limitOrder("a", { quantity: Decimal.from("3"), price: Decimal.from("49990") }),
    );
    // The external book trades through 49 990: the resting bid fills partly.
    w.exchange.applyMarketEvent({
      type: "trade",
      instrument: limitOrder("x").instrument,
      price: Decimal.from("49980"),
      // 5 external lots at 49 990 were ahead of the order: 0.5 is left for it.
      size: Decimal.from("5.5"),
      aggressor: "sell",
      tradeId: "t1",
      tsEventNs: w.clock.now(),
      tsRecvNs: w.clock.now(),
    });
    const original = w.execution.order(S1, "a")!;
    expect(original.status).toBe("partially-filled");
    const filled = original.filledQuantity;
    expect(filled.isPositive()).toBe(true);

    const replacement = await w.execution.amend(S1, "a", {
      quantity: Decimal.from("4"),
      price: Decimal.from("49000"),
      replacementClientOrderId: "a-2",
    });
    expect(filled.normalize().toString()).toBe("0.5");
    expect(replacement.quantity.normalize().toString()).toBe("3.5");
    expect(replacement.replacesClientOrderId).toBe("a");
  });

  it("denies the replacement when the original fills before the cancel lands", async () => {
    const w = await simWorld({ nativeAmend: false, latencyMs: 1 });
    const submitted = w.execution.submit(S1, limitOrder("a", { price: Decimal.from("49990") }));
    w.clock.advanceBy(5);
    expect((await submitted).status).toBe("accepted");
    // The market trades through the bid: the venue fills it, and the fill is still on the wire.
    w.exchange.applyMarketEvent({
      type: "trade",
      instrument: limitOrder("x").instrument,
      price: Decimal.from("49980"),
      size: Decimal.from("20"),
      aggressor: "sell",
      tradeId: "t1",
      tsEventNs: w.clock.now(),
      tsRecvNs: w.clock.now(),
    });
    const amending = w.execution.amend(S1, "a", {
      price: Decimal.from("49500"),
      replacementClientOrderId: "a-2",
    });
    w.clock.advanceBy(5);
    const replacement = await amending;
    expect(w.execution.order(S1, "a")?.status).toBe("filled");
    expect(replacement).toMatchObject({
      status: "denied",
      replacesClientOrderId: "a",
      lastReason: { code: "REPLACE_FAILED" },
    });
    expect(w.exchange.order(VENUE_ACCOUNT, "a-2")).toBeUndefined();
    expect(w.execution.openOrderCount()).toBe(0);
  });

  it("denies a replacement that breaks a risk limit and leaves the original working", async () => {
    const w = await simWorld({ nativeAmend: false, limits: { priceBandBps: "100" } });
    await w.execution.submit(S1, limitOrder("a", { price: Decimal.from("49990") }));
    const replacement = await w.execution.amend(S1, "a", {
      price: Decimal.from("40000"),
      replacementClientOrderId: "a-2",
    });
    expect(replacement).toMatchObject({ status: "denied", lastReason: { code: "RISK_PRICE_BAND" } });
    expect(w.execution.order(S1, "a")?.status).toBe("accepted");
  });

  it("keeps the replacement within the strategy", async () => {
    const w = await simWorld({ nativeAmend: false });
    await w.execution.submit(S1, limitOrder("a"));
    await w.execution.amend(S1, "a", { price: Decimal.from("49500"), replacementClientOrderId: "a-2" });
    expect(w.execution.orders(S1).map((o) => o.clientOrderId)).toEqual(["a", "a-2"]);
    expect(() => w.execution.order(S2, "a-2")).toThrow(
      expect.objectContaining({ code: "PERMISSION_DENIED" }),
    );
  });
});
