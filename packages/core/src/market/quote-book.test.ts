import { describe, expect, it } from "vitest";
import { BookError } from "../errors/domain-errors.js";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import type { BookView } from "./book-view.js";
import { OrderBook } from "./order-book.js";
import { QuoteBook } from "./quote-book.js";
import type { Quote } from "./types.js";

const aapl = instrumentId("AAPL", "sim");
const d = (s: string) => Decimal.parse(s);

function quote(bid: string, bidSize: string, ask: string, askSize: string, ts = 1n): Quote {
  return {
    type: "quote",
    instrument: aapl,
    bidPrice: d(bid),
    bidSize: d(bidSize),
    askPrice: d(ask),
    askSize: d(askSize),
    tsEventNs: ts,
    tsRecvNs: ts,
  };
}

/** The BookView answers, as text, so a QuoteBook and an OrderBook can be compared. */
function answers(view: BookView) {
  return {
    bid: view.bestBid()?.price.toString(),
    ask: view.bestAsk()?.price.toString(),
    spread: view.spread()?.toString(),
    mid: view.mid()?.toString(),
    microprice: view.microprice()?.toString(),
    crossed: view.isCrossed(),
  };
}

describe("QuoteBook", () => {
  it("answers the BookView queries from the last quote", () => {
    const top = new QuoteBook(aapl);
    expect(top.bestBid()).toBeUndefined();
    expect(top.mid()).toBeUndefined();
    expect(top.update(quote("189.50", "300", "189.53", "100"))).toBe(true);
    expect(top.bestBid()).toEqual({ price: d("189.50"), size: d("300") });
    expect(top.spread()?.toString()).toBe("0.03");
    expect(top.mid()?.toString()).toBe("189.515");
    // (189.50 × 100 + 189.53 × 300) / 400 = 189.5225
    expect(top.microprice()?.toString()).toBe("189.522500");
    expect(top.isCrossed()).toBe(false);
  });

  it("matches an OrderBook holding the same top of book", () => {
    const top = new QuoteBook(aapl);
    top.update(quote("189.50", "3", "189.53", "1"));
    const book = new OrderBook({ instrument: aapl, priceIncrement: "0.01", sizeIncrement: "1" });
    book.applySnapshotTicks({
      sequence: 1n,
      bids: [18950, 3, 18940, 9],
      asks: [18953, 1],
      tsEventNs: 1n,
      tsRecvNs: 1n,
    });
    expect(answers(top)).toEqual(answers(book));
  });

  it("treats a zero size as an empty side and flags a crossed quote", () => {
    const top = new QuoteBook(aapl);
    top.update(quote("0", "0", "10.00", "5"));
    expect(top.bestBid()).toBeUndefined();
    expect(top.bestAsk()?.price.toString()).toBe("10.00");
    expect(top.microprice()).toBeUndefined();
    top.update(quote("10.01", "1", "10.00", "5", 2n));
    expect(top.isCrossed()).toBe(true);
    expect(top.spread()?.toString()).toBe("-0.01");
  });

  it("mixes price scales exactly", () => {
    const top = new QuoteBook(aapl);
    top.update(quote("10.5", "1", "10.75", "1"));
    expect(top.mid()?.toString()).toBe("10.625");
    expect(top.microprice({ scale: 2 })?.toString()).toBe("10.62");
  });

  it("ignores a quote older than the one it shows, and quotes of other instruments are errors", () => {
    const top = new QuoteBook(aapl);
    top.update(quote("1.00", "1", "1.01", "1", 10n));
    expect(top.update(quote("2.00", "1", "2.01", "1", 9n))).toBe(false);
    expect(top.bestBid()?.price.toString()).toBe("1.00");
    expect(top.tsEventNs).toBe(10n);
    expect(() =>
      top.update({ ...quote("1", "1", "2", "1"), instrument: instrumentId("MSFT", "sim") }),
    ).toThrow(BookError);
  });
});
