import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OrderError } from "../errors/domain-errors.js";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { Money } from "../numbers/money.js";
import {
  applyOrderEvent,
  isOpen,
  isTerminal,
  leavesQuantity,
  MAX_REMEMBERED_EVENT_IDS,
  newOrder,
  type OrderTransition,
} from "./order-state-machine.js";
import { ORDER_TRANSITIONS, type OrderTransitionStep } from "./order-transitions.js";
import type { Fill, Order, OrderEvent, OrderEventKind, OrderRequest, OrderStatus } from "./types.js";

const BTC = instrumentId("BTC/USDT", "sim");
const d = (text: string) => Decimal.parse(text);

const STATUSES: readonly OrderStatus[] = [
  "initialized",
  "denied",
  "submitted",
  "accepted",
  "rejected",
  "partially-filled",
  "filled",
  "pending-cancel",
  "canceled",
  "pending-amend",
  "expired",
];
const KINDS: readonly OrderEventKind[] = [
  "denied",
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
];

function request(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientOrderId: "c-1",
    instrument: BTC,
    side: "buy",
    type: "limit",
    timeInForce: "GTC",
    quantity: d("10"),
    price: d("100.00"),
    postOnly: false,
    reduceOnly: false,
    strategyId: "s-1",
    account: "main",
    ...overrides,
  };
}

function fill(fillId: string, quantity: string, price = "100.00", venueOrderId = "v-1"): Fill {
  return {
    fillId,
    clientOrderId: "c-1",
    venueOrderId,
    instrument: BTC,
    side: "buy",
    price: d(price),
    quantity: d(quantity),
    fee: Money.of("0.01", "USDT"),
    liquidity: "maker",
    tsEventNs: 5n,
    strategyId: "s-1",
    account: "main",
  };
}

const reason = { code: "VENUE_REJECTED", message: "no" };
const ev = {
  denied: (): OrderEvent => ({ kind: "denied", reason, tsNs: 10n }),
  submitted: (): OrderEvent => ({ kind: "submitted", tsNs: 10n }),
  accepted: (venueOrderId = "v-1"): OrderEvent => ({ kind: "accepted", venueOrderId, tsNs: 10n }),
  rejected: (): OrderEvent => ({ kind: "rejected", reason, tsNs: 10n }),
  filled: (f: Fill): OrderEvent => ({ kind: "filled", fill: f, tsNs: 10n }),
  pendingCancel: (): OrderEvent => ({ kind: "pending-cancel", tsNs: 10n }),
  canceled: (): OrderEvent => ({ kind: "canceled", tsNs: 10n }),
  cancelRejected: (): OrderEvent => ({ kind: "cancel-rejected", reason, tsNs: 10n }),
  pendingAmend: (quantity?: string): OrderEvent => ({
    kind: "pending-amend",
    ...(quantity === undefined ? { price: d("101.00") } : { quantity: d(quantity) }),
    tsNs: 10n,
  }),
  amended: (quantity?: string): OrderEvent => ({
    kind: "amended",
    ...(quantity === undefined ? { price: d("101.00") } : { quantity: d(quantity) }),
    tsNs: 10n,
  }),
  amendRejected: (): OrderEvent => ({ kind: "amend-rejected", reason, tsNs: 10n }),
  expired: (): OrderEvent => ({ kind: "expired", tsNs: 10n }),
};

function run(events: readonly OrderEvent[], start: Order = newOrder(request(), 1n)): Order {
  return events.reduce((order, event) => applyOrderEvent(order, event).order, start);
}

const ACK = [ev.submitted(), ev.accepted()];
/** A path of events that brings a new order (quantity 10) into each status. */
const PATHS: Record<OrderStatus, readonly OrderEvent[]> = {
  initialized: [],
  denied: [ev.denied()],
  submitted: [ev.submitted()],
  accepted: ACK,
  rejected: [ev.submitted(), ev.rejected()],
  "partially-filled": [...ACK, ev.filled(fill("t-0", "4"))],
  filled: [...ACK, ev.filled(fill("t-0", "10"))],
  "pending-cancel": [...ACK, ev.pendingCancel()],
  canceled: [...ACK, ev.canceled()],
  "pending-amend": [...ACK, ev.pendingAmend()],
  expired: [...ACK, ev.expired()],
};

