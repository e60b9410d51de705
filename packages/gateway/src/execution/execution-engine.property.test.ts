import { Decimal, isOpenfloorError, isTerminal, Money, type Order, type OrderEvent } from "@openfloor/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StrategyIdentity } from "./execution-engine.js";
import { BTC, limitOrder, marketOrder, S1, S2, type SimWorld, simWorld } from "./sim-world.test-support.js";

const IDS = ["o0", "o1", "o2", "o3", "o4"];
const PRICES = ["49000", "49990", "50000", "50010", "51000"];
const SIZES = ["0.1", "0.5", "1", "2"];
/** Errors a caller may get for a bad or badly timed request; anything else is a bug. */
const EXPECTED_CODES = new Set([
  "ORDER_INVALID",
  "ORDER_MISMATCH",
  "ORDER_ILLEGAL_TRANSITION",
  "ORDER_NOT_FOUND",
  "PERMISSION_DENIED",
]);

type Op =
  | {
      op: "submit";
      s: number;
      id: string;
      side: "buy" | "sell";
      market: boolean;
      price: string;
      size: string;
    }
  | { op: "amend"; s: number; id: string; price?: string; size?: string; replacement?: string }
  | { op: "cancel"; s: number; id: string }
  | { op: "cancelAll"; s: number }
  | { op: "venue"; id: string; kind: OrderEvent["kind"]; fill: string; size: string; dup: boolean }
  | { op: "trade"; price: string; size: string; aggressor: "buy" | "sell" }
  | { op: "kill" }
  | { op: "release" }
  | { op: "state"; state: "active" | "reducing-only" | "halted" }
  | { op: "time"; ms: number };

const strategies: StrategyIdentity[] = [S1, S2];
const id = fc.constantFrom(...IDS);
// Mostly the first strategy, so amends and cancels often find their order; sometimes the other one.
const s = fc.integer({ min: 0, max: 3 }).map((n) => (n === 3 ? 1 : 0));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("submit" as const),
      s,
      id,
      side: fc.constantFrom("buy" as const, "sell" as const),
      market: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
      price: fc.constantFrom(...PRICES),
      size: fc.constantFrom(...SIZES),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        op: fc.constant("amend" as const),
        s,
        id,
        price: fc.constantFrom(...PRICES),
        size: fc.constantFrom(...SIZES),
        replacement: fc.constantFrom(...IDS.map((i) => `${i}-r`)),
      },
      { requiredKeys: ["op", "s", "id"] },
    ),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("cancel" as const), s, id }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("cancelAll" as const), s }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("venue" as const),
      id: fc.constantFrom(...IDS, ...IDS.map((i) => `${i}-r`), "ghost"),
      kind: fc.constantFrom<OrderEvent["kind"]>(
        "submitted",
        "accepted",
        "rejected",
        "filled",
        "pending-cancel",
        "canceled",
        "cancel-rejected",
        "pending-amend",
        "amended",
        "amend-rejected",
        "expired",
        "denied",
      ),
      fill: fc.constantFrom("f0", "f1", "f2"),
      size: fc.constantFrom(...SIZES),
      dup: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("trade" as const),
      price: fc.constantFrom(...PRICES),
      size: fc.constantFrom(...SIZES),
      aggressor: fc.constantFrom("buy" as const, "sell" as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "kill" as const }) },
  { weight: 2, arbitrary: fc.constant({ op: "release" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("state" as const),
      state: fc.constantFrom(
        "active" as const,
        "active" as const,
        "reducing-only" as const,
        "halted" as const,
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("time" as const), ms: fc.integer({ min: 0, max: 3 }) }),
  },
);

/** Runs one op; requests the engine refuses with a typed, expected error are fine. */
async function run(w: SimWorld, op: Op): Promise<void> {
  const e = w.execution;
  const now = w.clock.now();
  try {
    switch (op.op) {
      case "submit": {
        const who = strategies[op.s]!;
        const request = op.market
          ? marketOrder(op.id, op.side, op.size)
          : limitOrder(op.id, {
              side: op.side,
              price: Decimal.from(op.price),
              quantity: Decimal.from(op.size),
            });
        await e.submit(who, request);
        return;
      }
      case "amend":
        await e.amend(strategies[op.s]!, op.id, {
          ...(op.price === undefined ? {} : { price: Decimal.from(op.price) }),
          ...(op.size === undefined ? {} : { quantity: Decimal.from(op.size) }),
          ...(op.replacement === undefined ? {} : { replacementClientOrderId: op.replacement }),
        });
        return;
      case "cancel":
        await e.cancel(strategies[op.s]!, op.id);
        return;
      case "cancelAll":
        await e.cancelAll(strategies[op.s]!);
        return;
      case "venue": {
        const owner = strategies.find((w2) => {
          try {
            return e.order(w2, op.id) !== undefined;
          } catch {
            return false;
          }
        });
        const order = owner === undefined ? undefined : e.order(owner, op.id);
        const event = venueEvent(op, order, now);
        e.handleVenueOrderEvent("sim", op.id, event);
        if (op.dup) e.handleVenueOrderEvent("sim", op.id, event);
        return;
      }
      case "trade":
        w.exchange.applyMarketEvent({
          type: "trade",
          instrument: BTC.id,
          price: Decimal.from(op.price),
          size: Decimal.from(op.size),
          aggressor: op.aggressor,
          tradeId: `t${now}`,
          tsEventNs: now,
          tsRecvNs: now,
        });
        return;
      case "kill":
        await e.engageKillSwitch("property test");
        return;
      case "release":
        e.releaseKillSwitch("property test");
        return;
      case "state":
        e.setTradingState(op.state, "property test");
        return;
      case "time":
        w.clock.advanceBy(op.ms);
        return;
    }
  } catch (error) {
    if (isOpenfloorError(error) && EXPECTED_CODES.has(error.code)) return;
    throw error;
  }
}

