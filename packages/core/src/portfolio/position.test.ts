import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PortfolioError } from "../errors/portfolio-error.js";
import { defineInstrument, type Instrument } from "../instruments/instrument.js";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { Money } from "../numbers/money.js";
import type { Fill, OrderSide } from "../orders/types.js";
import { matchLots } from "./lots.js";
import { Position } from "./position.js";

const d = (v: string | number) => Decimal.from(v);

const btcUsdtPerp = defineInstrument({
  id: instrumentId("BTC/USDT:USDT", "binance"),
  kind: "perpetual",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.1",
  sizeIncrement: "0.001",
  makerFee: "0.0002",
  takerFee: "0.0005",
});

const btcUsdInverse = defineInstrument({
  id: instrumentId("BTC/USD:BTC", "bybit"),
  kind: "perpetual",
  base: "BTC",
  quote: "USD",
  priceIncrement: "0.5",
  sizeIncrement: "1",
  multiplier: "100",
  inverse: true,
});

let seq = 0;
function fill(
  instrument: Instrument,
  side: OrderSide,
  quantity: string,
  price: string,
  fee: Money = Money.zero(instrument.settlement),
  extra: Partial<Fill> = {},
): Fill {
  seq += 1;
  return {
    fillId: `f${seq}`,
    clientOrderId: `c${seq}`,
    venueOrderId: `v${seq}`,
    instrument: instrument.id,
    side,
    price: d(price),
    quantity: d(quantity),
    fee,
    liquidity: "taker",
    tsEventNs: BigInt(seq) * 1_000_000n,
    strategyId: "s1",
    account: "acct",
    ...extra,
  };
}

