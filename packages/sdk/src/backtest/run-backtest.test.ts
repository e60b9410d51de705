import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Quote, Trade } from "@openfloor/core";
import { afterAll, describe, expect, it } from "vitest";
import { SdkError } from "../errors/sdk-errors.js";
import { Strategy } from "../strategy/strategy.js";
import { backtestStrategy } from "../testing/index.js";
import { CSV_HEADER, csvRow } from "./data/csv.js";
import { jsonlLine } from "./data/jsonl.js";
import { type BacktestProgress, type BacktestResult, runBacktest } from "./run-backtest.js";
import { BTC, BTC_SPEC, quote, snapshot, T0, trade } from "./test-support.js";

const dir = mkdtempSync(join(tmpdir(), "openfloor-backtest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Trades on a signal from every quote; market and resting limit orders, so both taker and maker fills happen. */
class MeanReverter extends Strategy {
  private n = 0;
  private mid = 0;
  override onStart(): void {
    this.data.quotes(BTC).subscribe((q) => this.onQuote(q));
    this.every("30s", () => this.record("quotes", this.n));
  }
  private onQuote(q: Quote): void {
    const mid = (q.bidPrice.toNumber() + q.askPrice.toNumber()) / 2;
    const prev = this.mid;
    this.mid = this.mid === 0 ? mid : this.mid * 0.95 + mid * 0.05;
    if (++this.n % 50 !== 0 || prev === 0) return;
    const position = this.positions.get(BTC).quantity;
    if (mid < this.mid && position.lt("0.05"))
      this.guard(() => this.orders.buy(BTC, "0.01").then(() => undefined));
    else if (mid > this.mid && position.gt("-0.05")) {
      this.guard(async () => {
        const h = await this.orders.sell(BTC, "0.01", { price: q.askPrice });
        this.every("2s", () => (h.isDone ? undefined : h.cancel().then(() => undefined)));
      });
    }
  }
}

/** Everything of a result that must be identical between runs (not wall time). */
function fingerprint(r: BacktestResult): string {
  return JSON.stringify(
    {
      fills: r.fills,
      orders: r.orders.map((o) => [
        o.clientOrderId,
        o.status,
        o.filledQuantity,
        o.averageFillPrice,
        o.tsUpdatedNs,
      ]),
      pnl: r.pnlByCurrency,
      equity: r.equity,
      positions: r.positions,
      records: r.records,
      events: r.events,
    },
    (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
  );
}

describe("runBacktest", () => {
  it("is deterministic on synthetic data: the same seed gives the same fills and PnL to the last unit", async () => {
    const opts = { to: "2024-01-01T00:20:00Z", seed: 11 } as const;
    const a = await runBacktest({ ...opts, strategy: new MeanReverter() });
    const b = await runBacktest({ ...opts, strategy: new MeanReverter() });
    expect(a.fills.length).toBeGreaterThan(10);
    expect(a.fills.some((f) => f.liquidity === "maker")).toBe(true);
    expect(a.openOrders).toBe(0);
    expect(fingerprint(b)).toBe(fingerprint(a));
    expect(b.pnl.net.toString()).toBe(a.pnl.net.toString());
    const c = await runBacktest({ ...opts, seed: 12, strategy: new MeanReverter() });
    expect(fingerprint(c)).not.toBe(fingerprint(a));
  });

  it("is deterministic with venue latency, and latency delays what the strategy sees", async () => {
    const times: bigint[] = [];
    class Timed extends Strategy {
      override onStart() {
        this.every("1s", async () => {
          const sent = this.clock.now();
          const h = await this.orders.buy(BTC, "0.001");
          times.push(this.clock.now() - sent);
          await h.done;
        });
      }
    }
    const opts = { to: "2024-01-01T00:00:05Z", seed: 3, venue: { latency: { fixedMs: 2, jitterMs: 1 } } };
    const a = await runBacktest({ ...opts, strategy: new Timed() });
    const first = [...times];
    times.length = 0;
    const b = await runBacktest({ ...opts, strategy: new Timed() });
    expect(fingerprint(b)).toBe(fingerprint(a));
    expect(times).toEqual(first);
    // A round trip: request and response each take 2–3 ms.
    for (const t of first) {
      expect(t).toBeGreaterThanOrEqual(4_000_000n);
      expect(t).toBeLessThan(6_000_000n);
    }
    expect(a.fills.length).toBeGreaterThan(0);
  });

  it("reads CSV and gzipped JSONL files, gives the same result for the same events, and reports progress", async () => {
    const events: (Quote | Trade)[] = [];
    for (let ms = 0; ms <= 60_000; ms += 20) {
      const cents = 10_000 + Math.round(40 * Math.sin(ms / 3_000));
      const px = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, "0")}`;
      events.push(quote(ms, px(cents), px(cents + 2)));
    }
    for (let ms = 10; ms < 60_000; ms += 700)
      events.push(trade(ms, ms % 1400 < 700 ? "100.02" : "100.00", "0.2", ms % 1400 < 700 ? "buy" : "sell"));
    events.sort((x, y) => Number(x.tsEventNs - y.tsEventNs));
    const csv = join(dir, "btc.csv");
    writeFileSync(csv, `${CSV_HEADER}\n${events.map((e) => csvRow(e)).join("")}`);
    const jsonl = join(dir, "btc.jsonl.gz");
    writeFileSync(jsonl, gzipSync(events.map((e) => jsonlLine(e)).join("")));

    const progress: BacktestProgress[] = [];
    const fromCsv = await runBacktest({
      strategy: new MeanReverter(),
      data: csv,
      instruments: [BTC_SPEC],
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    const fromJsonl = await runBacktest({
      strategy: new MeanReverter(),
      data: jsonl,
      instruments: [BTC_SPEC],
    });
    const fromArray = await runBacktest({
      strategy: new MeanReverter(),
      data: events,
      instruments: [BTC_SPEC],
    });
    expect(fromCsv.events).toBe(events.length);
    expect(fromCsv.fills.length).toBeGreaterThan(0);
    expect(fingerprint(fromJsonl)).toBe(fingerprint(fromCsv));
    expect(fingerprint(fromArray)).toBe(fingerprint(fromCsv));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)?.fraction).toBe(1);
    expect(progress.at(-1)?.events).toBe(events.length);
  });

  it("starts the strategy at `from` after a warm-up that builds the venue's book, and stops at `to`", async () => {
    const events = [
      snapshot(0, 1, [["100.00", "3"]], [["100.02", "3"]]),
      quote(0, "100.00", "100.02"),
      quote(5_000, "100.00", "100.02"),
      quote(10_000, "100.00", "100.02"),
      quote(20_000, "100.00", "100.02"),
    ];
    class Starter extends Strategy {
      readonly seen: number[] = [];
      startedAt = 0n;
      override async onStart() {
        this.startedAt = this.clock.now();
        // The venue's book is there at once, from the warm-up events before `from`.
        await this.orders.buy(BTC, "1");
        this.data.quotes(BTC).subscribe((q) => this.seen.push(Number(q.tsEventNs - T0) / 1e6));
      }
    }
    const s = new Starter();
    const r = await backtestStrategy(s, {
      data: events,
      instruments: [BTC_SPEC],
      from: new Date(Number(T0 / 1_000_000n) + 3_000),
      to: "2024-01-01T00:00:15Z",
    });
    expect(s.startedAt - T0).toBe(3_000_000_000n);
    expect(s.seen).toEqual([5_000, 10_000]);
    expect(r.fillsOf("buy").map((f) => f.price.toString())).toEqual(["100.02"]);
    expect(r.netQuantity(BTC)?.toString()).toBe("1.0000");
    expect(r.toNs - T0).toBe(15_000_000_000n);
  });

  it("says which input is wrong", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, `${CSV_HEADER}\n1704067200000000000,quote,BTC/USDT:sim,abc,1,100.02,1,,,,\n`);
    await expect(
      runBacktest({ strategy: new MeanReverter(), data: bad, instruments: [BTC_SPEC] }),
    ).rejects.toThrow(/bad\.csv line 2: .*abc/);
    await expect(
      runBacktest({ strategy: new MeanReverter(), data: join(dir, "missing.csv") }),
    ).rejects.toThrow(/cannot read data file .*missing\.csv/);
    await expect(
      runBacktest({ strategy: new MeanReverter(), data: join(dir, "data.parquet") }),
    ).rejects.toThrow(/unknown format/);
    await expect(
      runBacktest({ strategy: new MeanReverter(), instruments: [{ ...BTC_SPEC, priceIncrement: "-1" }] }),
    ).rejects.toBeInstanceOf(SdkError);
    await expect(runBacktest({ strategy: new MeanReverter(), from: "yesterday" })).rejects.toThrow(
      /from: timestamp/,
    );
  });

  it("counts events of instruments no venue lists instead of failing", async () => {
    const eth = { ...quote(0, "10.00", "10.01"), instrument: { symbol: "ETH/USDT", venue: "sim" } };
    const r = await runBacktest({
      strategy: new MeanReverter(),
      data: [quote(0, "100.00", "100.02"), eth],
      instruments: [BTC_SPEC],
    });
    expect(r.skipped.unknownInstrument).toBe(1);
    expect(r.events).toBe(2);
  });
});
