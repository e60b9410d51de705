import {
  Decimal,
  type Fill,
  InsufficientFundsError,
  InvalidOrderError,
  isTerminal,
  type MarketEvent,
  NotSupportedError,
  OpenfloorError,
  OrderError,
  OrderNotFoundError,
  type OrderType,
  type TimeInForce,
} from "@openfloor/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkBookStream } from "./book-stream.js";
import { ConformanceDriver } from "./driver.js";
import type { ConformanceOptions, MakeHarness } from "./harness.js";
import type { TrackedOrder } from "./recording-sink.js";

/** Names of the tests `runConformanceSuite` registers, by group (for docs and reports). */
export const CONFORMANCE_TESTS = {
  instruments: [
    "loadInstruments lists valid instruments of this venue",
    "instrument(id) finds every loaded instrument",
  ],
  capabilities: ["declares a usable capability map"],
  "market data": [
    "book: snapshot first, then sequenced deltas on the tick grid",
    "trades: normalized, on the grid, positive size",
    "quotes: bid below ask, on the grid",
    "bars: consistent OHLCV",
    "unsubscribe stops the stream",
  ],
  "order lifecycle": [
    "limit order: accepted, listed as open, then canceled",
    "marketable limit order fills; fills sum to the filled quantity",
    "market order fills",
    "partial fill leaves the rest open until canceled",
    "amend (or cancel-replace) a resting order",
    "cancelAllOrders cancels every open order",
    "fetchOpenOrders and fetchFills agree with the events",
    "a duplicate client order id never creates a second order",
  ],
  "bad input is refused before the venue": [
    "unknown symbol → InvalidOrderError",
    "size below the minimum → InvalidOrderError",
    "price off the tick grid → InvalidOrderError",
    "unsupported order type or time in force → NotSupportedError",
  ],
  "error mapping": [
    "canceling an unknown order → OrderNotFoundError",
    "insufficient funds → InsufficientFundsError",
  ],
  reconnect: [
    "a dropped connection reconnects and resyncs the book from a fresh snapshot",
    "a sequence gap resyncs the book from a fresh snapshot",
    "an order placed across a dropped connection is accounted for",
  ],
  reconciliation: [
    "fetchBalances: exact decimals, total = free + locked",
    "fetchPositions: known instruments",
  ],
} as const;

const ALL_TYPES: readonly OrderType[] = ["market", "limit", "stop-market", "stop-limit"];
const ALL_TIF: readonly TimeInForce[] = ["GTC", "IOC", "FOK", "GTD", "DAY"];

/**
 * Registers the adapter conformance suite with vitest: one `describe` block of tests every adapter
 * must pass, run against a fresh harness per test. Tests whose capability the venue does not declare,
 * or whose harness hook is missing, are skipped with a note saying which.
 *
 * @example
 * // my-venue.conformance.test.ts
 * import { runConformanceSuite } from "@openfloor/adapters/testing";
 * runConformanceSuite("my-venue", async (kit) => {
 *   const adapter = new MyVenueAdapter(config, kit.context());
 *   return {
 *     adapter,
 *     instrument: instrumentId("BTC/USDT", "my-venue"),
 *     marketablePrice: async (side) => ..., // through the touch
 *     restingPrice: async (side) => ...,    // far from the touch
 *   };
 * });
 */
