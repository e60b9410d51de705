import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OrderError } from "../errors/domain-errors.js";
import { Side as PbSide } from "../gen/openfloor/v1/common.js";
import {
  Fill as PbFill,
  Liquidity as PbLiquidity,
  Order as PbOrder,
  OrderEvent as PbOrderEvent,
  OrderEventKind as PbOrderEventKind,
  OrderStatus as PbOrderStatus,
  OrderType as PbOrderType,
  TimeInForce as PbTimeInForce,
  SubmitOrderRequest,
} from "../gen/openfloor/v1/orders.js";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { Money } from "../numbers/money.js";
import { applyOrderEvent, newOrder } from "../orders/order-state-machine.js";
import type {
  Fill,
  Liquidity,
  Order,
  OrderEvent,
  OrderEventKind,
  OrderRequest,
  OrderSide,
  OrderStatus,
  OrderType,
  Reason,
  TimeInForce,
} from "../orders/types.js";
import {
  fillFromProto,
  fillToProto,
  liquidityFromProto,
  liquidityToProto,
  orderEventFromProto,
  orderEventKindFromProto,
  orderEventKindToProto,
  orderEventToProto,
  orderFromProto,
  orderRequestFromProto,
  orderRequestToProto,
  orderStatusFromProto,
  orderStatusToProto,
  orderToProto,
  orderTypeFromProto,
  orderTypeToProto,
  sideFromProto,
  sideToProto,
  timeInForceFromProto,
  timeInForceToProto,
} from "./orders.js";

const INT64_MAX = (1n << 63n) - 1n;
const decimalArb = fc
  .record({ units: fc.bigInt({ min: -INT64_MAX, max: INT64_MAX }), scale: fc.integer({ min: 0, max: 18 }) })
  .map(({ units, scale }) => Decimal.fromUnits(units, scale));
const positiveDecimalArb = fc
  .record({ units: fc.bigInt({ min: 1n, max: INT64_MAX }), scale: fc.integer({ min: 0, max: 18 }) })
  .map(({ units, scale }) => Decimal.fromUnits(units, scale));
