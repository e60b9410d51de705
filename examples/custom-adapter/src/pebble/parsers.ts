// Pebble payloads → core types, exact decimals. Each parser has a trimmed raw sample above it; the
// recorded payloads in test_data/ are what parsers.test.ts checks. A parser throws `BadVenueMessageError`
// on anything malformed (a float price, a missing field); the stream logs it and goes on.
import type { VenueBalance, VenueOrderReport } from "@openfloor/adapters";
import {
  BadVenueMessageError,
  type BookLevel,
  Decimal,
  defineInstrument,
  type Fill,
  type Instrument,
  type InstrumentId,
  type MarketEvent,
  Money,
  type OrderEvent,
  type OrderSide,
  type OrderStatus,
} from "@openfloor/core";

const MS = 1_000_000n;

/** Pebble symbols are `BTC-USD`; openfloor's are `BTC/USD`. */
export const venueSymbol = (symbol: string): string => symbol.replace("/", "-");
export const openfloorSymbol = (sym: string): string => sym.replace("-", "/");

// [{"sym":"BTC-USD","base":"BTC","quote":"USD","tick":"0.5","lot":"0.001","min":"0.001","mkr":"0.0001","tkr":"0.0005",…}]
export function parseMarkets(venue: string, text: string): Instrument[] {
  return array(json(text, "markets"), "markets").map((m) =>
    defineInstrument({
      id: { symbol: openfloorSymbol(str(m, "sym", "markets")), venue },
      kind: "spot",
      base: str(m, "base", "markets"),
      quote: str(m, "quote", "markets"),
      priceIncrement: dec(m, "tick", "markets"),
      sizeIncrement: dec(m, "lot", "markets"),
      minSize: dec(m, "min", "markets"),
      makerFee: dec(m, "mkr", "markets"),
      takerFee: dec(m, "tkr", "markets"),
    }),
  );
}

/** A stream message, parsed: market data, an order update, or a venue error. */
export type PebbleMessage =
  | { readonly kind: "book"; readonly snapshot: boolean; readonly event: MarketEvent; readonly seq: bigint }
  | { readonly kind: "trade"; readonly event: MarketEvent }
  | { readonly kind: "order"; readonly update: PebbleOrderUpdate }
  | { readonly kind: "error"; readonly message: string };

/** A private order update as Pebble sends it, with decimals parsed. */
export interface PebbleOrderUpdate {
  readonly seq: number;
  readonly cid: string;
  readonly oid: string;
  readonly sym: string;
  readonly status: "open" | "partial" | "filled" | "canceled" | "expired";
  readonly fill?: PebbleFill;
  readonly tsNs: bigint;
}

interface PebbleFill {
  readonly fid: string;
  readonly side: OrderSide;
  readonly px: Decimal;
  readonly qty: Decimal;
  readonly fee: Decimal;
  readonly feeCcy: string;
  readonly maker: boolean;
}

// {"ch":"book","sym":"BTC-USD","type":"upd","seq":42,"b":[["59999.5","0.25"]],"a":[],"ts":1700000000123}
// {"ch":"trades","sym":"BTC-USD","id":"t17","px":"60000.5","qty":"0.01","side":"B","ts":1700000000123}
// {"ch":"orders","seq":3,"cid":"c-1","oid":"o9","sym":"BTC-USD","status":"partial","fill":{"fid":"t17-T",…},"ts":…}
export function parseStreamMessage(
  text: string,
  instrumentOf: (sym: string) => InstrumentId | undefined,
  recvNs: bigint,
): PebbleMessage {
  const m = record(json(text, "stream"), "stream");
  const ch = str(m, "ch", "stream");
  if (ch === "error") return { kind: "error", message: str(m, "msg", "error") };
  if (ch === "orders") return { kind: "order", update: parseOrderUpdate(m) };
  const sym = str(m, "sym", ch);
  const instrument = instrumentOf(sym);
  if (instrument === undefined) throw bad(ch, `unknown symbol ${sym}`);
  const tsEventNs = BigInt(int(m, "ts", ch)) * MS;
  if (ch === "trades") {
    return {
      kind: "trade",
      event: {
        type: "trade",
        instrument,
        price: dec(m, "px", "trade"),
        size: dec(m, "qty", "trade"),
        aggressor: side(m, "trade"),
        tradeId: str(m, "id", "trade"),
        tsEventNs,
        tsRecvNs: recvNs,
      },
    };
  }
  if (ch !== "book") throw bad(ch, `unknown channel ${ch}`);
  const seq = BigInt(int(m, "seq", "book"));
  const bids = levels(m.b, "book");
  const asks = levels(m.a, "book");
  const snapshot = m.type === "snap";
  const event: MarketEvent = snapshot
    ? { type: "book-snapshot", instrument, bids, asks, sequence: seq, tsEventNs, tsRecvNs: recvNs }
    : {
        type: "book-delta",
        instrument,
        bids,
        asks,
        firstSequence: seq,
        sequence: seq,
        tsEventNs,
        tsRecvNs: recvNs,
      };
  return { kind: "book", snapshot, event, seq };
}

