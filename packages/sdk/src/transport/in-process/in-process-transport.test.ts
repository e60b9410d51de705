import { silentLogger } from "@openfloor/core";
import { createGateway, defaultConfig, type Gateway, type GatewayConfig } from "@openfloor/gateway";
import { afterEach, describe, expect, it } from "vitest";
import { NotConnected, TransportError } from "../../errors/sdk-errors.js";
import { runStrategy } from "../../strategy/runner.js";
import { BuyOnce, until } from "./buy-once.test-support.js";
import { InProcessTransport } from "./in-process-transport.js";

const TOKEN = "in-process-test-token-0123456789abcdef";

/** The gateway's development config (simulated venue) without an audit store: nothing to start, nothing left on disk. */
function devConfig(port: number): GatewayConfig {
  const config = defaultConfig({ token: TOKEN, listen: { host: "127.0.0.1", port }, env: {} });
  return { ...config, storage: { ...config.storage, mode: "none" } };
}

describe("InProcessTransport", () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it("runs a strategy inside the gateway: orders, fills, positions, records", async () => {
    const config = devConfig(0);
    const transport = new InProcessTransport({ gateway: config, token: TOKEN, gatewayLogger: silentLogger });
    const strategy = new BuyOnce({ id: "default" });
    const running = await runStrategy(strategy, transport);
    const records: string[] = [];
    transport.gateway.records.onRecords((rs) => records.push(...rs.map((r) => r.name)));
    await until(() => strategy.handles.length === 2, 5000, "two orders");
    const [market, resting] = strategy.handles;
    await market!.done;
    expect(market!.status).toBe("filled");
    expect(strategy.position()).toBe("0.001");
    expect(resting!.status).toBe("accepted");
    expect(transport.gateway.records.snapshot().map((r) => r.name)).toEqual(["first_bid"]);
    await running.stop();
    expect(strategy.canceledOnStop).toEqual([resting!.clientOrderId]);
    expect((await resting!.done).status).toBe("canceled");
    expect(strategy.errors).toEqual([]);
    expect(transport.status$.value).toBe("closed");
  });

  it("uses a started gateway as it is and leaves it running", async () => {
    gateway = createGateway(devConfig(0), {
      grpc: false,
      logDestination: { write: () => undefined },
    });
    await gateway.start();
    const transport = new InProcessTransport({ gateway, token: TOKEN });
    const running = await runStrategy(new BuyOnce({ id: "default" }), transport);
    await running.stop();
    expect(gateway.status().venues[0]?.connected).toBe(true);
  });

  it("refuses a bad token with a TransportError", async () => {
    gateway = createGateway(devConfig(0), {
      grpc: false,
      logDestination: { write: () => undefined },
    });
    await gateway.start();
    const transport = new InProcessTransport({ gateway, token: "wrong-token" });
    await expect(transport.connect()).rejects.toBeInstanceOf(TransportError);
    await expect(transport.submit({} as never)).rejects.toBeInstanceOf(NotConnected);
  });
});
