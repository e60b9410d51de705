// One openfloor backtest run of the peer comparison's decision rule (see bench/peers/README.md), in its own
// process so its peak RSS is its alone. Prints one JSON line.
//   --data FILE --mode preload   decode the CSV into core events first (load), then runBacktest over them (run)
//   --data FILE --mode stream    runBacktest streams and decodes the file itself (load and run together)
//   --events N  --mode generate  events generated on the fly from the same walk, no file (scaling runs)
import type { Decimal, MarketEvent, Quote } from "../../packages/core/src/index.js";
import { numberArg, rerunUnderSourceCondition } from "../lib/cli.js";

rerunUnderSourceCondition(import.meta.url);

const args = process.argv.slice(2);
const value = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const mode = value("mode") ?? "preload";
const EVERY = numberArg("every", 1000);

const { Strategy } = await import("../../packages/sdk/src/index.js");
const { runBacktest, openDataFile } = await import("../../packages/sdk/src/backtest/index.js");
const core = await import("../../packages/core/src/index.js");
const { syntheticRows, SYNTHETIC_INSTRUMENT } = await import("../lib/synthetic-market.js");

/** Reacts to every quote (imbalance count); every EVERY-th quote sends a 0.01 market order, net position within ±5 orders. */
class PeerRule extends Strategy {
  quotes = 0;
  trades = 0;
  imbalance = 0;
  net = 0;
  sent = 0;
  override onStart(): void {
    this.data.trades(SYNTHETIC_INSTRUMENT).subscribe(() => {
      this.trades++;
    });
    this.data.quotes(SYNTHETIC_INSTRUMENT).subscribe((q: Quote) => this.onQuote(q));
  }
  private onQuote(q: Quote): void {
    const n = ++this.quotes;
    this.imbalance += q.bidSize.gt(q.askSize) ? 1 : -1;
    if (n % EVERY !== 0) return;
    const buy = this.net <= -5 || (this.imbalance > 0 && this.net < 5);
    this.net += buy ? 1 : -1;
    this.sent++;
    void (buy
      ? this.orders.buy(SYNTHETIC_INSTRUMENT, "0.01")
      : this.orders.sell(SYNTHETIC_INSTRUMENT, "0.01"));
  }
}

/** The synthetic walk as core events, built on the fly; decimals shared per distinct value, as the CSV reader does. */
function* generated(events: number): Generator<MarketEvent> {
  const instrument = core.parseInstrumentId(SYNTHETIC_INSTRUMENT);
  const prices = new Map<number, Decimal>();
  const sizes = new Map<number, Decimal>();
  const shared = (cache: Map<number, Decimal>, units: number, scale: number) => {
    let d = cache.get(units);
    if (d === undefined) {
      d = core.Decimal.fromUnits(BigInt(units), scale);
      cache.set(units, d);
    }
    return d;
  };
  const price = (c: number) => shared(prices, c, 2);
  const size = (l: number) => shared(sizes, l, 4);
  for (const r of syntheticRows(events)) {
    yield r.kind === "trade"
      ? {
          type: "trade",
          instrument,
          price: price(r.priceCents),
          size: size(r.sizeLots),
          aggressor: r.buy ? "buy" : "sell",
          tradeId: `t${r.index}`,
          tsEventNs: r.tsNs,
          tsRecvNs: r.tsNs,
        }
      : {
          type: "quote",
          instrument,
          bidPrice: price(r.bidCents),
          bidSize: size(r.bidLots),
          askPrice: price(r.askCents),
          askSize: size(r.askLots),
          tsEventNs: r.tsNs,
          tsRecvNs: r.tsNs,
        };
  }
}

let loadSeconds = 0;
let data: string | MarketEvent[] | Iterable<MarketEvent>;
if (mode === "preload") {
  const t0 = performance.now();
  const events: MarketEvent[] = [];
  for await (const batch of openDataFile(value("data")!).batches()) for (const e of batch) events.push(e);
  loadSeconds = (performance.now() - t0) / 1000;
  data = events;
} else if (mode === "stream") {
  data = value("data")!;
} else {
  data = generated(numberArg("events", 1_000_000));
}

const strategy = new PeerRule();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result = await runBacktest({
  strategy,
  data,
  venue: { balances: { USDT: "100000000", BTC: "1000" } },
});
const runSeconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
// What the run keeps (the result is still referenced below): must not grow with the market data.
if (mode !== "preload") data = [];
(globalThis as { gc?: () => void }).gc?.();
const heapAfterGcMiB = process.memoryUsage().heapUsed / 2 ** 20;
process.stdout.write(
  `${JSON.stringify({
    engine: "openfloor",
    mode,
    events: result.events,
    quotes: strategy.quotes,
    trades: strategy.trades,
    loadSeconds,
    runSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    orders: result.orders.length,
    fills: result.fills.length,
    peakRssMiB,
    heapAfterGcMiB,
  })}\n`,
);
