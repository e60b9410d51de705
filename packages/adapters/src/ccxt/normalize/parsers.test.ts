// Recorded-style venue payloads (test_data/) through ccxt's own parsers and then ours: the exact
// decimals of the raw strings must come out of ccxt's floats.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Decimal, type Instrument } from "@openfloor/core";
import ccxt from "ccxt";
import { describe, expect, it } from "vitest";
import type { CcxtMarket, CcxtOHLCV, CcxtOrder, CcxtOrderBook, CcxtTicker, CcxtTrade } from "../exchange.js";
import { PRECISION_MODE } from "../exchange.js";
import { marketToInstrument } from "../instruments.js";
import { BarAssembler } from "./bars.js";
import { BookTracker } from "./book.js";
import { clientOrderIdOf, fillOf, orderReportOf } from "./orders.js";
import { normalizeQuote } from "./quotes.js";
import { normalizeTrade } from "./trades.js";

const here = dirname(fileURLToPath(import.meta.url));
function sample(exchange: string, name: string): unknown {
  return JSON.parse(readFileSync(join(here, "test_data", exchange, `${name}.json`), "utf8"));
}
function record(value: unknown): Record<string, unknown> {
  return value as Record<string, unknown>;
}

/** The ccxt parse functions these tests call (present at run time on the exchange classes). */
interface Parsers {
  parseMarket(raw: unknown): CcxtMarket;
  setMarkets(markets: unknown[]): unknown;
  market(symbol: string): CcxtMarket;
  parseWsTrade(raw: unknown, market?: CcxtMarket): CcxtTrade;
  parseTrade(raw: unknown, market?: CcxtMarket): CcxtTrade;
  parseOrderBook(raw: unknown, symbol: string, ts?: number, bids?: string, asks?: string): CcxtOrderBook;
  parseOrder(raw: unknown, market?: CcxtMarket): CcxtOrder;
  parseWsOrder(raw: unknown, market?: CcxtMarket): CcxtOrder;
  parseOHLCV(raw: unknown, market?: CcxtMarket): CcxtOHLCV;
  parseWsOHLCV(raw: unknown, market?: CcxtMarket): CcxtOHLCV;
  parseWsTicker(raw: unknown, marketType: string): CcxtTicker;
  parseTicker(raw: unknown, market?: CcxtMarket): CcxtTicker;
  parseBalance(raw: unknown): Record<string, unknown>;
  fetchSpotMarkets(params: object): Promise<CcxtMarket[]>;
}

const NOW = 1_735_689_601_000_000_000n;
const owner = {
  clientOrderId: "of-m5k1-7",
  venueOrderId: "",
  strategyId: "s",
  account: "a",
  side: "buy" as const,
};

