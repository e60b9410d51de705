// The adapter conformance kit against the Pebble adapter and a fresh in-memory Pebble venue per test.
import { runConformanceSuite } from "@openfloor/adapters/testing";
import { Decimal, instrumentId } from "@openfloor/core";
import { closePebble, listenPebble, PebbleVenue } from "../venue/pebble-venue.js";
import { pebbleConfigSchema } from "./config.js";
import { PebbleAdapter } from "./factory.js";

let n = 0;

runConformanceSuite("pebble (in-memory venue)", (kit) => {
  const name = `conformance-${++n}`;
  const venue = listenPebble(name, new PebbleVenue());
  const config = pebbleConfigSchema.parse({ endpoint: `memory://${name}` });
  const adapter = new PebbleAdapter("pebble", config, kit.context(), { PEBBLE_API_KEY: "pebble-demo-key" });
  const touch = () => venue.touch("BTC-USD") as { bid: Decimal; ask: Decimal };
  const tick = Decimal.from("0.5");
  return {
    adapter,
    instrument: instrumentId("BTC/USD", "pebble"),
    // Through the touch (the ladder is 0.25 BTC a level, test orders are 0.001): fills at once.
    marketablePrice: (side) => (side === "buy" ? touch().ask.add(tick.mul(2)) : touch().bid.sub(tick.mul(2))),
    // Far outside the ladder: rests untouched.
    restingPrice: (side) =>
      side === "buy" ? touch().bid.sub(tick.mul(100)) : touch().ask.add(tick.mul(100)),
    // More than the best ask's 0.25 BTC at the best ask: 0.25 fills, 0.05 rests.
    arrangePartialFill: () => ({ side: "buy", price: touch().ask, quantity: Decimal.from("0.3") }),
    insufficientFundsOrder: () => ({
      side: "buy",
      price: touch().bid.sub(tick.mul(100)),
      quantity: Decimal.from("1000"),
    }),
    dropConnection: () => venue.dropConnections(),
    injectSequenceGap: () => venue.skipNextBookMessage(),
    venueRequestCount: () => venue.requestCount,
    teardown: () => closePebble(name),
  };
});
