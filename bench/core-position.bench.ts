// Position updates per second: Position.applyFill over ~1M pre-generated fills, several runs.
// Run: node --expose-gc --import tsx bench/core-position.bench.ts [fills] [runs]
//   (plain `npx tsx bench/core-position.bench.ts` works too, without a collection between runs)
// Writes bench/results/core-position.json.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Decimal,
  defineInstrument,
  type Fill,
  type Instrument,
  instrumentId,
  Money,
  Position,
} from "../packages/core/src/index.js";

const FILLS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 5);

const linear = defineInstrument({
  id: instrumentId("BTC/USDT:USDT", "sim"),
  kind: "perpetual",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.1",
  sizeIncrement: "0.001",
});
const inverse = defineInstrument({
  id: instrumentId("BTC/USD:BTC", "sim"),
  kind: "perpetual",
  base: "BTC",
  quote: "USD",
  priceIncrement: "0.5",
  sizeIncrement: "1",
  multiplier: "100",
  inverse: true,
});

// mulberry32: the same fills on every machine, so runs compare.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random walk on the tick grid; sides lean against the open position so it keeps crossing zero,
 * which exercises partial closes and flips, not only lot growth. Fees 0.05% in settlement currency.
 */
function generate(instrument: Instrument, n: number, seed: number): Fill[] {
  const random = rng(seed);
  const tick = instrument.priceIncrement;
  const maxLots = instrument.inverse ? 500 : 1000;
  const feeRate = Decimal.from("0.0005");
  let ticks = instrument.inverse ? 100_000 : 600_000;
  let position = 0;
  const fills: Fill[] = new Array(n);
  for (let i = 0; i < n; i++) {
    ticks += Math.floor(random() * 21) - 10;
    const lots = 1 + Math.floor(random() * maxLots);
    const buy = random() < 0.5 - Math.max(-0.4, Math.min(0.4, position / (40 * maxLots)));
    position += buy ? lots : -lots;
    const price = tick.mul(ticks);
    const quantity = instrument.sizeIncrement.mul(lots);
    const notional = instrument.inverse
      ? quantity.mul(instrument.multiplier).div(price, { scale: 8 })
      : quantity.mul(price);
    fills[i] = {
      fillId: `t${i}`,
      clientOrderId: "c",
      venueOrderId: "v",
      instrument: instrument.id,
      side: buy ? "buy" : "sell",
      price,
      quantity,
      fee: Money.of(notional.mul(feeRate, { scale: 8 }), instrument.settlement),
      liquidity: "taker",
      tsEventNs: BigInt(i) * 1000n,
      strategyId: "bench",
      account: "bench",
    };
  }
  return fills;
}

const gc = (globalThis as { gc?: () => void }).gc;

function measure(instrument: Instrument, fills: readonly Fill[], retainClosedLots = true): number[] {
  const rates: number[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    gc?.();
    const position = new Position(instrument, "bench", { retainClosedLots });
    const start = process.hrtime.bigint();
    for (const f of fills) position.applyFill(f);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // The first pass warms up the JIT and is not counted.
    if (run > 0) rates.push(fills.length / seconds);
    if (run === RUNS) {
      console.log(
        `  ${instrument.id.symbol}: final qty ${position.quantity} realized ${position.realizedPnl} ` +
          `${instrument.settlement}, ${position.closedLots.length} closed lot portions, ${position.lots.length} open lots`,
      );
    }
  }
  return rates;
}

function summary(rates: number[]): { median: number; min: number; max: number } {
  const s = [...rates].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: Math.round(median), min: Math.round(s[0]!), max: Math.round(s[s.length - 1]!) };
}

console.log(`core-position: ${FILLS} fills × ${RUNS} runs (+1 warm-up), Node ${process.version}`);
const linearFills = generate(linear, FILLS, 42);
const linearRates = summary(measure(linear, linearFills));
console.log(`  linear  fills/s median ${linearRates.median} min ${linearRates.min} max ${linearRates.max}`);
// Same fills without keeping closed lot portions: how much of the cost is retaining them.
const leanRates = summary(measure(linear, linearFills, false));
console.log(`  linear, retainClosedLots false: fills/s median ${leanRates.median} min ${leanRates.min}`);
linearFills.length = 0;
const inverseRates = summary(measure(inverse, generate(inverse, FILLS, 43)));
console.log(
  `  inverse fills/s median ${inverseRates.median} min ${inverseRates.min} max ${inverseRates.max}`,
);

const result = {
  name: "core-position",
  machine: `${os.cpus()[0]?.model ?? "unknown"} (${os.platform()} ${os.arch()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB)`,
  cores: os.cpus().length,
  node: process.version,
  runs: RUNS,
  gcBetweenRuns: gc !== undefined,
  results: {
    fillsPerSecond: linearRates,
    fillsPerSecondWithoutClosedLots: leanRates,
    inverseFillsPerSecond: inverseRates,
  },
};
const out = join(dirname(fileURLToPath(import.meta.url)), "results", "core-position.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${out}`);
