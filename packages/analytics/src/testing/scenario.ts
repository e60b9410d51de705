// The fixed fixture the metrics tests compute by hand: strategy "alpha" trades BTC/USDT:sim over
// 2024-01-01 and 2024-01-02 (two round trips, one of them closed by a flipping fill), with quotes,
// order events, a decision price in both conventions and one numeric internal. Strategy "beta" trades
// too, so every query has to filter by strategy.
import type { EncodedRecord } from "@openfloor/core";
import {
  type FillSpec,
  fillRecord,
  ns,
  type OrderSpec,
  orderEventRecord,
  quoteRecord,
  strategyDecimal,
  strategyJson,
  strategyNumber,
} from "./records.js";

export const BTC = "BTC/USDT:sim";
export const ETH = "ETH/USDT:sim";

const q = (bid: string, ask: string, iso: string) => quoteRecord(BTC, bid, ask, ns(iso));

/** Quotes of BTC (mid in the comment). */
export const SCENARIO_QUOTES: EncodedRecord[] = [
  q("99.5", "100.5", "2024-01-01T10:00:00.000Z"), // 100
  q("100.5", "101.5", "2024-01-01T10:00:01.000Z"), // 101
  q("101.5", "102.5", "2024-01-01T10:00:10.000Z"), // 102
  q("98.5", "99.5", "2024-01-01T10:01:00.000Z"), // 99
  q("102.5", "103.5", "2024-01-01T12:00:00.000Z"), // 103
  q("102", "103", "2024-01-01T12:00:05.000Z"), // 102.5  (last of day 1: the mark at 2024-01-02)
  q("97.5", "98.5", "2024-01-02T09:00:00.000Z"), // 98
  q("97", "98", "2024-01-02T09:00:30.000Z"), // 97.5
  q("96.5", "97.5", "2024-01-02T15:00:00.000Z"), // 97
  q("96.75", "97.75", "2024-01-02T15:00:02.000Z"), // 97.25
  q("96.5", "97.5", "2024-01-03T10:00:00.000Z"), // 97
];

interface Leg {
  readonly order: OrderSpec;
  readonly ackMs: number;
  readonly fill?: { readonly afterMs: number; readonly price: string; readonly fee: string };
}

/** An order of strategy "alpha" on BTC created at `iso`. */
export const order = (
  id: string,
  side: "buy" | "sell",
  quantity: string,
  iso: string,
  price?: string,
): OrderSpec => ({
  clientOrderId: id,
  strategyId: "alpha",
  instrument: BTC,
  side,
  quantity,
  createdNs: ns(iso),
  ...(price === undefined ? {} : { price }),
});

/** alpha's orders: ack latency 5, 3, 6, 7, 4 ms; fill latency 10, 20, 8, 1000 ms; o5 is canceled unfilled. */
export const SCENARIO_LEGS: Leg[] = [
  {
    order: order("o1", "buy", "2", "2024-01-01T10:00:00.000Z"),
    ackMs: 5,
    fill: { afterMs: 10, price: "100.5", fee: "0.2" },
  },
  {
    order: order("o2", "sell", "1", "2024-01-01T12:00:00.000Z"),
    ackMs: 3,
    fill: { afterMs: 20, price: "103", fee: "0.1" },
  },
  { order: order("o5", "sell", "1", "2024-01-01T13:00:00.000Z", "110"), ackMs: 6 },
  {
    order: order("o3", "sell", "2", "2024-01-02T09:00:00.000Z"),
    ackMs: 7,
    fill: { afterMs: 8, price: "97.9", fee: "0.2" },
  },
  {
    order: order("o4", "buy", "1", "2024-01-02T15:00:00.000Z"),
    ackMs: 4,
    fill: { afterMs: 1000, price: "97", fee: "0.1" },
  },
];

export function scenarioFill(leg: Leg): FillSpec {
  const o = leg.order;
  const f = leg.fill!;
  return {
    fillId: `f-${o.clientOrderId}`,
    clientOrderId: o.clientOrderId,
    strategyId: o.strategyId,
    instrument: o.instrument,
    side: o.side,
    price: f.price,
    quantity: o.quantity,
    fee: f.fee,
    tsNs: o.createdNs + BigInt(f.afterMs) * 1_000_000n,
  };
}

function legRecords(leg: Leg): EncodedRecord[] {
  const o = leg.order;
  const out = [
    orderEventRecord(o, "submitted", o.createdNs, "submitted"),
    orderEventRecord(o, "accepted", o.createdNs + BigInt(leg.ackMs) * 1_000_000n, "accepted"),
  ];
  if (leg.fill === undefined) {
    out.push(orderEventRecord(o, "canceled", o.createdNs + 60_000_000_000n, "canceled"));
    return out;
  }
  const f = scenarioFill(leg);
  out.push(orderEventRecord(o, "filled", f.tsNs, "filled", o.quantity), fillRecord(f));
  return out;
}

/** Every record of the scenario, in time order. */
export function scenarioRecords(): EncodedRecord[] {
  const records: EncodedRecord[] = [
    ...SCENARIO_QUOTES,
    ...SCENARIO_LEGS.flatMap(legRecords),
    // decision prices: by client order id (JSON) for o1, as-of (decimal) for o3 and o4
    strategyJson(
      "alpha",
      "decision_price",
      { clientOrderId: "o1", price: "100.2" },
      ns("2024-01-01T09:59:59.000Z"),
    ),
    strategyDecimal("alpha", "decision_price", "98.1", ns("2024-01-02T08:59:59.000Z")),
    // an internal, as-of at fills: o1 0.5, o2 -0.3, o3 -0.8, o4 0.6
    strategyNumber("alpha", "signal", 0.5, ns("2024-01-01T09:59:59.000Z")),
    strategyNumber("alpha", "signal", -0.3, ns("2024-01-01T11:59:00.000Z")),
    strategyNumber("alpha", "signal", -0.8, ns("2024-01-02T08:00:00.000Z")),
    strategyNumber("alpha", "signal", 0.6, ns("2024-01-02T14:00:00.000Z")),
    // gamma records an internal and never trades
    strategyNumber("gamma", "signal", 1, ns("2024-01-01T10:00:00.000Z")),
    // beta: another strategy on another instrument
    quoteRecord(ETH, "1999", "2001", ns("2024-01-01T11:00:00.000Z")),
    fillRecord({
      fillId: "b1",
      clientOrderId: "b-o1",
      strategyId: "beta",
      instrument: ETH,
      side: "buy",
      price: "2000",
      quantity: "3",
      fee: "1",
      tsNs: ns("2024-01-01T11:00:00.500Z"),
    }),
  ];
  return records.sort((a, b) => a.timestampMs - b.timestampMs);
}