/** One probe event per kind; the fill is a new trade of 2. */
const PROBES: Record<OrderEventKind, OrderEvent> = {
  denied: ev.denied(),
  submitted: ev.submitted(),
  accepted: ev.accepted(),
  rejected: ev.rejected(),
  filled: ev.filled(fill("t-9", "2")),
  "pending-cancel": ev.pendingCancel(),
  canceled: ev.canceled(),
  "cancel-rejected": ev.cancelRejected(),
  "pending-amend": ev.pendingAmend(),
  amended: ev.amended(),
  "amend-rejected": ev.amendRejected(),
  expired: ev.expired(),
};

type Expect = OrderStatus | "dup" | "illegal";
const x: Expect = "illegal";
const dup: Expect = "dup";
// Written independently of ORDER_TRANSITIONS: what each probe must do in each status.
// Columns: denied submitted accepted rejected filled pending-cancel canceled cancel-rejected
//          pending-amend amended amend-rejected expired
const COLUMNS = KINDS;
const EXPECTED: Record<OrderStatus, readonly Expect[]> = {
  initialized: ["denied", "submitted", x, x, x, x, "canceled", x, x, x, x, x],
  denied: [dup, x, x, x, x, x, x, x, x, x, x, x],
  submitted: [
    x,
    dup,
    "accepted",
    "rejected",
    "partially-filled",
    "pending-cancel",
    "canceled",
    dup,
    "pending-amend",
    "submitted",
    dup,
    "expired",
  ],
  accepted: [
    x,
    dup,
    dup,
    "rejected",
    "partially-filled",
    "pending-cancel",
    "canceled",
    dup,
    "pending-amend",
    "accepted",
    dup,
    "expired",
  ],
  rejected: [x, dup, dup, dup, x, x, x, dup, x, x, dup, x],
  "partially-filled": [
    x,
    dup,
    dup,
    x,
    "partially-filled",
    "pending-cancel",
    "canceled",
    dup,
    "pending-amend",
    "partially-filled",
    dup,
    "expired",
  ],
  filled: [x, dup, dup, x, "filled", x, x, dup, x, dup, dup, x],
  "pending-cancel": [
    x,
    dup,
    dup,
    "rejected",
    "pending-cancel",
    dup,
    "canceled",
    "accepted",
    x,
    "pending-cancel",
    dup,
    "expired",
  ],
  canceled: [x, dup, dup, x, "canceled", x, dup, dup, x, dup, dup, dup],
  "pending-amend": [
    x,
    dup,
    dup,
    "rejected",
    "pending-amend",
    "pending-cancel",
    "canceled",
    dup,
    dup,
    "accepted",
    "accepted",
    "expired",
  ],
  expired: [x, dup, dup, x, "expired", x, dup, dup, x, dup, dup, dup],
};

const PAIRS = STATUSES.flatMap((status) =>
  COLUMNS.map((kind, i) => ({ status, kind, expected: EXPECTED[status][i] as Expect })),
);

describe("transition table", () => {
  it("has a row for every status and only known event kinds", () => {
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...STATUSES].sort());
    for (const row of Object.values(ORDER_TRANSITIONS)) {
      for (const kind of Object.keys(row)) expect(KINDS).toContain(kind);
    }
  });

  it.each(Object.entries(PATHS))("the path to %s reaches it", (status, path) => {
    expect(run(path).status).toBe(status);
  });

  it.each(PAIRS)("$status + $kind → $expected", ({ status, kind, expected }) => {
    const before = run(PATHS[status]);
    const probe = PROBES[kind];
    expect(ORDER_TRANSITIONS[status][kind] === undefined).toBe(expected === "illegal");
    if (expected === "illegal") {
      let thrown: unknown;
      try {
        applyOrderEvent(before, probe);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(OrderError);
      expect(thrown).toMatchObject({
        code: "ORDER_ILLEGAL_TRANSITION",
        context: { clientOrderId: "c-1", from: status, event: kind },
      });
      return;
    }
    const t = applyOrderEvent(before, probe);
    if (expected === "dup") {
      expect(t.outcome).toBe("duplicate");
      expect(t.order).toBe(before);
      return;
    }
    expect(t.outcome).toBe("applied");
    expect(t.order.status).toBe(expected);
    expect(t.order.tsUpdatedNs).toBe(10n);
  });
});