export function runConformanceSuite(
  name: string,
  makeHarness: MakeHarness,
  options: ConformanceOptions = {},
): void {
  const timeout = options.testTimeoutMs ?? 30_000;
  describe(`${name}: adapter conformance`, () => {
    let d: ConformanceDriver;

    beforeEach(async () => {
      d = new ConformanceDriver(options);
      await d.start(makeHarness);
    }, timeout);

    afterEach(async () => {
      await d?.stop();
    }, timeout);

    describe("instruments", () => {
      it("loadInstruments lists valid instruments of this venue", async () => {
        const list = await d.during(d.adapter.loadInstruments(), "loadInstruments()");
        expect(list.length).toBeGreaterThan(0);
        for (const i of list) {
          const where = `${i.id.symbol}:${i.id.venue}`;
          expect(i.id.venue, where).toBe(d.adapter.venue);
          expect(i.id.symbol.length, where).toBeGreaterThan(0);
          expect(i.priceIncrement.isPositive(), `${where} priceIncrement`).toBe(true);
          expect(i.sizeIncrement.isPositive(), `${where} sizeIncrement`).toBe(true);
          expect(i.minSize.isNegative(), `${where} minSize`).toBe(false);
          expect(i.minNotional.isNegative(), `${where} minNotional`).toBe(false);
          expect(i.multiplier.isPositive(), `${where} multiplier`).toBe(true);
          expect(i.base.length > 0 && i.quote.length > 0, `${where} currencies`).toBe(true);
          expect(Object.isFrozen(i), `${where} is a frozen core Instrument (use defineInstrument)`).toBe(
            true,
          );
        }
      });

      it("instrument(id) finds every loaded instrument", async () => {
        const list = await d.during(d.adapter.loadInstruments(), "loadInstruments()");
        for (const i of list) expect(d.adapter.instrument(i.id)?.id).toEqual(i.id);
        expect(d.adapter.instrument({ symbol: "NO/SUCH-SYMBOL", venue: d.adapter.venue })).toBeUndefined();
      });
    });

    describe("capabilities", () => {
      it("declares a usable capability map", () => {
        const c = d.adapter.capabilities;
        expect(c.orderTypes, "orderTypes").toContain("limit");
        expect(c.timeInForce.length, "timeInForce").toBeGreaterThan(0);
        for (const t of c.orderTypes) expect(ALL_TYPES).toContain(t);
        for (const t of c.timeInForce) expect(ALL_TIF).toContain(t);
        expect(c.timeInForce.includes("GTC"), "GTC is needed for resting orders").toBe(true);
      });
    });

    describe("market data", () => {
      it("book: snapshot first, then sequenced deltas on the tick grid", async (ctx) => {
        ctx.skip(!d.adapter.capabilities.marketData.book, "the venue declares no book data");
        await d.during(
          d.adapter.subscribe({ instrument: d.instrument.id, channel: "book" }),
          "subscribe(book)",
        );
        await d.waitFor(() => bookEvents(d).some((e) => e.type === "book-snapshot"), "a book snapshot");
        // Resting orders change the book on every venue that shows them; the market moves it too.
        const t = await d.restingOrder("buy");
        await d.cancel(t);
        await d.waitFor(() => bookEvents(d).some((e) => e.type === "book-delta"), "a book delta");
        const report = checkBookStream(d.sink.marketEvents, d.instrument);
        expect(report.problems).toEqual([]);
        expect(bookEvents(d)[0]?.type, "the first book event").toBe("book-snapshot");
      });

      it("trades: normalized, on the grid, positive size", async (ctx) => {
        ctx.skip(!d.adapter.capabilities.marketData.trades, "the venue declares no trade data");
        await d.during(
          d.adapter.subscribe({ instrument: d.instrument.id, channel: "trades" }),
          "subscribe(trades)",
        );
        await fillOne(d, "buy");
        await d.waitFor(() => trades(d).length > 0, "a trade");
        for (const t of trades(d)) {
          expect(t.price.isMultipleOf(d.instrument.priceIncrement), `trade price ${t.price}`).toBe(true);
          expect(t.size.isPositive(), `trade size ${t.size}`).toBe(true);
          expect(["buy", "sell"]).toContain(t.aggressor);
          expect(t.tradeId.length).toBeGreaterThan(0);
          expect(t.tsRecvNs >= t.tsEventNs || t.tsRecvNs > 0n).toBe(true);
        }
      });

      it("quotes: bid below ask, on the grid", async (ctx) => {
        ctx.skip(!d.adapter.capabilities.marketData.quotes, "the venue declares no quote data");
        await d.during(
          d.adapter.subscribe({ instrument: d.instrument.id, channel: "quotes" }),
          "subscribe(quotes)",
        );
        const t = await d.restingOrder("buy");
        await d.cancel(t);
        await d.waitFor(() => quotes(d).length > 0, "a quote");
        for (const q of quotes(d)) {
          expect(q.bidPrice.isMultipleOf(d.instrument.priceIncrement), `bid ${q.bidPrice}`).toBe(true);
          expect(q.askPrice.isMultipleOf(d.instrument.priceIncrement), `ask ${q.askPrice}`).toBe(true);
          expect(q.bidPrice.lt(q.askPrice), `bid ${q.bidPrice} < ask ${q.askPrice}`).toBe(true);
          expect(q.bidSize.isNegative() || q.askSize.isNegative()).toBe(false);
        }
      });

      it("bars: consistent OHLCV", async (ctx) => {
        ctx.skip(!d.adapter.capabilities.marketData.bars, "the venue declares no native bars");
        const interval = options.barInterval ?? "1s";
        await d.during(
          d.adapter.subscribe({ instrument: d.instrument.id, channel: "bars", interval }),
          "subscribe(bars)",
        );
        await fillOne(d, "buy");
        await d.waitFor(() => bars(d).length > 0, `a ${interval} bar`);
        for (const b of bars(d)) {
          expect(b.interval).toBe(interval);
          expect(b.low.lte(b.open) && b.low.lte(b.close) && b.high.gte(b.open) && b.high.gte(b.close)).toBe(
            true,
          );
          expect(b.volume.isNegative()).toBe(false);
          expect(b.tsCloseNs > b.tsOpenNs).toBe(true);
        }
      });

      it("unsubscribe stops the stream", async (ctx) => {
        ctx.skip(!d.adapter.capabilities.marketData.book, "the venue declares no book data");
        const sub = { instrument: d.instrument.id, channel: "book" } as const;
        await d.during(d.adapter.subscribe(sub), "subscribe(book)");
        await d.waitFor(() => bookEvents(d).length > 0, "a book snapshot");
        await d.during(d.adapter.unsubscribe(sub), "unsubscribe(book)");
        await d.idle(50);
        const seen = bookEvents(d).length;
        const t = await d.restingOrder("buy");
        await d.cancel(t);
        await d.idle(200);
        expect(bookEvents(d).length, "book events after unsubscribe").toBe(seen);
      });
    });

    describe("order lifecycle", () => {
      it("limit order: accepted, listed as open, then canceled", async () => {
        const t = await d.restingOrder("buy");
        expect(t.order.venueOrderId, "venueOrderId after accepted").toBeTruthy();
        const open = await d.during(d.adapter.fetchOpenOrders(d.instrument.id), "fetchOpenOrders()");
        const listed = open.find(
          (o) => o.clientOrderId === t.order.clientOrderId || o.venueOrderId === t.order.venueOrderId,
        );
        expect(listed, "the order in fetchOpenOrders").toBeDefined();
        expect(listed!.quantity.eq(t.order.quantity)).toBe(true);
        expect(listed!.price?.eq(t.order.price!)).toBe(true);
        await d.cancel(t);
        await d.until(t, ["canceled"], "the order to be canceled");
        expect(t.order.filledQuantity.isZero()).toBe(true);
        const after = await d.during(d.adapter.fetchOpenOrders(d.instrument.id), "fetchOpenOrders()");
        expect(after.some((o) => o.clientOrderId === t.order.clientOrderId)).toBe(false);
        expect(t.errors).toEqual([]);
      });

      it("marketable limit order fills; fills sum to the filled quantity", async () => {
        const since = d.now();
        const t = await fillOne(d, "buy");
        expect(t.order.status).toBe("filled");
        expectFillsAddUp(d, t);
        const fetched = await d.during(d.adapter.fetchFills(since, d.instrument.id), "fetchFills()");
        for (const f of t.fills) {
          expect(
            fetched.map((x) => x.fillId),
            `fill ${f.fillId} in fetchFills`,
          ).toContain(f.fillId);
        }
      });

      it("market order fills", async (ctx) => {
        ctx.skip(
          !d.adapter.capabilities.orderTypes.includes("market"),
          "the venue declares no market orders",
        );
        const price = await d.harness.marketablePrice("buy");
        const tif = d.adapter.capabilities.timeInForce.includes("IOC") ? "IOC" : "GTC";
        const t = await d.submit(
          d.request("buy", { type: "market", timeInForce: tif, quantity: d.quantityAt(price) }),
        );
        await d.until(t, ["filled"], "the market order to fill");
        expectFillsAddUp(d, t);
      });

      it("partial fill leaves the rest open until canceled", async (ctx) => {
        ctx.skip(d.harness.arrangePartialFill === undefined, "the harness has no arrangePartialFill()");
        const a = await d.harness.arrangePartialFill!();
        const t = await d.submit(d.request(a.side, { price: a.price, quantity: a.quantity }));
        await d.until(t, ["partially-filled"], "a partial fill");
        expect(t.order.filledQuantity.lt(t.order.quantity)).toBe(true);
        expectFillsAddUp(d, t);
        await d.cancel(t);
        await d.until(t, ["canceled"], "the rest to be canceled");
        expect(t.order.filledQuantity.isPositive()).toBe(true);
      });

      it("amend (or cancel-replace) a resting order", async () => {
        const t = await d.restingOrder("buy");
        const step = d.instrument.priceIncrement;
        const newPrice = t.order.price!.sub(step.mul(2));
        const newQuantity = t.order.quantity.add(d.instrument.sizeIncrement);
        if (d.adapter.capabilities.amendOrder) {
          await d.during(
            d.adapter.amendOrder(t.order, { price: newPrice, quantity: newQuantity }),
            "amendOrder()",
          );
          await d.waitFor(
            () => t.order.price!.eq(newPrice) && t.order.quantity.eq(newQuantity),
            "the amended price and quantity",
          );
          const open = await d.during(d.adapter.fetchOpenOrders(d.instrument.id), "fetchOpenOrders()");
          const listed = open.find((o) => o.clientOrderId === t.order.clientOrderId);
          expect(listed?.price?.eq(newPrice), "amended price at the venue").toBe(true);
          expect(listed?.quantity.eq(newQuantity), "amended quantity at the venue").toBe(true);
          await d.cancel(t);
          await d.until(t, ["canceled"], "the amended order to be canceled");
        } else {
          await d.cancel(t);
          await d.until(t, ["canceled"], "the original to be canceled");
          const r = await d.submit(d.request("buy", { price: newPrice, quantity: newQuantity }));
          await d.until(r, ["accepted"], "the replacement to be accepted");
          await d.cancel(r);
        }
        expect(t.errors).toEqual([]);
      });

      it("cancelAllOrders cancels every open order", async (ctx) => {
        ctx.skip(!d.adapter.capabilities.cancelAllOrders, "the venue declares no cancel-all");
        const a = await d.restingOrder("buy");
        const b = await d.restingOrder("sell");
        await d.during(d.adapter.cancelAllOrders(d.instrument.id), "cancelAllOrders()");
        await d.until(a, ["canceled"], "the buy to be canceled");
        await d.until(b, ["canceled"], "the sell to be canceled");
        const open = await d.during(d.adapter.fetchOpenOrders(d.instrument.id), "fetchOpenOrders()");
        expect(
          open.filter(
            (o) => o.clientOrderId === a.order.clientOrderId || o.clientOrderId === b.order.clientOrderId,
          ),
        ).toEqual([]);
      });

      it("fetchOpenOrders and fetchFills agree with the events", async () => {
        const since = d.now();
        const resting = await d.restingOrder("buy");
        const filled = await fillOne(d, "buy");
        const open = await d.during(d.adapter.fetchOpenOrders(d.instrument.id), "fetchOpenOrders()");
        const openIds = new Set(open.map((o) => o.clientOrderId));
        expect(openIds.has(resting.order.clientOrderId), "the resting order is open").toBe(true);
        expect(openIds.has(filled.order.clientOrderId), "the filled order is not open").toBe(false);
        const fills = await d.during(d.adapter.fetchFills(since, d.instrument.id), "fetchFills()");
        const mine = fills.filter((f) => f.clientOrderId === filled.order.clientOrderId);
        expect(sum(mine).eq(filled.order.filledQuantity), "fetched fills sum to the filled quantity").toBe(
          true,
        );
        for (const f of filled.fills) {
          const same = fills.find((x) => x.fillId === f.fillId);
          expect(same, `fill ${f.fillId}`).toBeDefined();
          expect(same!.price.eq(f.price) && same!.quantity.eq(f.quantity)).toBe(true);
        }
        await d.cancel(resting);
      });

      it("a duplicate client order id never creates a second order", async () => {
        const t = await d.restingOrder("buy");
        const again = d.order(
          d.request("buy", {
            clientOrderId: t.order.clientOrderId,
            price: t.order.price!,
            quantity: t.order.quantity,
          }),
        );
        const error = await d.failure(d.adapter.submitOrder(again), "the duplicate submit");
        if (error !== undefined)
          expect(error, "a refused duplicate is an InvalidOrderError").toBeInstanceOf(InvalidOrderError);
        const open = await d.during(d.adapter.fetchOpenOrders(d.instrument.id), "fetchOpenOrders()");
        expect(open.filter((o) => o.clientOrderId === t.order.clientOrderId).length).toBe(1);
        await d.cancel(t);
        await d.until(t, ["canceled"], "the order to be canceled");
      });
    });

    describe("bad input is refused before the venue", () => {
      const refused = async (mutate: (p: Decimal) => Parameters<typeof d.request>[1], field: string) => {
        const price = await d.harness.restingPrice("buy");
        const before = d.harness.venueRequestCount?.();
        const request = d.request("buy", mutate(price));
        const order = d.order(request);
        const tracked = d.sink.track(order);
        const error = await d.failure(d.adapter.submitOrder(order), "the refused submit");
        expectInvalid(error, field);
        if (before !== undefined)
          expect(d.harness.venueRequestCount!(), "requests that reached the venue").toBe(before);
        await d.idle(20);
        expect(tracked.events, "no order events for a refused order").toEqual([]);
      };

      it("unknown symbol → InvalidOrderError", async () => {
        await refused(
          (price) => ({ price, instrument: { symbol: "NO/SUCH-SYMBOL", venue: d.adapter.venue } }),
          "instrument",
        );
      });

      it("size below the minimum → InvalidOrderError", async () => {
        await refused((price) => {
          const i = d.instrument;
          const below = i.minSize.gt(i.sizeIncrement)
            ? i.minSize.sub(i.sizeIncrement)
            : i.sizeIncrement.div(2);
          return { price, quantity: below };
        }, "quantity");
      });

      it("price off the tick grid → InvalidOrderError", async () => {
        await refused((price) => ({ price: price.add(d.instrument.priceIncrement.div(2)) }), "price");
      });

      it("unsupported order type or time in force → NotSupportedError", async (ctx) => {
        const c = d.adapter.capabilities;
        const type = ALL_TYPES.find((t) => !c.orderTypes.includes(t));
        const tif = ALL_TIF.find((t) => !c.timeInForce.includes(t));
        ctx.skip(
          type === undefined && tif === undefined,
          "the venue declares every order type and time in force",
        );
        const price = await d.harness.restingPrice("buy");
        const before = d.harness.venueRequestCount?.();
        const fields =
          type !== undefined
            ? {
                type,
                ...(type === "limit" || type === "stop-limit" ? { price } : {}),
                ...(type.startsWith("stop") ? { triggerPrice: price } : {}),
                ...(type === "market" ? { timeInForce: "IOC" as const } : {}),
              }
            : {
                price,
                timeInForce: tif!,
                ...(tif === "GTD" ? { expireTimeNs: d.now() + 3_600_000_000_000n } : {}),
              };
        const error = await d.failure(
          d.adapter.submitOrder(d.order(d.request("buy", fields))),
          "the unsupported submit",
        );
        expect(error, "an unsupported order type or time in force").toBeInstanceOf(NotSupportedError);
        if (before !== undefined) expect(d.harness.venueRequestCount!()).toBe(before);
      });
    });

    describe("error mapping", () => {
      it("canceling an unknown order → OrderNotFoundError", async () => {
        const price = await d.harness.restingPrice("buy");
        const ghost = {
          ...d.order(d.request("buy", { price })),
          status: "accepted" as const,
          venueOrderId: "987654321",
        };
        const error = await d.failure(d.adapter.cancelOrder(ghost), "cancel of an unknown order");
        expect(error, "cancel of an order the venue never saw").toBeInstanceOf(OrderNotFoundError);
      });

      it("insufficient funds → InsufficientFundsError", async (ctx) => {
        ctx.skip(
          d.harness.insufficientFundsOrder === undefined,
          "the harness has no insufficientFundsOrder()",
        );
        const a = await d.harness.insufficientFundsOrder!();
        const order = d.order(d.request(a.side, { price: a.price, quantity: a.quantity }));
        const t = d.sink.track(order);
        const error = await d.failure(d.adapter.submitOrder(order), "the unaffordable submit");
        if (error === undefined) {
          // Venues that answer asynchronously reject the order with the same reason instead.
          await d.until(t, ["rejected"], "the order to be rejected");
          expect(t.order.lastReason?.code).toBe("INSUFFICIENT_FUNDS");
        } else {
          expect(error).toBeInstanceOf(InsufficientFundsError);
        }
      });
    });

    describe("reconnect", () => {
      it("a dropped connection reconnects and resyncs the book from a fresh snapshot", async (ctx) => {
        ctx.skip(d.harness.dropConnection === undefined, "the harness has no dropConnection()");
        ctx.skip(!d.adapter.capabilities.marketData.book, "the venue declares no book data");
        await d.during(
          d.adapter.subscribe({ instrument: d.instrument.id, channel: "book" }),
          "subscribe(book)",
        );
        await d.waitFor(() => snapshots(d) > 0, "the first snapshot");
        const statesBefore = d.sink.states.length;
        await d.harness.dropConnection!();
        await d.waitFor(
          () => d.sink.states.slice(statesBefore).some((s) => s.state === "connected"),
          "the adapter to report connected again",
        );
        await d.waitFor(() => snapshots(d) > 1, "a fresh snapshot after the reconnect");
        const t = await d.restingOrder("buy");
        await d.cancel(t);
        await d.until(t, ["canceled"], "the order to be canceled after the reconnect");
        expect(checkBookStream(d.sink.marketEvents, d.instrument).problems).toEqual([]);
      });

      it("a sequence gap resyncs the book from a fresh snapshot", async (ctx) => {
        ctx.skip(d.harness.injectSequenceGap === undefined, "the harness has no injectSequenceGap()");
        ctx.skip(!d.adapter.capabilities.marketData.book, "the venue declares no book data");
        await d.during(
          d.adapter.subscribe({ instrument: d.instrument.id, channel: "book" }),
          "subscribe(book)",
        );
        await d.waitFor(() => snapshots(d) > 0, "the first snapshot");
        await d.harness.injectSequenceGap!();
        // Book changes so the gap shows even on a quiet venue.
        for (let i = 0; i < 3 && snapshots(d) < 2; i++) {
          const t = await d.restingOrder("buy");
          await d.cancel(t);
          await d.idle(20);
        }
        await d.waitFor(() => snapshots(d) > 1, "a fresh snapshot after the gap");
        expect(checkBookStream(d.sink.marketEvents, d.instrument).problems).toEqual([]);
      });

      it("an order placed across a dropped connection is accounted for", async (ctx) => {
        ctx.skip(d.harness.dropConnection === undefined, "the harness has no dropConnection()");
        await d.harness.dropConnection!();
        const price = await d.harness.restingPrice("buy");
        const order = d.order(d.request("buy", { price, quantity: d.quantityAt(price) }));
        const t = d.sink.track(order);
        const error = await d.failure(d.adapter.submitOrder(order), "submit during the outage");
        await d.waitFor(
          () => [undefined, "connected"].includes(lastState(d)),
          "the adapter to be connected again",
        );
        const open = await d.during(d.adapter.fetchOpenOrders(d.instrument.id), "fetchOpenOrders()");
        const listed = open.some((o) => o.clientOrderId === order.clientOrderId);
        if (error === undefined) {
          // Taken by the venue: either the event arrives (replayed) or reconciliation finds it open.
          await d.waitFor(
            () => t.order.status === "accepted" || listed,
            "the order to be accepted or listed open",
          );
          await d.cancel(t);
        } else {
          expect(error, "a submit that failed during the outage fails with a typed error").toBeInstanceOf(
            OpenfloorError,
          );
        }
      });
    });

    describe("reconciliation", () => {
      it("fetchBalances: exact decimals, total = free + locked", async (ctx) => {
        ctx.skip(!d.adapter.capabilities.balances, "the venue declares no balances");
        const t = await d.restingOrder("buy");
        const balances = await d.during(d.adapter.fetchBalances(), "fetchBalances()");
        expect(balances.length).toBeGreaterThan(0);
        for (const b of balances) {
          expect(b.total instanceof Decimal && b.free instanceof Decimal && b.locked instanceof Decimal).toBe(
            true,
          );
          expect(b.total.eq(b.free.add(b.locked)), `${b.currency}: total = free + locked`).toBe(true);
        }
        await d.cancel(t);
      });

      it("fetchPositions: known instruments", async (ctx) => {
        ctx.skip(!d.adapter.capabilities.positions, "the venue declares no positions");
        await fillOne(d, "buy");
        const positions = await d.during(d.adapter.fetchPositions(), "fetchPositions()");
        for (const p of positions) {
          expect(
            d.adapter.instrument(p.instrument),
            `position instrument ${p.instrument.symbol}`,
          ).toBeDefined();
          expect(p.quantity instanceof Decimal).toBe(true);
        }
      });
    });
  });
}

