import { pb } from "@openfloor/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALPHA_TOKEN,
  auth,
  type Clients,
  call,
  clientsFor,
  limitOrder,
  type RunningGateway,
  StreamReader,
  startTestGateway,
  testConfigInput,
} from "./grpc-harness.js";

let gw: RunningGateway;
let c: Clients;

beforeAll(async () => {
  gw = await startTestGateway(
    testConfigInput({
      strategies: { alpha: { token: ALPHA_TOKEN, cancelOnDisconnect: true } },
    }),
  );
  c = clientsFor(gw.address);
});
afterAll(async () => {
  c?.close();
  await gw?.stop();
});

describe("cancel-on-disconnect", () => {
  it("cancels the strategy's open orders when its last order stream goes away", async () => {
    const updates = new StreamReader(c.orders.streamOrderUpdates({}, auth(ALPHA_TOKEN)));
    await updates.ready;
    const placed = await call(
      c.orders,
      c.orders.submitOrder,
      { ...limitOrder("cod-1", "buy", "1", "90") },
      auth(ALPHA_TOKEN),
    );
    expect(placed.order?.status).toBe(pb.OrderStatus.ORDER_STATUS_ACCEPTED);
    const canceled = new Promise<void>((resolve) => {
      const off = gw.gateway.execution.onUpdate((u) => {
        if (u.kind === "event" && u.order.clientOrderId === "cod-1" && u.order.status === "canceled") {
          off();
          resolve();
        }
      });
    });
    updates.cancel();
    await canceled;
    const listed = await call(c.orders, c.orders.listOrders, { openOnly: true }, auth(ALPHA_TOKEN));
    expect(listed.orders).toHaveLength(0);
  });
});