describe("Binance spot payloads", () => {
  // Margin pair lists are loaded by fetchMarkets before parseMarket reads them.
  const ex = new ccxt.pro.binance({
    options: { crossMarginPairsData: [], isolatedMarginPairsData: [] },
  }) as unknown as Parsers;
  const market = ex.parseMarket(sample("binance", "exchangeInfo.symbol"));
  ex.setMarkets([market]);
  const btc: Instrument = marketToInstrument("binance", market, PRECISION_MODE.TICK_SIZE);

  it("exchangeInfo → instrument with exact increments and minimums", () => {
    expect(btc.id).toEqual({ symbol: "BTC/USDT", venue: "binance" });
    expect(btc.priceIncrement.toString()).toBe("0.01");
    expect(btc.sizeIncrement.toString()).toBe("0.00001");
    expect(btc.minSize.toString()).toBe("0.00001");
    expect(btc.minNotional.toString()).toBe("5");
    expect(btc.kind).toBe("spot");
  });

  it("trade event → Trade", () => {
    const t = normalizeTrade(ex.parseWsTrade(sample("binance", "trade.event")), btc, NOW);
    expect(t.price.toString()).toBe("96504.01");
    expect(t.size.toString()).toBe("0.30000");
    expect(t.aggressor).toBe("buy");
    expect(t.tradeId).toBe("4367581952");
    expect(t.tsEventNs).toBe(1_735_689_600_122_000_000n);
  });

  it("depth snapshot then depthUpdate → snapshot and the levels that changed", () => {
    const tracker = new BookTracker(btc, 0);
    const snap = ex.parseOrderBook(sample("binance", "depth"), "BTC/USDT");
    const first = tracker.update({ ...snap, nonce: 71305638493 }, 71305638493n, NOW);
    expect(first?.type).toBe("book-snapshot");
    if (first?.type !== "book-snapshot") return;
    expect(first.sequence).toBe(71305638493n);
    expect(first.bids.map((l) => `${l.price}@${l.size}`)).toEqual([
      "96504.00@2.14637",
      "96503.99@0.00105",
      "96503.98@0.30000",
    ]);
    // Fold the diff the way ccxt does (replace the level, drop size 0), then diff the two states.
    const diff = record(sample("binance", "depthUpdate.event"));
    const apply = (side: readonly (readonly number[])[], changes: unknown, bid: boolean) => {
      const m = new Map(side.map((l) => [l[0]!, l[1]!]));
      for (const [p, q] of changes as [string, string][]) {
        if (Number(q) === 0) m.delete(Number(p));
        else m.set(Number(p), Number(q));
      }
      return [...m.entries()].sort((a, b) => (bid ? b[0] - a[0] : a[0] - b[0]));
    };
    const next = {
      bids: apply(snap.bids, diff.b, true),
      asks: apply(snap.asks, diff.a, false),
      timestamp: 1735689600200,
    };
    const delta = tracker.update(next, 71305638497n, NOW);
    expect(delta?.type).toBe("book-delta");
    if (delta?.type !== "book-delta") return;
    expect(delta.firstSequence).toBe(71305638494n);
    expect(delta.sequence).toBe(71305638497n);
    expect(delta.bids.map((l) => `${l.price}@${l.size}`)).toEqual(["96504.00@1.84637", "96503.99@0.00000"]);
    expect(delta.asks.map((l) => `${l.price}@${l.size}`)).toEqual(["96504.01@3.09016", "96504.05@0.20000"]);
  });

  it("bookTicker and 24hrTicker → Quote", () => {
    const q = normalizeQuote(ex.parseWsTicker(sample("binance", "bookTicker.event"), "spot"), btc, NOW);
    expect(q?.bidPrice.toString()).toBe("96504.00");
    expect(q?.askSize.toString()).toBe("3.09016");
    const t = normalizeQuote(ex.parseWsTicker(sample("binance", "ticker.event"), "spot"), btc, NOW);
    expect(t?.askPrice.toString()).toBe("96504.01");
  });

  it("klines → a completed Bar once the next candle starts", () => {
    const rows = (sample("binance", "kline.rest") as unknown[]).map((r) => ex.parseOHLCV(r));
    const bars = new BarAssembler(btc, "1m", 60_000, 0).push(rows);
    expect(bars).toHaveLength(1);
    expect(bars[0]!.open.toString()).toBe("96480.10");
    expect(bars[0]!.low.toString()).toBe("96479.99");
    expect(bars[0]!.volume.toString()).toBe("5.23719");
    expect(bars[0]!.tsCloseNs - bars[0]!.tsOpenNs).toBe(60_000_000_000n);
  });

  it("order response with fills → report and exact fills", () => {
    const o = ex.parseOrder(sample("binance", "order.full"), market);
    expect(clientOrderIdOf(o)).toBe("of-m5k1-7");
    const report = orderReportOf(o, btc, NOW);
    expect(report.status).toBe("filled");
    expect(report.filledQuantity.toString()).toBe("0.30000");
    const fills = (o.trades ?? []).map((t) => fillOf({ ...t, order: o.id }, btc, owner, () => 8, NOW));
    expect(
      fills.map((f) => [
        f.fillId,
        f.price.toString(),
        f.quantity.toString(),
        f.fee.amount.toString(),
        f.fee.currency,
      ]),
    ).toEqual([
      ["4367581953", "96504.01", "0.10000", "0.00010000", "BTC"],
      ["4367581954", "96504.01", "0.20000", "0.00020000", "BTC"],
    ]);
    expect(fills.reduce((s, f) => s.add(f.quantity), Decimal.ZERO).toString()).toBe("0.30000");
  });

  it("executionReport → order update and fill; a cancel carries the original client id in C", () => {
    const trade = ex.parseWsTrade(sample("binance", "executionReport.trade"));
    const fill = fillOf(trade, btc, owner, () => 8, NOW);
    expect([
      fill.fillId,
      fill.venueOrderId,
      fill.price.toString(),
      fill.quantity.toString(),
      fill.liquidity,
    ]).toEqual(["4367581953", "44523810311", "96504.01", "0.10000", "taker"]);
    const canceled = ex.parseWsOrder(sample("binance", "executionReport.canceled"));
    expect(canceled.status).toBe("canceled");
    expect(clientOrderIdOf(canceled)).toBe("of-m5k1-8");
  });

  it("myTrades → fill with the fee in its own currency", () => {
    const [raw] = sample("binance", "myTrades") as unknown[];
    const fill = fillOf(ex.parseTrade(raw, market), btc, owner, () => 8, NOW);
    expect(fill.fee.amount.toString()).toBe("0.00010000");
    expect(fill.side).toBe("buy");
  });
});