describe("Position worked examples", () => {
  it("(a) linear BTC/USDT perpetual round trip with fees and funding", () => {
    const p = new Position(btcUsdtPerp, "acct");
    // Buy 0.5 BTC at 60000, taker fee 0.05%: 0.5 × 60000 × 0.0005 = 15 USDT.
    p.applyFill(fill(btcUsdtPerp, "buy", "0.5", "60000", Money.of("15", "USDT")));
    expect(p.quantity.toString()).toBe("0.5");
    expect(p.averageEntryPrice?.toString()).toBe("60000");
    // Funding at rate +0.0001 with mark 61000: a long pays 0.5 × 61000 × 0.0001 = 3.05 USDT.
    expect(p.applyFunding({ rate: "0.0001", markPrice: "61000", id: "fund-1" }, 5n).toString()).toBe("-3.05");
    // Unrealized at 61000: 0.5 × (61000 − 60000) = 500 USDT.
    expect(p.unrealizedPnl("61000").toString()).toBe("500");
    // Sell 0.5 at 62000, maker fee 0.02%: 0.5 × 62000 × 0.0002 = 6.2 USDT.
    p.applyFill(fill(btcUsdtPerp, "sell", "0.5", "62000", Money.of("6.2", "USDT")));
    // Realized: 0.5 × (62000 − 60000) = 1000 USDT; fees 15 + 6.2 = 21.2; funding −3.05.
    expect(p.quantity.isZero()).toBe(true);
    expect(p.realizedPnl.eq("1000")).toBe(true);
    expect(p.fees.get("USDT")?.toString()).toBe("21.2");
    expect(p.fundingPnl.toString()).toBe("-3.05");
    // Net: 1000 − 21.2 − 3.05 = 975.75 USDT.
    expect(p.netPnl().toString()).toBe("975.75");
    expect(p.averageEntryPrice).toBeUndefined();
    expect(p.closedLots).toHaveLength(1);
    expect(p.closedLots[0]?.realizedPnl.eq("1000")).toBe(true);
  });

  it("(b) inverse BTC/USD perpetual, 100 USD per contract: PnL in BTC", () => {
    const p = new Position(btcUsdInverse, "acct");
    // Buy 1000 contracts at 50000 = 100000 USD = 2 BTC notional; taker 0.05% = 0.001 BTC.
    p.applyFill(fill(btcUsdInverse, "buy", "1000", "50000", Money.of("0.001", "BTC")));
    expect(p.averageEntryPrice?.toString()).toBe("50000");
    expect(p.costBasis().toString()).toBe("2");
    // 1000 × 100 × (1/50000 − 1/55000) = 100000 × 5000 / (50000 × 55000) = 0.181818… BTC;
    // rounded once to 18 places, half-even (the 19th digit is 1): 0.181818181818181818.
    expect(p.unrealizedPnl("55000").toString()).toBe("0.181818181818181818");
    // Sell at 55000: 100000 USD = 1.8181818… BTC notional; taker fee 0.0009090909… rounded by the venue to
    // 8 places (satoshis) = 0.00090909 BTC.
    p.applyFill(fill(btcUsdInverse, "sell", "1000", "55000", Money.of("0.00090909", "BTC")));
    expect(p.realizedPnl.toString()).toBe("0.181818181818181818");
    expect(p.fees.get("BTC")?.toString()).toBe("0.00190909");
    // Net: 0.181818181818181818 − 0.00190909 = 0.179909091818181818 BTC.
    expect(p.netPnl().toString()).toBe("0.179909091818181818");
    // Funding on an inverse long: 1000 × 100 × 0.0001 / 50000 = 0.0002 BTC paid (position is flat now: 0).
    expect(p.applyFunding({ rate: "0.0001", markPrice: "50000" }, 9n).isZero()).toBe(true);
  });

  it("(b') inverse funding and a short: longs pay when the rate is positive", () => {
    const long = new Position(btcUsdInverse, "acct");
    long.applyFill(fill(btcUsdInverse, "buy", "1000", "50000"));
    // −1000 × 100 × 0.0001 / 50000 = −0.0002 BTC.
    expect(long.applyFunding({ rate: "0.0001", markPrice: "50000" }, 1n).toString()).toBe("-0.0002");
    const short = new Position(btcUsdInverse, "acct");
    short.applyFill(fill(btcUsdInverse, "sell", "1000", "50000"));
    expect(short.applyFunding({ rate: "0.0001", markPrice: "50000" }, 1n).toString()).toBe("0.0002");
    // A short from 50000 marked at 55000 loses 1000 × 100 × (1/50000 − 1/55000).
    expect(short.unrealizedPnl("55000").toString()).toBe("-0.181818181818181818");
  });

  it("(c) flip through zero: a sell larger than the long closes it and opens a short", () => {
    const p = new Position(btcUsdtPerp, "acct");
    p.applyFill(fill(btcUsdtPerp, "buy", "2", "60000"));
    p.applyFill(fill(btcUsdtPerp, "buy", "1", "63000"));
    // Cost 2 × 60000 + 1 × 63000 = 183000 for 3 BTC: average 61000.
    expect(p.averageEntryPrice?.toString()).toBe("61000");
    const flip = fill(btcUsdtPerp, "sell", "4", "62000");
    p.applyFill(flip);
    // FIFO: 2 × (62000 − 60000) = +4000, then 1 × (62000 − 63000) = −1000: realized 3000.
    // The remaining 1 BTC opens a short at 62000.
    expect(p.realizedPnl.eq("3000")).toBe(true);
    expect(p.quantity.toString()).toBe("-1");
    expect(p.side).toBe("short");
    expect(p.averageEntryPrice?.toString()).toBe("62000");
    expect(p.lots).toEqual([
      { fillId: flip.fillId, side: "short", quantity: d("1"), price: d("62000"), tsNs: flip.tsEventNs },
    ]);
    // Short 1 from 62000 marked at 61500: +500.
    p.mark(d("61500"));
    expect(p.unrealizedPnl().eq("500")).toBe(true);
    // Buy back at 61000: +1000 more, realized 4000, flat.
    p.applyFill(fill(btcUsdtPerp, "buy", "1", "61000"));
    expect(p.realizedPnl.eq("4000")).toBe(true);
    expect(p.side).toBe("flat");
    expect(p.closedLots.map((l) => l.realizedPnl.toString())).toEqual(["4000", "-1000", "1000"]);
  });
});

