// Parser tests on recorded payloads (test_data/): keep one file per endpoint or stream, trimmed.
import { readFileSync } from "node:fs";
import { instrumentId } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { mapVenueError } from "./http/errors.js";
import { parseFills, parseMarkets, parseOpenOrders } from "./http/parsers.js";
import { parseWsMessage } from "./ws/parsers.js";

const data = (name: string): string => readFileSync(new URL(`./test_data/${name}`, import.meta.url), "utf8");
const json = (name: string): unknown => JSON.parse(data(name));

describe("example venue REST parsers", () => {
  it("markets → instruments with exact increments; halted markets are left out", () => {
    const list = parseMarkets("example", json("markets.json"));
    expect(list.map((i) => i.id.symbol)).toEqual(["BTC/USDT", "ETH/USDT"]);
    expect(list[0]!.priceIncrement.toString()).toBe("0.01");
    expect(list[0]!.minNotional.toString()).toBe("5");
  });

  it("open orders and fills keep the venue's decimal strings exactly", () => {
    const [o] = parseOpenOrders("example", json("open-orders.json"));
    expect([o!.status, o!.filledQuantity.toString(), o!.price?.toString()]).toEqual([
      "partially-filled",
      "0.0100",
      "25000.00",
    ]);
    const [f] = parseFills("example", json("fills.json"), { strategyId: "s", account: "a" });
    expect(f!.fee.toString()).toBe("0.50000010 USDT");
    expect(f!.tsEventNs).toBe(1_700_000_000_456_000_000n);
  });

  it("maps venue error codes to the shared error classes", () => {
    expect(mapVenueError("example", 400, -2010, "no funds").code).toBe("INSUFFICIENT_FUNDS");
    expect(mapVenueError("example", 400, -2011, "unknown order").code).toBe("ORDER_NOT_FOUND");
    expect(mapVenueError("example", 503, undefined, "down").code).toBe("VENUE_UNAVAILABLE");
  });
});

describe("example venue websocket parsers", () => {
  const lines = data("ws-messages.jsonl").trim().split("\n");
  const id = (s: string) => (s === "BTC-USDT" ? instrumentId("BTC/USDT", "example") : undefined);
  const parsed = lines.map((l) => parseWsMessage(l, id, 1n));

  it("parses book snapshots and deltas with their sequences", () => {
    const [snap, delta] = parsed;
    expect(snap?.kind === "market" && snap.event.type === "book-snapshot" && snap.event.sequence).toBe(1000n);
    expect(
      delta?.kind === "market" &&
        delta.event.type === "book-delta" && [delta.event.firstSequence, delta.event.sequence],
    ).toEqual([1001n, 1002n]);
  });

  it("parses trades and private order updates", () => {
    expect(
      parsed[2]?.kind === "market" && parsed[2].event.type === "trade" && parsed[2].event.price.toString(),
    ).toBe("50000.01");
    expect(parsed[3]?.kind === "order" && parsed[3].update.lastQty?.toString()).toBe("0.0100");
  });

  it("reports a malformed message (a float price) as bad, naming its type, instead of throwing", () => {
    expect(parsed[4]).toMatchObject({ kind: "bad", messageType: "trade" });
  });
});
