import {
  type Decimal,
  type InstrumentId,
  isOpenfloorError,
  type MarketEvent,
  type Nanos,
  parseInstrumentId,
  type Quote,
  type Trade,
} from "@openfloor/core";
import { SdkError } from "../../errors/sdk-errors.js";
import { DecimalFieldParser, TimestampParser } from "./field-parsers.js";

/**
 * Columns of a market-data CSV file, by header name (case-insensitive, any order, extra columns
 * ignored). One row is a quote or a trade:
 *
 * ```
 * ts,type,instrument,bid_price,bid_size,ask_price,ask_size,price,size,aggressor,trade_id
 * 1704067200000000000,quote,BTC/USDT:sim,42000.00,1.5,42000.02,0.8,,,,
 * 1704067200000500000,trade,BTC/USDT:sim,,,,,42000.02,0.1,buy,t-1
 * ```
 *
 * - `ts` (or `ts_ns`, `timestamp`): nanoseconds since the epoch, or ISO 8601. `ts_recv` optional.
 * - `type`: `quote`/`q` or `trade`/`t`; without the column a row with a bid price is a quote.
 * - `instrument` (or `symbol`): `SYMBOL:venue`; optional when the reader is given a default instrument.
 * - quotes: `bid_price` (or `bid`), `bid_size`, `ask_price` (or `ask`), `ask_size`.
 * - trades: `price`, `size`, `aggressor` (or `side`: `buy`/`sell`, default buy), `trade_id` (or `id`,
 *   default the line number).
 */
export const CSV_HEADER =
  "ts,type,instrument,bid_price,bid_size,ask_price,ask_size,price,size,aggressor,trade_id";

const ALIASES: Readonly<Record<string, string>> = {
  ts_ns: "ts",
  timestamp: "ts",
  ts_recv_ns: "ts_recv",
  symbol: "instrument",
  bid: "bid_price",
  ask: "ask_price",
  side: "aggressor",
  id: "trade_id",
};

interface Columns {
  readonly count: number;
  readonly ts: number;
  readonly tsRecv: number;
  readonly type: number;
  readonly instrument: number;
  readonly bidPrice: number;
  readonly bidSize: number;
  readonly askPrice: number;
  readonly askSize: number;
  readonly price: number;
  readonly size: number;
  readonly aggressor: number;
  readonly tradeId: number;
}

const COMMA = 44;
const CR = 13;
const ZERO = 48;
const DOT = 46;
const MINUS = 45;

/** Options of `new CsvMarketDataDecoder(…)`. */
export interface CsvDecoderOptions {
  /** Names the file in errors. */
  readonly source: string;
  /** Instrument of rows without an `instrument` column. Default: none (the column is then required). */
  readonly instrument?: InstrumentId;
}

/**
 * Decodes market-data CSV text (see `CSV_HEADER`) chunk by chunk into core `Quote`s and `Trade`s. The hot
 * path reads fields in place (no split, no per-row arrays), shares one `Decimal` per distinct value and
 * one `InstrumentId` per instrument, so a row costs little more than the event it becomes.
 */
export class CsvMarketDataDecoder {
  private columns: Columns | undefined;
  private starts = new Int32Array(0);
  private ends = new Int32Array(0);
  /** Per field of the current row: its value as a plain decimal (units × 10^-scale) when `plain` is 1. */
  private units = new Float64Array(0);
  private scales = new Int32Array(0);
  private plain = new Uint8Array(0);
  /** Per column: 1 for prices and sizes (read as numbers while delimiting), 0 for the rest. */
  private numeric = new Uint8Array(0);
  private line = 0;
  private readonly decimals = new DecimalFieldParser();
  private readonly times = new TimestampParser();
  private lastInstrumentText = "";
  private lastInstrument: InstrumentId | undefined;
  private readonly instruments = new Map<string, InstrumentId>();

  constructor(private readonly options: CsvDecoderOptions) {}

  /**
   * Decodes whole lines of `text` from `start`, appending events to `out`, until `max` events were
   * appended or the text ends; returns where it stopped (`text.length` at the end).
   */
  decode(text: string, out: MarketEvent[], start = 0, max = Number.POSITIVE_INFINITY): number {
    let pos = start;
    const n = text.length;
    const limit = out.length + max;
    while (pos < n && out.length < limit) {
      let end = text.indexOf("\n", pos);
      if (end < 0) end = n;
      this.line++;
      let stop = end;
      if (stop > pos && text.charCodeAt(stop - 1) === CR) stop--;
      if (stop > pos && text.charCodeAt(pos) !== 35 /* # */) {
        if (this.columns === undefined) this.readHeader(text.slice(pos, stop));
        else out.push(this.row(text, pos, stop));
      }
      pos = end + 1;
    }
    return Math.min(pos, n);
  }