function parseOrderUpdate(m: Record<string, unknown>): PebbleOrderUpdate {
  const status = str(m, "status", "orders");
  if (!["open", "partial", "filled", "canceled", "expired"].includes(status))
    throw bad("orders", `status ${status}`);
  const f = m.fill === undefined ? undefined : record(m.fill, "orders.fill");
  return {
    seq: int(m, "seq", "orders"),
    cid: str(m, "cid", "orders"),
    oid: str(m, "oid", "orders"),
    sym: str(m, "sym", "orders"),
    status: status as PebbleOrderUpdate["status"],
    tsNs: BigInt(int(m, "ts", "orders")) * MS,
    ...(f === undefined
      ? {}
      : {
          fill: {
            fid: str(f, "fid", "fill"),
            side: side(f, "fill"),
            px: dec(f, "px", "fill"),
            qty: dec(f, "qty", "fill"),
            fee: dec(f, "fee", "fill"),
            feeCcy: str(f, "feeCcy", "fill"),
            maker: f.role === "M",
          },
        }),
  };
}

/** Who an order belongs to in openfloor (Pebble does not know strategies). */
export interface OrderOwner {
  readonly strategyId: string;
  readonly account: string;
}

/** A Pebble order update → the core order events it means. */
export function orderEvents(u: PebbleOrderUpdate, instrument: InstrumentId, owner: OrderOwner): OrderEvent[] {
  const base = { tsNs: u.tsNs };
  if (u.status === "open")
    return [{ ...base, kind: "accepted", venueOrderId: u.oid, eventId: `pebble-${u.oid}-open` }];
  if (u.status === "canceled") return [{ ...base, kind: "canceled", eventId: `pebble-${u.oid}-canceled` }];
  if (u.status === "expired") return [{ ...base, kind: "expired", eventId: `pebble-${u.oid}-expired` }];
  if (u.fill === undefined) return [];
  return [{ ...base, kind: "filled", fill: toFill(u.fill, u.cid, u.oid, instrument, u.tsNs, owner) }];
}

function toFill(
  f: PebbleFill,
  cid: string,
  oid: string,
  instrument: InstrumentId,
  tsNs: bigint,
  owner: OrderOwner,
): Fill {
  return {
    fillId: f.fid,
    clientOrderId: cid,
    venueOrderId: oid,
    instrument,
    side: f.side,
    price: f.px,
    quantity: f.qty,
    fee: Money.of(f.fee, f.feeCcy),
    liquidity: f.maker ? "maker" : "taker",
    tsEventNs: tsNs,
    ...owner,
  };
}

// [{"oid":"o9","cid":"c-1","sym":"BTC-USD","side":"B","kind":"LMT","px":"59000","qty":"0.01","filled":"0","ts":…}]
export function parseOpenOrders(
  text: string,
  instrumentOf: (sym: string) => InstrumentId | undefined,
): VenueOrderReport[] {
  const out: VenueOrderReport[] = [];
  for (const o of array(json(text, "open"), "open")) {
    const instrument = instrumentOf(str(o, "sym", "open"));
    if (instrument === undefined) continue;
    const filled = dec(o, "filled", "open");
    const status: OrderStatus = filled.isZero() ? "accepted" : "partially-filled";
    out.push({
      clientOrderId: str(o, "cid", "open"),
      venueOrderId: str(o, "oid", "open"),
      instrument,
      side: side(o, "open"),
      type: o.kind === "MKT" ? "market" : "limit",
      status,
      quantity: dec(o, "qty", "open"),
      ...(o.px === undefined ? {} : { price: dec(o, "px", "open") }),
      filledQuantity: filled,
      tsNs: BigInt(int(o, "ts", "open")) * MS,
    });
  }
  return out;
}

