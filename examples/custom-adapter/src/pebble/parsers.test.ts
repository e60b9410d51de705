// Parsers against recorded Pebble payloads (test_data/): exact decimals, sequences, bad messages reported.
import { readFileSync } from "node:fs";
import { BadVenueMessageError, instrumentId } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { mapPebbleError } from "./errors.js";
import { orderEvents, parseBalances, parseMarkets, parseOpenOrders, parseStreamMessage } from "./parsers.js";

const data = (name: string): string => readFileSync(new URL(`./test_data/${name}`, import.meta.url), "utf8");
const BTC = instrumentId("BTC/USD", "pebble");
const idOf = (sym: string) => (sym === "BTC-USD" ? BTC : undefined);

describe("Pebble REST parsers", () => {
  it("markets → frozen core instruments with exact increments and fees", () => {
    const [i] = parseMarkets("pebble", data("markets.json"));
    expect(i!.id).toEqual(BTC);
    expect([i!.priceIncrement.toString(), i!.sizeIncrement.toString(), i!.takerFee.toString()]).toEqual([
      "0.5",
      "0.001",
      "0.0005",
    ]);
    expect(Object.isFrozen(i)).toBe(true);
  });

  it("open orders keep the venue's decimal strings; balances add up", () => {
    const [o] = parseOpenOrders(data("open.json"), idOf);
    expect([o!.status, o!.price?.toString(), o!.filledQuantity.toString()]).toEqual([
      "partially-filled",
      "59000.0",
      "0.25",
    ]);
    const [usd] = parseBalances(data("balances.json"));
    expect(usd!.total.toString()).toBe("1000000.0");
  });

  it("maps error codes to the shared error classes", () => {
    expect(mapPebbleError("pebble", 400, '{"code":2001,"msg":"insufficient USD"}').code).toBe(
      "INSUFFICIENT_FUNDS",
    );
    expect(mapPebbleError("pebble", 404, '{"code":3001,"msg":"unknown order"}').code).toBe("ORDER_NOT_FOUND");
    expect(mapPebbleError("pebble", 503, "down").code).toBe("VENUE_UNAVAILABLE");
  });
});

describe("Pebble stream parser", () => {
  const lines = data("stream.jsonl").trim().split("\n");
  const parse = (i: number) => parseStreamMessage(lines[i]!, idOf, 1n);

  it("book snapshot and update carry the venue's sequence", () => {
    const snap = parse(0);
    const upd = parse(1);
    expect(snap.kind === "book" && snap.snapshot && snap.event.type).toBe("book-snapshot");
    expect(
      upd.kind === "book" && upd.event.type === "book-delta" && [upd.event.firstSequence, upd.event.sequence],
    ).toEqual([2n, 2n]);
  });

  it("trades and order updates: a partial fill becomes one filled event with an exact fee", () => {
    const trade = parse(2);
    expect(trade.kind === "trade" && trade.event.type === "trade" && trade.event.aggressor).toBe("buy");
    const order = parse(3);
    if (order.kind !== "order") throw new Error("expected an order update");
    const [event] = orderEvents(order.update, BTC, { strategyId: "s", account: "a" });
    expect(event?.kind === "filled" && [event.fill.fee.toString(), event.fill.liquidity]).toEqual([
      "0.30000250 USD",
      "taker",
    ]);
  });

  it("a float price is a bad message naming its type, not a silent rounding", () => {
    expect(() => parse(4)).toThrow(BadVenueMessageError);
    expect(() => parse(4)).toThrow(/trade message: px: expected a decimal string/);
  });
});
