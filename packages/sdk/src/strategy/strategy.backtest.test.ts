import type { Bar, Fill, Order, Quote, Trade } from "@openfloor/core";
import { take } from "rxjs";
import { describe, expect, it } from "vitest";
import { runBacktest } from "../backtest/run-backtest.js";
import { BTC, BTC_SPEC, delta, quietQuotes, quote, snapshot, T0, trade } from "../backtest/test-support.js";
import { RiskDenied, SdkError } from "../errors/sdk-errors.js";
import { riskLimits } from "../transport/backtest/pre-trade-risk.js";
import type { OrderHandle } from "./order-handle.js";
import { Strategy } from "./strategy.js";

const base = { instruments: [BTC_SPEC] };

describe("Strategy lifecycle in a backtest", () => {
  it("calls onStart then onStop, sends callback errors to onError and keeps running, cancels open orders on stop", async () => {
    class Lifecycle extends Strategy {
      readonly calls: string[] = [];
      readonly errors: string[] = [];
      quotes = 0;
      resting: OrderHandle | undefined;
      override async onStart() {
        this.calls.push(`start@${this.clock.now() - T0}`);
        this.data.quotes(BTC).subscribe(() => {
          this.quotes++;
          if (this.quotes === 3) throw new Error("boom in a quote handler");
        });
        this.every("1s", () => {
          throw new Error("boom in a timer");
        });
        this.every("1500ms", async () => {
          await Promise.resolve();
          throw new Error("async boom in a timer");
        });
        this.resting = await this.orders.buy(BTC, "0.5", { price: "99.00" });
      }
      override onStop() {
        this.calls.push(`stop:${this.resting?.status}`);
      }
      override onError(error: unknown) {
        this.errors.push((error as Error).message);
      }
    }
    const s = new Lifecycle();
    const r = await runBacktest({ ...base, strategy: s, data: quietQuotes(2000) });
    expect(s.calls).toEqual(["start@0", "stop:accepted"]);
    expect(s.quotes).toBe(21);
    expect(s.errors).toEqual([
      "boom in a quote handler",
      "boom in a timer",
      "async boom in a timer",
      "boom in a timer",
    ]);
    expect(r.strategyErrorCount).toBe(4);
    // Nothing orphaned: the resting order was canceled when the strategy stopped.
    expect(r.openOrders).toBe(0);
    expect(r.orders.map((o) => o.status)).toEqual(["canceled"]);
    expect(s.resting?.status).toBe("canceled");
    await expect(s.resting?.done).resolves.toMatchObject({ status: "canceled" });
  });

  it("a throwing onStart fails the backtest, with its orders canceled", async () => {
    class Broken extends Strategy {
      override async onStart() {
        await this.orders.buy(BTC, "0.1", { price: "90.00" });
        throw new Error("cannot start");
      }
    }
    await expect(runBacktest({ ...base, strategy: new Broken(), data: quietQuotes(500) })).rejects.toThrow(
      "cannot start",
    );
  });

  it("an onError that throws is logged and the strategy still runs", async () => {
    class Fragile extends Strategy {
      quotes = 0;
      override onStart() {
        this.data.quotes(BTC).subscribe(() => {
          this.quotes++;
          throw new Error("handler");
        });
      }
      override onError(): void {
        throw new Error("onError itself");
      }
    }
    const s = new Fragile();
    const r = await runBacktest({ ...base, strategy: s, data: quietQuotes(1000) });
    expect(s.quotes).toBe(11);
    expect(r.strategyErrorCount).toBe(11);
  });
});

