// Synthetic quotes and trades for backtest benchmarks: one seeded random walk on a 0.01 tick, 9 quotes for
// every trade, 1 ms apart. The same rows go to a CSV file (read by every engine in the peer comparison) or
// straight into core events (the scaling runs, where a 100M-row file would not fit the time budget).
import { createWriteStream, mkdirSync, renameSync } from "node:fs";
import { dirname } from "node:path";

/** One row: a quote (bid/ask in cents, sizes in 1e-4 lots) or a trade (price in cents, size in 1e-4 lots). */
export interface SyntheticRow {
  readonly tsNs: bigint;
  readonly kind: "quote" | "trade";
  readonly bidCents: number;
  readonly bidLots: number;
  readonly askCents: number;
  readonly askLots: number;
  readonly priceCents: number;
  readonly sizeLots: number;
  readonly buy: boolean;
  readonly index: number;
}

export const SYNTHETIC_INSTRUMENT = "BTC/USDT:sim";
const START_NS = 1_704_067_200_000_000_000n;

/** Rows of the walk, generated lazily (nothing is kept). The row object is reused: copy what you keep. */
export function* syntheticRows(events: number, seed = 7): Generator<SyntheticRow> {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let mid = 4_200_000; // 42 000.00 in cents
  const row = {
    tsNs: START_NS,
    kind: "quote" as "quote" | "trade",
    bidCents: 0,
    bidLots: 0,
    askCents: 0,
    askLots: 0,
    priceCents: 0,
    sizeLots: 0,
    buy: false,
    index: 0,
  };
  for (let i = 0; i < events; i++) {
    row.tsNs += 1_000_000n;
    row.index = i;
    if (i % 10 === 9) {
      row.kind = "trade";
      row.buy = random() < 0.5;
      row.priceCents = row.buy ? mid + 1 : mid - 1;
      row.sizeLots = 1 + Math.floor(random() * 5000);
    } else {
      row.kind = "quote";
      // Mean-reverting around 42 000 so a long walk stays in a plausible range.
      mid += Math.floor(random() * 5) - 2 + (mid < 3_000_000 ? 1 : mid > 5_400_000 ? -1 : 0);
      row.bidCents = mid - 1;
      row.askCents = mid + 1;
      row.bidLots = 1000 + Math.floor(random() * 30_000);
      row.askLots = 1000 + Math.floor(random() * 30_000);
    }
    yield row;
  }
}

export const cents = (n: number): string => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, "0")}`;
export const lots = (n: number): string => `${Math.floor(n / 10_000)}.${String(n % 10_000).padStart(4, "0")}`;

/** The header of the SDK's market-data CSV (`CSV_HEADER`). */
export const MARKET_CSV_HEADER =
  "ts,type,instrument,bid_price,bid_size,ask_price,ask_size,price,size,aggressor,trade_id";

/**
 * Writes the header and `lines` (each ending in a newline) to `path` atomically (tmp + rename),
 * in 1 MiB chunks that wait for the stream to drain.
 */
export async function writeCsvAtomically(
  path: string,
  header: string,
  lines: Iterable<string>,
): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  let chunk = `${header}\n`;
  for (const line of lines) {
    chunk += line;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      chunk = "";
    }
  }
  out.end(chunk);
  await new Promise<void>((resolve) => out.on("finish", () => resolve()));
  renameSync(tmp, path);
}

/** Writes the rows as market-data CSV (the SDK's `CSV_HEADER` format), atomically (tmp + rename). */
export async function writeSyntheticCsv(path: string, events: number): Promise<void> {
  await writeCsvAtomically(path, MARKET_CSV_HEADER, syntheticCsvLines(events));
}

function* syntheticCsvLines(events: number): Generator<string> {
  for (const r of syntheticRows(events)) {
    yield r.kind === "trade"
      ? `${r.tsNs},trade,${SYNTHETIC_INSTRUMENT},,,,,${cents(r.priceCents)},${lots(r.sizeLots)},${r.buy ? "buy" : "sell"},t${r.index}\n`
      : `${r.tsNs},quote,${SYNTHETIC_INSTRUMENT},${cents(r.bidCents)},${lots(r.bidLots)},${cents(r.askCents)},${lots(r.askLots)},,,,\n`;
  }
}