describe("status predicates", () => {
  it("splits statuses into terminal, open and initialized", () => {
    const terminal = STATUSES.filter(isTerminal);
    const open = STATUSES.filter(isOpen);
    expect(terminal).toEqual(["denied", "rejected", "filled", "canceled", "expired"]);
    expect(open).toEqual(["submitted", "accepted", "partially-filled", "pending-cancel", "pending-amend"]);
    expect(isOpen("initialized") || isTerminal("initialized")).toBe(false);
  });

  it("terminal statuses move nowhere: only stale reports, late acks and late fills", () => {
    for (const status of STATUSES.filter(isTerminal)) {
      for (const step of Object.values(ORDER_TRANSITIONS[status])) {
        expect(["stale", "ack", "fill-and-stay"]).toContain(step);
      }
    }
  });

  it("leavesQuantity is what is left while working and zero once ended", () => {
    expect(leavesQuantity(run(PATHS.initialized)).toString()).toBe("10");
    expect(leavesQuantity(run(PATHS["partially-filled"])).toString()).toBe("6");
    expect(leavesQuantity(run(PATHS.canceled)).isZero()).toBe(true);
    expect(leavesQuantity(run(PATHS.filled)).isZero()).toBe(true);
  });
});

describe("newOrder", () => {
  it("starts initialized with nothing filled", () => {
    const order = newOrder(request(), 7n);
    expect(order).toMatchObject({
      status: "initialized",
      fillIds: [],
      eventIds: [],
      overfilled: false,
      tsCreatedNs: 7n,
      tsUpdatedNs: 7n,
    });
    expect(order.filledQuantity.isZero()).toBe(true);
    expect(order.filledNotional.isZero()).toBe(true);
    expect(order.averageFillPrice).toBeUndefined();
  });
});

