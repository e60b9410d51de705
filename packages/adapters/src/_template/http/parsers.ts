// http/parsers.ts (REQUIRED): REST payloads → core types with exact decimals. Read prices and sizes
// from the venue's strings (never through a JS number). Each parser has a trimmed raw sample above it,
// and a test against the recorded payloads in ../test_data/.
import {
  Decimal,
  defineInstrument,
  type Fill,
  type Instrument,
  instrumentId,
  Money,
  type OrderStatus,
} from "@openfloor/core";
import { z } from "zod";
import type { VenueBalance, VenueOrderReport } from "../../contract/adapter.js";

const decimal = z.string().transform((s) => Decimal.parse(s));

/** The venue's symbol ("BTC-USDT") ↔ the unified symbol in instrument ids ("BTC/USDT"). */
export function unifiedSymbol(venueSymbol: string): string {
  return venueSymbol.replace("-", "/");
}
export function venueSymbol(unified: string): string {
  return unified.replace("/", "-");
}

// GET /api/v1/markets
// [{"symbol":"BTC-USDT","base":"BTC","quote":"USDT","status":"TRADING","tickSize":"0.01","stepSize":"0.0001",
//   "minQty":"0.0001","minNotional":"5","makerFee":"0.001","takerFee":"0.001"}]
const market = z.object({
  symbol: z.string(),
  base: z.string(),
  quote: z.string(),
  status: z.string(),
  tickSize: decimal,
  stepSize: decimal,
  minQty: decimal,
  minNotional: decimal,
  makerFee: decimal,
  takerFee: decimal,
});
export function parseMarkets(venue: string, raw: unknown): Instrument[] {
  return z
    .array(market)
    .parse(raw)
    .filter((m) => m.status === "TRADING")
    .map((m) =>
      defineInstrument({
        id: instrumentId(unifiedSymbol(m.symbol), venue),
        kind: "spot",
        base: m.base,
        quote: m.quote,
        priceIncrement: m.tickSize,
        sizeIncrement: m.stepSize,
        minSize: m.minQty,
        minNotional: m.minNotional,
        makerFee: m.makerFee,
        takerFee: m.takerFee,
      }),
    );
}

const STATUS: Readonly<Record<string, OrderStatus>> = {
  NEW: "accepted",
  PARTIALLY_FILLED: "partially-filled",
  FILLED: "filled",
  CANCELED: "canceled",
  REJECTED: "rejected",
  EXPIRED: "expired",
};

// GET /api/v1/orders/open
// [{"orderId":"8812","clientOrderId":"of-1","symbol":"BTC-USDT","side":"BUY","type":"LIMIT","status":"NEW",
//   "price":"25000.00","origQty":"0.0100","executedQty":"0.0000","updateTime":1700000000123}]
const order = z.object({
  orderId: z.string(),
  clientOrderId: z.string(),
  symbol: z.string(),
  side: z.enum(["BUY", "SELL"]),
  type: z.enum(["LIMIT", "MARKET", "STOP_MARKET", "STOP_LIMIT"]),
  status: z.string(),
  price: decimal,
  origQty: decimal,
  executedQty: decimal,
  updateTime: z.number().int(),
});
export function parseOpenOrders(venue: string, raw: unknown): VenueOrderReport[] {
  return z
    .array(order)
    .parse(raw)
    .map((o) => ({
      clientOrderId: o.clientOrderId,
      venueOrderId: o.orderId,
      instrument: instrumentId(unifiedSymbol(o.symbol), venue),
      side: o.side === "BUY" ? "buy" : "sell",
      type:
        o.type === "LIMIT"
          ? "limit"
          : o.type === "MARKET"
            ? "market"
            : o.type === "STOP_LIMIT"
              ? "stop-limit"
              : "stop-market",
      status: STATUS[o.status] ?? "accepted",
      quantity: o.origQty,
      ...(o.price.isZero() ? {} : { price: o.price }),
      filledQuantity: o.executedQty,
      tsNs: BigInt(o.updateTime) * 1_000_000n,
    }));
}

// GET /api/v1/fills?since=1700000000000
// [{"tradeId":"555","orderId":"8812","clientOrderId":"of-1","symbol":"BTC-USDT","side":"BUY","price":"50000.01",
//   "qty":"0.0100","fee":"0.50000010","feeAsset":"USDT","maker":false,"time":1700000000456}]
const fill = z.object({
  tradeId: z.string(),
  orderId: z.string(),
  clientOrderId: z.string(),
  symbol: z.string(),
  side: z.enum(["BUY", "SELL"]),
  price: decimal,
  qty: decimal,
  fee: decimal,
  feeAsset: z.string(),
  maker: z.boolean(),
  time: z.number().int(),
});
export function parseFills(
  venue: string,
  raw: unknown,
  who: { strategyId: string; account: string },
): Fill[] {
  return z
    .array(fill)
    .parse(raw)
    .map((f) => ({
      fillId: f.tradeId,
      clientOrderId: f.clientOrderId,
      venueOrderId: f.orderId,
      instrument: instrumentId(unifiedSymbol(f.symbol), venue),
      side: f.side === "BUY" ? "buy" : "sell",
      price: f.price,
      quantity: f.qty,
      fee: Money.of(f.fee, f.feeAsset),
      liquidity: f.maker ? "maker" : "taker",
      tsEventNs: BigInt(f.time) * 1_000_000n,
      strategyId: who.strategyId,
      account: who.account,
    }));
}

// GET /api/v1/balances
// [{"asset":"USDT","free":"9500.00","locked":"500.00"}]
const balance = z.object({ asset: z.string(), free: decimal, locked: decimal });
export function parseBalances(raw: unknown): VenueBalance[] {
  return z
    .array(balance)
    .parse(raw)
    .map((b) => ({ currency: b.asset, free: b.free, locked: b.locked, total: b.free.add(b.locked) }));
}

// Any error response
// {"code":-2010,"msg":"Account has insufficient balance for requested action."}
export const errorBodySchema = z.object({ code: z.number().int(), msg: z.string() });
