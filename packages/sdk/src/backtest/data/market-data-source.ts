import { statSync } from "node:fs";
import { extname } from "node:path";
import { type InstrumentId, type MarketEvent, marketEventsOfRecord, type Nanos } from "@openfloor/core";
import { SdkError } from "../../errors/sdk-errors.js";
import { type EventBatches, eventTime } from "../../transport/backtest/replay.js";
import { CsvMarketDataDecoder } from "./csv.js";
import { JsonlMarketDataDecoder } from "./jsonl.js";
import { fromSegmentLog } from "./segment-log-source.js";
import { readTextChunks } from "./text-chunks.js";

/** Recorded market data for a backtest: events in time order, streamed in batches. */
export interface MarketDataSource {
  /** Names the data in messages, e.g. the file path. */
  readonly description: string;
  /** The events, in time order. Called once per backtest. */
  batches(): EventBatches;
  /** How much of the data has been read, 0..1, when the source knows (files: bytes read). */
  progress?(): number;
}

/** Options of `openDataFile`. */
export interface DataFileOptions {
  /** Instrument of CSV rows without an `instrument` column. Default: none. */
  readonly instrument?: InstrumentId;
}

const BATCH = 4096;
const FILE_BATCH = 256;

/**
 * Opens a market-data file by its extension: `.csv` (see `CSV_HEADER`; the fast format for quotes and
 * trades) or `.jsonl` / `.ndjson` (any core `MarketEvent`), each optionally gzipped (`.gz`); a directory is
 * read as a gateway's local segment log (see `fromSegmentLog`). The data is streamed, never loaded whole.
 * @example runBacktest({ strategy, data: openDataFile("data/btc-2024-01-02.csv.gz"), … })
 */
export function openDataFile(path: string, options: DataFileOptions = {}): MarketDataSource {
  if (isDirectory(path)) return fromSegmentLog(path);
  const base = path.endsWith(".gz") ? path.slice(0, -3) : path;
  const ext = extname(base).toLowerCase();
  if (ext !== ".csv" && ext !== ".jsonl" && ext !== ".ndjson") {
    throw new SdkError(
      "INVALID_ARGUMENT",
      `data file ${path}: unknown format ${JSON.stringify(ext)}; use .csv, .jsonl or .ndjson (optionally .gz)`,
      { context: { file: path } },
    );
  }
  const text = readTextChunks(path);
  return {
    description: path,
    progress: () => text.progress(),
    batches: async function* () {
      const decoder =
        ext === ".csv"
          ? new CsvMarketDataDecoder({
              source: path,
              ...(options.instrument === undefined ? {} : { instrument: options.instrument }),
            })
          : new JsonlMarketDataDecoder(path);
      for await (const chunk of text.chunks()) {
        // Small batches: events die young (before the next minor GC) instead of piling up per chunk.
        for (let pos = 0; pos < chunk.length; ) {
          const out: MarketEvent[] = [];
          pos = decoder.decode(chunk, out, pos, FILE_BATCH);
          if (out.length > 0) yield out;
        }
      }
    },
  };
}

/**
 * Market data from any (async) iterable of core `MarketEvent`s in time order, e.g. a generator over your
 * own store.
 */
export function fromEvents(
  events: AsyncIterable<MarketEvent> | Iterable<MarketEvent>,
  description = "events",
): MarketDataSource {
  return {
    description,
    batches: () => batchesOf(events),
  };
}

async function* batchesOf(
  events: AsyncIterable<MarketEvent> | Iterable<MarketEvent>,
): AsyncGenerator<MarketEvent[]> {
  let batch: MarketEvent[] = [];
  if (Symbol.asyncIterator in events) {
    for await (const e of events as AsyncIterable<MarketEvent>) {
      batch.push(e);
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
  } else {
    for (const e of events as Iterable<MarketEvent>) {
      batch.push(e);
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** A recorded message as the local segment log and Kafka keep it: schema headers and the protobuf value. */
export interface RecordedMessage {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly value: Uint8Array;
}

/**
 * Market data from recorded messages (the gateway's Kafka topics or its local segment log): market-data
 * kinds (`trade`, `quote`, `book`, `bar`) become core events; other kinds are skipped. Records of several
 * topics must be merged into time order first (see `mergeByTime`).
 */
export function fromRecords(
  records: AsyncIterable<RecordedMessage> | Iterable<RecordedMessage>,
  description = "recording",
): MarketDataSource {
  async function* events(): AsyncGenerator<MarketEvent> {
    for await (const r of records as AsyncIterable<RecordedMessage>) {
      yield* marketEventsOfRecord(r.headers, r.value);
    }
  }
  return fromEvents(events(), description);
}

/**
 * Merges sources that are each in time order (e.g. a quotes file and a trades file) into one stream in
 * time order; at equal times the earlier source in the list goes first.
 */
export function mergeByTime(sources: readonly MarketDataSource[]): MarketDataSource {
  if (sources.length === 1) return sources[0]!;
  return {
    description: sources.map((s) => s.description).join(" + "),
    progress: () => {
      const known = sources.map((s) => s.progress?.()).filter((p): p is number => p !== undefined);
      return known.length === 0 ? 0 : Math.min(...known);
    },
    batches: async function* () {
      const cursors = sources.map((s) => new Cursor(s.batches()));
      for (const c of cursors) await c.fill();
      let out: MarketEvent[] = [];
      for (;;) {
        let best: Cursor | undefined;
        let bestT: Nanos = 0n;
        for (const c of cursors) {
          const e = c.peek();
          if (e === undefined) continue;
          const t = eventTime(e);
          if (best === undefined || t < bestT) {
            best = c;
            bestT = t;
          }
        }
        if (best === undefined) break;
        out.push(best.take());
        if (best.peek() === undefined && !(await best.fill())) continue;
        if (out.length >= BATCH) {
          yield out;
          out = [];
        }
      }
      if (out.length > 0) yield out;
    },
  };
}

class Cursor {
  private readonly it: AsyncIterator<readonly MarketEvent[]> | Iterator<readonly MarketEvent[]>;
  private batch: readonly MarketEvent[] = [];
  private i = 0;
  private ended = false;

  constructor(source: EventBatches) {
    this.it =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<readonly MarketEvent[]>)[Symbol.asyncIterator]()
        : (source as Iterable<readonly MarketEvent[]>)[Symbol.iterator]();
  }

  peek(): MarketEvent | undefined {
    return this.i < this.batch.length ? this.batch[this.i] : undefined;
  }

  take(): MarketEvent {
    return this.batch[this.i++]!;
  }

  /** Makes sure an event is at hand unless the source ended; false when it ended. */
  async fill(): Promise<boolean> {
    while (this.i >= this.batch.length) {
      if (this.ended) return false;
      const r = await this.it.next();
      if (r.done === true) {
        this.ended = true;
        return false;
      }
      this.batch = r.value;
      this.i = 0;
    }
    return true;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