const nanosArb = fc.bigInt({ min: 1n, max: INT64_MAX });
const idArb = fc.string({ minLength: 1, maxLength: 12 });
const instrumentArb = fc
  .record({
    symbol: fc.stringMatching(/^[A-Z]{2,5}\/[A-Z]{2,5}(:[A-Z]{2,5})?$/),
    venue: fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,9}$/),
  })
  .map(({ symbol, venue }) => instrumentId(symbol, venue));
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const SIDES: OrderSide[] = ["buy", "sell"];
const TYPES: OrderType[] = ["market", "limit", "stop-market", "stop-limit"];
const TIFS: TimeInForce[] = ["GTC", "IOC", "FOK", "GTD", "DAY"];
const LIQUIDITIES: Liquidity[] = ["maker", "taker"];
const STATUSES: OrderStatus[] = [
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
const KINDS: OrderEventKind[] = [
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

const reasonArb: fc.Arbitrary<Reason> = fc
  .record({ code: idArb, message: fc.string(), field: opt(idArb) })
  .map(({ code, message, field }) => (field === undefined ? { code, message } : { code, message, field }));

const orderArb: fc.Arbitrary<Order> = fc.record({
  clientOrderId: idArb,
  instrument: instrumentArb,
  side: fc.constantFrom(...SIDES),
  type: fc.constantFrom(...TYPES),
  timeInForce: fc.constantFrom(...TIFS),
  quantity: positiveDecimalArb,
  price: opt(decimalArb),
  triggerPrice: opt(decimalArb),
  postOnly: fc.boolean(),
  reduceOnly: fc.boolean(),
  expireTimeNs: opt(nanosArb),
  strategyId: fc.string(),
  account: fc.string(),
  status: fc.constantFrom(...STATUSES),
  venueOrderId: opt(idArb),
  filledQuantity: decimalArb,
  averageFillPrice: opt(decimalArb),
  filledNotional: decimalArb,
  fillIds: fc.array(idArb, { maxLength: 5 }),
  eventIds: fc.array(idArb, { maxLength: 5 }),
  replacesClientOrderId: opt(idArb),
  overfilled: fc.boolean(),
  lastReason: opt(reasonArb),
  tsCreatedNs: nanosArb,
  tsUpdatedNs: nanosArb,
});

const fillArb: fc.Arbitrary<Fill> = fc.record({
  fillId: idArb,
  clientOrderId: idArb,
  venueOrderId: fc.string(),
  instrument: instrumentArb,
  side: fc.constantFrom(...SIDES),
  price: decimalArb,
  quantity: positiveDecimalArb,
  fee: fc.tuple(decimalArb, fc.string()).map(([amount, currency]) => Money.of(amount, currency)),
  liquidity: fc.constantFrom(...LIQUIDITIES),
  tsEventNs: nanosArb,
  strategyId: fc.string(),
  account: fc.string(),
});

/** Requests that pass `validateOrderRequest` on their face. */
const requestArb: fc.Arbitrary<OrderRequest> = fc
  .record({
    clientOrderId: idArb,
    instrument: instrumentArb,
    side: fc.constantFrom(...SIDES),
    type: fc.constantFrom(...TYPES),
    timeInForce: fc.constantFrom(...TIFS),
    quantity: positiveDecimalArb,
    price: decimalArb,
    triggerPrice: decimalArb,
    postOnly: fc.boolean(),
    reduceOnly: fc.boolean(),
    expireTimeNs: nanosArb,
    account: idArb,
  })
  .map((r): OrderRequest => {
    const hasLimit = r.type === "limit" || r.type === "stop-limit";
    const hasTrigger = r.type === "stop-market" || r.type === "stop-limit";
    return {
      ...r,
      price: hasLimit ? r.price : undefined,
      triggerPrice: hasTrigger ? r.triggerPrice : undefined,
      expireTimeNs: r.timeInForce === "GTD" ? r.expireTimeNs : undefined,
      postOnly: r.postOnly && r.type === "limit" && r.timeInForce !== "IOC" && r.timeInForce !== "FOK",
      strategyId: "s-1",
    };
  });

const localOf = (o: Order) => ({
  fillIds: o.fillIds,
  eventIds: o.eventIds,
  overfilled: o.overfilled,
  filledNotional: o.filledNotional,
});

describe("enum mappings", () => {
  it("map every core value to a distinct protobuf value and back", () => {
    const cases: [readonly string[], (v: never) => number, (v: never) => string][] = [
      [SIDES, sideToProto as never, sideFromProto as never],
      [TYPES, orderTypeToProto as never, orderTypeFromProto as never],
      [TIFS, timeInForceToProto as never, timeInForceFromProto as never],
      [STATUSES, orderStatusToProto as never, orderStatusFromProto as never],
      [LIQUIDITIES, liquidityToProto as never, liquidityFromProto as never],
      [KINDS, orderEventKindToProto as never, orderEventKindFromProto as never],
    ];
    for (const [values, to, from] of cases) {
      const protos = values.map((v) => to(v as never));
      expect(new Set(protos).size).toBe(values.length);
      expect(protos).not.toContain(0);
      expect(protos.map((p) => from(p as never))).toEqual(values);
    }
  });

  it("cover every protobuf value but UNSPECIFIED", () => {
    const numeric = (e: object) =>
      Object.values(e).filter((v): v is number => typeof v === "number" && v !== 0);
    expect(numeric(PbSide).map((v) => sideToProto(sideFromProto(v)))).toEqual(numeric(PbSide));
    expect(numeric(PbOrderType).map((v) => orderTypeToProto(orderTypeFromProto(v)))).toEqual(
      numeric(PbOrderType),
    );
    expect(numeric(PbTimeInForce).map((v) => timeInForceToProto(timeInForceFromProto(v)))).toEqual(
      numeric(PbTimeInForce),
    );
    expect(numeric(PbOrderStatus).map((v) => orderStatusToProto(orderStatusFromProto(v)))).toEqual(
      numeric(PbOrderStatus),
    );
    expect(numeric(PbLiquidity).map((v) => liquidityToProto(liquidityFromProto(v)))).toEqual(
      numeric(PbLiquidity),
    );
    expect(numeric(PbOrderEventKind).map((v) => orderEventKindToProto(orderEventKindFromProto(v)))).toEqual(
      numeric(PbOrderEventKind),
    );
  });

  it("refuse UNSPECIFIED and unknown values, naming the field", () => {
    expect(() => sideFromProto(PbSide.SIDE_UNSPECIFIED)).toThrow(
      expect.objectContaining({ code: "ORDER_INVALID", context: { field: "side" } }),
    );
    expect(() => orderTypeFromProto(99 as PbOrderType, "order.type")).toThrow(
      expect.objectContaining({ code: "ORDER_INVALID", context: { field: "order.type" } }),
    );
    expect(() => timeInForceFromProto(PbTimeInForce.TIME_IN_FORCE_UNSPECIFIED)).toThrow(
      /timeInForce is unspecified/,
    );
  });
});

describe("orders on the wire", () => {
  it("round-trip losslessly through protobuf bytes", () => {
    fc.assert(
      fc.property(orderArb, (order) => {
        const bytes = PbOrder.encode(orderToProto(order)).finish();
        const back = orderFromProto(PbOrder.decode(bytes), localOf(order));
        expect(back).toEqual(order);
      }),
      { numRuns: 500 },
    );
  });

  it("without the local state, keep every wire field and start the rest empty", () => {
    fc.assert(
      fc.property(orderArb, (order) => {
        const avg = order.averageFillPrice;
        const filled = order.filledQuantity;
        const product = avg === undefined ? 0n : avg.units * filled.units;
        const magnitude =
          (product < 0n ? -product : product) / 10n ** BigInt((avg?.scale ?? 0) + filled.scale);
        if (magnitude >= INT64_MAX) {
          // The derived filled notional cannot be carried: a clear error, not a wrong value.
          expect(() => orderFromProto(orderToProto(order))).toThrow(
            expect.objectContaining({ code: "ORDER_INVALID", context: { field: "averageFillPrice" } }),
          );
          return;
        }
        const back = orderFromProto(orderToProto(order));
        expect(orderToProto(back)).toEqual(orderToProto(order));
        expect(back).toMatchObject({ fillIds: [], eventIds: [], overfilled: false });
      }),
      { numRuns: 200 },
    );
  });

  it("derive the filled notional from the average when the local state is absent", () => {
    let order = newOrder(
      {
        clientOrderId: "c-1",
        instrument: instrumentId("BTC/USDT", "sim"),
        side: "buy",
        type: "market",
        timeInForce: "IOC",
        quantity: Decimal.parse("3"),
        postOnly: false,
        reduceOnly: false,
        strategyId: "s-1",
        account: "main",
      },
      1n,
    );
    order = applyOrderEvent(order, { kind: "submitted", tsNs: 2n }).order;
    for (const [id, price] of [
      ["t-1", "100.25"],
      ["t-2", "100.50"],
    ] as const) {
      const fill: Fill = {
        fillId: id,
        clientOrderId: "c-1",
        venueOrderId: "v-1",
        instrument: order.instrument,
        side: "buy",
        price: Decimal.parse(price),
        quantity: Decimal.parse("1"),
        fee: Money.zero("USDT"),
        liquidity: "taker",
        tsEventNs: 3n,
        strategyId: "s-1",
        account: "main",
      };
      order = applyOrderEvent(order, { kind: "filled", fill, tsNs: 3n }).order;
    }
    expect(orderFromProto(orderToProto(order)).filledNotional.eq(order.filledNotional)).toBe(true);
  });

  it.each<[string, Partial<PbOrder>, string]>([
    ["missing client order id", { clientOrderId: "" }, "clientOrderId"],
    ["missing instrument", { instrument: undefined }, "instrument"],
    ["empty venue", { instrument: { symbol: "BTC/USDT", venue: "" } }, "instrument.venue"],
    ["malformed venue", { instrument: { symbol: "BTC/USDT", venue: "bad venue" } }, "instrument"],
    ["unspecified status", { status: PbOrderStatus.ORDER_STATUS_UNSPECIFIED }, "status"],
    ["missing quantity", { quantity: undefined }, "quantity"],
    ["a decimal finer than 18 places", { price: { mantissa: 1n, scale: 19 } }, "price"],
  ])("refuse an order with %s, naming the field", (_, patch, field) => {
    const good = orderToProto(
      newOrder(
        {
          clientOrderId: "c-1",
          instrument: instrumentId("BTC/USDT", "sim"),
          side: "sell",
          type: "limit",
          timeInForce: "GTC",
          quantity: Decimal.parse("1"),
          price: Decimal.parse("1"),
          postOnly: false,
          reduceOnly: false,
          strategyId: "s",
          account: "a",
        },
        1n,
      ),
    );
    expect(() => orderFromProto({ ...good, ...patch })).toThrow(
      expect.objectContaining({ code: "ORDER_INVALID", context: { field } }),
    );
  });
});

describe("fills on the wire", () => {
  it("round-trip losslessly through protobuf bytes, with the receive time on the wire", () => {
    fc.assert(
      fc.property(fillArb, nanosArb, (fill, tsRecvNs) => {
        const proto = PbFill.decode(PbFill.encode(fillToProto(fill, tsRecvNs)).finish());
        expect(proto.tsRecvNs).toBe(tsRecvNs);
        expect(fillFromProto(proto)).toEqual(fill);
      }),
      { numRuns: 500 },
    );
  });

  it.each<[string, Partial<PbFill>, string]>([
    ["missing fill id", { fillId: "" }, "fillId"],
    ["missing price", { price: undefined }, "price"],
    ["missing quantity", { quantity: undefined }, "quantity"],
    ["unspecified side", { side: PbSide.SIDE_UNSPECIFIED }, "side"],
    ["unspecified liquidity", { liquidity: PbLiquidity.LIQUIDITY_UNSPECIFIED }, "liquidity"],
    ["missing instrument symbol", { instrument: { symbol: "", venue: "sim" } }, "instrument.symbol"],
  ])("refuse a fill with %s, naming the field", (_, patch, field) => {
    const good = fillToProto({
      fillId: "t-1",
      clientOrderId: "c-1",
      venueOrderId: "v-1",
      instrument: instrumentId("BTC/USDT", "sim"),
      side: "buy",
      price: Decimal.parse("1"),
      quantity: Decimal.parse("1"),
      fee: Money.zero("USDT"),
      liquidity: "maker",
      tsEventNs: 1n,
      strategyId: "s",
      account: "a",
    });
    expect(() => fillFromProto({ ...good, ...patch })).toThrow(
      expect.objectContaining({ code: "ORDER_INVALID", context: { field } }),
    );
  });

  it("reads an unset fee as zero in the fee currency", () => {
    const proto = fillToProto({
      fillId: "t-1",
      clientOrderId: "c-1",
      venueOrderId: "",
      instrument: instrumentId("BTC/USDT", "sim"),
      side: "buy",
      price: Decimal.parse("1"),
      quantity: Decimal.parse("1"),
      fee: Money.of("0.1", "BNB"),
      liquidity: "maker",
      tsEventNs: 1n,
      strategyId: "s",
      account: "a",
    });
    expect(fillFromProto({ ...proto, fee: undefined }).fee.eq(Money.zero("BNB"))).toBe(true);
  });
});

describe("submit order requests", () => {
  it("round-trip losslessly (strategy id from the caller)", () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        const proto = SubmitOrderRequest.decode(
          SubmitOrderRequest.encode(orderRequestToProto(request)).finish(),
        );
        expect(orderRequestFromProto(proto, { strategyId: "s-1", account: "default" })).toEqual(request);
      }),
      { numRuns: 500 },
    );
  });

  const good: SubmitOrderRequest = {
    clientOrderId: "c-1",
    instrument: { symbol: "BTC/USDT", venue: "sim" },
    side: PbSide.SIDE_BUY,
    type: PbOrderType.ORDER_TYPE_LIMIT,
    timeInForce: PbTimeInForce.TIME_IN_FORCE_GTC,
    quantity: { mantissa: 5n, scale: 1 },
    price: { mantissa: 5000001n, scale: 2 },
    triggerPrice: undefined,
    postOnly: false,
    reduceOnly: false,
    expireTimeNs: 0n,
    account: "",
  };

  it("fills the strategy id and the default account in", () => {
    const request = orderRequestFromProto(good, { strategyId: "mm-1", account: "main" });
    expect(request).toMatchObject({ strategyId: "mm-1", account: "main", clientOrderId: "c-1" });
    expect(request.price?.toString()).toBe("50000.01");
    expect(request.expireTimeNs).toBeUndefined();
    expect(
      orderRequestFromProto({ ...good, account: "sub" }, { strategyId: "mm-1", account: "main" }).account,
    ).toBe("sub");
  });

  it.each<[string, Partial<SubmitOrderRequest>, string]>([
    ["missing client order id", { clientOrderId: "" }, "clientOrderId"],
    ["missing quantity", { quantity: undefined }, "quantity"],
    ["zero quantity", { quantity: { mantissa: 0n, scale: 0 } }, "quantity"],
    ["a quantity finer than 18 places", { quantity: { mantissa: 1n, scale: 30 } }, "quantity"],
    ["missing instrument", { instrument: undefined }, "instrument"],
    ["missing instrument symbol", { instrument: { symbol: "", venue: "sim" } }, "instrument.symbol"],
    ["missing instrument venue", { instrument: { symbol: "BTC/USDT", venue: "" } }, "instrument.venue"],
    ["unspecified side", { side: PbSide.SIDE_UNSPECIFIED }, "side"],
    ["unspecified type", { type: PbOrderType.ORDER_TYPE_UNSPECIFIED }, "type"],
    ["unknown type", { type: 42 as PbOrderType }, "type"],
    ["unspecified time in force", { timeInForce: PbTimeInForce.TIME_IN_FORCE_UNSPECIFIED }, "timeInForce"],
    ["limit without price", { price: undefined }, "price"],
    ["GTD without expiry", { timeInForce: PbTimeInForce.TIME_IN_FORCE_GTD }, "expireTimeNs"],
    ["post-only IOC", { postOnly: true, timeInForce: PbTimeInForce.TIME_IN_FORCE_IOC }, "postOnly"],
  ])("refuse a request with %s, naming the field", (_, patch, field) => {
    let thrown: unknown;
    try {
      orderRequestFromProto({ ...good, ...patch }, { strategyId: "s", account: "a" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OrderError);
    expect(thrown).toMatchObject({ code: "ORDER_INVALID", context: { field } });
  });

  it("keeps the decimal error as the cause", () => {
    try {
      orderRequestFromProto(
        { ...good, quantity: { mantissa: 1n, scale: 30 } },
        { strategyId: "s", account: "a" },
      );
      expect.unreachable();
    } catch (error) {
      expect((error as OrderError).cause).toMatchObject({ code: "DECIMAL_PRECISION" });
    }
  });
});

