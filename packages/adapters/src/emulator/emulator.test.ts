// The emulator's wire formats against the recorded-style samples the ccxt parsers are tested with, and
// its REST, websocket and fault behavior as seen by a plain client.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Decimal } from "@openfloor/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { VenueEmulator } from "./server.js";

const samples = join(dirname(fileURLToPath(import.meta.url)), "..", "ccxt", "normalize", "test_data");
function sample(exchange: string, name: string): unknown {
  return JSON.parse(readFileSync(join(samples, exchange, `${name}.json`), "utf8"));
}

/** The JSON types of `value`, recursively (first element of arrays). */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (value === null) return "null";
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, shape(v)]),
    );
  }
  return typeof value;
}

/** Every field of the recorded sample is in the emulator's message, with the same JSON type. */
function expectSameShape(actual: unknown, recorded: unknown, where = "$"): void {
  const a = shape(actual);
  const r = shape(recorded);
  const walk = (x: unknown, y: unknown, path: string) => {
    if (Array.isArray(y)) {
      expect(Array.isArray(x), `${path} is an array`).toBe(true);
      if ((y as unknown[]).length > 0 && (x as unknown[]).length > 0)
        walk((x as unknown[])[0], y[0], `${path}[0]`);
      return;
    }
    if (typeof y === "object" && y !== null) {
      for (const [k, v] of Object.entries(y)) {
        expect(x, `${path}.${k} exists`).toHaveProperty([k]);
        walk((x as Record<string, unknown>)[k], v, `${path}.${k}`);
      }
      return;
    }
    // A recorded null (an absent commission asset) may be a string when there is one.
    if (y !== "null") expect(x, `${path} type`).toBe(y);
  };
  walk(a, r, where);
}

let venue: VenueEmulator;
const sockets: WebSocket[] = [];
beforeEach(async () => {
  venue = await VenueEmulator.start({ seed: 5 });
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await venue.stop();
});

async function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${venue.httpBase}${path}`, { headers });
  return { status: res.status, body: await res.json() };
}

async function post(
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${venue.httpBase}${path}`, { method: "POST", body, headers });
  return { status: res.status, body: await res.json() };
}