// [{"fid":"t17-T","oid":"o9","cid":"c-1","sym":"BTC-USD","side":"B","px":"60000.5","qty":"0.01","fee":"0.30000250","feeCcy":"USD","role":"T","ts":…}]
export function parseFills(
  text: string,
  instrumentOf: (sym: string) => InstrumentId | undefined,
  ownerOf: (cid: string) => OrderOwner,
): Fill[] {
  const out: Fill[] = [];
  for (const f of array(json(text, "fills"), "fills")) {
    const instrument = instrumentOf(str(f, "sym", "fills"));
    if (instrument === undefined) continue;
    const cid = str(f, "cid", "fills");
    const fill: PebbleFill = {
      fid: str(f, "fid", "fills"),
      side: side(f, "fills"),
      px: dec(f, "px", "fills"),
      qty: dec(f, "qty", "fills"),
      fee: dec(f, "fee", "fills"),
      feeCcy: str(f, "feeCcy", "fills"),
      maker: f.role === "M",
    };
    out.push(
      toFill(fill, cid, str(f, "oid", "fills"), instrument, BigInt(int(f, "ts", "fills")) * MS, ownerOf(cid)),
    );
  }
  return out;
}

// [{"ccy":"USD","free":"999399.7","held":"600.3"}]
export function parseBalances(text: string): VenueBalance[] {
  return array(json(text, "balances"), "balances").map((b) => {
    const free = dec(b, "free", "balances");
    const locked = dec(b, "held", "balances");
    return { currency: str(b, "ccy", "balances"), free, locked, total: free.add(locked) };
  });
}

// ---- field readers: strings in, exact values out; anything else is a bad message ------------------

function json(text: string, type: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw bad(type, `not JSON: ${(e as Error).message}`);
  }
}

function record(x: unknown, type: string): Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) throw bad(type, "expected an object");
  return x as Record<string, unknown>;
}

function array(x: unknown, type: string): Record<string, unknown>[] {
  if (!Array.isArray(x)) throw bad(type, "expected an array");
  return x.map((e) => record(e, type));
}

function str(m: unknown, key: string, type: string): string {
  const v = record(m, type)[key];
  if (typeof v !== "string" || v.length === 0) throw bad(type, `${key}: expected a string`);
  return v;
}

function int(m: Record<string, unknown>, key: string, type: string): number {
  const v = m[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw bad(type, `${key}: expected an integer`);
  return v;
}

/** Decimals must arrive as strings: a JSON number has already lost exactness. */
function dec(m: Record<string, unknown>, key: string, type: string): Decimal {
  const v = m[key];
  if (typeof v !== "string") throw bad(type, `${key}: expected a decimal string, got ${typeof v}`);
  try {
    return Decimal.parse(v);
  } catch (e) {
    throw bad(type, `${key}: ${(e as Error).message}`);
  }
}

function side(m: Record<string, unknown>, type: string): OrderSide {
  if (m.side === "B") return "buy";
  if (m.side === "S") return "sell";
  throw bad(type, `side: ${String(m.side)}`);
}

function levels(x: unknown, type: string): BookLevel[] {
  if (!Array.isArray(x)) throw bad(type, "levels: expected an array");
  return x.map((l) => {
    if (!Array.isArray(l) || typeof l[0] !== "string" || typeof l[1] !== "string")
      throw bad(type, "level: expected [price, size] strings");
    return { price: Decimal.parse(l[0]), size: Decimal.parse(l[1]) };
  });
}

function bad(type: string, why: string): BadVenueMessageError {
  return new BadVenueMessageError("BAD_VENUE_MESSAGE", `pebble ${type} message: ${why}`, {
    context: { venue: "pebble", messageType: type },
  });
}
