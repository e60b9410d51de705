import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { type Balance, Decimal, type PositionSnapshot, silentLogger } from "@openfloor/core";
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

/**
 * A TCP proxy in front of the gateway, so a test can cut the strategy's connection while the gateway
 * (and its state) lives on.
 */
async function startProxy(
  target: string,
): Promise<{ address: string; drop(): Promise<void>; restore(): Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.split(":").pop())];
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let listenPort = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = tcpConnect(port, host);
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on("error", end).on("close", end);
        upstream.on("error", end).on("close", end);
      });
      server.listen(listenPort, "127.0.0.1", () => {
        listenPort = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    address: `127.0.0.1:${listenPort}`,
    drop: async () => {
      await new Promise<void>((resolve) => {
        server?.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
    },
    restore: listen,
  };
}

async function gatewayBalances(gateway: Gateway) {
  const t = new InProcessTransport({ gateway, token: TOKEN });
  await t.connect();
  const b = await t.balances();
  await t.close();
  return b;
}

function holdings(p: PositionSnapshot): Record<string, string> {
  return {
    quantity: p.quantity.normalize().toString(),
    averageEntryPrice: p.averageEntryPrice?.normalize().toString() ?? "",
    realizedPnl: p.realizedPnl.amount.normalize().toString(),
    fees: p.fees.map((f) => `${f.amount.normalize().toString()} ${f.currency}`).join(","),
  };
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
    // A fresh gateway: the strategy takes its positions over from the gateway on start.
    const other = await startGateway();
    cleanup.push(() => other.gateway.stop());
    other.gateway.records.onRecords((rs) =>
      records.push(...rs.map((r) => `${r.strategyId}:${r.name}:${r.value.kind}`)),
    );
    const inProcess = await runBuyOnce(new InProcessTransport({ gateway: other.gateway, token: TOKEN }));
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

  it("re-reads positions after a reconnect: fills made while it was cut off count", async () => {
    const { gateway, address } = await startGateway();
    cleanup.push(() => gateway.stop());
    const proxy = await startProxy(address);
    cleanup.push(() => proxy.drop());
    const transport = new GrpcTransport({
      address: proxy.address,
      token: TOKEN,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    const strategy = new BuyOnce({ id: "default" });
    const running = await runStrategy(strategy, transport);
    cleanup.push(() => running.stop());
    await until(
      () => strategy.handles.length === 2 && strategy.position() === "0.001",
      5000,
      "the first fill",
    );

    await proxy.drop();
    await until(() => transport.status$.value === "reconnecting", 5000, "reconnecting");
    // The same strategy (same token) trades through another door while this one is cut off.
    const side = new InProcessTransport({ gateway, token: TOKEN });
    await side.connect();
    const [instrument] = await side.instruments();
    for (const [i, quantity] of ["0.002", "0.0005"].entries()) {
      const order = await side.submit({
        clientOrderId: `while-away-${i}`,
        instrument: instrument!.id,
        side: i === 0 ? "buy" : "sell",
        type: "market",
        timeInForce: "IOC",
        quantity: Decimal.from(quantity),
        postOnly: false,
        reduceOnly: false,
      });
      expect(order.clientOrderId).toBe(`while-away-${i}`);
    }
    const gatewayView = () => gateway.portfolios.positions("default")[0]!;
    await until(() => gatewayView().quantity.eq("0.0025"), 5000, "the fills at the gateway");
    expect(strategy.position()).toBe("0.001");
    await side.close();

    await proxy.restore();
    await until(() => transport.status$.value === "connected", 10_000, "reconnected");
    await until(() => strategy.position() === "0.0025", 5000, "the positions resync");
    expect(holdings(strategy.snapshot())).toEqual(holdings(gatewayView()));
    expect(strategy.positionChanges.at(-1)).toBe("0.0025");
    const cash = (bs: readonly Balance[]) => bs.map((b) => `${b.currency} ${b.total.normalize().toString()}`);
    expect(cash(strategy.balances())).toEqual(cash(await gatewayBalances(gateway)));
    expect(cash(strategy.balances()).length).toBeGreaterThan(0);

    // Fills after the resync add to the adopted position, once each.
    const handle = await strategy.buyMore();
    await handle.done;
    await until(() => strategy.position() === "0.0035", 5000, "the next fill");
    // The average entry goes on from the gateway's (display-rounded) one; quantity, PnL and fees are exact.
    const { averageEntryPrice: _a, ...ours } = holdings(strategy.snapshot());
    const { averageEntryPrice: _b, ...theirs } = holdings(gatewayView());
    expect(ours).toEqual(theirs);
    expect(strategy.errors).toEqual([]);
  });
});