  private readHeader(header: string): void {
    const names = header
      .replace(/^\uFEFF/, "")
      .split(",")
      .map((h) => {
        const name = h.trim().toLowerCase().replace(/^"|"$/g, "");
        return ALIASES[name] ?? name;
      });
    const at = (name: string) => names.indexOf(name);
    const columns: Columns = {
      count: names.length,
      ts: at("ts"),
      tsRecv: at("ts_recv"),
      type: at("type"),
      instrument: at("instrument"),
      bidPrice: at("bid_price"),
      bidSize: at("bid_size"),
      askPrice: at("ask_price"),
      askSize: at("ask_size"),
      price: at("price"),
      size: at("size"),
      aggressor: at("aggressor"),
      tradeId: at("trade_id"),
    };
    if (columns.ts < 0) throw this.error("the header has no ts column", header);
    if (columns.instrument < 0 && this.options.instrument === undefined) {
      throw this.error("the header has no instrument column and no default instrument was given", header);
    }
    const quotes =
      columns.bidPrice >= 0 && columns.bidSize >= 0 && columns.askPrice >= 0 && columns.askSize >= 0;
    const trades = columns.price >= 0 && columns.size >= 0;
    if (!quotes && !trades) {
      throw this.error(
        "the header needs bid_price, bid_size, ask_price, ask_size (quotes) and/or price, size (trades)",
        header,
      );
    }
    this.columns = columns;
    this.starts = new Int32Array(columns.count);
    this.ends = new Int32Array(columns.count);
    this.units = new Float64Array(columns.count);
    this.scales = new Int32Array(columns.count);
    this.plain = new Uint8Array(columns.count);
    this.numeric = new Uint8Array(columns.count);
    for (const k of [
      columns.bidPrice,
      columns.bidSize,
      columns.askPrice,
      columns.askSize,
      columns.price,
      columns.size,
    ]) {
      if (k >= 0) this.numeric[k] = 1;
    }
  }

  private row(text: string, pos: number, stop: number): MarketEvent {
    const c = this.columns!;
    const starts = this.starts;
    const ends = this.ends;
    const units = this.units;
    const scales = this.scales;
    const plain = this.plain;
    const numeric = this.numeric;
    // One pass over the row: field boundaries, and each price or size read as a plain decimal on the
    // way, so numbers need no second scan (the hot path of a backtest over a file). Other fields (time,
    // instrument, type, ids) are only delimited, with `indexOf`, and read where they are used.
    let field = 0;
    let s = pos;
    for (;;) {
      let i = s;
      if (numeric[field] === 0) {
        i = text.indexOf(",", s);
        if (i < 0 || i > stop) i = stop;
        plain[field] = 0;
      } else {
        let u = 0;
        let scale = -1;
        let digits = 0;
        let ok = true;
        let negative = false;
        for (; i < stop; i++) {
          const ch = text.charCodeAt(i);
          if (ch === COMMA) break;
          const d = ch - ZERO;
          if (d >= 0 && d <= 9) {
            u = u * 10 + d;
            digits++;
            if (scale >= 0) scale++;
          } else if (ch === DOT && scale < 0 && digits > 0) scale = 0;
          else if (ch === MINUS && i === s) negative = true;
          else ok = false;
        }
        plain[field] = ok && digits > 0 && digits <= 15 && scale !== 0 ? 1 : 0;
        units[field] = negative ? -u : u;
        scales[field] = Math.max(scale, 0);
      }
      starts[field] = s;
      ends[field] = i;
      field++;
      if (i >= stop || field === c.count) break;
      s = i + 1;
    }
    for (let f = field; f < c.count; f++) {
      starts[f] = stop;
      ends[f] = stop;
      plain[f] = 0;
    }
    try {
      const ts = this.times.parse(text, starts[c.ts]!, ends[c.ts]!);
      const tsRecv =
        c.tsRecv >= 0 && ends[c.tsRecv]! > starts[c.tsRecv]!
          ? this.times.parse(text, starts[c.tsRecv]!, ends[c.tsRecv]!)
          : ts;
      const instrument = this.instrument(text, c.instrument);
      let quote: boolean;
      if (c.type >= 0) {
        const k = text.charCodeAt(starts[c.type]!) | 0x20;
        if (k === 113 /* q */) quote = true;
        else if (k === 116 /* t */) quote = false;
        else
          throw new Error(
            `type ${JSON.stringify(text.slice(starts[c.type]!, ends[c.type]!))} is neither quote nor trade`,
          );
      } else quote = c.bidPrice >= 0 && ends[c.bidPrice]! > starts[c.bidPrice]!;
      return quote ? this.quote(text, instrument, ts, tsRecv) : this.trade(text, instrument, ts, tsRecv);
    } catch (error) {
      throw this.error(
        isOpenfloorError(error) || error instanceof Error ? error.message : String(error),
        text.slice(pos, stop),
        error,
      );
    }
  }