describe("fills", () => {
  it("a fill before the acknowledgement implies it, with the fill's venue order id", () => {
    const submitted = run([ev.submitted()]);
    const t = applyOrderEvent(submitted, ev.filled(fill("t-1", "3", "100.00", "v-7")));
    expect(t.order).toMatchObject({ status: "partially-filled", venueOrderId: "v-7", fillIds: ["t-1"] });
    expect(applyOrderEvent(t.order, ev.accepted("v-7")).outcome).toBe("duplicate");
    const done = applyOrderEvent(t.order, ev.filled(fill("t-2", "7", "100.00", "v-7"))).order;
    expect(done.status).toBe("filled");
  });

  it("a complete fill before the acknowledgement fills the order and the late ack is stale", () => {
    const filled = run([ev.submitted(), ev.filled(fill("t-1", "10", "100.00", "v-7"))]);
    expect(filled).toMatchObject({ status: "filled", venueOrderId: "v-7" });
    expect(applyOrderEvent(filled, ev.accepted("v-7")).outcome).toBe("duplicate");
  });

  it("a fill seen twice (same trade id) is applied once, whatever its event id", () => {
    const once = run([...ACK, { ...ev.filled(fill("t-1", "3")), eventId: "e-1" }]);
    const again = applyOrderEvent(once, { ...ev.filled(fill("t-1", "3")), eventId: "e-2" });
    expect(again.outcome).toBe("duplicate");
    expect(again.order).toBe(once);
    expect(once.filledQuantity.toString()).toBe("3");
  });

  it("an overfill is applied, flagged and measured; status filled", () => {
    const six = run([...ACK, ev.filled(fill("t-1", "6"))]);
    const t = applyOrderEvent(six, ev.filled(fill("t-2", "6")));
    expect(t.order).toMatchObject({ status: "filled", overfilled: true });
    expect(t.overfill?.toString()).toBe("2");
    expect(t.order.filledQuantity.toString()).toBe("12");
    const more = applyOrderEvent(t.order, ev.filled(fill("t-3", "1")));
    expect(more.overfill?.toString()).toBe("1");
    expect(more.lateFill).toBe(true);
    expect(more.order.filledQuantity.toString()).toBe("13");
  });

  it("the average fill price is the exact VWAP rounded half-even at the price scale + 8", () => {
    const order = run([...ACK, ev.filled(fill("t-1", "1", "100.01")), ev.filled(fill("t-2", "2", "100.02"))]);
    expect(order.filledNotional.toString()).toBe("300.05");
    expect(order.averageFillPrice?.toString()).toBe("100.0166666667");
    const same = run([...ACK, ev.filled(fill("t-1", "0.5", "99.5")), ev.filled(fill("t-2", "1.5", "99.5"))]);
    expect(same.averageFillPrice?.eq("99.5")).toBe(true);
  });

  it("does not compound rounding over many fills", () => {
    let order = run([...ACK], newOrder(request({ quantity: d("1000") }), 1n));
    let num = 0n;
    for (let i = 0; i < 300; i++) {
      const price = `${100 + (i % 7)}.0${i % 3}`;
      order = applyOrderEvent(order, ev.filled(fill(`t-${i}`, "3", price))).order;
      num += Decimal.parse(price).unitsAt(2) * 3n;
    }
    expect(order.filledNotional.unitsAt(2)).toBe(num);
    expect(order.averageFillPrice?.eq(Decimal.fromUnits(num, 2).div(900, { scale: 10 }))).toBe(true);
  });

  it("keeps a fill whose exact notional would not fit 64-bit fixed point", () => {
    const order = newOrder(request({ quantity: d("100000000") }), 1n);
    const t = applyOrderEvent(
      run(ACK, order),
      ev.filled(fill("t-1", "12345678.12345678", "1234.1234567891")),
    );
    expect(t.order.filledQuantity.toString()).toBe("12345678.12345678");
    // The exact product has 18 places and 29 digits; it keeps as many places as fit, rounded.
    const exact = 1234567812345678n * 12341234567891n;
    const { units, scale } = t.order.filledNotional;
    const ulp = 10n ** BigInt(18 - scale);
    const error = units * ulp - exact;
    expect(error <= ulp / 2n && error >= -ulp / 2n).toBe(true);
    expect(t.order.averageFillPrice?.sub("1234.1234567891").abs().lt("0.00000000000001")).toBe(true);
  });

  it("refuses a fill of another order, instrument or side, and a non-positive fill", () => {
    const accepted = run(ACK);
    const cases: [Partial<Fill>, string][] = [
      [{ clientOrderId: "c-2" }, "ORDER_MISMATCH"],
      [{ instrument: instrumentId("ETH/USDT", "sim") }, "ORDER_MISMATCH"],
      [{ side: "sell" }, "ORDER_MISMATCH"],
      [{ quantity: d("0") }, "ORDER_INVALID"],
    ];
    for (const [patch, code] of cases) {
      expect(() => applyOrderEvent(accepted, ev.filled({ ...fill("t-1", "1"), ...patch }))).toThrow(
        expect.objectContaining({ code }),
      );
    }
  });

  it("refuses a fill for an order that never traded at the venue", () => {
    for (const status of ["initialized", "denied", "rejected"] as const) {
      expect(() => applyOrderEvent(run(PATHS[status]), PROBES.filled)).toThrow(
        expect.objectContaining({ code: "ORDER_ILLEGAL_TRANSITION" }),
      );
    }
  });
});

