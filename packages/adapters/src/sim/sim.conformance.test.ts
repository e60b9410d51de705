import { Decimal, instrumentId, LiveClock, SimulatedClock } from "@openfloor/core";
import type { VenueCapabilities } from "../contract/capabilities.js";
import type { MakeHarness } from "../testing/harness.js";
import { runConformanceSuite } from "../testing/index.js";
import { SIM_CAPABILITIES, SimAdapter } from "./adapter.js";
import { simAdapterConfigSchema } from "./config.js";
import { conformanceConfig } from "./test-helpers.js";
import { createSimVenue } from "./venue.js";

function simHarness(options: {
  simulated: boolean;
  latencyMs?: number;
  capabilities?: VenueCapabilities;
}): MakeHarness {
  return (kit) => {
    const clock = options.simulated ? new SimulatedClock(1_700_000_000_000_000_000n) : new LiveClock();
    const config = simAdapterConfigSchema.parse({
      ...conformanceConfig,
      latency: { fixedMs: options.latencyMs ?? 0, jitterMs: options.latencyMs ?? 0 },
    });
    const venue = createSimVenue("sim", config, clock);
    const adapter = new SimAdapter({
      exchange: venue.exchange,
      context: kit.context(clock),
      latency: config.latency,
      random: venue.random,
      owned: venue,
      ...(options.capabilities === undefined ? {} : { capabilities: options.capabilities }),
    });
    const id = instrumentId("BTC/USDT", "sim");
    const ex = venue.exchange;
    return {
      adapter,
      instrument: id,
      marketablePrice: (side) =>
        side === "buy" ? ex.bestAsk(id)!.price.add("5") : ex.bestBid(id)!.price.sub("5"),
      restingPrice: (side) => Decimal.from(side === "buy" ? "25000" : "75000"),
      arrangePartialFill: () => {
        venue.stop();
        const ask = ex.bestAsk(id)!;
        return { side: "buy", price: ask.price, quantity: ask.size.add("0.001") };
      },
      insufficientFundsOrder: () => ({
        side: "buy",
        price: Decimal.from("40000"),
        quantity: Decimal.from("1000"),
      }),
      dropConnection: () => adapter.dropConnection(),
      injectSequenceGap: () => adapter.injectSequenceGap(),
      venueRequestCount: () => ex.requestCount,
      ...(clock instanceof SimulatedClock ? { advance: (ms: number) => clock.advanceBy(ms) } : {}),
    };
  };
}

runConformanceSuite("sim (live clock, no latency)", simHarness({ simulated: false }));
runConformanceSuite("sim (simulated clock, 2 ms + jitter)", simHarness({ simulated: true, latencyMs: 2 }));
runConformanceSuite(
  "sim (declaring a smaller venue: limit and market GTC/IOC only, no amend)",
  simHarness({
    simulated: true,
    capabilities: {
      ...SIM_CAPABILITIES,
      orderTypes: ["limit", "market"],
      timeInForce: ["GTC", "IOC"],
      amendOrder: false,
      marketData: { ...SIM_CAPABILITIES.marketData, bars: false },
    },
  }),
);