async function fillOne(d: ConformanceDriver, side: "buy" | "sell"): Promise<TrackedOrder> {
  const price = await d.harness.marketablePrice(side);
  const t = await d.submit(d.request(side, { price, quantity: d.quantityAt(price) }));
  await d.until(t, ["filled"], `the marketable ${side} to fill`);
  return t;
}

function expectFillsAddUp(d: ConformanceDriver, t: TrackedOrder): void {
  expect(t.errors, "state machine errors").toEqual([]);
  expect(sum(t.fills).eq(t.order.filledQuantity), "Σ fills = filled quantity").toBe(true);
  expect(t.order.filledQuantity.lte(t.order.quantity), "never filled beyond the quantity").toBe(true);
  for (const f of t.fills) {
    expect(f.clientOrderId).toBe(t.order.clientOrderId);
    expect(f.price.isMultipleOf(d.instrument.priceIncrement), `fill price ${f.price}`).toBe(true);
    expect(f.quantity.isMultipleOf(d.instrument.sizeIncrement), `fill quantity ${f.quantity}`).toBe(true);
    expect(["maker", "taker"]).toContain(f.liquidity);
    expect(f.fee.amount instanceof Decimal).toBe(true);
  }
  if (isTerminal(t.order.status) && t.order.status === "filled") {
    expect(t.order.filledQuantity.eq(t.order.quantity)).toBe(true);
  }
}

