import { credentials, makeGenericClientConstructor, type ServiceError, status } from "@grpc/grpc-js";
import { pb } from "@openfloor/core";
import fc from "fast-check";
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
  clientsFor,
  limitOrder,
  type RunningGateway,
  StreamReader,
  startTestGateway,
} from "./grpc-harness.js";

/** Statuses a hostile request may get; never INTERNAL or UNKNOWN. */
const ALLOWED = new Set<number>([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.PERMISSION_DENIED,
  status.FAILED_PRECONDITION,
  status.ALREADY_EXISTS,
  status.RESOURCE_EXHAUSTED,
]);

const RUNS = 120;

const garbage = fc.oneof(
  fc.constant(""),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ minLength: 129, maxLength: 400 }),
  fc.constantFrom(
    "BTC/USDT",
    "ETH/USDT",
    "sim",
    "beta-keep",
    "shared",
    "../../etc/passwd",
    "\u0000\u0001",
    "' OR 1=1 --",
  ),
);

const decimal: fc.Arbitrary<pb.Decimal | undefined> = fc.option(
  fc.record({
    mantissa: fc.oneof(
      fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
      fc.bigInt({ min: -1000n, max: 1000n }),
      fc.constantFrom(0n, 1n, -1n, 100n, 10001n),
    ),
    scale: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(18, 19, 255, 4_294_967_295)),
  }),
  { nil: undefined },
);

const instrument: fc.Arbitrary<pb.InstrumentId | undefined> = fc.option(
  fc.oneof(fc.constant(BTC), fc.record({ symbol: garbage, venue: garbage })),
  { nil: undefined },
);

const enumValue = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: -5, max: 1_000_000 }));

const submit: fc.Arbitrary<pb.SubmitOrderRequest> = fc.record({
  clientOrderId: garbage,
  instrument,
  side: enumValue,
  type: enumValue,
  timeInForce: enumValue,
  quantity: decimal,
  price: decimal,
  triggerPrice: decimal,
  postOnly: fc.boolean(),
  reduceOnly: fc.boolean(),
  expireTimeNs: fc.oneof(fc.constant(0n), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })),
  account: fc.oneof(fc.constant(""), fc.constant("main"), garbage),
});

async function outcome(promise: Promise<unknown>, _input?: unknown): Promise<ServiceError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error as ServiceError;
  }
}

function expectWellFormed(error: ServiceError | undefined, what: string): void {
  if (error === undefined) return;
  expect(ALLOWED.has(error.code), `${what}: status ${status[error.code]} (${error.details})`).toBe(true);
  if (error.code === status.INVALID_ARGUMENT) {
    expect(
      errorDetailOf(error)?.field,
      `${what}: INVALID_ARGUMENT names no field (${error.details})`,
    ).toBeTruthy();
  }
}