/** A websocket client that collects messages and lets the test await the one it expects. */
async function connect(path: string) {
  const ws = new WebSocket(`${venue.wsBase}${path}`);
  sockets.push(ws);
  const received: Record<string, unknown>[] = [];
  let waiters: {
    check: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }[] = [];
  ws.on("message", (data) => {
    const m = JSON.parse(String(data)) as Record<string, unknown>;
    received.push(m);
    const ready = waiters.filter((w) => w.check(m));
    waiters = waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(m);
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return {
    ws,
    received,
    send: (m: unknown) => ws.send(JSON.stringify(m)),
    next: (check: (m: Record<string, unknown>) => boolean) => {
      const seen = received.find(check);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<Record<string, unknown>>((resolve) => waiters.push({ check, resolve }));
    },
  };
}

const BINANCE_KEY = { "x-mbx-apikey": "k" };
const BYBIT_KEY = { "x-bapi-api-key": "k", "x-bapi-sign": "s", "content-type": "application/json" };

describe("emulator: Binance spot wire format", () => {
  it("listens on loopback only", () => {
    expect(venue.httpBase.startsWith("http://127.0.0.1:")).toBe(true);
  });

  it("REST answers have the fields of the recorded payloads", async () => {
    const info = await get("/binance/api/v3/exchangeInfo");
    expectSameShape(
      (info.body as { symbols: unknown[] }).symbols[0],
      sample("binance", "exchangeInfo.symbol"),
    );
    expectSameShape(
      (await get("/binance/api/v3/depth?symbol=BTCUSDT&limit=5")).body,
      sample("binance", "depth"),
    );
    venue.engine.takerTrade("BTCUSDT", "buy", Decimal.parse("0.01"));
    const klines = (await get("/binance/api/v3/klines?symbol=BTCUSDT&interval=1m")).body as unknown[][];
    expect(klines[0]).toHaveLength((sample("binance", "kline.rest") as unknown[][])[0]!.length);
    expectSameShape(
      (await get("/binance/api/v3/account?signature=x", BINANCE_KEY)).body,
      sample("binance", "account"),
    );
    const order = await post(
      "/binance/api/v3/order",
      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01000&price=50100.00&newClientOrderId=c1&signature=x",
      { ...BINANCE_KEY, "content-type": "application/x-www-form-urlencoded" },
    );
    expect(order.status).toBe(200);
    expectSameShape(order.body, sample("binance", "order.full"));
    expectSameShape(
      ((await get("/binance/api/v3/myTrades?symbol=BTCUSDT&signature=x", BINANCE_KEY)).body as unknown[])[0],
      (sample("binance", "myTrades") as unknown[])[0],
    );
  });

  it("private endpoints want an API key and a signature (which they do not check)", async () => {
    const r = await get("/binance/api/v3/account");
    expect(r.status).toBe(401);
    expect((r.body as { code: number }).code).toBe(-2014);
  });

  it("market streams: SUBSCRIBE, then trade, depthUpdate, bookTicker, 24hrTicker and kline events", async () => {
    const c = await connect("/binance/ws/0");
    c.send({
      method: "SUBSCRIBE",
      params: [
        "btcusdt@trade",
        "btcusdt@depth@100ms",
        "btcusdt@bookTicker",
        "btcusdt@ticker",
        "btcusdt@kline_1m",
      ],
      id: 1,
    });
    expect(await c.next((m) => m.id === 1)).toEqual({ result: null, id: 1 });
    venue.engine.takerTrade("BTCUSDT", "buy", Decimal.parse("0.01"));
    expectSameShape(await c.next((m) => m.e === "trade"), sample("binance", "trade.event"));
    expectSameShape(await c.next((m) => m.e === "depthUpdate"), sample("binance", "depthUpdate.event"));
    expectSameShape(
      await c.next((m) => m.e === undefined && "u" in m),
      sample("binance", "bookTicker.event"),
    );
    expectSameShape(await c.next((m) => m.e === "24hrTicker"), sample("binance", "ticker.event"));
    expectSameShape(await c.next((m) => m.e === "kline"), sample("binance", "kline.event"));
  });

  it("a depth gap: the next depthUpdate's U skips ahead", async () => {
    const c = await connect("/binance/ws/0");
    c.send({ method: "SUBSCRIBE", params: ["btcusdt@depth"], id: 7 });
    await c.next((m) => m.id === 7);
    venue.engine.touchBook("BTCUSDT");
    const a = await c.next((m) => m.e === "depthUpdate");
    venue.injectSequenceGap("BTCUSDT", 5);
    const b = await c.next((m) => m.e === "depthUpdate" && m !== a);
    expect(b.U).toBe((a.u as number) + 6);
  });

  it("user data over the WebSocket API: executionReport wrapped in { subscriptionId, event }", async () => {
    const c = await connect("/binance/ws-api/v3");
    c.send({
      id: "1",
      method: "userDataStream.subscribe.signature",
      params: { apiKey: "k", timestamp: 1, signature: "x" },
    });
    expectSameShape(await c.next((m) => m.id === "1"), sample("binance", "wsapi.subscribe"));
    venue.engine.placeOrder({
      symbol: "BTCUSDT",
      side: "buy",
      type: "limit",
      quantity: Decimal.parse("0.01"),
      price: Decimal.parse("50100.00"),
    });
    const trade = await c.next((m) => (m.event as Record<string, unknown> | undefined)?.x === "TRADE");
    expectSameShape(trade.event, sample("binance", "executionReport.trade"));
  });

  it("faults: the next order fails with the injected code; dropping closes every socket", async () => {
    venue.failNextOrder("rate-limit");
    const body =
      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01000&price=40000.00&signature=x";
    const headers = { ...BINANCE_KEY, "content-type": "application/x-www-form-urlencoded" };
    const limited = await post("/binance/api/v3/order", body, headers);
    expect([limited.status, (limited.body as { code: number }).code]).toEqual([429, -1003]);
    expect((await post("/binance/api/v3/order", body, headers)).status).toBe(200);
    const c = await connect("/binance/ws/0");
    const closed = new Promise((resolve) => c.ws.once("close", resolve));
    expect(venue.dropConnections()).toBe(1);
    await closed;
  });
});

describe("emulator: Bybit v5 spot wire format", () => {
  it("REST answers have the fields of the recorded payloads, in the v5 envelope", async () => {
    expectSameShape(
      (await get("/bybit/v5/market/instruments-info?category=spot")).body,
      sample("bybit", "instruments-info"),
    );
    venue.engine.takerTrade("BTCUSDT", "buy", Decimal.parse("0.01"));
    expectSameShape(
      (await get("/bybit/v5/market/tickers?category=spot&symbol=BTCUSDT")).body,
      sample("bybit", "tickers.rest"),
    );
    expectSameShape(
      (await get("/bybit/v5/market/recent-trade?category=spot&symbol=BTCUSDT")).body,
      sample("bybit", "recent-trade"),
    );
    expectSameShape(
      (await get("/bybit/v5/account/wallet-balance?accountType=UNIFIED", BYBIT_KEY)).body,
      sample("bybit", "wallet-balance"),
    );
    const created = await post(
      "/bybit/v5/order/create",
      JSON.stringify({
        category: "spot",
        symbol: "BTCUSDT",
        side: "Buy",
        orderType: "Limit",
        qty: "0.01",
        price: "40000",
        orderLinkId: "x1",
      }),
      BYBIT_KEY,
    );
    expectSameShape(created.body, sample("bybit", "order.create"));
    expect((await get("/bybit/v5/account/wallet-balance")).body).toMatchObject({ retCode: 10003 });
  });

  it("orderbook: a snapshot on subscribe, then deltas whose u rises by one; a gap skips one", async () => {
    const c = await connect("/bybit/v5/public/spot");
    c.send({
      op: "subscribe",
      req_id: "1",
      args: ["orderbook.50.BTCUSDT", "publicTrade.BTCUSDT", "kline.1.BTCUSDT"],
    });
    expect(await c.next((m) => m.op === "subscribe")).toMatchObject({ success: true, req_id: "1" });
    const snap = await c.next((m) => m.type === "snapshot" && m.topic === "orderbook.50.BTCUSDT");
    expectSameShape(snap, sample("bybit", "orderbook.snapshot"));
    venue.engine.takerTrade("BTCUSDT", "sell", Decimal.parse("0.01"));
    const delta = await c.next((m) => m.type === "delta");
    expectSameShape(delta, sample("bybit", "orderbook.delta"));
    const u = (m: Record<string, unknown>) => (m.data as { u: number }).u;
    expect(u(delta)).toBe(u(snap) + 1);
    expectSameShape(await c.next((m) => m.topic === "publicTrade.BTCUSDT"), sample("bybit", "publicTrade"));
    expectSameShape(await c.next((m) => m.topic === "kline.1.BTCUSDT"), sample("bybit", "kline.event"));
    venue.injectSequenceGap("BTCUSDT");
    const gapped = await c.next((m) => m.type === "delta" && u(m) > u(delta));
    expect(u(gapped)).toBe(u(delta) + 2);
  });

  it("private stream: auth, then order and execution topics", async () => {
    const c = await connect("/bybit/v5/private");
    c.send({ op: "subscribe", req_id: "0", args: ["order"] });
    expect(await c.next((m) => m.op === "subscribe")).toMatchObject({ success: false });
    c.send({ op: "auth", args: ["k", "1", "sig"] });
    expect(await c.next((m) => m.op === "auth")).toMatchObject({ success: true });
    c.send({ op: "subscribe", req_id: "1", args: ["order", "execution"] });
    expectSameShape(await c.next((m) => m.req_id === "1"), sample("bybit", "private.subscribe"));
    venue.engine.placeOrder({
      symbol: "BTCUSDT",
      side: "buy",
      type: "limit",
      quantity: Decimal.parse("0.01"),
      price: Decimal.parse("50100.00"),
    });
    expectSameShape(await c.next((m) => m.topic === "execution"), sample("bybit", "execution.topic"));
    const filled = (m: Record<string, unknown>) =>
      (m.data as { orderStatus: string }[] | undefined)?.[0]?.orderStatus === "Filled";
    expectSameShape(await c.next((m) => m.topic === "order" && filled(m)), sample("bybit", "order.topic"));
  });

  it("faults come back as v5 retCodes", async () => {
    for (const [fault, code] of [
      ["insufficient-funds", 170131],
      ["invalid-price", 170134],
      ["auth", 10003],
      ["rate-limit", 10006],
    ] as const) {
      venue.failNextOrder(fault);
      const r = await post(
        "/bybit/v5/order/create",
        JSON.stringify({
          category: "spot",
          symbol: "BTCUSDT",
          side: "Buy",
          orderType: "Limit",
          qty: "0.01",
          price: "40000",
        }),
        BYBIT_KEY,
      );
      expect((r.body as { retCode: number }).retCode, fault).toBe(code);
    }
  });
});
