import { Decimal, type MarketEvent } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { ReplaySource } from "./replay-source.js";
import { TestVenue } from "./test-helpers.js";

const d = (v: string) => Decimal.from(v);

describe("ReplaySource", () => {
  it("advances the simulated clock to each event and fills resting orders from replayed trades", async () => {
    const v = new TestVenue();
    const id = v.instrument.id;
    const t0 = v.clock.now();
    const at = (ms: number) => t0 + BigInt(ms) * 1_000_000n;
    async function* recording(): AsyncGenerator<MarketEvent> {
      yield {
        type: "book-snapshot",
        instrument: id,
        bids: [{ price: d("99.00"), size: d("1") }],
        asks: [{ price: d("101.00"), size: d("1") }],
        sequence: 10n,
        tsEventNs: at(0),
        tsRecvNs: at(0),
      };
      yield {
        type: "trade",
        instrument: id,
        price: d("99.00"),
        size: d("3"),
        aggressor: "sell",
        tradeId: "r1",
        tsEventNs: at(2000),
        tsRecvNs: at(2000),
      };
    }
    const timers: bigint[] = [];
    const replay = new ReplaySource({
      events: recording(),
      clock: v.clock,
      onEvent: (e) => v.exchange.applyMarketEvent(e),
    });
    expect(await replay.next()).toBe(true);
    expect(v.clock.now()).toBe(at(0));
    const bid = v.limit("bob", "buy", "1", "99.00");
    v.clock.setTimer(1000, () => timers.push(v.clock.now()));
    expect(await replay.run()).toBe(2);
    expect(timers).toEqual([at(1000)]);
    expect(v.clock.now()).toBe(at(2000));
    expect(v.status("bob", bid)).toBe("filled");
    expect(replay.finished).toBe(true);
  });

  it("delivers late events at the clock's time and counts them", async () => {
    const v = new TestVenue();
    const id = v.instrument.id;
    const now = v.clock.now();
    const events: MarketEvent[] = [
      {
        type: "trade",
        instrument: id,
        price: d("100"),
        size: d("1"),
        aggressor: "buy",
        tradeId: "a",
        tsEventNs: now + 10n,
        tsRecvNs: now,
      },
      {
        type: "trade",
        instrument: id,
        price: d("100"),
        size: d("1"),
        aggressor: "buy",
        tradeId: "b",
        tsEventNs: now + 5n,
        tsRecvNs: now,
      },
    ];
    const replay = new ReplaySource({
      events,
      clock: v.clock,
      onEvent: (e) => v.exchange.applyMarketEvent(e),
    });
    await replay.runUntil(now + 100n);
    expect(replay.delivered).toBe(2);
    expect(replay.outOfOrder).toBe(1);
    expect(v.clock.now()).toBe(now + 100n);
    expect(v.exchange.lastTradePrice(id)?.toString()).toBe("100.00");
  });
});