describe("races", () => {
  it("a fill that races a cancel request applies; the cancel then ends the rest", () => {
    const pending = run([...ACK, ev.pendingCancel()]);
    const partly = applyOrderEvent(pending, ev.filled(fill("t-1", "4")));
    expect(partly.order.status).toBe("pending-cancel");
    const canceled = applyOrderEvent(partly.order, ev.canceled()).order;
    expect(canceled).toMatchObject({ status: "canceled", fillIds: ["t-1"] });
    expect(canceled.filledQuantity.toString()).toBe("4");
  });

  it("a fill that completes the order while a cancel is pending fills it; the refusal is stale", () => {
    const filled = run([...ACK, ev.pendingCancel(), ev.filled(fill("t-1", "10"))]);
    expect(filled.status).toBe("filled");
    expect(applyOrderEvent(filled, ev.cancelRejected()).outcome).toBe("duplicate");
    expect(() => applyOrderEvent(filled, ev.canceled())).toThrow(
      expect.objectContaining({ code: "ORDER_ILLEGAL_TRANSITION" }),
    );
  });

  it("a fill reported after the cancel is applied and flagged late; the order stays canceled", () => {
    const canceled = run([...ACK, ev.filled(fill("t-1", "4")), ev.pendingCancel(), ev.canceled()]);
    const t = applyOrderEvent(canceled, ev.filled(fill("t-2", "3")));
    expect(t).toMatchObject({ outcome: "applied", lateFill: true });
    expect(t.overfill).toBeUndefined();
    expect(t.order.status).toBe("canceled");
    expect(t.order.filledQuantity.toString()).toBe("7");
    expect(t.order.fillIds).toEqual(["t-1", "t-2"]);
  });

  it("a rejection after fills is a contradiction", () => {
    const order = run([...ACK, ev.filled(fill("t-1", "4")), ev.pendingCancel()]);
    expect(() => applyOrderEvent(order, ev.rejected())).toThrow(
      expect.objectContaining({ code: "ORDER_ILLEGAL_TRANSITION" }),
    );
  });

  it("a cancel before the acknowledgement, refused, goes back to submitted; a late ack is learned", () => {
    const pending = run([ev.submitted(), ev.pendingCancel()]);
    const acked = applyOrderEvent(pending, ev.accepted("v-3"));
    expect(acked.order).toMatchObject({ status: "pending-cancel", venueOrderId: "v-3" });
    expect(applyOrderEvent(pending, ev.cancelRejected()).order.status).toBe("submitted");
    expect(applyOrderEvent(acked.order, ev.cancelRejected()).order.status).toBe("accepted");
  });

  it("an order canceled before its ack learns its venue order id from the late ack", () => {
    const canceled = run([ev.submitted(), ev.canceled()]);
    const t = applyOrderEvent(canceled, ev.accepted("v-4"));
    expect(t.outcome).toBe("applied");
    expect(t.order).toMatchObject({ status: "canceled", venueOrderId: "v-4" });
  });
});

describe("amendments", () => {
  it("amended updates quantity, price and trigger price", () => {
    const order = run([...ACK, ev.pendingAmend()]);
    const t = applyOrderEvent(order, {
      kind: "amended",
      quantity: d("12"),
      price: d("99.00"),
      tsNs: 20n,
    });
    expect(t.order.status).toBe("accepted");
    expect(t.order.quantity.toString()).toBe("12");
    expect(t.order.price?.toString()).toBe("99.00");
    expect(t.order.tsUpdatedNs).toBe(20n);
  });

  it("amending the quantity below the filled quantity is illegal; to exactly it fills the order", () => {
    const partly = run([...ACK, ev.filled(fill("t-1", "4"))]);
    for (const event of [ev.amended("3"), ev.pendingAmend("3")]) {
      expect(() => applyOrderEvent(partly, event)).toThrow(
        expect.objectContaining({
          code: "ORDER_ILLEGAL_TRANSITION",
          context: expect.objectContaining({ quantity: "3", filledQuantity: "4" }),
        }),
      );
    }
    expect(() => applyOrderEvent(partly, ev.amended("0"))).toThrow(
      expect.objectContaining({ code: "ORDER_INVALID" }),
    );
    expect(applyOrderEvent(partly, ev.amended("4")).order.status).toBe("filled");
  });

  it("fills while an amendment is pending wait for its outcome (the amendment may raise the quantity)", () => {
    const pending = run([...ACK, ev.pendingAmend("12")]);
    const all = applyOrderEvent(pending, ev.filled(fill("t-1", "10")));
    expect(all.order.status).toBe("pending-amend");
    const raised = applyOrderEvent(all.order, ev.amended("12"));
    expect(raised.order.status).toBe("partially-filled");
    expect(raised.overfill).toBeUndefined();
    expect(applyOrderEvent(raised.order, ev.filled(fill("t-2", "2"))).order.status).toBe("filled");

    const refused = applyOrderEvent(all.order, ev.amendRejected());
    expect(refused.order.status).toBe("filled");
    expect(refused.order.overfilled).toBe(false);
  });

  it("an excess seen while an amendment is pending is flagged once the amendment is refused", () => {
    const pending = run([...ACK, ev.pendingAmend("12"), ev.filled(fill("t-1", "11"))]);
    expect(pending.overfilled).toBe(false);
    const t = applyOrderEvent(pending, ev.amendRejected());
    expect(t.order).toMatchObject({ status: "filled", overfilled: true });
    expect(t.overfill?.toString()).toBe("1");
  });
});

