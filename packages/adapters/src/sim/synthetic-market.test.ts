import { type MarketEvent, SimulatedClock } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { SeededRandom } from "./random.js";
import { SyntheticMarket, type SyntheticMarketParams } from "./synthetic-market.js";
import { btcUsdt } from "./test-helpers.js";

function record(seed: number, seconds: number, params: Partial<SyntheticMarketParams> = {}): MarketEvent[] {
  const clock = new SimulatedClock(0n);
  const events: MarketEvent[] = [];
  const market = new SyntheticMarket({
    instrument: btcUsdt(),
    clock,
    random: new SeededRandom(seed),
    params: { startPrice: "100", spreadTicks: 4, depthLevels: 5, tradesPerSecond: 5, ...params },
    onEvent: (e) => events.push(e),
  });
  market.start();
  clock.advanceBy(seconds * 1000);
  market.stop();
  return events;
}

const text = (events: MarketEvent[]) =>
  JSON.stringify(events, (_k, v) => (typeof v === "bigint" ? `${v}` : v));

describe("SyntheticMarket", () => {
  it("emits a snapshot first, then deltas with increasing sequences, on the grid", () => {
    const events = record(1, 10);
    expect(events[0]?.type).toBe("book-snapshot");
    let last = 0n;
    for (const e of events) {
      if (e.type === "book-snapshot") last = e.sequence;
      if (e.type === "book-delta") {
        expect(e.firstSequence).toBe(last + 1n);
        last = e.sequence;
        for (const l of [...e.bids, ...e.asks]) expect(l.price.isMultipleOf("0.01")).toBe(true);
      }
    }
    expect(events.filter((e) => e.type === "book-delta").length).toBeGreaterThan(50);
  });

  it("keeps the spread in ticks and trades at the touch", () => {
    for (const e of record(2, 10)) {
      if (e.type === "quote") expect(e.askPrice.sub(e.bidPrice).toString()).toBe("0.04");
    }
    const events = record(3, 20);
    let touch: { bid: string; ask: string } | undefined;
    for (const e of events) {
      if (e.type === "quote") touch = { bid: e.bidPrice.toString(), ask: e.askPrice.toString() };
      if (e.type === "trade") {
        expect(touch).toBeDefined();
        expect(e.price.toString()).toBe(e.aggressor === "buy" ? touch!.ask : touch!.bid);
      }
    }
  });

  it("trades arrive as a Poisson process at the configured intensity", () => {
    const trades = record(4, 200, { tradesPerSecond: 5 }).filter((e) => e.type === "trade").length;
    expect(trades).toBeGreaterThan(850);
    expect(trades).toBeLessThan(1150);
  });

  it("is deterministic for a seed, and differs across seeds", () => {
    expect(text(record(7, 30))).toBe(text(record(7, 30)));
    expect(text(record(7, 30))).not.toBe(text(record(8, 30)));
  });
});