describe("Bybit v5 spot payloads", () => {
  const ex = new ccxt.pro.bybit() as unknown as Parsers;
  const raw = record(record(sample("bybit", "instruments-info")).result);
  const list = raw.list as unknown[];

  async function setup(): Promise<{ market: CcxtMarket; btc: Instrument }> {
    const parsed = await withResponse(ex, sample("bybit", "instruments-info"), () => ex.fetchSpotMarkets({}));
    ex.setMarkets(parsed);
    const market = ex.market("BTC/USDT");
    return { market, btc: marketToInstrument("bybit", market, PRECISION_MODE.TICK_SIZE) };
  }

  it("instruments-info → instrument (basePrecision is the lot, minOrderQty the minimum)", async () => {
    expect(list).toHaveLength(1);
    const { btc } = await setup();
    expect(btc.priceIncrement.toString()).toBe("0.01");
    expect(btc.sizeIncrement.toString()).toBe("0.000001");
    expect(btc.minSize.toString()).toBe("0.000048");
    expect(btc.minNotional.toString()).toBe("1");
  });

  it("orderbook snapshot then delta → snapshot and changed levels, sequenced by u", async () => {
    const { btc } = await setup();
    const snapMsg = record(sample("bybit", "orderbook.snapshot"));
    const deltaMsg = record(sample("bybit", "orderbook.delta"));
    const snap = ex.parseOrderBook(snapMsg.data, "BTC/USDT", 1735689600100, "b", "a");
    const tracker = new BookTracker(btc, 50);
    const s = tracker.update(snap, BigInt(record(snapMsg.data).u as number), NOW);
    expect(s?.type === "book-snapshot" && s.sequence).toBe(18521288n);
    const d = record(deltaMsg.data);
    const merged = ex.parseOrderBook(
      {
        b: [
          ["96504.00", "1.846370"],
          ["96503.98", "0.300000"],
        ],
        a: [
          ["96504.01", "3.090160"],
          ["96504.02", "0.000100"],
          ["96504.05", "0.200000"],
          ["96504.10", "0.100000"],
        ],
      },
      "BTC/USDT",
      1735689600120,
      "b",
      "a",
    );
    const delta = tracker.update(merged, BigInt(d.u as number), NOW);
    expect(delta?.type).toBe("book-delta");
    if (delta?.type !== "book-delta") return;
    expect([delta.firstSequence, delta.sequence]).toEqual([18521289n, 18521289n]);
    expect(delta.bids.map((l) => `${l.price}@${l.size}`)).toEqual(["96504.00@1.846370", "96503.99@0.000000"]);
    expect(delta.asks.map((l) => `${l.price}@${l.size}`)).toEqual(["96504.01@3.090160", "96504.05@0.200000"]);
  });

  it("publicTrade → Trade", async () => {
    const { btc, market } = await setup();
    const [rawTrade] = record(sample("bybit", "publicTrade")).data as unknown[];
    const t = normalizeTrade(ex.parseWsTrade(rawTrade, market), btc, NOW);
    expect([t.price.toString(), t.size.toString(), t.aggressor, t.tradeId]).toEqual([
      "96504.01",
      "0.300000",
      "buy",
      "2290000000499807434",
    ]);
  });

  it("tickers (REST) → Quote", async () => {
    const { btc, market } = await setup();
    const [rawTicker] = record(record(sample("bybit", "tickers.rest")).result).list as unknown[];
    const q = normalizeQuote(ex.parseTicker(rawTicker, market), btc, NOW);
    expect([q?.bidPrice.toString(), q?.bidSize.toString(), q?.askPrice.toString()]).toEqual([
      "96504.00",
      "1.846370",
      "96504.01",
    ]);
  });

  it("kline topic → candle", async () => {
    const { btc, market } = await setup();
    const [k] = record(sample("bybit", "kline.event")).data as unknown[];
    const candle = ex.parseWsOHLCV(k, market);
    const assembler = new BarAssembler(btc, "1m", 60_000, 0);
    expect(assembler.push([candle])).toEqual([]);
    const [bar] = assembler.flush(1735689600000 + 61_000);
    expect([bar?.open.toString(), bar?.close.toString(), bar?.volume.toString()]).toEqual([
      "96500.21",
      "96504.01",
      "0.300000",
    ]);
  });

  it("order and execution topics → report and fill", async () => {
    const { btc, market } = await setup();
    const [rawOrder] = record(sample("bybit", "order.topic")).data as unknown[];
    const o = ex.parseOrder(rawOrder, market);
    expect(clientOrderIdOf(o)).toBe("of-m5k1-7");
    const report = orderReportOf(o, btc, NOW);
    expect([
      report.status,
      report.quantity.toString(),
      report.filledQuantity.toString(),
      report.price?.toString(),
    ]).toEqual(["partially-filled", "0.300000", "0.100000", "96510.00"]);
    const [rawExec] = record(sample("bybit", "execution.topic")).data as unknown[];
    const trade = ex.parseTrade(rawExec, market);
    expect(clientOrderIdOf(trade)).toBe("of-m5k1-7");
    const fill = fillOf(trade, btc, owner, () => 8, NOW);
    expect([
      fill.fillId,
      fill.venueOrderId,
      fill.price.toString(),
      fill.quantity.toString(),
      fill.fee.amount.toString(),
    ]).toEqual(["2100000000071935911", "1871532437712297472", "96504.01", "0.100000", "0.00010000"]);
  });

  it("wallet balance → exact totals with total = free + used", () => {
    const b = ex.parseBalance(sample("bybit", "wallet-balance"));
    const btc = record(b.BTC);
    expect([btc.total, btc.used, btc.free]).toEqual([0.3, 0.2, 0.1]);
  });
});

/** Runs a ccxt fetch with its HTTP request answered by `response` (no network). */
async function withResponse<T>(ex: Parsers, response: unknown, call: () => Promise<T>): Promise<T> {
  const target = ex as unknown as { fetch: (...args: unknown[]) => Promise<unknown> };
  const original = target.fetch;
  target.fetch = async () => response;
  try {
    return await call();
  } finally {
    target.fetch = original;
  }
}
