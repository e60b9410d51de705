import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  type ChannelCredentials,
  type ClientDuplexStream,
  credentials,
  loadPackageDefinition,
  makeGenericClientConstructor,
  status,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { pb } from "@openfloor/core";
import { service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorDetailOf } from "../server/status-map.js";
import {
  ADMIN_TOKEN,
  ALPHA_TOKEN,
  auth,
  BETA_TOKEN,
  BTC,
  type Clients,
  call,
  callError,
  clientsFor,
  ETH,
  limitOrder,
  type RunningGateway,
  StreamReader,
  startTestGateway,
  text,
} from "./grpc-harness.js";

type Update = pb.StreamOrderUpdatesResponse;

interface ReflectionClient {
  ServerReflectionInfo(): ClientDuplexStream<
    object,
    { list_services_response?: { service: { name: string }[] } }
  >;
  close(): void;
}

const eventOf = (cid: string, kind: pb.OrderEventKind) => (m: Update) =>
  m.update?.$case === "event" && m.update.value.order?.clientOrderId === cid && m.update.value.kind === kind;

const fillOf = (cid: string) => (m: Update) =>
  m.update?.$case === "fill" && m.update.value.clientOrderId === cid;

describe("gateway over gRPC against the simulated venue", () => {
  let gw: RunningGateway;
  let c: Clients;
  let alphaUpdates: StreamReader<Update>;
  let betaUpdates: StreamReader<Update>;

  beforeAll(async () => {
    gw = await startTestGateway();
    c = clientsFor(gw.address);
    alphaUpdates = new StreamReader(c.orders.streamOrderUpdates({}, auth(ALPHA_TOKEN)));
    betaUpdates = new StreamReader(c.orders.streamOrderUpdates({}, auth(BETA_TOKEN)));
    await Promise.all([alphaUpdates.ready, betaUpdates.ready]);
  });

  afterAll(async () => {
    alphaUpdates?.cancel();
    betaUpdates?.cancel();
    c?.close();
    await gw?.stop();
  });

  it("refuses calls without a token or with a wrong one (UNAUTHENTICATED)", async () => {
    const none = await callError(c.orders, c.orders.listOrders, { openOnly: false }, auth(undefined));
    expect(none.code).toBe(status.UNAUTHENTICATED);
    const wrong = await callError(
      c.orders,
      c.orders.listOrders,
      { openOnly: false },
      auth("not-a-token-at-all-000000"),
    );
    expect(wrong.code).toBe(status.UNAUTHENTICATED);
    const stream = new StreamReader(
      c.marketData.subscribe(
        { instruments: [BTC], eventTypes: [], bookDepth: 0, barIntervals: [], slowConsumerPolicy: 0 },
        auth("wrong-token-0000000000000000"),
      ),
    );
    expect((await stream.closed()).code).toBe(status.UNAUTHENTICATED);
  });

  it("answers standard health checks", async () => {
    const Health = makeGenericClientConstructor(healthService, "Health");
    const health = new Health(gw.address, credentials.createInsecure()) as unknown as {
      check(req: { service: string }, cb: (e: Error | null, r: { status: string | number }) => void): void;
      close(): void;
    };
    const reply = await new Promise<{ status: string | number }>((resolve, reject) =>
      health.check({ service: "openfloor.v1.OrdersService" }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    expect(reply.status === "SERVING" || reply.status === 1).toBe(true);
    health.close();
  });

  it("serves gRPC reflection listing the openfloor services", async () => {
    const require = createRequire(import.meta.url);
    const protoPath = join(
      dirname(require.resolve("@grpc/reflection")),
      "..",
      "proto",
      "grpc/reflection/v1/reflection.proto",
    );
    const loaded = loadPackageDefinition(loadSync(protoPath, { keepCase: true })) as unknown as {
      grpc: {
        reflection: { v1: { ServerReflection: new (a: string, c: ChannelCredentials) => ReflectionClient } };
      };
    };
    const client = new loaded.grpc.reflection.v1.ServerReflection(gw.address, credentials.createInsecure());
    const services = await new Promise<string[]>((resolve, reject) => {
      const stream = client.ServerReflectionInfo();
      stream.on("data", (m: { list_services_response?: { service: { name: string }[] } }) => {
        resolve(m.list_services_response?.service.map((s) => s.name) ?? []);
        stream.end();
      });
      stream.on("error", reject);
      stream.write({ list_services: "" });
    });
    client.close();
    expect(services).toEqual(
      expect.arrayContaining([
        "openfloor.v1.OrdersService",
        "openfloor.v1.MarketDataService",
        "openfloor.v1.AdminService",
      ]),
    );
  });

  it("lists instruments", async () => {
    const res = await call(c.marketData, c.marketData.listInstruments, { venue: "sim" }, auth(ALPHA_TOKEN));
    expect(res.instruments.map((i) => i.id?.symbol).sort()).toEqual(["BTC/USDT", "ETH/USDT"]);
    expect(text(res.instruments.find((i) => i.id?.symbol === "BTC/USDT")?.priceIncrement)).toBe("0.01");
  });

  it("streams a book snapshot first, then deltas in sequence, in batched frames", async () => {
    const stream = new StreamReader(
      c.marketData.subscribe(
        {
          instruments: [BTC, ETH],
          eventTypes: [pb.MarketEventType.MARKET_EVENT_TYPE_BOOK, pb.MarketEventType.MARKET_EVENT_TYPE_TRADE],
          bookDepth: 0,
          barIntervals: [],
          slowConsumerPolicy: pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_CONFLATE,
        },
        auth(ALPHA_TOKEN),
      ),
    );
    const first = await stream.next();
    expect(first.frame?.frameSequence).toBe(1n);
    // Both instruments' snapshots go out together: one frame, two events.
    const firstEvents = first.frame?.events ?? [];
    expect(firstEvents.length).toBeGreaterThanOrEqual(2);
    const lastSeq = new Map<string, bigint>();
    for (const e of firstEvents) {
      if (e.event?.$case === "bookSnapshot")
        lastSeq.set(e.event.value.instrument?.symbol ?? "", e.event.value.sequence);
    }
    expect([...lastSeq.keys()].sort()).toEqual(["BTC/USDT", "ETH/USDT"]);
    let deltas = 0;
    let frameSeq = first.frame?.frameSequence ?? 0n;
    while (deltas < 20) {
      const frame = (await stream.next()).frame!;
      expect(frame.frameSequence).toBe(frameSeq + 1n);
      frameSeq = frame.frameSequence;
      for (const e of frame.events) {
        if (e.event?.$case !== "bookDelta") continue;
        const symbol = e.event.value.instrument?.symbol ?? "";
        const previous = lastSeq.get(symbol);
        expect(previous, `delta for ${symbol} before its snapshot`).toBeDefined();
        expect(e.event.value.firstSequence).toBeLessThanOrEqual((previous ?? 0n) + 1n);
        lastSeq.set(symbol, e.event.value.sequence);
        deltas++;
      }
    }
    stream.cancel();
  });

  it("submits, partially fills, amends and cancels an order, streaming each step", async () => {
    // The book's best ask is 100.01 with 1 lot: buying 1.5 there fills 1 and leaves 0.5 resting.
    const res = await call(
      c.orders,
      c.orders.submitOrder,
      limitOrder("a-pf-1", "buy", "1.5", "100.01"),
      auth(ALPHA_TOKEN),
    );
    expect(res.order?.strategyId).toBe("alpha");
    await alphaUpdates.next(eventOf("a-pf-1", pb.OrderEventKind.ORDER_EVENT_KIND_ACCEPTED));
    const fill = await alphaUpdates.next(fillOf("a-pf-1"));
    expect(fill.update?.$case === "fill" && text(fill.update.value.quantity)).toBe("1");
    expect(fill.update?.$case === "fill" && text(fill.update.value.price)).toBe("100.01");
    const filled = await alphaUpdates.next(eventOf("a-pf-1", pb.OrderEventKind.ORDER_EVENT_KIND_FILLED));
    expect(filled.update?.$case === "event" && filled.update.value.order?.status).toBe(
      pb.OrderStatus.ORDER_STATUS_PARTIALLY_FILLED,
    );

    const open = await call(c.orders, c.orders.listOrders, { openOnly: true }, auth(ALPHA_TOKEN));
    expect(open.orders.map((o) => o.clientOrderId)).toContain("a-pf-1");

    // A resubmit with the same client order id is the same order, not a second one.
    const again = await call(
      c.orders,
      c.orders.submitOrder,
      limitOrder("a-pf-1", "buy", "1.5", "100.01"),
      auth(ALPHA_TOKEN),
    );
    expect(again.order?.clientOrderId).toBe("a-pf-1");

    // Amend the rest down below the market.
    await call(
      c.orders,
      c.orders.amendOrder,
      {
        clientOrderId: "a-pf-1",
        quantity: undefined,
        price: { mantissa: 9000n, scale: 2 },
        triggerPrice: undefined,
        replacementClientOrderId: "a-pf-1r",
      },
      auth(ALPHA_TOKEN),
    );
    const amended = await alphaUpdates.next(
      (m) =>
        m.update?.$case === "event" &&
        (m.update.value.kind === pb.OrderEventKind.ORDER_EVENT_KIND_AMENDED ||
          (m.update.value.order?.clientOrderId === "a-pf-1r" &&
            m.update.value.kind === pb.OrderEventKind.ORDER_EVENT_KIND_ACCEPTED)),
    );
    const live = amended.update?.$case === "event" ? (amended.update.value.order?.clientOrderId ?? "") : "";
    expect(amended.update?.$case === "event" && text(amended.update.value.order?.price)).toBe("90");

    await call(c.orders, c.orders.cancelOrder, { clientOrderId: live }, auth(ALPHA_TOKEN));
    await alphaUpdates.next(eventOf(live, pb.OrderEventKind.ORDER_EVENT_KIND_CANCELED));
    const after = await call(c.orders, c.orders.listOrders, { openOnly: true }, auth(ALPHA_TOKEN));
    expect(after.orders.map((o) => o.clientOrderId)).not.toContain(live);

    const positions = await call(c.portfolio, c.portfolio.getPositions, {}, auth(ALPHA_TOKEN));
    const btc = positions.positions.find((p) => p.instrument?.symbol === "BTC/USDT");
    expect(text(btc?.quantity)).toBe("1");
  });

  it("shows a risk denial as a denied event with the reason code", async () => {
    const res = await call(
      c.orders,
      c.orders.submitOrder,
      limitOrder("a-big-1", "buy", "60", "90"),
      auth(ALPHA_TOKEN),
    );
    expect(res.order?.status).toBe(pb.OrderStatus.ORDER_STATUS_DENIED);
    const denied = await alphaUpdates.next(eventOf("a-big-1", pb.OrderEventKind.ORDER_EVENT_KIND_DENIED));
    expect(denied.update?.$case === "event" && denied.update.value.reason?.code).toMatch(/^RISK_/);
  });

  it("keeps two strategies apart", async () => {
    await call(c.orders, c.orders.submitOrder, limitOrder("shared-id", "buy", "1", "95"), auth(ALPHA_TOKEN));
    await alphaUpdates.next(eventOf("shared-id", pb.OrderEventKind.ORDER_EVENT_KIND_ACCEPTED));

    const betaList = await call(c.orders, c.orders.listOrders, { openOnly: false }, auth(BETA_TOKEN));
    expect(betaList.orders.filter((o) => o.strategyId !== "beta")).toEqual([]);

    const cancel = await callError(
      c.orders,
      c.orders.cancelOrder,
      { clientOrderId: "shared-id" },
      auth(BETA_TOKEN),
    );
    expect([status.PERMISSION_DENIED, status.NOT_FOUND]).toContain(cancel.code);

    // Client order ids are unique per venue: beta cannot take over alpha's id by resubmitting it.
    const reuse = await callError(
      c.orders,
      c.orders.submitOrder,
      limitOrder("shared-id", "sell", "1", "105"),
      auth(BETA_TOKEN),
    );
    expect([status.INVALID_ARGUMENT, status.ALREADY_EXISTS, status.PERMISSION_DENIED]).toContain(reuse.code);

    await call(c.orders, c.orders.submitOrder, limitOrder("beta-own", "sell", "1", "105"), auth(BETA_TOKEN));
    const betaAck = await betaUpdates.next(eventOf("beta-own", pb.OrderEventKind.ORDER_EVENT_KIND_ACCEPTED));
    expect(betaAck.update?.$case === "event" && betaAck.update.value.order?.strategyId).toBe("beta");
    const canceled = await call(
      c.orders,
      c.orders.cancelAllOrders,
      { instrument: undefined },
      auth(BETA_TOKEN),
    );
    expect(canceled.orders.map((o) => o.clientOrderId)).toEqual(["beta-own"]);
    await betaUpdates.next(eventOf("beta-own", pb.OrderEventKind.ORDER_EVENT_KIND_CANCELED));
    const alphaOpen = await call(c.orders, c.orders.listOrders, { openOnly: true }, auth(ALPHA_TOKEN));
    expect(alphaOpen.orders.map((o) => o.clientOrderId)).toContain("shared-id");

    // Nothing of alpha's ever reached beta's stream.
    await expect(
      betaUpdates.next(
        (m) => m.update?.$case === "event" && m.update.value.order?.strategyId === "alpha",
        50,
      ),
    ).rejects.toThrow();
  });

  it("names the field of a malformed request (INVALID_ARGUMENT with an ErrorDetail trailer)", async () => {
    const bad = { ...limitOrder("a-bad-1", "buy", "1", "100"), quantity: { mantissa: 1n, scale: 19 } };
    const error = await callError(c.orders, c.orders.submitOrder, bad, auth(ALPHA_TOKEN));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(errorDetailOf(error)?.field).toBe("quantity");
    expect(error.details).toContain("quantity");
  });

  it("runs the kill switch: admin only, cancels open orders, refuses new ones, and releases", async () => {
    const notAdmin = await callError(
      c.admin,
      c.admin.setKillSwitch,
      { engaged: true, reason: "x" },
      auth(ALPHA_TOKEN),
    );
    expect(notAdmin.code).toBe(status.PERMISSION_DENIED);

    await call(c.orders, c.orders.submitOrder, limitOrder("a-ks-1", "buy", "1", "96"), auth(ALPHA_TOKEN));
    await alphaUpdates.next(eventOf("a-ks-1", pb.OrderEventKind.ORDER_EVENT_KIND_ACCEPTED));
    const engaged = await call(
      c.admin,
      c.admin.setKillSwitch,
      { engaged: true, reason: "test" },
      auth(ADMIN_TOKEN),
    );
    expect(engaged.engaged).toBe(true);
    expect(engaged.canceledOrders).toBeGreaterThanOrEqual(1);
    await alphaUpdates.next(eventOf("a-ks-1", pb.OrderEventKind.ORDER_EVENT_KIND_CANCELED));

    const refused = await call(
      c.orders,
      c.orders.submitOrder,
      limitOrder("a-ks-2", "buy", "1", "96"),
      auth(ALPHA_TOKEN),
    );
    expect(refused.order?.status).toBe(pb.OrderStatus.ORDER_STATUS_DENIED);

    const st = await call(c.admin, c.admin.getStatus, {}, auth(ADMIN_TOKEN));
    expect(st.killSwitchEngaged).toBe(true);
    expect(st.connectedStrategies.sort()).toEqual(["alpha", "beta"]);

    const released = await call(
      c.admin,
      c.admin.setKillSwitch,
      { engaged: false, reason: "test over" },
      auth(ADMIN_TOKEN),
    );
    expect(released.engaged).toBe(false);
    const ok = await call(
      c.orders,
      c.orders.submitOrder,
      limitOrder("a-ks-3", "buy", "1", "96"),
      auth(ALPHA_TOKEN),
    );
    expect(ok.order?.status).not.toBe(pb.OrderStatus.ORDER_STATUS_DENIED);
  });

  it("accepts strategy records into the buffer", async () => {
    const seen: string[] = [];
    const off = gw.gateway.records.onRecords((records) =>
      seen.push(...records.map((r) => `${r.strategyId}:${r.name}`)),
    );
    const response = await new Promise<pb.RecordResponse>((resolve, reject) => {
      const stream = c.recording.record(auth(ALPHA_TOKEN), (e, r) => (e ? reject(e) : resolve(r)));
      stream.write({
        records: [{ strategyId: "", name: "signal", tsNs: 0n, value: { $case: "number", value: 0.5 } }],
      });
      stream.write({
        records: [
          {
            strategyId: "alpha",
            name: "decision",
            tsNs: 1n,
            value: { $case: "decimal", value: { mantissa: 10001n, scale: 2 } },
          },
        ],
      });
      stream.end();
    });
    off();
    expect(response.accepted).toBe(2n);
    expect(seen).toEqual(["alpha:signal", "alpha:decision"]);
  });

  it("counts what happened in Prometheus metrics", async () => {
    const text = await gw.gateway.metrics.registry.metrics();
    expect(text).toMatch(/openfloor_order_round_trip_seconds_count \d+/);
    expect(text).toMatch(/openfloor_risk_rejections_total\{reason="RISK_/);
    expect(text).toContain("openfloor_tick_to_send_seconds_bucket");
    expect(text).toMatch(/openfloor_auth_failures_total\{reason="missing"\} 1/);
  });
});
