import { Decimal, instrumentId, LiveClock } from "@openfloor/core";
import { runConformanceSuite } from "../../testing/index.js";
import { conformanceConfig } from "../test-helpers.js";
import { RemoteSimAdapter } from "./remote-adapter.js";
import { startSimVenueServer } from "./server.js";

runConformanceSuite("sim-remote (HTTP + NDJSON stream)", async (kit) => {
  const server = await startSimVenueServer({ ...conformanceConfig, port: 0 });
  const adapter = new RemoteSimAdapter({
    url: server.url,
    venue: "sim",
    context: kit.context(new LiveClock()),
  });
  const id = instrumentId("BTC/USDT", "sim");
  const ex = server.exchange;
  return {
    adapter,
    instrument: id,
    marketablePrice: (side) =>
      side === "buy" ? ex.bestAsk(id)!.price.add("5") : ex.bestBid(id)!.price.sub("5"),
    restingPrice: (side) => Decimal.from(side === "buy" ? "25000" : "75000"),
    arrangePartialFill: () => {
      server.venue.stop();
      const ask = ex.bestAsk(id)!;
      return { side: "buy", price: ask.price, quantity: ask.size.add("0.001") };
    },
    insufficientFundsOrder: () => ({
      side: "buy",
      price: Decimal.from("40000"),
      quantity: Decimal.from("1000"),
    }),
    dropConnection: () => server.dropStreams(),
    injectSequenceGap: () => server.injectSequenceGap(id),
    venueRequestCount: () => ex.requestCount,
    teardown: () => server.close(),
  };
});
