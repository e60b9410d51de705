// The conformance kit against the real ccxt code path: ccxt's own binance and bybit classes talking
// HTTP and websockets to the local venue emulator on 127.0.0.1.
import { type Clock, Decimal, instrumentId, LiveClock, type Nanos, type OrderSide } from "@openfloor/core";
import { vi } from "vitest";
import { type EmulatedExchange, VenueEmulator } from "../emulator/index.js";
import type { MakeHarness } from "../testing/harness.js";
import { runConformanceSuite } from "../testing/index.js";
import { CcxtAdapter } from "./adapter.js";
import { type CcxtAdapterConfigInput, ccxtAdapterConfigSchema } from "./config.js";

const ENV = { EMU_API_KEY: "emulator-key-0001", EMU_SECRET: "emulator-secret-0001" };

/**
 * Wall-clock time shifted so that, when the harness starts, a minute is about to end: the venue and the
 * adapter share it, so a test behaves as if run at hh:mm:57 and a one-minute bar closes within seconds.
 */
class MinuteEndClock implements Clock {
  private readonly live = new LiveClock();
  private readonly offsetMs: number;
  constructor(secondsBeforeMinuteEnd: number) {
    const now = Date.now();
    this.offsetMs = 60_000 - (now % 60_000) - secondsBeforeMinuteEnd * 1_000;
  }
  now(): Nanos {
    return this.live.now() + BigInt(this.offsetMs) * 1_000_000n;
  }
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
  setTimer(delayMs: number, fn: () => void): () => void {
    return this.live.setTimer(delayMs, fn);
  }
}

function ccxtHarness(
  exchange: EmulatedExchange,
  extra: Partial<CcxtAdapterConfigInput> = {},
  options: { streams?: boolean; clock?: () => Clock } = {},
): MakeHarness {
  const streams = options.streams ?? true;
  return async (kit) => {
    const clock = options.clock?.() ?? new LiveClock();
    const venue = await VenueEmulator.start({ seed: 11, now: () => clock.nowMs() });
    const config = ccxtAdapterConfigSchema.parse({
      exchange,
      urls: venue.ccxtUrls(exchange),
      symbols: ["BTC/USDT", "ETH/USDT"],
      credentials: { apiKeyEnv: "EMU_API_KEY", secretEnv: "EMU_SECRET" },
      reconnect: { initialDelayMs: 20, maxDelayMs: 500, jitter: 0.3 },
      ...extra,
    });
    const adapter = new CcxtAdapter(exchange, config, kit.context(clock), { env: ENV });
    const engine = venue.engine;
    const touch = (side: OrderSide) =>
      side === "buy" ? engine.bestAsk("BTCUSDT")! : engine.bestBid("BTCUSDT")!;
    return {
      adapter,
      instrument: instrumentId("BTC/USDT", exchange),
      marketablePrice: (side) =>
        side === "buy" ? touch("buy").price.add("0.05") : touch("sell").price.sub("0.05"),
      restingPrice: (side) => Decimal.from(side === "buy" ? "25000" : "75000"),
      arrangePartialFill: () => {
        const ask = touch("buy");
        return { side: "buy", price: ask.price, quantity: ask.total.add("0.001") };
      },
      insufficientFundsOrder: () => ({
        side: "buy",
        price: Decimal.from("40000"),
        quantity: Decimal.from("1000"),
      }),
      ...(streams
        ? {
            dropConnection: () => {
              venue.dropConnections();
            },
            injectSequenceGap: () => venue.injectSequenceGap("BTCUSDT"),
          }
        : {}),
      venueRequestCount: () => venue.stats().httpRequests,
      teardown: () => venue.stop(),
    };
  };
}

runConformanceSuite("ccxt binance (emulated Binance spot, websocket)", ccxtHarness("binance"), {
  barInterval: "1s",
});

// Bybit's shortest bar is one minute: the clock starts 4 s before a minute ends so the bars test does
// not wait for a real minute boundary (and has a minute of slack if it misses it).
vi.setConfig({ testTimeout: 120_000 });
runConformanceSuite(
  "ccxt bybit (emulated Bybit v5 spot, websocket)",
  ccxtHarness("bybit", {}, { clock: () => new MinuteEndClock(4) }),
  { barInterval: "1m", waitMs: 75_000, testTimeoutMs: 120_000 },
);

runConformanceSuite(
  "ccxt binance (emulated, REST polling fallback)",
  ccxtHarness("binance", { transport: "rest", pollIntervalMs: 25 }, { streams: false }),
  { barInterval: "1s" },
);
