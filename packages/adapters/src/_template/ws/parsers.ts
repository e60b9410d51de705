// ws/parsers.ts (REQUIRED for streaming venues): websocket messages → core events. A message that does
// not parse is not thrown at the stream: the caller logs it with the venue and message type, counts it
// and skips it. Each parser has a trimmed raw sample above it and a test on ../test_data/.
import { type BookDelta, type BookSnapshot, Decimal, type InstrumentId, type Trade } from "@openfloor/core";
import { z } from "zod";

const decimal = z.string().transform((s) => Decimal.parse(s));
const levels = z
  .array(z.tuple([decimal, decimal]))
  .transform((ls) => ls.map(([price, size]) => ({ price, size })));
const ms = (t: number) => BigInt(t) * 1_000_000n;

// {"ch":"trade","s":"BTC-USDT","id":"9001","p":"50000.01","q":"0.0100","side":"buy","T":1700000000123}
const trade = z.object({
  ch: z.literal("trade"),
  s: z.string(),
  id: z.string(),
  p: decimal,
  q: decimal,
  side: z.enum(["buy", "sell"]),
  T: z.number().int(),
});

// {"ch":"depth","type":"snapshot","s":"BTC-USDT","seq":1000,"b":[["49999.99","1.5"]],"a":[["50000.01","2.0"]],"T":1700000000100}
const depthSnapshot = z.object({
  ch: z.literal("depth"),
  type: z.literal("snapshot"),
  s: z.string(),
  seq: z.number().int(),
  b: levels,
  a: levels,
  T: z.number().int(),
});

// {"ch":"depth","type":"update","s":"BTC-USDT","U":1001,"u":1002,"b":[["49999.99","0"]],"a":[],"T":1700000000200}
const depthUpdate = z.object({
  ch: z.literal("depth"),
  type: z.literal("update"),
  s: z.string(),
  U: z.number().int(),
  u: z.number().int(),
  b: levels,
  a: levels,
  T: z.number().int(),
});

// {"ch":"order","clientOrderId":"of-1","orderId":"8812","s":"BTC-USDT","status":"PARTIALLY_FILLED","side":"BUY",
//  "tradeId":"555","lastQty":"0.0100","lastPrice":"50000.01","fee":"0.50000010","feeAsset":"USDT","maker":false,"T":1700000000456}
const orderUpdate = z.object({
  ch: z.literal("order"),
  clientOrderId: z.string(),
  orderId: z.string(),
  s: z.string(),
  status: z.enum(["NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED", "EXPIRED"]),
  side: z.enum(["BUY", "SELL"]),
  tradeId: z.string().optional(),
  lastQty: decimal.optional(),
  lastPrice: decimal.optional(),
  fee: decimal.optional(),
  feeAsset: z.string().optional(),
  maker: z.boolean().optional(),
  T: z.number().int(),
});
export type ExampleOrderUpdate = z.output<typeof orderUpdate>;

const message = z.union([trade, depthSnapshot, depthUpdate, orderUpdate]);

/** What a websocket message became. */
export type ParsedMessage =
  | { readonly kind: "market"; readonly symbol: string; readonly event: Trade | BookSnapshot | BookDelta }
  | { readonly kind: "order"; readonly update: ExampleOrderUpdate }
  | { readonly kind: "bad"; readonly messageType: string; readonly error: unknown };

/**
 * Parses one websocket text frame. `instrument` maps the venue symbol to the instrument id (undefined:
 * not subscribed, the message is skipped); `nowNs` stamps `tsRecvNs`.
 */
export function parseWsMessage(
  text: string,
  instrument: (venueSymbol: string) => InstrumentId | undefined,
  nowNs: bigint,
): ParsedMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { kind: "bad", messageType: "not-json", error };
  }
  const r = message.safeParse(raw);
  if (!r.success) {
    const type = typeof raw === "object" && raw !== null && "ch" in raw ? String(raw.ch) : "unknown";
    return { kind: "bad", messageType: type, error: r.error };
  }
  const m = r.data;
  if (m.ch === "order") return { kind: "order", update: m };
  const id = instrument(m.s);
  if (id === undefined) return undefined;
  if (m.ch === "trade") {
    const event: Trade = {
      type: "trade",
      instrument: id,
      price: m.p,
      size: m.q,
      aggressor: m.side,
      tradeId: m.id,
      tsEventNs: ms(m.T),
      tsRecvNs: nowNs,
    };
    return { kind: "market", symbol: m.s, event };
  }
  if (m.type === "snapshot") {
    const event: BookSnapshot = {
      type: "book-snapshot",
      instrument: id,
      bids: m.b,
      asks: m.a,
      sequence: BigInt(m.seq),
      tsEventNs: ms(m.T),
      tsRecvNs: nowNs,
    };
    return { kind: "market", symbol: m.s, event };
  }
  const event: BookDelta = {
    type: "book-delta",
    instrument: id,
    bids: m.b,
    asks: m.a,
    firstSequence: BigInt(m.U),
    sequence: BigInt(m.u),
    tsEventNs: ms(m.T),
    tsRecvNs: nowNs,
  };
  return { kind: "market", symbol: m.s, event };
}