describe("every RPC under malformed and hostile requests", () => {
  let gw: RunningGateway;
  let c: Clients;

  beforeAll(async () => {
    gw = await startTestGateway();
    c = clientsFor(gw.address);
    const updates = new StreamReader(c.orders.streamOrderUpdates({}, auth(BETA_TOKEN)));
    await updates.ready;
    await call(c.orders, c.orders.submitOrder, limitOrder("beta-keep", "buy", "1", "95"), auth(BETA_TOKEN));
    await updates.next(
      (m) =>
        m.update?.$case === "event" && m.update.value.kind === pb.OrderEventKind.ORDER_EVENT_KIND_ACCEPTED,
    );
    updates.cancel();
  });

  afterAll(async () => {
    c?.close();
    await gw?.stop();
  });

  it("SubmitOrder", async () => {
    await fc.assert(
      fc.asyncProperty(submit, async (req) => {
        expectWellFormed(
          await outcome(call(c.orders, c.orders.submitOrder, req, auth(ALPHA_TOKEN)), req),
          "SubmitOrder",
        );
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("AmendOrder, CancelOrder, CancelAllOrders, ListOrders", async () => {
    const amend = fc.record({
      clientOrderId: garbage,
      quantity: decimal,
      price: decimal,
      triggerPrice: decimal,
      replacementClientOrderId: garbage,
    });
    await fc.assert(
      fc.asyncProperty(amend, garbage, instrument, fc.boolean(), async (a, id, inst, openOnly) => {
        expectWellFormed(
          await outcome(call(c.orders, c.orders.amendOrder, a, auth(ALPHA_TOKEN)), a),
          "AmendOrder",
        );
        expectWellFormed(
          await outcome(call(c.orders, c.orders.cancelOrder, { clientOrderId: id }, auth(ALPHA_TOKEN))),
          "CancelOrder",
        );
        if (inst !== undefined && inst !== BTC) {
          expectWellFormed(
            await outcome(call(c.orders, c.orders.cancelAllOrders, { instrument: inst }, auth(ALPHA_TOKEN))),
            "CancelAllOrders",
          );
        }
        expectWellFormed(
          await outcome(call(c.orders, c.orders.listOrders, { openOnly }, auth(ALPHA_TOKEN))),
          "ListOrders",
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("Subscribe", async () => {
    const request = fc.record({
      instruments: fc.array(fc.oneof(fc.constant(BTC), fc.record({ symbol: garbage, venue: garbage })), {
        maxLength: 3,
      }),
      eventTypes: fc.array(enumValue, { maxLength: 4 }),
      bookDepth: fc.nat(),
      barIntervals: fc.array(garbage, { maxLength: 2 }),
      slowConsumerPolicy: enumValue,
    });
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const stream = new StreamReader(c.marketData.subscribe(req, auth(ALPHA_TOKEN)));
        const result = await Promise.race([stream.ready.then(() => undefined), stream.closed()]);
        stream.cancel();
        expectWellFormed(result, "Subscribe");
      }),
      { numRuns: RUNS },
    );
  });

  it("Record, SetTradingState and GetStatus", async () => {
    const record = fc.record({
      strategyId: fc.oneof(fc.constant(""), fc.constant("alpha"), fc.constant("beta"), garbage),
      name: garbage,
      tsNs: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
      value: fc.option(
        fc.oneof(
          fc.record({ $case: fc.constant("number" as const), value: fc.double() }),
          fc.record({ $case: fc.constant("json" as const), value: fc.oneof(garbage, fc.json()) }),
          decimal.filter((d) => d !== undefined).map((d) => ({ $case: "decimal" as const, value: d! })),
        ),
        { nil: undefined },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 5 }), enumValue, async (records, state) => {
        const recorded = await outcome(
          new Promise((resolve, reject) => {
            const s = c.recording.record(auth(ALPHA_TOKEN), (e, r) => (e ? reject(e) : resolve(r)));
            s.write({ records });
            s.end();
          }),
        );
        expectWellFormed(recorded, "Record");
        const setState = await outcome(
          call(c.admin, c.admin.setTradingState, { tradingState: state, reason: "fuzz" }, auth(ADMIN_TOKEN)),
        );
        expectWellFormed(setState, "SetTradingState");
        expectWellFormed(await outcome(call(c.admin, c.admin.getStatus, {}, auth(ADMIN_TOKEN))), "GetStatus");
      }),
      { numRuns: RUNS },
    );
    await call(
      c.admin,
      c.admin.setTradingState,
      { tradingState: pb.TradingState.TRADING_STATE_ACTIVE, reason: "fuzz over" },
      auth(ADMIN_TOKEN),
    );
  });

  it("raw garbage bytes", async () => {
    const definition = {
      submitOrder: {
        ...pb.OrdersServiceService.submitOrder,
        requestSerialize: (value: Buffer) => value,
      },
    };
    const Raw = makeGenericClientConstructor(definition, "RawOrders");
    const raw = new Raw(gw.address, credentials.createInsecure()) as unknown as {
      submitOrder(req: Buffer, md: ReturnType<typeof auth>, cb: (e: ServiceError | null) => void): void;
      close(): void;
    };
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const error = await new Promise<ServiceError | null>((resolve) =>
          raw.submitOrder(Buffer.from(bytes), auth(ALPHA_TOKEN), (e) => resolve(e)),
        );
        // Undecodable bytes are grpc-js's INTERNAL "error deserializing"; decodable ones are checked as usual.
        if (error !== null && error.code !== status.INTERNAL) expectWellFormed(error, "raw SubmitOrder");
      }),
      { numRuns: RUNS },
    );
    raw.close();
  });

  it("leaves the gateway consistent", async () => {
    const beta = await call(c.orders, c.orders.listOrders, { openOnly: true }, auth(BETA_TOKEN));
    expect(beta.orders.map((o) => o.clientOrderId)).toEqual(["beta-keep"]);
    expect(beta.orders[0]?.status).toBe(pb.OrderStatus.ORDER_STATUS_ACCEPTED);
    const alpha = await call(c.orders, c.orders.listOrders, { openOnly: true }, auth(ALPHA_TOKEN));
    expect(alpha.orders.every((o) => o.strategyId === "alpha")).toBe(true);
    expect(gw.gateway.execution.openOrderCount()).toBe(alpha.orders.length + beta.orders.length);
    const st = await call(c.admin, c.admin.getStatus, {}, auth(ADMIN_TOKEN));
    expect(st.openOrders).toBe(alpha.orders.length + beta.orders.length);
    const ok = await call(
      c.orders,
      c.orders.submitOrder,
      limitOrder("after-fuzz", "buy", "1", "94"),
      auth(ALPHA_TOKEN),
    );
    expect(ok.order?.clientOrderId).toBe("after-fuzz");
  });
});
