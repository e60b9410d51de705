// The Pebble adapter registered with the gateway and used by config: a strategy trades on it in-process.
import { createGateway, defaultAdapterRegistry, type Gateway, parseConfig } from "@openfloor/gateway";
import { type OrderBook, type OrderHandle, runStrategy, Strategy } from "@openfloor/sdk";
import { InProcessTransport } from "@openfloor/sdk/in-process";
import { afterEach, describe, expect, it } from "vitest";
import { closePebble, listenPebble, pebbleAdapterFactory } from "./index.js";

const TOKEN = "pebble-example-token-0123456789abcdef";
const BTC = "BTC/USD:pebble";

/** Buys 0.01 at the best ask of the first book it sees. */
class TakeOnce extends Strategy {
  order: OrderHandle | undefined;
  override onStart(): void {
    const sub = this.data.book(BTC, { depth: 5 }).subscribe((book: OrderBook) => {
      const ask = book.bestAsk();
      if (ask === undefined || this.order !== undefined) return;
      sub.unsubscribe();
      this.guard(async () => {
        this.order = await this.orders.buy(BTC, "0.01", { price: ask.price });
      });
    });
  }
  position(): string {
    return this.positions.get(BTC).quantity.toString();
  }
}

function gatewayConfig(endpoint: string) {
  return parseConfig(
    {
      listen: "127.0.0.1:0",
      storage: { mode: "none" },
      logging: { level: "silent" },
      venues: { pebble: { adapter: "pebble", config: { endpoint } } },
      accounts: { main: { venue: "pebble" } },
      strategies: { "take-once": { token: TOKEN, account: "main" } },
    },
    { env: {}, file: "gateway.yaml" },
  );
}

describe("the Pebble adapter in the gateway", () => {
  let gateway: Gateway | undefined;
  const apiKey = process.env.PEBBLE_API_KEY;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    closePebble("gateway-test");
    if (apiKey === undefined) delete process.env.PEBBLE_API_KEY;
    else process.env.PEBBLE_API_KEY = apiKey;
  });

  it("is created from config by kind, connects, and carries a strategy's order to a fill", async () => {
    const venue = listenPebble("gateway-test");
    process.env.PEBBLE_API_KEY = "pebble-demo-key"; // the adapter reads its key from the env var its config names
    gateway = createGateway(gatewayConfig("memory://gateway-test"), {
      registry: defaultAdapterRegistry().register(pebbleAdapterFactory),
      grpc: false,
      logDestination: { write: () => undefined },
    });
    await gateway.start();
    expect(gateway.status().venues).toMatchObject([{ venue: "pebble", adapter: "pebble", connected: true }]);

    const strategy = new TakeOnce({ id: "take-once" });
    const running = await runStrategy(strategy, new InProcessTransport({ gateway, token: TOKEN }));
    await expect.poll(() => strategy.order?.status, { timeout: 5000 }).toBe("filled");
    expect(strategy.order!.order.averageFillPrice?.eq("60000.5")).toBe(true); // the best ask of the house ladder
    await expect.poll(() => strategy.position()).toBe("0.01");
    await running.stop();

    // The venue saw it too: one fill for the strategy's client order id, fee in USD.
    const fills = JSON.parse(venue.request("pebble-demo-key", "GET /fills")) as {
      cid: string;
      fee: string;
    }[];
    expect(fills).toEqual([
      expect.objectContaining({ cid: strategy.order!.clientOrderId, fee: "0.30000250" }),
    ]);
  });

  it("reports a bad adapter config naming the key", async () => {
    gateway = createGateway(gatewayConfig("http://nowhere"), {
      registry: defaultAdapterRegistry().register(pebbleAdapterFactory),
      grpc: false,
      logDestination: { write: () => undefined },
    });
    await expect(gateway.start()).rejects.toThrow(
      /venues\.pebble\.config\.endpoint: expected memory:\/\/<name>/,
    );
  });
});