describe("order events on the wire", () => {
  const base = newOrder(
    {
      clientOrderId: "c-1",
      instrument: instrumentId("BTC/USDT", "sim"),
      side: "buy",
      type: "limit",
      timeInForce: "GTC",
      quantity: Decimal.parse("2"),
      price: Decimal.parse("100.00"),
      postOnly: false,
      reduceOnly: false,
      strategyId: "s-1",
      account: "main",
    },
    1n,
  );
  const fill: Fill = {
    fillId: "t-1",
    clientOrderId: "c-1",
    venueOrderId: "v-1",
    instrument: base.instrument,
    side: "buy",
    price: Decimal.parse("100.00"),
    quantity: Decimal.parse("1"),
    fee: Money.zero("USDT"),
    liquidity: "maker",
    tsEventNs: 4n,
    strategyId: "s-1",
    account: "main",
  };
  const reason = { code: "VENUE_REJECTED", message: "no", field: "price" };
  const steps: OrderEvent[] = [
    { kind: "submitted", eventId: "e-1", tsNs: 2n },
    { kind: "accepted", venueOrderId: "v-1", eventId: "e-2", tsNs: 3n },
    { kind: "filled", fill, eventId: "e-3", tsNs: 4n },
    { kind: "pending-amend", eventId: "e-4", tsNs: 5n },
    { kind: "amend-rejected", reason, eventId: "e-5", tsNs: 6n },
    { kind: "pending-amend", tsNs: 7n },
    { kind: "amended", quantity: Decimal.parse("3"), price: Decimal.parse("99.00"), tsNs: 8n },
    { kind: "pending-cancel", eventId: "e-6", tsNs: 9n },
    { kind: "cancel-rejected", reason, eventId: "e-7", tsNs: 10n },
    { kind: "canceled", eventId: "e-8", tsNs: 11n },
  ];

  it("carry each event with the order after it, and replaying them rebuilds the same order", () => {
    let order = base;
    let replayed = base;
    for (const event of steps) {
      order = applyOrderEvent(order, event).order;
      const proto = PbOrderEvent.decode(PbOrderEvent.encode(orderEventToProto(event, order, 99n)).finish());
      expect(proto.tsRecvNs).toBe(99n);
      const back = orderEventFromProto(proto, event.kind === "filled" ? fill : undefined, localOf(order));
      expect(back.order).toEqual(order);
      expect(back.event.kind).toBe(event.kind);
      expect(back.event.eventId).toBe(event.eventId);
      replayed = applyOrderEvent(replayed, back.event).order;
      expect(orderToProto(replayed)).toEqual(orderToProto(order));
    }
    expect(order.status).toBe("canceled");
    expect(order.quantity.toString()).toBe("3");
  });

  it("refuse a filled event without its fill, and a refusal without its reason", () => {
    const filledEvent: OrderEvent = { kind: "filled", fill, tsNs: 4n };
    const proto = orderEventToProto(filledEvent, base);
    expect(() => orderEventFromProto(proto)).toThrow(
      expect.objectContaining({ code: "ORDER_INVALID", context: { field: "fill" } }),
    );
    const rejected = orderEventToProto({ kind: "rejected", reason, tsNs: 4n }, base);
    expect(() => orderEventFromProto({ ...rejected, reason: undefined })).toThrow(
      expect.objectContaining({ code: "ORDER_INVALID", context: { field: "reason" } }),
    );
    expect(() =>
      orderEventFromProto({ ...rejected, order: { ...(rejected.order as PbOrder), status: 0 } }),
    ).toThrow(expect.objectContaining({ code: "ORDER_INVALID", context: { field: "order.status" } }));
    expect(() =>
      orderEventFromProto({ ...rejected, kind: PbOrderEventKind.ORDER_EVENT_KIND_UNSPECIFIED }),
    ).toThrow(expect.objectContaining({ code: "ORDER_INVALID", context: { field: "kind" } }));
  });
});
