import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import {
  applyOrderEvent,
  Decimal,
  instrumentId,
  LiveClock,
  newOrder,
  type OrderEvent,
  type OrderRequest,
  silentLogger,
  VenueUnavailableError,
} from "@openfloor/core";
import { afterEach, describe, expect, it } from "vitest";
import { AdapterConfigError } from "../../contract/registry.js";
import { RecordingSink } from "../../testing/recording-sink.js";
import { conformanceConfig } from "../test-helpers.js";
import { RemoteSimAdapter } from "./remote-adapter.js";
import { type SimVenueServer, startSimVenueServer } from "./server.js";

const id = instrumentId("BTC/USDT", "sim");
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function venue(): Promise<SimVenueServer> {
  const server = await startSimVenueServer({ ...conformanceConfig, port: 0 });
  closers.push(() => server.close());
  return server;
}

function client(url: string, reconnectInitialMs = 50): { adapter: RemoteSimAdapter; sink: RecordingSink } {
  const sink = new RecordingSink();
  const context = { clock: new LiveClock(), sink, logger: silentLogger };
  const adapter = new RemoteSimAdapter({
    url,
    context,
    reconnectInitialMs,
    reconnectMaxMs: reconnectInitialMs,
  });
  closers.unshift(() => adapter.disconnect());
  return { adapter, sink };
}

let n = 0;
function order(side: "buy" | "sell", price: string, qty = "0.01") {
  const request: OrderRequest = {
    clientOrderId: `srv-${Date.now()}-${++n}`,
    instrument: id,
    side,
    type: "limit",
    timeInForce: "GTC",
    quantity: Decimal.from(qty),
    price: Decimal.from(price),
    postOnly: false,
    reduceOnly: false,
    strategyId: "t",
    account: "default",
  };
  return applyOrderEvent(newOrder(request, 1n), { kind: "submitted", tsNs: 1n }).order;
}

async function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("sim venue server", () => {
  it("keeps orders, fills and balances when the client (the gateway) goes away", async () => {
    const server = await venue();
    const first = client(server.url);
    await first.adapter.connect();
    const resting = order("buy", "25000");
    await first.adapter.submitOrder(resting);
    const taker = order("buy", server.exchange.bestAsk(id)!.price.add("5").toString());
    await first.adapter.submitOrder(taker);
    await first.adapter.disconnect();

    const second = client(server.url);
    await second.adapter.connect();
    const open = await second.adapter.fetchOpenOrders(id);
    expect(open.map((o) => o.clientOrderId)).toEqual([resting.clientOrderId]);
    const fills = await second.adapter.fetchFills(0n, id);
    expect(fills.map((f) => f.clientOrderId)).toEqual([taker.clientOrderId]);
    const btc = (await second.adapter.fetchBalances()).find((b) => b.currency === "BTC");
    expect(btc?.total.eq("10.01")).toBe(true);
    await second.adapter.cancelOrder(resting);
    expect(await second.adapter.fetchOpenOrders(id)).toEqual([]);
  });

  it("replays order events missed while the stream was down, once each", async () => {
    const server = await venue();
    server.venue.stop();
    const inside = server.exchange.bestAsk(id)!.price.sub("0.05").toString();
    // Reconnecting takes 150–300 ms: long enough for the fill to happen while the stream is down.
    const { adapter, sink } = client(server.url, 300);
    await adapter.connect();
    const resting = order("sell", inside);
    sink.track(resting);
    await adapter.submitOrder(resting);
    await until(() => sink.get(resting.clientOrderId)!.order.status === "accepted");
    const reconnects = adapter.reconnects;
    server.dropStreams();
    // Another client lifts the resting sell while our stream is down.
    const other = client(server.url);
    await other.adapter.connect();
    await other.adapter.submitOrder(order("buy", inside));
    expect(sink.get(resting.clientOrderId)!.order.status).toBe("accepted");
    expect(server.exchange.order("default", resting.clientOrderId)?.status).toBe("filled");
    await until(() => adapter.reconnects > reconnects);
    await until(() => sink.get(resting.clientOrderId)!.order.status === "filled");
    const kinds = sink.orderEvents
      .filter((e) => e.clientOrderId === resting.clientOrderId)
      .map((e) => e.event.kind);
    expect(kinds).toEqual(["accepted", "filled"]);
    expect(sink.states.map((s) => s.state)).toContain("reconnecting");
  });

  it("logs, counts and skips a malformed stream line without losing the stream", async () => {
    const event: OrderEvent = { kind: "canceled", tsNs: 5n };
    const fake = createServer((req, res) => {
      if (req.url?.startsWith("/v1/instruments")) {
        res.end(JSON.stringify({ instruments: [] }));
        return;
      }
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write(`${JSON.stringify({ type: "hello", streamId: "s1", seq: 0 })}\n`);
      res.write(
        `${JSON.stringify({ type: "order", seq: 1, clientOrderId: "x", event: { kind: "filled", tsNs: "1" } })}\n`,
      );
      res.write("{not json\n");
      res.write(
        `${JSON.stringify({ type: "order", seq: 2, clientOrderId: "x", event: { ...event, tsNs: "5" } })}\n`,
      );
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", () => r()));
    closers.push(
      () =>
        new Promise<void>((r) => {
          fake.closeAllConnections();
          fake.close(() => r());
        }),
    );
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const { adapter, sink } = client(url);
    await adapter.connect();
    await until(() => sink.orderEvents.length === 1);
    expect(sink.orderEvents[0]!.event).toEqual(event);
    expect(adapter.badMessages).toBe(2);
    expect(sink.errors.map((e) => e.message)).toEqual([
      "sim: malformed order message skipped",
      "sim: malformed unknown message skipped",
    ]);
  });

  it("a first connect to a venue that is not there fails with VenueUnavailableError", async () => {
    const fake = createServer();
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", () => r()));
    const port = (fake.address() as AddressInfo).port;
    await new Promise<void>((r) => fake.close(() => r()));
    const { adapter, sink } = client(`http://127.0.0.1:${port}`);
    await expect(adapter.connect()).rejects.toBeInstanceOf(VenueUnavailableError);
    expect(adapter.connectionState).toBe("disconnected");
    expect(sink.states.at(-1)?.state).toBe("disconnected");
  });

  it("names the wrong config key and why", async () => {
    const bad = { ...conformanceConfig, lattency: { fixedMs: 1 } };
    await expect(startSimVenueServer({ ...bad, port: 0 })).rejects.toThrow(AdapterConfigError);
    await expect(startSimVenueServer({ ...bad, port: 0 })).rejects.toThrow(/lattency/);
  });

  it("runs as a standalone process that prints where it listens", async () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      ["--conditions=@openfloor/source", "--import", "tsx", main, "--port", "0"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    closers.push(async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    const { url } = JSON.parse(line) as { url: string };
    const { adapter } = client(url);
    const instruments = await adapter.loadInstruments();
    expect(instruments.map((i) => i.id.symbol)).toEqual(["BTC/USDT", "ETH/USDT"]);
  }, 30_000);
});