describe("market data observables", () => {
  it("delivers trades, quotes, the book with depth, and bars built from trades on the simulated clock", async () => {
    const events = [
      snapshot(
        0,
        1,
        [
          ["100.00", "1"],
          ["99.99", "2"],
          ["99.98", "3"],
        ],
        [
          ["100.02", "1"],
          ["100.03", "2"],
          ["100.04", "3"],
        ],
      ),
      quote(0, "100.00", "100.02", "1", "1"),
      trade(100, "100.02", "0.5", "buy"),
      trade(700, "100.05", "0.25", "buy"),
      delta(900, 2, [["100.01", "4"]], [["100.02", "0"]]),
      quote(900, "100.01", "100.03", "4", "2"),
      trade(1200, "99.90", "1", "sell"),
      trade(2500, "100.10", "2", "buy"),
    ];
    class Watcher extends Strategy {
      readonly trades: Trade[] = [];
      readonly quotes: Quote[] = [];
      readonly books: string[] = [];
      readonly fullBooks: number[] = [];
      readonly bars: Bar[] = [];
      override onStart() {
        this.data.trades(BTC).subscribe((t) => this.trades.push(t));
        this.data.quotes(BTC).subscribe((q) => this.quotes.push(q));
        this.data.book(BTC, { depth: 2 }).subscribe((b) => {
          const d = b.depth();
          this.books.push(
            `${d.bids.map((l) => `${l.price}x${l.size}`).join(" ")} | ${d.asks.map((l) => `${l.price}x${l.size}`).join(" ")}`,
          );
        });
        this.data.book(BTC).subscribe((b) => this.fullBooks.push(b.levelCount("bid")));
        this.data.bars(BTC, "1s").subscribe((bar) => this.bars.push(bar));
      }
    }
    const s = new Watcher();
    await runBacktest({ ...base, strategy: s, data: events, to: T0 + 3_000_000_000n });
    expect(s.trades.map((t) => t.price.toString())).toEqual(["100.02", "100.05", "99.90", "100.10"]);
    expect(s.quotes.map((q) => `${q.bidPrice}/${q.askPrice}`)).toEqual(["100.00/100.02", "100.01/100.03"]);
    expect(s.books).toEqual([
      "100.00x1.0000 99.99x2.0000 | 100.02x1.0000 100.03x2.0000",
      "100.01x4.0000 100.00x1.0000 | 100.03x2.0000 100.04x3.0000",
    ]);
    expect(s.fullBooks).toEqual([3, 4]);
    // Bars close on the clock at each second boundary (the empty second 1–2 s still closes the previous one).
    expect(
      s.bars.map(
        (b) => `${Number(b.tsOpenNs - T0) / 1e9}:${b.open}/${b.high}/${b.low}/${b.close}/${b.volume}`,
      ),
    ).toEqual([
      "0:100.02/100.05/100.02/100.05/0.75",
      "1:99.90/99.90/99.90/99.90/1",
      "2:100.10/100.10/100.10/100.10/2",
    ]);
  });

  it("rejects a subscription to an unknown instrument at the call, and the strategy keeps running", async () => {
    class Asker extends Strategy {
      error: unknown;
      quotes = 0;
      override onStart() {
        try {
          this.data.trades("ETH/USDT:sim");
        } catch (e) {
          this.error = e;
        }
        this.data.quotes(BTC).subscribe(() => this.quotes++);
      }
    }
    const s = new Asker();
    await runBacktest({ ...base, strategy: s, data: quietQuotes(300) });
    expect(s.error).toBeInstanceOf(SdkError);
    expect((s.error as SdkError).code).toBe("UNKNOWN_INSTRUMENT");
    expect(s.quotes).toBe(4);
  });
});