  private quote(text: string, instrument: InstrumentId, ts: Nanos, tsRecv: Nanos): Quote {
    const c = this.columns!;
    if (c.bidPrice < 0)
      throw new Error("a quote row needs bid_price, bid_size, ask_price and ask_size columns");
    return {
      type: "quote",
      instrument,
      bidPrice: this.decimal(text, c.bidPrice, "bid_price"),
      bidSize: this.decimal(text, c.bidSize, "bid_size"),
      askPrice: this.decimal(text, c.askPrice, "ask_price"),
      askSize: this.decimal(text, c.askSize, "ask_size"),
      tsEventNs: ts,
      tsRecvNs: tsRecv,
    };
  }

  private trade(text: string, instrument: InstrumentId, ts: Nanos, tsRecv: Nanos): Trade {
    const c = this.columns!;
    if (c.price < 0) throw new Error("a trade row needs price and size columns");
    let aggressor: Trade["aggressor"] = "buy";
    if (c.aggressor >= 0 && this.ends[c.aggressor]! > this.starts[c.aggressor]!) {
      const k = text.charCodeAt(this.starts[c.aggressor]!) | 0x20;
      if (k === 115 /* s */) aggressor = "sell";
      else if (k !== 98 /* b */) {
        throw new Error(`aggressor ${JSON.stringify(this.field(text, c.aggressor))} is neither buy nor sell`);
      }
    }
    const tradeId =
      c.tradeId >= 0 && this.ends[c.tradeId]! > this.starts[c.tradeId]!
        ? this.field(text, c.tradeId)
        : String(this.line);
    return {
      type: "trade",
      instrument,
      price: this.decimal(text, c.price, "price"),
      size: this.decimal(text, c.size, "size"),
      aggressor,
      tradeId,
      tsEventNs: ts,
      tsRecvNs: tsRecv,
    };
  }

  private decimal(text: string, column: number, name: string): Decimal {
    if (this.plain[column] === 1) return this.decimals.of(this.units[column]!, this.scales[column]!);
    const s = this.starts[column]!;
    const e = this.ends[column]!;
    if (e <= s) throw new Error(`${name} is empty`);
    return this.decimals.parse(text, s, e);
  }

  private instrument(text: string, column: number): InstrumentId {
    if (column < 0) return this.options.instrument!;
    const s = this.starts[column]!;
    const e = this.ends[column]!;
    const last = this.lastInstrumentText;
    if (this.lastInstrument !== undefined && e - s === last.length && text.startsWith(last, s)) {
      return this.lastInstrument;
    }
    const name = text.slice(s, e);
    let id = this.instruments.get(name);
    if (id === undefined) {
      id = e > s ? parseInstrumentId(name) : this.options.instrument;
      if (id === undefined) throw new Error("instrument is empty");
      this.instruments.set(name, id);
    }
    this.lastInstrumentText = name;
    this.lastInstrument = id;
    return id;
  }

  private field(text: string, column: number): string {
    return text.slice(this.starts[column]!, this.ends[column]!);
  }

  private error(why: string, line: string, cause?: unknown): SdkError {
    return new SdkError(
      "INVALID_ARGUMENT",
      `${this.options.source} line ${this.line}: ${why}: ${JSON.stringify(line.slice(0, 200))}`,
      {
        ...(cause === undefined ? {} : { cause }),
        context: { file: this.options.source, line: this.line },
      },
    );
  }
}

/** One CSV row (see `CSV_HEADER`) of a quote or trade, with a trailing newline. */
export function csvRow(event: Quote | Trade): string {
  const id = `${event.instrument.symbol}:${event.instrument.venue}`;
  if (event.type === "quote") {
    return `${event.tsEventNs},quote,${id},${event.bidPrice},${event.bidSize},${event.askPrice},${event.askSize},,,,\n`;
  }
  return `${event.tsEventNs},trade,${id},,,,,${event.price},${event.size},${event.aggressor},${event.tradeId}\n`;
}
