import { describe, expect, it } from "vitest";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { BarBuilder } from "./bar-builder.js";
import { BarError, parseBarInterval } from "./bar-interval.js";
import type { Bar, Trade } from "./types.js";

const eth = instrumentId("ETH/USDT", "sim");
const SEC = 1_000_000_000n;
const T0 = 1_700_000_040n * SEC; // a whole minute: 2023-11-14T22:14:00Z

function trade(secondsAfterT0: number, price: string, size: string): Trade {
  return {
    type: "trade",
    instrument: eth,
    price: Decimal.parse(price),
    size: Decimal.parse(size),
    aggressor: "buy",
    tradeId: String(secondsAfterT0),
    tsEventNs: T0 + BigInt(Math.round(secondsAfterT0 * 1000)) * 1_000_000n,
    tsRecvNs: T0,
  };
}

const ohlcv = (bar: Bar | undefined) =>
  bar === undefined
    ? undefined
    : [bar.open, bar.high, bar.low, bar.close, bar.volume].map((x) => x.toString()).join(" ");

describe("parseBarInterval", () => {
  it("parses counts of seconds, minutes, hours and days", () => {
    expect(parseBarInterval("1s").ns).toBe(SEC);
    expect(parseBarInterval("5s").ns).toBe(5n * SEC);
    expect(parseBarInterval("1m").ns).toBe(60n * SEC);
    expect(parseBarInterval("5m").ns).toBe(300n * SEC);
    expect(parseBarInterval("1h").ns).toBe(3600n * SEC);
    expect(parseBarInterval("1d")).toEqual({ text: "1d", ns: 86_400n * SEC });
  });

  it("rejects anything else with a typed error naming the text", () => {
    for (const bad of ["", "0m", "1", "m", "1w", "1.5m", " 1m", "1M", "-1s", "01m"]) {
      expect(() => parseBarInterval(bad)).toThrow(BarError);
    }
    expect(() => parseBarInterval("1w")).toThrow(
      expect.objectContaining({ code: "BAR_INTERVAL_INVALID", context: { interval: "1w" } }),
    );
  });
});

describe("BarBuilder", () => {
  it("builds OHLCV aligned to the minute and emits it when a trade passes the boundary", () => {
    const bars = new BarBuilder({ instrument: eth, interval: "1m" });
    expect(bars.onTrade(trade(0.5, "2000.00", "1"))).toBeUndefined();
    expect(bars.onTrade(trade(10, "2003.50", "0.5"))).toBeUndefined();
    expect(bars.onTrade(trade(30, "1998.25", "2"))).toBeUndefined();
    expect(bars.onTrade(trade(59.999, "2001.00", "0.25"))).toBeUndefined();
    expect(ohlcv(bars.current)).toBe("2000.00 2003.50 1998.25 2001.00 3.75");
    const done = bars.onTrade(trade(60, "2002.00", "1"));
    expect(ohlcv(done)).toBe("2000.00 2003.50 1998.25 2001.00 3.75");
    expect(done).toMatchObject({
      type: "bar",
      instrument: eth,
      interval: "1m",
      tsOpenNs: T0,
      tsCloseNs: T0 + 60n * SEC,
    });
    expect(bars.current?.tsOpenNs).toBe(T0 + 60n * SEC);
  });

  it("aligns a bar that starts mid-interval to the interval boundary", () => {
    const bars = new BarBuilder({ instrument: eth, interval: "5m" });
    bars.onTrade(trade(7 * 60 + 13, "1", "1")); // 22:21:13 → the 22:20 bar
    expect(bars.current?.tsOpenNs).toBe(T0 + 6n * 60n * SEC);
    expect(bars.current?.tsCloseNs).toBe(T0 + 11n * 60n * SEC);
    const hourly = new BarBuilder({ instrument: eth, interval: "1h" });
    hourly.onTrade(trade(0, "1", "1"));
    expect(hourly.current?.tsOpenNs).toBe(1_699_999_200n * SEC); // 22:00:00Z
    const daily = new BarBuilder({ instrument: eth, interval: "1d" });
    daily.onTrade(trade(0, "1", "1"));
    expect(daily.current?.tsOpenNs).toBe(1_699_920_000n * SEC); // 2023-11-14T00:00:00Z
  });

  it("flushes on a timer at or after the bar's end, not before", () => {
    const bars = new BarBuilder({ instrument: eth, interval: "5s" });
    bars.onTrade(trade(1, "10", "1"));
    bars.onTrade(trade(2, "11", "2"));
    expect(bars.flush(T0 + 5n * SEC - 1n)).toBeUndefined();
    expect(ohlcv(bars.flush(T0 + 5n * SEC))).toBe("10 11 10 11 3");
    expect(bars.current).toBeUndefined();
    expect(bars.flush(T0 + 100n * SEC)).toBeUndefined();
  });

  it("skips intervals without trades and drops trades of bars already emitted", () => {
    const bars = new BarBuilder({ instrument: eth, interval: "1s" });
    bars.onTrade(trade(0, "5", "1"));
    const first = bars.onTrade(trade(3.2, "6", "1"));
    expect(first?.tsOpenNs).toBe(T0);
    expect(bars.current?.tsOpenNs).toBe(T0 + 3n * SEC);
    expect(bars.onTrade(trade(0.5, "99", "1"))).toBeUndefined();
    expect(bars.lateTrades).toBe(1);
    bars.flush(T0 + 4n * SEC);
    expect(bars.onTrade(trade(3.9, "99", "1"))).toBeUndefined();
    expect(bars.lateTrades).toBe(2);
    expect(bars.current).toBeUndefined();
  });

  it("rejects a bad interval and trades of another instrument", () => {
    expect(() => new BarBuilder({ instrument: eth, interval: "2x" })).toThrow(BarError);
    const bars = new BarBuilder({ instrument: eth, interval: "1s" });
    expect(() =>
      bars.onTrade({ ...trade(0, "1", "1"), instrument: instrumentId("BTC/USDT", "sim") }),
    ).toThrow(expect.objectContaining({ code: "BAR_INSTRUMENT_MISMATCH" }));
  });
});
