import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { Money } from "../numbers/money.js";
import type { Fill, OrderSide } from "../orders/types.js";
import { type LotMethod, matchLots } from "./lots.js";

const id = instrumentId("ETH/USDT", "sim");

function fill(n: number, side: OrderSide, quantity: string, price: string): Fill {
  return {
    fillId: `f${n}`,
    clientOrderId: `c${n}`,
    venueOrderId: `v${n}`,
    instrument: id,
    side,
    price: Decimal.from(price),
    quantity: Decimal.from(quantity),
    fee: Money.zero("USDT"),
    liquidity: "taker",
    tsEventNs: BigInt(n) * 1000n,
    strategyId: "s",
    account: "a",
  };
}

describe("matchLots", () => {
  // Buy 1 @ 100, 1 @ 300, 1 @ 200, then sell 1 @ 250.
  const longs = [
    fill(1, "buy", "1", "100"),
    fill(2, "buy", "1", "300"),
    fill(3, "buy", "1", "200"),
    fill(4, "sell", "1", "250"),
  ];

  it.each<[LotMethod, string, string]>([
    // FIFO closes the 100 lot: 250 − 100 = +150.
    ["fifo", "150", "f1"],
    // LIFO closes the 200 lot: 250 − 200 = +50.
    ["lifo", "50", "f3"],
    // HIFO closes the 300 lot (least gain): 250 − 300 = −50.
    ["hifo", "-50", "f2"],
  ])("%s on a long", (method, gain, lotId) => {
    const r = matchLots(longs, method);
    expect(r.realizedPnl.toString()).toBe(gain);
    expect(r.closed).toHaveLength(1);
    expect(r.closed[0]).toMatchObject({ openFillId: lotId, closeFillId: "f4", side: "long" });
    expect(r.closed[0]?.openTsNs).toBe(BigInt(lotId.slice(1)) * 1000n);
    expect(r.closed[0]?.closeTsNs).toBe(4000n);
    expect(r.quantity.toString()).toBe("2");
    expect(r.open).toHaveLength(2);
  });

  it("hifo on a short closes the lowest-priced lot first (least gain)", () => {
    const shorts = [
      fill(1, "sell", "1", "100"),
      fill(2, "sell", "1", "300"),
      fill(3, "sell", "1", "200"),
      fill(4, "buy", "1", "250"),
    ];
    // Short sold at 100 bought back at 250: −150.
    expect(matchLots(shorts, "hifo").closed[0]).toMatchObject({ openFillId: "f1", side: "short" });
    expect(matchLots(shorts, "hifo").realizedPnl.toString()).toBe("-150");
    // LIFO: short at 200 bought back at 250: −50.
    expect(matchLots(shorts, "lifo").realizedPnl.toString()).toBe("-50");
  });

  it("splits a closing fill across lots and flips the remainder, ignoring duplicates", () => {
    const fills = [
      fill(1, "buy", "1", "100"),
      fill(2, "buy", "2", "110"),
      fill(2, "buy", "2", "110"),
      fill(3, "sell", "4.5", "120"),
    ];
    const r = matchLots(fills, "fifo", { multiplier: "10" });
    // (120 − 100) × 1 × 10 + (120 − 110) × 2 × 10 = 200 + 200 = 400; 1.5 short opened at 120.
    expect(r.realizedPnl.toString()).toBe("400");
    expect(r.closed.map((c) => [c.openFillId, c.quantity.toString()])).toEqual([
      ["f1", "1"],
      ["f2", "2"],
    ]);
    expect(r.quantity.toString()).toBe("-1.5");
    expect(r.open).toEqual([
      { fillId: "f3", side: "short", quantity: Decimal.from("1.5"), price: Decimal.from("120"), tsNs: 3000n },
    ]);
  });

  it("computes inverse lot gains with one rounding per closed portion", () => {
    const fills = [fill(1, "buy", "1000", "50000"), fill(2, "sell", "1000", "55000")];
    const r = matchLots(fills, "fifo", { multiplier: "100", inverse: true });
    expect(r.realizedPnl.toString()).toBe("0.181818181818181818");
    expect(
      matchLots(fills, "fifo", { multiplier: "100", inverse: true, inverseScale: 8 }).realizedPnl.toString(),
    ).toBe("0.18181818");
  });

  it("property: under every method, realized + open lots at the mark equals the cash-flow valuation", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            side: fc.constantFrom<OrderSide>("buy", "sell"),
            qty: fc.integer({ min: 1, max: 300 }),
            ticks: fc.integer({ min: 1, max: 100_000 }),
          }),
          { maxLength: 50, size: "max" },
        ),
        fc.integer({ min: 1, max: 100_000 }),
        (gen, markTicks) => {
          const fills = gen.map((g, i) =>
            fill(
              i,
              g.side,
              Decimal.from(g.qty).mul("0.01").toString(),
              Decimal.from(g.ticks).mul("0.25").toString(),
            ),
          );
          const mark = Decimal.from(markTicks).mul("0.25");
          let valuation = Decimal.ZERO;
          let qty = Decimal.ZERO;
          for (const f of fills) {
            const flow = f.quantity.mul(f.price);
            valuation = f.side === "buy" ? valuation.sub(flow) : valuation.add(flow);
            qty = f.side === "buy" ? qty.add(f.quantity) : qty.sub(f.quantity);
          }
          valuation = valuation.add(qty.mul(mark));
          for (const method of ["fifo", "lifo", "hifo"] as const) {
            const r = matchLots(fills, method);
            let open = Decimal.ZERO;
            for (const l of r.open) {
              const gain = mark.sub(l.price).mul(l.quantity);
              open = open.add(l.side === "long" ? gain : gain.neg());
            }
            expect(r.realizedPnl.add(open).eq(valuation)).toBe(true);
            expect(r.quantity.eq(qty)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