function venueEvent(op: Extract<Op, { op: "venue" }>, order: Order | undefined, tsNs: bigint): OrderEvent {
  const reason = { code: "FUZZ", message: "fuzzed" };
  switch (op.kind) {
    case "accepted":
      return { kind: "accepted", venueOrderId: `v-${op.id}`, tsNs };
    case "filled":
      return {
        kind: "filled",
        tsNs,
        fill: {
          fillId: `${op.id}-${op.fill}`,
          clientOrderId: op.id,
          venueOrderId: `v-${op.id}`,
          instrument: BTC.id,
          side: order?.side ?? "buy",
          price: order?.price ?? Decimal.from("50000"),
          quantity: Decimal.from(op.size),
          fee: Money.zero("USDT"),
          liquidity: "maker",
          tsEventNs: tsNs,
          strategyId: order?.strategyId ?? "s1",
          account: order?.account ?? "acct-1",
        },
      };
    case "rejected":
    case "cancel-rejected":
    case "amend-rejected":
    case "denied":
      return { kind: op.kind, reason, tsNs };
    case "pending-amend":
    case "amended":
      return { kind: op.kind, quantity: Decimal.from(op.size), tsNs };
    default:
      return { kind: op.kind, tsNs };
  }
}

function checkInvariants(w: SimWorld, seenTerminal: Map<string, Order>): void {
  const all = strategies.flatMap((who) => w.execution.orders(who));
  let live = 0;
  for (const o of all) {
    expect(o.filledQuantity.isNegative()).toBe(false);
    if (!o.overfilled) expect(o.filledQuantity.lte(o.quantity)).toBe(true);
    if (o.status === "filled") expect(o.filledQuantity.gte(o.quantity)).toBe(true);
    expect(new Set(o.fillIds).size).toBe(o.fillIds.length);
    if (!isTerminal(o.status)) live++;
    const key = `${o.strategyId}/${o.clientOrderId}`;
    const before = seenTerminal.get(key);
    // An ended order stays ended; only a late fill may still change it.
    if (before !== undefined) expect(o.status).toBe(before.status);
    if (isTerminal(o.status)) seenTerminal.set(key, o);
    if (o.replacesClientOrderId !== undefined) {
      expect(
        all.some((x) => x.clientOrderId === o.replacesClientOrderId && x.strategyId === o.strategyId),
      ).toBe(true);
    }
  }
  expect(w.execution.openOrderCount()).toBe(live);
  // Positions are exactly the fills the OMS applied, per account.
  for (const who of strategies) {
    const fromOrders = w.execution
      .orders(who)
      .reduce(
        (sum, o) => (o.side === "buy" ? sum.add(o.filledQuantity) : sum.sub(o.filledQuantity)),
        Decimal.ZERO,
      );
    expect(w.positions.quantity(who.account, BTC.id).eq(fromOrders)).toBe(true);
  }
}

/** Awaits `promises`, moving the simulated clock so requests on the (latent) wire land. */
async function settle(w: SimWorld, promises: Promise<void>[]): Promise<void> {
  let done = false;
  const all = Promise.all(promises).finally(() => {
    done = true;
  });
  for (let i = 0; i < 100 && !done; i++) {
    w.clock.advanceBy(1);
    await new Promise((r) => setImmediate(r));
  }
  await all;
}

describe("ExecutionEngine under random operations", () => {
  it.each([0, 1])(
    "never throws unexpectedly and keeps every order legal (venue latency %i ms)",
    async (latencyMs) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(opArb, { minLength: 5, maxLength: 60 }),
          fc.boolean(),
          fc.boolean(),
          async (ops, nativeAmend, concurrent) => {
            const w = await simWorld({ latencyMs, nativeAmend, limits: { maxOpenOrders: 4 } });
            const seenTerminal = new Map<string, Order>();
            const pending: Promise<void>[] = [];
            for (const op of ops) {
              const p = run(w, op);
              if (concurrent) pending.push(p);
              else await settle(w, [p]);
              checkInvariants(w, seenTerminal);
            }
            await settle(w, pending);
            checkInvariants(w, seenTerminal);
          },
        ),
        { numRuns: 200 },
      );
    },
    60_000,
  );
});