describe("Position rules", () => {
  it("ignores a duplicate fill", () => {
    const p = new Position(btcUsdtPerp, "acct");
    const f = fill(btcUsdtPerp, "buy", "1", "100", Money.of("1", "USDT"));
    expect(p.applyFill(f)).toBe(true);
    expect(p.applyFill(f)).toBe(false);
    expect(p.quantity.toString()).toBe("1");
    expect(p.fees.get("USDT")?.toString()).toBe("1");
    expect(p.fillCount).toBe(1);
  });

  it("ignores a redelivered funding payment with the same id", () => {
    const p = new Position(btcUsdtPerp, "acct");
    p.applyFill(fill(btcUsdtPerp, "buy", "1", "100"));
    p.applyFunding({ amount: "-0.5", id: "x" }, 1n);
    expect(p.applyFunding({ amount: "-0.5", id: "x" }, 1n).isZero()).toBe(true);
    expect(p.fundingPnl.toString()).toBe("-0.5");
  });

  it("keeps fees per currency", () => {
    const p = new Position(btcUsdtPerp, "acct");
    p.applyFill(fill(btcUsdtPerp, "buy", "1", "100", Money.of("0.01", "BNB")));
    p.applyFill(fill(btcUsdtPerp, "buy", "1", "100", Money.of("-0.02", "USDT")));
    expect(Object.fromEntries([...p.fees].map(([c, v]) => [c, v.toString()]))).toEqual({
      BNB: "0.01",
      USDT: "-0.02",
    });
    // Only settlement-currency fees are in net PnL; the rebate adds to it.
    expect(p.netPnl("100").toString()).toBe("0.02");
  });

  it("rounds the displayed average entry price to price places + 8, half-even, and keeps PnL exact", () => {
    const p = new Position(btcUsdtPerp, "acct");
    p.applyFill(fill(btcUsdtPerp, "buy", "1", "100.1"));
    p.applyFill(fill(btcUsdtPerp, "buy", "2", "100.2"));
    // 300.5 / 3 = 100.1666…: 1 + 8 = 9 places.
    expect(p.averageEntryPrice?.toString()).toBe("100.166666667");
    // Closing 1 realizes against the first lot exactly: 1 × (100.3 − 100.1) = 0.2.
    p.applyFill(fill(btcUsdtPerp, "sell", "1", "100.3"));
    expect(p.realizedPnl.toString()).toBe("0.2");
    expect(p.unrealizedPnl("100.3").toString()).toBe("0.2");
  });

  it("uses the multiplier", () => {
    const es = defineInstrument({
      id: instrumentId("ES", "cme"),
      kind: "future",
      base: "ES",
      quote: "USD",
      priceIncrement: "0.25",
      sizeIncrement: "1",
      multiplier: "50",
      expiry: 1n,
    });
    const p = new Position(es, "acct");
    p.applyFill(fill(es, "sell", "2", "5000.25"));
    p.applyFill(fill(es, "buy", "1", "4990"));
    // 1 × (5000.25 − 4990) × 50 = 512.5; remaining short 1 marked at 4995: (5000.25 − 4995) × 50 = 262.5.
    expect(p.realizedPnl.toString()).toBe("512.5");
    expect(p.unrealizedPnl("4995").toString()).toBe("262.5");
    expect(p.costBasis().toString()).toBe("250012.5");
  });

  it("refuses fills of another account, instrument or strategy", () => {
    const p = new Position(btcUsdtPerp, "acct", { strategyId: "s1" });
    const err = (f: Fill) => {
      try {
        p.applyFill(f);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const wrongStrategy = err(fill(btcUsdtPerp, "buy", "1", "1", undefined, { strategyId: "s2" }));
    expect(wrongStrategy).toBeInstanceOf(PortfolioError);
    expect((wrongStrategy as PortfolioError).code).toBe("PORTFOLIO_MISMATCH");
    expect((wrongStrategy as PortfolioError).context.field).toBe("strategyId");
    expect(
      (err(fill(btcUsdtPerp, "buy", "1", "1", undefined, { account: "b" })) as PortfolioError).code,
    ).toBe("PORTFOLIO_MISMATCH");
    expect((err(fill(btcUsdInverse, "buy", "1", "1")) as PortfolioError).context.field).toBe("instrument");
    expect(p.fillCount).toBe(0);
    // An account-level position (no strategyId) takes every strategy's fills.
    const account = new Position(btcUsdtPerp, "acct");
    expect(account.applyFill(fill(btcUsdtPerp, "buy", "1", "1", undefined, { strategyId: "s9" }))).toBe(true);
  });

  it("refuses invalid fills and prices with a typed error", () => {
    const p = new Position(btcUsdInverse, "acct");
    expect(() => p.applyFill(fill(btcUsdInverse, "buy", "-1", "50000"))).toThrow(
      expect.objectContaining({ code: "PORTFOLIO_INVALID_FILL" }),
    );
    expect(() => p.applyFill(fill(btcUsdInverse, "buy", "1", "0"))).toThrow(/must be positive/);
    expect(() => p.applyFill(fill(btcUsdInverse, "buy", "1", "1", Money.of("1", "")))).toThrow(
      /fee.currency/,
    );
    expect(() => p.mark(d("-1"))).toThrow(expect.objectContaining({ code: "PORTFOLIO_INVALID_PRICE" }));
    expect(p.fillCount).toBe(0);
  });

  it("leaves the position unchanged when a result does not fit a Decimal", () => {
    const p = new Position(btcUsdtPerp, "acct");
    p.applyFill(fill(btcUsdtPerp, "buy", "0.000000001", "1.000000001"));
    const before = p.snapshot();
    // Closing realizes 0.000000001 × 0.000000000000000001: 27 places, finer than a Decimal carries.
    const f = fill(btcUsdtPerp, "sell", "0.000000001", "1.000000001000000001");
    expect(() => p.applyFill(f)).toThrow(expect.objectContaining({ code: "PORTFOLIO_PRECISION" }));
    expect(p.snapshot()).toEqual(before);
    expect(p.lots).toHaveLength(1);
    // The fill was not recorded as seen: a corrected retry is still possible.
    expect(p.applyFill({ ...f, price: d("1.000000002") })).toBe(true);
  });

  it("keeps FIFO lots right across many partial closes (queue compaction)", () => {
    const p = new Position(btcUsdtPerp, "acct");
    for (let i = 1; i <= 1000; i++) p.applyFill(fill(btcUsdtPerp, "buy", "1", String(1000 + i)));
    for (let i = 0; i < 1499; i++) p.applyFill(fill(btcUsdtPerp, "sell", "0.5", "3000"));
    // 749.5 lots closed: 749 whole + half of lot 750; open: half of 750 and 250 more.
    expect(p.quantity.toString()).toBe("250.5");
    expect(p.lots).toHaveLength(251);
    expect(p.lots[0]?.price.toString()).toBe("1750");
    expect(p.lots[0]?.quantity.toString()).toBe("0.5");
    // Realized: Σ_{i=1..749} (3000 − (1000 + i)) + 0.5 × (3000 − 1750).
    let expected = Decimal.ZERO;
    for (let i = 1; i <= 749; i++) expected = expected.add(3000 - (1000 + i));
    expected = expected.add("625");
    expect(p.realizedPnl.eq(expected)).toBe(true);
  });

  it("does not retain closed lots when asked not to", () => {
    const p = new Position(btcUsdtPerp, "acct", { retainClosedLots: false });
    p.applyFill(fill(btcUsdtPerp, "buy", "1", "1"));
    p.applyFill(fill(btcUsdtPerp, "sell", "1", "2"));
    expect(p.closedLots).toHaveLength(0);
    expect(p.realizedPnl.toString()).toBe("1");
  });

  it("rounds inverse PnL to inverseScale when asked (8 places, satoshis)", () => {
    const p = new Position(btcUsdInverse, "acct", { inverseScale: 8 });
    p.applyFill(fill(btcUsdInverse, "buy", "1000", "50000"));
    p.applyFill(fill(btcUsdInverse, "sell", "1000", "55000"));
    expect(p.realizedPnl.toString()).toBe("0.18181818");
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties. Fills land on a tick grid; fees are random (rebates included) in the settlement currency.

interface GenFill {
  readonly side: OrderSide;
  readonly qtyUnits: number;
  readonly priceTicks: number;
  readonly feeUnits: number;
  /** Re-send an earlier fill instead (by index, modulo the fills so far). */
  readonly duplicateOf: number | undefined;
}

const genFill = (maxQty: number, minTicks: number, maxTicks: number) =>
  fc.record({
    side: fc.constantFrom<OrderSide>("buy", "sell"),
    qtyUnits: fc.integer({ min: 0, max: maxQty }),
    priceTicks: fc.integer({ min: minTicks, max: maxTicks }),
    feeUnits: fc.integer({ min: -1000, max: 100_000 }),
    duplicateOf: fc.option(fc.nat(), { freq: 8, nil: undefined }),
  });

function buildFills(instrument: Instrument, gen: readonly GenFill[], qtyStep: string, tick: string): Fill[] {
  const out: Fill[] = [];
  gen.forEach((g, i) => {
    if (g.duplicateOf !== undefined && out.length > 0) {
      out.push(out[g.duplicateOf % out.length]!);
      return;
    }
    out.push({
      fillId: `p${i}`,
      clientOrderId: `c${i}`,
      venueOrderId: `v${i}`,
      instrument: instrument.id,
      side: g.side,
      quantity: d(g.qtyUnits).mul(qtyStep),
      price: d(g.priceTicks).mul(tick),
      fee: Money.of(Decimal.fromUnits(BigInt(g.feeUnits), 6), instrument.settlement),
      liquidity: "maker",
      tsEventNs: BigInt(i),
      strategyId: "s",
      account: "acct",
    });
  });
  return out;
}

function distinct(fills: readonly Fill[]): Fill[] {
  const seen = new Set<string>();
  return fills.filter((f) => !seen.has(f.fillId) && seen.add(f.fillId) !== undefined);
}

function linearPerp(multiplier: string): Instrument {
  return defineInstrument({
    id: instrumentId("X/USDT:USDT", "sim"),
    kind: "perpetual",
    base: "X",
    quote: "USDT",
    priceIncrement: "0.05",
    sizeIncrement: "0.001",
    multiplier,
  });
}

function inversePerp(multiplier: string): Instrument {
  return defineInstrument({
    id: instrumentId("X/USD:X", "sim"),
    kind: "perpetual",
    base: "X",
    quote: "USD",
    priceIncrement: "0.5",
    sizeIncrement: "1",
    multiplier,
    inverse: true,
  });
}

describe("Position properties", () => {
  it("linear: realized + unrealized − fees equals the cash-flow valuation exactly", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("1", "0.001", "10", "25"),
        fc.array(genFill(5000, 1, 2_000_000), { maxLength: 60, size: "max" }),
        fc.integer({ min: 1, max: 2_000_000 }),
        (multiplier, gen, markTicks) => {
          const instrument = linearPerp(multiplier);
          const fills = buildFills(instrument, gen, "0.001", "0.05");
          const mark = d(markTicks).mul("0.05");
          const p = new Position(instrument, "acct");
          for (const f of fills) p.applyFill(f);

          const m = instrument.multiplier;
          let cash = Decimal.ZERO;
          let fees = Decimal.ZERO;
          let qty = Decimal.ZERO;
          for (const f of distinct(fills)) {
            const flow = f.quantity.mul(f.price).mul(m);
            cash = f.side === "buy" ? cash.sub(flow) : cash.add(flow);
            qty = f.side === "buy" ? qty.add(f.quantity) : qty.sub(f.quantity);
            fees = fees.add(f.fee.amount);
          }
          const valuation = cash.add(qty.mul(mark).mul(m)).sub(fees);
          const ours = p.realizedPnl.add(p.unrealizedPnl(mark)).sub(p.fees.get("USDT") ?? Decimal.ZERO);
          expect(ours.eq(valuation), `${ours} vs ${valuation}`).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("inverse: realized + unrealized is within 0.5e-18 per rounding of the exact rational valuation", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("1", "10"),
        fc.array(genFill(50, 20_000, 200_000), { maxLength: 40, size: "max" }),
        fc.integer({ min: 20_000, max: 200_000 }),
        fc.constantFrom(18, 8),
        (multiplier, gen, markTicks, inverseScale) => {
          const instrument = inversePerp(multiplier);
          const fills = buildFills(instrument, gen, "1", "0.5");
          const mark = d(markTicks).mul("0.5");
          const p = new Position(instrument, "acct", { inverseScale });
          for (const f of fills) p.applyFill(f);

          // Exact: m × (Σ_buys q/p − Σ_sells q/p − Q/mark), as a bigint fraction num/den.
          let num = 0n;
          let den = 1n;
          const addFrac = (n: bigint, dd: bigint) => {
            num = num * dd + n * den;
            den *= dd;
          };
          let qty = Decimal.ZERO;
          for (const f of distinct(fills)) {
            const q = f.side === "buy" ? f.quantity : f.quantity.neg();
            qty = qty.add(q);
            // q / p with p = units × 10^-scale: q × 10^scale / units (q is whole contracts here).
            addFrac(q.unitsAt(0) * 10n ** BigInt(f.price.scale), f.price.units);
          }
          addFrac(-qty.unitsAt(0) * 10n ** BigInt(mark.scale), mark.units);
          num *= m(instrument);

          const ours = p.realizedPnl.add(p.unrealizedPnl(mark));
          const oursUnits = ours.unitsAt(inverseScale);
          const scaleFactor = 10n ** BigInt(inverseScale);
          // |ours − exact| ≤ k × ½ × 10^-scale, with k roundings: one per closed lot portion, one for unrealized.
          const k = BigInt(p.closedLots.length + 1);
          const diff = oursUnits * den - num * scaleFactor;
          const absDiff = diff < 0n ? -diff : diff;
          const absDen = den < 0n ? -den : den;
          expect(absDiff * 2n <= k * absDen).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  for (const kind of ["linear", "inverse"] as const) {
    it(`${kind}: quantity is the signed sum of distinct fills, lots sum to |quantity|, FIFO matches`, () => {
      fc.assert(
        fc.property(fc.array(genFill(100, 20_000, 200_000), { maxLength: 60, size: "max" }), (gen) => {
          const instrument = kind === "linear" ? linearPerp("1") : inversePerp("10");
          const fills = buildFills(instrument, gen, kind === "linear" ? "0.001" : "1", "0.5");
          const p = new Position(instrument, "acct");
          for (const f of fills) p.applyFill(f);

          let qty = Decimal.ZERO;
          for (const f of distinct(fills)) qty = f.side === "buy" ? qty.add(f.quantity) : qty.sub(f.quantity);
          expect(p.quantity.eq(qty)).toBe(true);
          expect(p.fillCount).toBe(distinct(fills).length);
          const lotSum = p.lots.reduce((acc, l) => acc.add(l.quantity), Decimal.ZERO);
          expect(lotSum.eq(qty.abs())).toBe(true);
          const closedSum = p.closedLots.reduce((acc, l) => acc.add(l.realizedPnl), Decimal.ZERO);
          expect(closedSum.eq(p.realizedPnl)).toBe(true);

          const fifo = matchLots(fills, "fifo", instrument);
          expect(fifo.realizedPnl.eq(p.realizedPnl)).toBe(true);
          expect(fifo.quantity.eq(p.quantity)).toBe(true);
          expect(fifo.closed.map(show)).toEqual(p.closedLots.map(show));
          expect(fifo.open.map(show)).toEqual(p.lots.map(show));
        }),
        { numRuns: 200 },
      );
    });
  }
});

function m(instrument: Instrument): bigint {
  return instrument.multiplier.unitsAt(0);
}

function show(value: object): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}
