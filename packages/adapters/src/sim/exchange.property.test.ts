import { Decimal, type OrderSide, type TimeInForce } from "@openfloor/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { btcUsdt, TestVenue } from "./test-helpers.js";

const ACCOUNTS = ["a", "b", "c"] as const;
const START = { USDT: "100000", BTC: "50" };

type Op =
  | {
      kind: "limit";
      account: number;
      side: OrderSide;
      ticks: number;
      lots: number;
      tif: TimeInForce;
      postOnly: boolean;
    }
  | { kind: "market"; account: number; side: OrderSide; lots: number }
  | { kind: "cancel"; account: number; pick: number }
  | { kind: "amend"; account: number; pick: number; ticks: number; lots: number }
  | { kind: "external-level"; side: "bid" | "ask"; ticks: number; lots: number }
  | { kind: "external-trade"; aggressor: OrderSide; ticks: number; lots: number }
  | { kind: "advance"; ms: number };

const side = fc.constantFrom<OrderSide>("buy", "sell");
const account = fc.integer({ min: 0, max: ACCOUNTS.length - 1 });
const ticks = fc.integer({ min: 9_950, max: 10_050 });
const lots = fc.integer({ min: 1, max: 40 });

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("limit" as const),
      account,
      side,
      ticks,
      lots,
      tif: fc.constantFrom<TimeInForce>("GTC", "IOC", "FOK", "GTC"),
      postOnly: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("market" as const), account, side, lots }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), account, pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("amend" as const), account, pick: fc.nat(), ticks, lots }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("external-level" as const),
      side: fc.constantFrom<"bid" | "ask">("bid", "ask"),
      ticks,
      lots: fc.integer({ min: 0, max: 40 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("external-trade" as const), aggressor: side, ticks, lots }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 1000 }) }),
  },
);

const price = (t: number) => Decimal.fromUnits(BigInt(t), 2);
const size = (l: number) => Decimal.fromUnits(BigInt(l), 3);

function run(ops: readonly Op[]): { v: TestVenue; ids: Map<string, string[]> } {
  const v = new TestVenue([btcUsdt()], { startingBalances: START });
  const ids = new Map<string, string[]>(ACCOUNTS.map((a) => [a, []]));
  const id = v.instrument.id;
  let seq = 1n;
  for (const o of ops) {
    const now = v.clock.now();
    switch (o.kind) {
      case "limit": {
        const acct = ACCOUNTS[o.account]!;
        const r = v.request(o.side, size(o.lots), {
          price: price(o.ticks),
          timeInForce: o.tif,
          postOnly: o.postOnly && o.tif === "GTC",
        });
        v.exchange.submit(acct, r);
        ids.get(acct)!.push(r.clientOrderId);
        break;
      }
      case "market": {
        const acct = ACCOUNTS[o.account]!;
        const r = v.request(o.side, size(o.lots), { type: "market", timeInForce: "IOC" });
        v.exchange.submit(acct, r);
        ids.get(acct)!.push(r.clientOrderId);
        break;
      }
      case "cancel": {
        const acct = ACCOUNTS[o.account]!;
        const list = ids.get(acct)!;
        if (list.length > 0) v.exchange.cancel(acct, list[o.pick % list.length]!);
        break;
      }
      case "amend": {
        const acct = ACCOUNTS[o.account]!;
        const list = ids.get(acct)!;
        if (list.length > 0) {
          v.exchange.amend(acct, list[o.pick % list.length]!, {
            price: price(o.ticks),
            quantity: size(o.lots),
          });
        }
        break;
      }
      case "external-level":
        seq++;
        v.exchange.applyMarketEvent({
          type: "book-delta",
          instrument: id,
          bids: o.side === "bid" ? [{ price: price(o.ticks), size: size(o.lots) }] : [],
          asks: o.side === "ask" ? [{ price: price(o.ticks), size: size(o.lots) }] : [],
          firstSequence: seq,
          sequence: seq,
          tsEventNs: now,
          tsRecvNs: now,
        });
        break;
      case "external-trade":
        v.exchange.applyMarketEvent({
          type: "trade",
          instrument: id,
          price: price(o.ticks),
          size: size(o.lots),
          aggressor: o.aggressor,
          tradeId: `x${now}`,
          tsEventNs: now,
          tsRecvNs: now,
        });
        break;
      case "advance":
        v.clock.advanceBy(o.ms);
        break;
    }
  }
  return { v, ids };
}

describe("SimExchange properties", () => {
  it("never fills an order beyond its quantity; its fills add up to its filled quantity", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        const { v, ids } = run(ops);
        for (const [acct, list] of ids) {
          for (const cid of list) {
            const order = v.exchange.order(acct, cid);
            if (order === undefined) continue;
            expect(order.overfilled).toBe(false);
            expect(order.filledQuantity.lte(order.quantity)).toBe(true);
            const fills = v.fillsOf(cid);
            const sum = fills.reduce((s, f) => s.add(f.quantity), Decimal.ZERO);
            expect(sum.eq(order.filledQuantity)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("balances change exactly by fills and fees; nothing stays locked once orders end", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        const { v } = run(ops);
        for (const acct of ACCOUNTS) {
          let base = Decimal.from(START.BTC);
          let quote = Decimal.from(START.USDT);
          for (const f of v.exchange.fills(acct)) {
            const value = f.price.mul(f.quantity);
            base = f.side === "buy" ? base.add(f.quantity) : base.sub(f.quantity);
            quote = f.side === "buy" ? quote.sub(value) : quote.add(value);
            quote = quote.sub(f.fee.amount);
          }
          const btc = v.exchange.balances(acct).find((b) => b.currency === "BTC");
          const usdt = v.exchange.balances(acct).find((b) => b.currency === "USDT");
          expect(btc!.total.eq(base)).toBe(true);
          expect(usdt!.total.eq(quote)).toBe(true);
          for (const b of [btc!, usdt!]) {
            expect(b.free.isNegative() || b.locked.isNegative()).toBe(false);
          }
          v.exchange.cancelAll(acct);
          for (const b of v.exchange.balances(acct)) expect(b.locked.isZero()).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("SimExchange property generators", () => {
  it("produce trading, not only refusals", () => {
    let fills = 0;
    let rejected = 0;
    for (const ops of fc.sample(fc.array(op, { minLength: 100, maxLength: 150 }), {
      numRuns: 20,
      seed: 42,
    })) {
      const { v } = run(ops);
      for (const acct of ACCOUNTS) fills += v.exchange.fills(acct).length;
      rejected += v.events.filter((e) => e.event.kind === "rejected").length;
    }
    expect(fills).toBeGreaterThan(100);
    expect(rejected).toBeLessThan(fills);
  });
});
