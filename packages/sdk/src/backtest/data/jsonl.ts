import {
  type BookLevel,
  Decimal,
  type InstrumentId,
  isOpenfloorError,
  type MarketEvent,
  type Nanos,
  parseInstrumentId,
} from "@openfloor/core";
import { SdkError } from "../../errors/sdk-errors.js";
import { parseTimestamp } from "./field-parsers.js";

/**
 * Decodes market-data JSON Lines: one core `MarketEvent` per line, with the field names of the core types,
 * decimals as strings (numbers are read through their shortest text, e.g. `0.1`), timestamps as strings
 * of nanoseconds, ISO 8601 times, or safe integers. `ts` stands for `tsEventNs`; `tsRecvNs` defaults to it.
 * Book levels are `[price, size]` pairs or `{ price, size }` objects.
 *
 * ```
 * {"type":"quote","instrument":"BTC/USDT:sim","bidPrice":"42000.00","bidSize":"1.5","askPrice":"42000.02","askSize":"0.8","ts":"1704067200000000000"}
 * {"type":"trade","instrument":"BTC/USDT:sim","price":"42000.02","size":"0.1","aggressor":"buy","tradeId":"t1","ts":"1704067200000500000"}
 * {"type":"book-snapshot","instrument":"BTC/USDT:sim","bids":[["42000.00","1.5"]],"asks":[["42000.02","0.8"]],"sequence":"1","ts":"1704067200000000000"}
 * ```
 */
export class JsonlMarketDataDecoder {
  private line = 0;
  private readonly instruments = new Map<string, InstrumentId>();

  /** @param source names the file in errors. */
  constructor(private readonly source: string) {}

  /**
   * Decodes whole lines of `text` from `start`, appending events to `out`, until `max` events were
   * appended or the text ends; returns where it stopped (`text.length` at the end).
   */
  decode(text: string, out: MarketEvent[], start = 0, max = Number.POSITIVE_INFINITY): number {
    let pos = start;
    const limit = out.length + max;
    while (pos < text.length && out.length < limit) {
      let end = text.indexOf("\n", pos);
      if (end < 0) end = text.length;
      this.line++;
      const line = text.slice(pos, end).trim();
      pos = end + 1;
      if (line.length === 0 || line.startsWith("#")) continue;
      try {
        out.push(this.event(JSON.parse(line) as unknown));
      } catch (error) {
        throw new SdkError(
          "INVALID_ARGUMENT",
          `${this.source} line ${this.line}: ${error instanceof Error || isOpenfloorError(error) ? error.message : String(error)}`,
          { cause: error, context: { file: this.source, line: this.line } },
        );
      }
    }
    return Math.min(pos, text.length);
  }

  private event(value: unknown): MarketEvent {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new Error("expected a JSON object");
    const o = value as Record<string, unknown>;
    const instrument = this.instrument(o.instrument);
    const type = o.type;
    if (type === "bar") {
      return {
        type: "bar",
        instrument,
        interval: str(o, "interval"),
        open: dec(o, "open"),
        high: dec(o, "high"),
        low: dec(o, "low"),
        close: dec(o, "close"),
        volume: dec(o, "volume"),
        tsOpenNs: time(o, "tsOpenNs"),
        tsCloseNs: time(o, "tsCloseNs"),
      };
    }
    const tsEventNs = o.tsEventNs !== undefined ? time(o, "tsEventNs") : time(o, "ts");
    const tsRecvNs = o.tsRecvNs !== undefined ? time(o, "tsRecvNs") : tsEventNs;
    switch (type) {
      case "quote":
        return {
          type,
          instrument,
          bidPrice: dec(o, "bidPrice"),
          bidSize: dec(o, "bidSize"),
          askPrice: dec(o, "askPrice"),
          askSize: dec(o, "askSize"),
          tsEventNs,
          tsRecvNs,
        };
      case "trade": {
        const aggressor = o.aggressor ?? "buy";
        if (aggressor !== "buy" && aggressor !== "sell") throw new Error("aggressor must be buy or sell");
        return {
          type,
          instrument,
          price: dec(o, "price"),
          size: dec(o, "size"),
          aggressor,
          tradeId: o.tradeId === undefined ? String(this.line) : String(o.tradeId),
          tsEventNs,
          tsRecvNs,
        };
      }
      case "book-snapshot":
        return {
          type,
          instrument,
          bids: levels(o, "bids"),
          asks: levels(o, "asks"),
          sequence: int(o, "sequence"),
          tsEventNs,
          tsRecvNs,
        };
      case "book-delta": {
        const sequence = int(o, "sequence");
        return {
          type,
          instrument,
          bids: levels(o, "bids"),
          asks: levels(o, "asks"),
          firstSequence: o.firstSequence === undefined ? sequence : int(o, "firstSequence"),
          sequence,
          tsEventNs,
          tsRecvNs,
        };
      }
      default:
        throw new Error(
          `type ${JSON.stringify(type)} is none of quote, trade, book-snapshot, book-delta, bar`,
        );
    }
  }

  private instrument(value: unknown): InstrumentId {
    if (typeof value !== "string") throw new Error('instrument must be a string such as "BTC/USDT:sim"');
    let id = this.instruments.get(value);
    if (id === undefined) {
      id = parseInstrumentId(value);
      this.instruments.set(value, id);
    }
    return id;
  }
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new Error(`${key} must be a string`);
  return v;
}

function dec(o: Record<string, unknown>, key: string): Decimal {
  return toDecimal(o[key], key);
}

function toDecimal(v: unknown, key: string): Decimal {
  if (typeof v === "string") return Decimal.parse(v);
  if (typeof v === "number") return Decimal.fromNumber(v);
  throw new Error(`${key} must be a decimal string such as "42000.01"`);
}

function time(o: Record<string, unknown>, key: string): Nanos {
  const v = o[key];
  if (typeof v === "string") return parseTimestamp(v);
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new Error(
    `${key} must be nanoseconds since the epoch as a string (or a safe integer), or an ISO 8601 time`,
  );
}

function int(o: Record<string, unknown>, key: string): bigint {
  const v = o[key];
  if (typeof v === "string" && /^\d+$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new Error(`${key} must be a non-negative integer`);
}

function levels(o: Record<string, unknown>, key: string): BookLevel[] {
  const v = o[key] ?? [];
  if (!Array.isArray(v)) throw new Error(`${key} must be an array of [price, size] pairs`);
  return v.map((l: unknown, i) => {
    if (Array.isArray(l) && l.length === 2) {
      return { price: toDecimal(l[0], `${key}[${i}][0]`), size: toDecimal(l[1], `${key}[${i}][1]`) };
    }
    if (typeof l === "object" && l !== null) {
      const r = l as Record<string, unknown>;
      return {
        price: toDecimal(r.price, `${key}[${i}].price`),
        size: toDecimal(r.size, `${key}[${i}].size`),
      };
    }
    throw new Error(`${key}[${i}] must be a [price, size] pair`);
  });
}

/** One JSON line for a market event (decimals and times as strings), with a trailing newline. */
export function jsonlLine(event: MarketEvent): string {
  const flat = { ...event, instrument: `${event.instrument.symbol}:${event.instrument.venue}` };
  return `${JSON.stringify(flat, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n`;
}