describe("duplicates", () => {
  it("an event id seen before is a no-op, even when the event would otherwise apply", () => {
    const cancel = { ...ev.pendingCancel(), eventId: "e-1" };
    const order = run([...ACK, cancel, { ...ev.cancelRejected(), eventId: "e-2" }]);
    expect(order.status).toBe("accepted");
    expect(order.eventIds).toEqual(["e-1", "e-2"]);
    const t = applyOrderEvent(order, cancel);
    expect(t.outcome).toBe("duplicate");
    expect(t.order).toBe(order);
  });

  it(`remembers the last ${MAX_REMEMBERED_EVENT_IDS} event ids`, () => {
    let order = run(ACK);
    for (let i = 0; i < MAX_REMEMBERED_EVENT_IDS + 10; i++) {
      order = applyOrderEvent(order, { ...ev.pendingCancel(), eventId: `p-${i}` }).order;
      order = applyOrderEvent(order, { ...ev.cancelRejected(), eventId: `r-${i}` }).order;
    }
    expect(order.eventIds).toHaveLength(MAX_REMEMBERED_EVENT_IDS);
    expect(order.eventIds.at(-1)).toBe(`r-${MAX_REMEMBERED_EVENT_IDS + 9}`);
  });

  it("an acknowledgement without a venue order id is malformed", () => {
    expect(() => applyOrderEvent(run([ev.submitted()]), ev.accepted(""))).toThrow(
      expect.objectContaining({
        code: "ORDER_INVALID",
        context: expect.objectContaining({ field: "venueOrderId" }),
      }),
    );
  });
});

// ---- property: any sequence of events --------------------------------------------------------------

function targets(step: OrderTransitionStep, from: OrderStatus): readonly OrderStatus[] {
  switch (step) {
    case "fill":
      return ["partially-filled", "filled"];
    case "fill-or-stay":
      return [from, "filled"];
    case "fill-and-stay":
    case "stale":
      return [from];
    case "ack":
      return from === "submitted" ? ["accepted"] : [from];
    case "resting":
      return ["filled", "partially-filled", "accepted", "submitted"];
    default:
      return [step];
  }
}

const quantityArb = fc
  .record({ units: fc.bigInt({ min: 1n, max: 600n }), scale: fc.integer({ min: 0, max: 2 }) })
  .map(({ units, scale }) => Decimal.fromUnits(units, scale));
const priceArb = fc.bigInt({ min: 9_900n, max: 10_100n }).map((units) => Decimal.fromUnits(units, 2));
const eventIdArb = fc.option(fc.constantFrom("e-1", "e-2", "e-3", "e-4", "e-5", "e-6"), { nil: undefined });
const tsArb = fc.bigInt({ min: 1n, max: 1_000n });

const eventArb: fc.Arbitrary<OrderEvent> = fc.oneof(
  fc
    .record({
      fillId: fc.constantFrom("t-1", "t-2", "t-3", "t-4", "t-5", "t-6", "t-7", "t-8"),
      quantity: quantityArb,
      price: priceArb,
      eventId: eventIdArb,
      tsNs: tsArb,
    })
    .map(
      ({ fillId, quantity, price, eventId, tsNs }): OrderEvent => ({
        kind: "filled",
        fill: { ...fill(fillId, "1"), quantity, price },
        eventId,
        tsNs,
      }),
    ),
  fc
    .record({
      kind: fc.constantFrom(...KINDS.filter((k) => k !== "filled")),
      venueOrderId: fc.constantFrom("v-1", "v-2"),
      quantity: fc.option(quantityArb, { nil: undefined }),
      price: fc.option(priceArb, { nil: undefined }),
      eventId: eventIdArb,
      tsNs: tsArb,
    })
    .map(({ kind, venueOrderId, quantity, price, eventId, tsNs }): OrderEvent => {
      const base = { eventId, tsNs };
      switch (kind) {
        case "denied":
        case "rejected":
        case "cancel-rejected":
        case "amend-rejected":
          return { ...base, kind, reason };
        case "accepted":
          return { ...base, kind, venueOrderId };
        case "pending-amend":
        case "amended":
          return { ...base, kind, quantity, price };
        default:
          return { ...base, kind: kind as "submitted" };
      }
    }),
);