describe("orders", () => {
  it("buy/sell market and limit orders: handle state, updates$, fills$, done, amend, cancel and cancelAll", async () => {
    const log: string[] = [];
    class Trader extends Strategy {
      market: OrderHandle | undefined;
      marketFills: Fill[] = [];
      limit: OrderHandle | undefined;
      limitUpdates: string[] = [];
      other: OrderHandle[] = [];
      amended: Order | undefined;
      override onStart() {
        // Orders go out on the first quote: before it the venue has no liquidity to trade against.
        this.data
          .quotes(BTC)
          .pipe(take(1))
          .subscribe(() => this.guard(() => this.firstQuote()));
      }
      private async firstQuote() {
        this.market = await this.orders.buy(BTC, "1");
        this.market.fills$.subscribe((f) => this.marketFills.push(f));
        log.push(`market ${this.market.status} avg ${this.market.order.averageFillPrice}`);
        this.limit = await this.orders.submit({
          instrument: BTC,
          side: "sell",
          quantity: "0.5",
          price: "100.50",
        });
        this.limit.updates$.subscribe((u) =>
          this.limitUpdates.push(u.kind === "event" ? u.event.kind : "fill"),
        );
        log.push(`limit ${this.limit.status}`);
        this.every("1s", () => this.second());
      }
      private async second() {
        const s = Number(this.clock.now() - T0) / 1e9;
        if (s === 1 && this.limit !== undefined) {
          this.amended = await this.limit.amend({ price: "100.40" });
          log.push(`amended ${this.amended.price} ${this.amended.status}`);
        }
        if (s === 2) {
          this.other.push(await this.orders.sell(BTC, "0.1", { price: "101.00" }));
          this.other.push(await this.orders.buy(BTC, "0.1", { price: "99.00" }));
          const canceled = await this.orders.cancelAll();
          log.push(`cancelAll ${canceled.length}`);
        }
        if (s === 3) {
          const h = await this.orders.buy(BTC, "0.2", { price: "98.00" });
          await h.cancel();
          log.push(`cancel ${h.status}`);
          const done = await h.done;
          log.push(`done ${done.status}`);
        }
      }
    }
    const s = new Trader();
    const events = [
      ...quietQuotes(4000),
      trade(1500, "100.40", "0.3", "buy"),
      trade(3500, "100.45", "1", "buy"),
    ].sort((a, b) => Number((a as Trade).tsEventNs - (b as Trade).tsEventNs));
    const r = await runBacktest({ ...base, strategy: s, data: events });
    expect(log).toEqual([
      "market filled avg 100.0200000000",
      "limit accepted",
      "amended 100.40 accepted",
      "cancelAll 3",
      "cancel canceled",
      "done canceled",
    ]);
    expect(s.marketFills.map((f) => `${f.quantity}@${f.price} ${f.liquidity}`)).toEqual([
      "1.0000@100.02 taker",
    ]);
    // The amended limit order partly filled (0.3 of 0.5) by the trade at 1.5 s, then was canceled by cancelAll.
    expect(s.limit?.status).toBe("canceled");
    expect(s.limit?.order.filledQuantity.toString()).toBe("0.3000");
    expect(s.limitUpdates).toEqual([
      "submitted",
      "accepted",
      "pending-amend",
      "amended",
      "filled",
      "fill",
      "pending-cancel",
      "canceled",
    ]);
    expect(s.other.map((h) => h.status)).toEqual(["canceled", "canceled"]);
    expect(r.fills.map((f) => `${f.side} ${f.quantity}@${f.price}`)).toEqual([
      "buy 1.0000@100.02",
      "sell 0.3000@100.40",
    ]);
    expect(r.openOrders).toBe(0);
    // Fees: 1 × 100.02 × 0.001 taker + 0.3 × 100.40 × 0.0002 maker.
    expect(r.pnl.fees.toString()).toBe("0.10604400");
    expect(r.positions[0]?.quantity.toString()).toBe("0.7000");
  });

  it("positions follow fills", async () => {
    class Flipper extends Strategy {
      readonly seen: string[] = [];
      override onStart() {
        this.positions.changes$.subscribe((p) => this.seen.push(p.quantity.toString()));
        this.data
          .quotes(BTC)
          .pipe(take(1))
          .subscribe(() => this.guard(() => this.trade()));
      }
      private async trade() {
        await this.orders.buy(BTC, "2");
        await this.orders.sell(BTC, "0.5");
        await this.orders.sell(BTC, "2");
        const p = this.positions.get(BTC);
        this.seen.push(`final ${p.quantity} mark ${p.markPrice}`);
      }
    }
    const s = new Flipper();
    await runBacktest({ ...base, strategy: s, data: quietQuotes(100) });
    expect(s.seen).toEqual(["2.0000", "1.5000", "-0.5000", "final -0.5000 mark 100.010"]);
  });

  it("bad input is a typed error and the strategy keeps running", async () => {
    const caught: Record<string, { name: string; code: string; field?: unknown }> = {};
    class Careless extends Strategy {
      quotes = 0;
      override onStart() {
        this.data.quotes(BTC).subscribe(() => {
          if (++this.quotes === 1) this.guard(() => this.tryThings());
        });
      }
      private async tryThings() {
        const attempt = async (name: string, fn: () => Promise<unknown>) => {
          try {
            await fn();
            caught[name] = { name: "none", code: "none" };
          } catch (e) {
            const err = e as SdkError;
            caught[name] = { name: err.name, code: err.code, field: err.context.field };
          }
        };
        await attempt("unknown instrument", () => this.orders.buy("ETH/USDT:sim", "1"));
        await attempt("size off the lot grid", () => this.orders.buy(BTC, "0.00001", { price: "100.00" }));
        await attempt("zero size", () => this.orders.buy(BTC, "0"));
        await attempt("price off the tick grid", () => this.orders.buy(BTC, "1", { price: "100.001" }));
        await attempt("not a number", () => this.orders.buy(BTC, "lots"));
        const filled = await this.orders.buy(BTC, "0.1");
        await attempt("amend of a finished order", () => filled.amend({ quantity: "0.2" }));
        await attempt("cancel of a finished order", () => filled.cancel());
        const rejected = await this.orders.buy(BTC, "100000", { price: "100.00" });
        await attempt("venue rejection", () => rejected.done);
      }
    }
    const s = new Careless();
    const r = await runBacktest({ ...base, strategy: s, data: quietQuotes(500) });
    expect(caught).toEqual({
      "unknown instrument": { name: "InvalidOrder", code: "UNKNOWN_INSTRUMENT", field: "instrument" },
      "size off the lot grid": { name: "InvalidOrder", code: "INVALID_ORDER", field: "quantity" },
      "zero size": { name: "InvalidOrder", code: "INVALID_ORDER", field: "quantity" },
      "price off the tick grid": { name: "InvalidOrder", code: "INVALID_ORDER", field: "price" },
      "not a number": { name: "InvalidOrder", code: "INVALID_ORDER", field: "quantity" },
      "amend of a finished order": { name: "OrderFinished", code: "ORDER_FINISHED", field: undefined },
      "cancel of a finished order": { name: "OrderFinished", code: "ORDER_FINISHED", field: undefined },
      "venue rejection": { name: "VenueRejected", code: "VENUE_REJECTED", field: undefined },
    });
    expect(s.quotes).toBe(6);
    expect(r.orders.map((o) => o.status)).toEqual(["filled", "rejected"]);
    expect(r.orders[1]?.lastReason?.code).toBe("INSUFFICIENT_FUNDS");
  });

  it("a call after the backtest ended is NotConnected", async () => {
    class Late extends Strategy {
      buyLater() {
        return this.orders.buy(BTC, "1");
      }
    }
    const s = new Late();
    await runBacktest({ ...base, strategy: s, data: quietQuotes(100) });
    await expect(s.buyLater()).rejects.toMatchObject({ name: "NotConnected", code: "NOT_CONNECTED" });
  });

  it("pre-trade risk denies an order with RiskDenied and the reason code", async () => {
    class Big extends Strategy {
      error: unknown;
      override onStart() {
        this.data
          .quotes(BTC)
          .pipe(take(1))
          .subscribe(() => this.guard(() => this.trade()));
      }
      private async trade() {
        try {
          await this.orders.buy(BTC, "5");
        } catch (e) {
          this.error = e;
        }
        await this.orders.buy(BTC, "1");
      }
    }
    const s = new Big();
    const r = await runBacktest({
      ...base,
      strategy: s,
      data: quietQuotes(100),
      risk: riskLimits({ maxOrderQuantity: "2" }),
    });
    expect(s.error).toBeInstanceOf(RiskDenied);
    expect((s.error as RiskDenied).reason.code).toBe("RISK_MAX_ORDER_QTY");
    expect(r.orders.map((o) => o.status)).toEqual(["denied", "filled"]);
  });
});

describe("record() and every() on the simulated clock", () => {
  it("records values stamped with simulated time; timers fire on simulated time in order", async () => {
    class Recorder extends Strategy {
      override onStart() {
        let n = 0;
        this.every("250ms", () => {
          n++;
          this.record("n", n);
        });
        this.every("1s", () => this.record("state", { n, note: "second" }));
      }
    }
    const r = await runBacktest({
      ...base,
      strategy: new Recorder(),
      data: quietQuotes(1000, 500),
      to: T0 + 1_000_000_000n,
    });
    expect(r.records.map((v) => `${Number(v.tsNs - T0) / 1e6}:${v.name}=${JSON.stringify(v.value)}`)).toEqual(
      [
        "250:n=1",
        "500:n=2",
        "750:n=3",
        // Both timers are due at 1 s: the 1 s timer was set first (at 0), the 250 ms one re-armed at 750 ms.
        '1000:state={"n":3,"note":"second"}',
        "1000:n=4",
      ],
    );
  });
});
