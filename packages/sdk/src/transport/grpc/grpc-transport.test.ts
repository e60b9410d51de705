import { Decimal, silentLogger } from "@openfloor/core";
import { createGateway, defaultConfig, type Gateway, type GatewayConfig } from "@openfloor/gateway";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidOrder, NotConnected, TransportError } from "../../errors/sdk-errors.js";
import { type RunningStrategy, runStrategy } from "../../strategy/runner.js";
import { BuyOnce, until } from "../in-process/buy-once.test-support.js";
import { InProcessTransport } from "../in-process/in-process-transport.js";
import type { ConnectionStatus, Transport } from "../transport.js";
import { GrpcTransport } from "./grpc-transport.js";

const TOKEN = "grpc-test-token-0123456789abcdef0123";

async function startGateway(port = 0): Promise<{ gateway: Gateway; address: string }> {
  const gateway = createGateway(devConfig(port), {
    logger: silentLogger,
    shutdownGraceMs: 100,
  });
  const { grpc } = await gateway.start();
  return { gateway, address: grpc ?? "" };
}

/** What a run of `BuyOnce` did, in terms that do not depend on the (random) sim prices. */
async function runBuyOnce(transport: Transport): Promise<Record<string, unknown>> {
  const strategy = new BuyOnce({ id: "default" });
  const running = await runStrategy(strategy, transport);
  await until(() => strategy.handles.length === 2, 5000, "two orders");
  const [market, resting] = strategy.handles;
  await market!.done;
  await until(() => strategy.position() === "0.001", 2000, "the position");
  let filled = Decimal.ZERO;
  market!.fills$.subscribe((f) => {
    filled = filled.add(f.quantity);
  });
  const openBeforeStop = (await transport.orders(true)).map((o) => o.clientOrderId);
  await running.stop();
  const final = await resting!.done;
  return {
    market: [market!.order.type, market!.status, market!.order.filledQuantity.normalize().toString()],
    fills: filled.normalize().toString(),
    resting: [final.type, final.status],
    openBeforeStop: openBeforeStop.length,
    canceledOnStop: strategy.canceledOnStop.length,
    position: strategy.position(),
    errors: strategy.errors,
  };
}

/** The gateway's development config (simulated venue) without an audit store: nothing to start, nothing left on disk. */
function devConfig(port: number): GatewayConfig {
  const config = defaultConfig({ token: TOKEN, listen: { host: "127.0.0.1", port }, env: {} });
  return { ...config, storage: { ...config.storage, mode: "none" } };
}

describe("GrpcTransport", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it("behaves like the in-process transport: orders, fills, positions, records", async () => {
    const { gateway, address } = await startGateway();
    cleanup.push(() => gateway.stop());
    const records: string[] = [];
    gateway.records.onRecords((rs) =>
      records.push(...rs.map((r) => `${r.strategyId}:${r.name}:${r.value.kind}`)),
    );
    const overGrpc = await runBuyOnce(new GrpcTransport({ address, token: TOKEN }));
    const inProcess = await runBuyOnce(new InProcessTransport({ gateway, token: TOKEN }));
    expect(overGrpc).toEqual(inProcess);
    expect(overGrpc).toMatchObject({
      market: ["market", "filled", "0.001"],
      fills: "0.001",
      resting: ["limit", "canceled"],
      openBeforeStop: 1,
      canceledOnStop: 1,
      position: "0.001",
      errors: [],
    });
    await until(() => records.length === 2, 2000, "records");
    expect(records).toEqual(["default:first_bid:decimal", "default:first_bid:decimal"]);
  });

  it("maps INVALID_ARGUMENT to InvalidOrder naming the field", async () => {
    const { gateway, address } = await startGateway();
    cleanup.push(() => gateway.stop());
    const transport = new GrpcTransport({ address, token: TOKEN });
    await transport.connect();
    cleanup.push(() => transport.close());
    const [instrument] = await transport.instruments();
    const error = await transport
      .submit({
        clientOrderId: "bad-1",
        instrument: { symbol: "NOPE/USDT", venue: "sim" },
        side: "buy",
        type: "market",
        timeInForce: "IOC",
        quantity: instrument!.sizeIncrement,
        postOnly: false,
        reduceOnly: false,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOrder);
    expect((error as InvalidOrder).context.field).toMatch(/^instrument/);
  });

  it("refuses a bad token with a TransportError", async () => {
    const { gateway, address } = await startGateway();
    cleanup.push(() => gateway.stop());
    const transport = new GrpcTransport({ address, token: "not-the-token" });
    const error = await transport.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(transport.status$.value).toBe("closed");
  });

  it("reconnects after a gateway restart: fails fast meanwhile, resubscribes and resyncs", async () => {
    let { gateway, address } = await startGateway();
    const port = Number(address.split(":").pop());
    cleanup.push(() => gateway.stop());
    const transport = new GrpcTransport({
      address,
      token: TOKEN,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    const statuses: ConnectionStatus[] = [];
    transport.status$.subscribe((s) => statuses.push(s));
    let resyncs = 0;
    const orders = transport.orders.bind(transport);
    transport.orders = (openOnly) => {
      resyncs++;
      return orders(openOnly);
    };
    const strategy = new BuyOnce({ id: "default" });
    const running: RunningStrategy = await runStrategy(strategy, transport);
    cleanup.push(() => running.stop());
    await until(() => strategy.handles.length === 2 && strategy.quotes > 0, 5000, "orders");

    await gateway.stop();
    await until(() => transport.status$.value === "reconnecting", 5000, "reconnecting");
    const whileDown = await transport.cancelAll().catch((e: unknown) => e);
    expect(whileDown).toBeInstanceOf(NotConnected);

    ({ gateway } = await startGateway(port));
    await until(() => transport.status$.value === "connected", 10_000, "reconnected");
    expect(statuses).toEqual(["connecting", "connected", "reconnecting", "connected"]);
    await until(() => resyncs > 0, 2000, "the order resync");
    const seen = strategy.quotes;
    await until(() => strategy.quotes > seen, 5000, "market data after the reconnect");
    // The strategy keeps trading on the new connection.
    const handle = await strategy.buyMore();
    await handle.done;
    expect(handle.status).toBe("filled");
    expect(strategy.errors).toEqual([]);
  });
});