/** Random events with some of them repeated at random later places (redeliveries). */
const sequenceArb = fc
  .tuple(
    fc.array(eventArb, { minLength: 1, maxLength: 40 }),
    fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 20 }),
  )
  .map(([events, repeats]) => {
    const out = [...events];
    for (const [from, to] of repeats)
      out.splice(to % (out.length + 1), 0, events[from % events.length] as OrderEvent);
    return out;
  });

function tryApply(order: Order, event: OrderEvent): OrderTransition | OrderError {
  try {
    return applyOrderEvent(order, event);
  } catch (error) {
    if (error instanceof OrderError) return error;
    throw error;
  }
}

describe("property: any sequence of events", () => {
  it("keeps the order legal, the fills exact and the duplicates harmless", () => {
    fc.assert(
      fc.property(sequenceArb, fc.boolean(), (events, startSubmitted) => {
        let order = Object.freeze(run(startSubmitted ? [ev.submitted()] : []));
        const applied = new Map<string, Decimal>();
        let notional = Decimal.ZERO;
        for (const event of events) {
          const before = order;
          const result = tryApply(before, event);
          const step = ORDER_TRANSITIONS[before.status][event.kind];
          if (result instanceof OrderError) {
            expect(["ORDER_ILLEGAL_TRANSITION", "ORDER_INVALID"]).toContain(result.code);
            continue;
          }
          // Only the table's pairs succeed (a remembered event id short-circuits first).
          const seen = event.eventId !== undefined && before.eventIds.includes(event.eventId);
          if (!seen) expect(step).toBeDefined();
          if (result.outcome === "duplicate") {
            expect(result.order).toBe(before);
            continue;
          }
          const after = Object.freeze(result.order);
          expect(targets(step as OrderTransitionStep, before.status)).toContain(after.status);
          if (isTerminal(before.status)) expect(after.status).toBe(before.status);
          expect(after.tsUpdatedNs).toBe(event.tsNs);
          if (event.kind === "filled") {
            expect(applied.has(event.fill.fillId)).toBe(false);
            applied.set(event.fill.fillId, event.fill.quantity);
            notional = notional.add(event.fill.price.mul(event.fill.quantity));
          }

          // Applying the same event again changes nothing.
          const again = applyOrderEvent(after, event);
          expect(again.outcome).toBe("duplicate");
          expect(again.order).toBe(after);
          order = after;
        }
        const sum = [...applied.values()].reduce((a, b) => a.add(b), Decimal.ZERO);
        expect(order.filledQuantity.eq(sum)).toBe(true);
        expect(order.fillIds).toEqual([...applied.keys()]);
        expect(order.filledNotional.eq(notional)).toBe(true);
        if (sum.isPositive()) {
          expect(order.averageFillPrice?.eq(notional.div(sum, { scale: 10 }))).toBe(true);
        }
        if (order.status !== "pending-amend" && order.filledQuantity.gt(order.quantity)) {
          expect(order.overfilled).toBe(true);
        }
        expect(leavesQuantity(order).isNegative()).toBe(false);
        expect(order.eventIds.length).toBeLessThanOrEqual(MAX_REMEMBERED_EVENT_IDS);
      }),
      { numRuns: 1000 },
    );
  });

  it("reaches every status from some random sequence", () => {
    const reached = new Set<OrderStatus>();
    fc.assert(
      fc.property(sequenceArb, (events) => {
        let order = run([]);
        reached.add(order.status);
        for (const event of events) {
          const result = tryApply(order, event);
          if (!(result instanceof OrderError)) order = result.order;
          reached.add(order.status);
        }
      }),
      { numRuns: 2000, seed: 42 },
    );
    expect([...reached].sort()).toEqual([...STATUSES].sort());
  });
});