function expectInvalid(error: unknown, field: string): void {
  const typed =
    error instanceof InvalidOrderError || (error instanceof OrderError && error.code === "ORDER_INVALID");
  expect(typed, `an InvalidOrderError about ${field}, got ${String(error)}`).toBe(true);
  expect((error as OpenfloorError).context.field, "context.field").toBe(field);
}

function sum(fills: readonly Fill[]): Decimal {
  return fills.reduce((s, f) => s.add(f.quantity), Decimal.ZERO);
}

function bookEvents(d: ConformanceDriver): MarketEvent[] {
  const key = `${d.instrument.id.symbol}:${d.instrument.id.venue}`;
  return d.sink.marketEvents.filter(
    (e) =>
      (e.type === "book-snapshot" || e.type === "book-delta") &&
      `${e.instrument.symbol}:${e.instrument.venue}` === key,
  );
}

function snapshots(d: ConformanceDriver): number {
  return bookEvents(d).filter((e) => e.type === "book-snapshot").length;
}

function ofType<T extends MarketEvent["type"]>(
  d: ConformanceDriver,
  type: T,
): Extract<MarketEvent, { type: T }>[] {
  return d.sink.marketEvents.filter((e): e is Extract<MarketEvent, { type: T }> => e.type === type);
}

function trades(d: ConformanceDriver) {
  return ofType(d, "trade");
}

function quotes(d: ConformanceDriver) {
  return ofType(d, "quote");
}

function bars(d: ConformanceDriver) {
  return ofType(d, "bar");
}

function lastState(d: ConformanceDriver): string | undefined {
  return d.sink.states[d.sink.states.length - 1]?.state;
}
