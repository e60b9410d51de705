import { type DecodedRecord, pb } from "@openfloor/core";
import { type DecimalColumnType, type LakeTableName, SCALES } from "./schema.js";

/** One lake row: values in the table's column order; decimals as scaled integers at the column's scale. */
export type Cell = string | bigint | number | boolean | null;
export interface LakeRow {
  readonly table: LakeTableName;
  readonly cells: Cell[];
}

/** A value that does not fit its lake column exactly (too many decimal places). */
export class PrecisionProblem extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
    readonly scale: number,
  ) {
    super(`${field} = ${value} has more than ${scale} decimal places`);
  }
}

const POW10: bigint[] = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));

/** Units of a protobuf Decimal at `scale` places, exact; null when unset. */
export function unitsOf(d: pb.Decimal | undefined, type: DecimalColumnType, field: string): bigint | null {
  if (d === undefined) return null;
  const scale = SCALES[type];
  if (d.scale <= scale) return d.mantissa * POW10[scale - d.scale]!;
  const div = POW10[d.scale - scale]!;
  if (d.mantissa % div !== 0n) throw new PrecisionProblem(field, decimalText(d), scale);
  return d.mantissa / div;
}

/** Units of a decimal text (`"-12.5"`) at the column's scale, exact; null for null. */
export function unitsOfText(text: string | null, type: DecimalColumnType, field: string): bigint | null {
  if (text === null) return null;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (m === null) throw new PrecisionProblem(field, text, SCALES[type]);
  const scale = SCALES[type];
  let frac = m[3] ?? "";
  frac = frac.replace(/0+$/, "");
  if (frac.length > scale) throw new PrecisionProblem(field, text, scale);
  const units = BigInt(m[2]! + frac.padEnd(scale, "0"));
  return m[1] === "-" ? -units : units;
}

function decimalText(d: pb.Decimal): string {
  const neg = d.mantissa < 0n;
  const digits = (neg ? -d.mantissa : d.mantissa).toString().padStart(d.scale + 1, "0");
  const cut = digits.length - d.scale;
  return `${neg ? "-" : ""}${d.scale === 0 ? digits : `${digits.slice(0, cut)}.${digits.slice(cut)}`}`;
}

function enumText<E extends Record<string, string | number>>(
  e: E,
  prefix: string,
  lower = true,
): (value: number) => string {
  const names = new Map<number, string>();
  for (const [name, value] of Object.entries(e)) {
    if (typeof value !== "number" || name.endsWith("_UNSPECIFIED") || name === "UNRECOGNIZED") continue;
    const bare = name.slice(prefix.length);
    names.set(value, lower ? bare.toLowerCase().replaceAll("_", "-") : bare);
  }
  return (value) => names.get(value) ?? "";
}

export const sideText = enumText(pb.Side, "SIDE_");
const orderTypeText = enumText(pb.OrderType, "ORDER_TYPE_");
const tifText = enumText(pb.TimeInForce, "TIME_IN_FORCE_", false);
const statusText = enumText(pb.OrderStatus, "ORDER_STATUS_");
const eventKindText = enumText(pb.OrderEventKind, "ORDER_EVENT_KIND_");
const liquidityText = enumText(pb.Liquidity, "LIQUIDITY_");
export const tradingStateText = enumText(pb.TradingState, "TRADING_STATE_");

export function instrumentText(id: pb.InstrumentId | undefined): string {
  return id === undefined ? "" : `${id.symbol}:${id.venue}`;
}

const nz = (ns: bigint, fallbackNs: bigint): bigint => (ns === 0n ? fallbackNs : ns);
const opt = (s: string): string | null => (s === "" ? null : s);

/**
 * The lake rows of one decoded record. `timestampMs` (the record's timestamp) stands in for an unset
 * event time. Throws `PrecisionProblem` when a decimal does not fit its column.
 */
export function flattenRecord(record: DecodedRecord, timestampMs: number): LakeRow[] {
  const fallbackNs = BigInt(Math.trunc(timestampMs)) * 1_000_000n;
  switch (record.kind) {
    case "trade":
    case "quote":
    case "book":
    case "bar":
      return flattenMarket(record.value, fallbackNs);
    case "order-event":
      return [flattenOrderEvent(record.value, fallbackNs)];
    case "fill":
      return [flattenFill(record.value, fallbackNs)];
    case "position": {
      const p = record.value;
      const currency = p.realizedPnl?.currency || p.unrealizedPnl?.currency || "";
      return [
        {
          table: "position",
          cells: [
            p.account,
            instrumentText(p.instrument),
            p.strategyId,
            unitsOf(p.quantity, "money", "quantity"),
            unitsOf(p.averageEntryPrice, "money", "average_entry_price"),
            unitsOf(p.realizedPnl?.amount, "money", "realized_pnl"),
            unitsOf(p.unrealizedPnl?.amount, "money", "unrealized_pnl"),
            currency,
            unitsOf(p.markPrice, "money", "mark_price"),
            JSON.stringify(
              p.fees.map((f) => ({ amount: f.amount ? decimalText(f.amount) : "0", currency: f.currency })),
            ),
            nz(p.tsNs, fallbackNs),
          ],
        },
      ];
    }
    case "risk-state": {
      const r = record.value;
      return [
        {
          table: "risk-state",
          cells: [
            r.account,
            tradingStateText(r.tradingState),
            unitsOf(r.grossExposure?.amount, "money", "gross_exposure"),
            unitsOf(r.netExposure?.amount, "money", "net_exposure"),
            unitsOf(r.dailyPnl?.amount, "money", "daily_pnl"),
            r.grossExposure?.currency || r.dailyPnl?.currency || "",
            r.reason,
            nz(r.tsNs, fallbackNs),
          ],
        },
      ];
    }
    case "strategy-record": {
      const s = record.value;
      const v = s.value;
      return [
        {
          table: "strategy-record",
          cells: [
            s.strategyId,
            s.name,
            v?.$case ?? "",
            v?.$case === "number" ? v.value : null,
            v?.$case === "decimal" ? unitsOf(v.value, "money", "decimal") : null,
            v?.$case === "json" ? v.value : null,
            nz(s.tsNs, fallbackNs),
          ],
        },
      ];
    }
    case "performance": {
      const p = record.value;
      return [
        {
          table: "performance",
          cells: [
            p.strategyId,
            unitsOf(p.totalPnl?.amount, "money", "total_pnl"),
            unitsOf(p.realizedPnl?.amount, "money", "realized_pnl"),
            unitsOf(p.unrealizedPnl?.amount, "money", "unrealized_pnl"),
            unitsOf(p.drawdown?.amount, "money", "drawdown"),
            unitsOf(p.grossExposure?.amount, "money", "gross_exposure"),
            p.totalPnl?.currency ?? "",
            p.orders,
            p.fills,
            unitsOf(p.tradedVolume, "money", "traded_volume"),
            unitsOf(p.fees?.amount, "money", "fees"),
            nz(p.tsNs, fallbackNs),
          ],
        },
      ];
    }
  }
  return [];
}

function flattenMarket(m: pb.MarketEvent, fallbackNs: bigint): LakeRow[] {
  const e = m.event;
  if (e === undefined) return [];
  switch (e.$case) {
    case "trade": {
      const t = e.value;
      return [
        {
          table: "trade",
          cells: [
            instrumentText(t.instrument),
            unitsOf(t.price, "price", "price"),
            unitsOf(t.size, "size", "size"),
            sideText(t.aggressor),
            t.tradeId,
            nz(t.tsEventNs, fallbackNs),
            t.tsRecvNs,
          ],
        },
      ];
    }
    case "quote": {
      const q = e.value;
      const bid = unitsOf(q.bidPrice, "price", "bid_price");
      const ask = unitsOf(q.askPrice, "price", "ask_price");
      // mid = (bid + ask) / 2 exactly: at one more place than prices, (bid + ask) × 5.
      const mid = bid === null || ask === null ? null : (bid + ask) * 5n;
      return [
        {
          table: "quote",
          cells: [
            instrumentText(q.instrument),
            bid,
            unitsOf(q.bidSize, "size", "bid_size"),
            ask,
            unitsOf(q.askSize, "size", "ask_size"),
            mid,
            nz(q.tsEventNs, fallbackNs),
            q.tsRecvNs,
          ],
        },
      ];
    }
    case "bookSnapshot":
    case "bookDelta": {
      const b = e.value;
      const snapshot = e.$case === "bookSnapshot";
      const first = e.$case === "bookDelta" ? e.value.firstSequence : e.value.sequence;
      const ts = nz(b.tsEventNs, fallbackNs);
      const rows: LakeRow[] = [];
      const levels = (side: "bid" | "ask", list: pb.BookLevel[]) => {
        list.forEach((l, i) => {
          rows.push({
            table: "book",
            cells: [
              instrumentText(b.instrument),
              snapshot,
              side,
              BigInt(i),
              unitsOf(l.price, "price", `${side}s[${i}].price`),
              unitsOf(l.size, "size", `${side}s[${i}].size`),
              BigInt.asIntN(64, first),
              BigInt.asIntN(64, b.sequence),
              ts,
              b.tsRecvNs,
            ],
          });
        });
      };
      levels("bid", b.bids);
      levels("ask", b.asks);
      return rows;
    }
    case "bar": {
      const b = e.value;
      return [
        {
          table: "bar",
          cells: [
            instrumentText(b.instrument),
            b.interval,
            unitsOf(b.open, "price", "open"),
            unitsOf(b.high, "price", "high"),
            unitsOf(b.low, "price", "low"),
            unitsOf(b.close, "price", "close"),
            unitsOf(b.volume, "size", "volume"),
            nz(b.tsOpenNs, fallbackNs),
            b.tsCloseNs,
          ],
        },
      ];
    }
  }
  return [];
}

function flattenOrderEvent(ev: pb.OrderEvent, fallbackNs: bigint): LakeRow {
  const o = ev.order;
  return {
    table: "order-event",
    cells: [
      ev.eventId,
      eventKindText(ev.kind),
      o?.strategyId ?? "",
      o?.clientOrderId ?? "",
      o?.account ?? "",
      instrumentText(o?.instrument),
      sideText(o?.side ?? 0),
      orderTypeText(o?.type ?? 0),
      tifText(o?.timeInForce ?? 0),
      unitsOf(o?.quantity, "size", "order.quantity"),
      unitsOf(o?.price, "price", "order.price"),
      unitsOf(o?.triggerPrice, "price", "order.trigger_price"),
      statusText(o?.status ?? 0),
      opt(o?.venueOrderId ?? ""),
      unitsOf(o?.filledQuantity, "size", "order.filled_quantity"),
      opt(o?.replacesClientOrderId ?? ""),
      o?.tsCreatedNs ?? 0n,
      o?.tsUpdatedNs ?? 0n,
      unitsOf(o?.averageFillPrice, "money", "order.average_fill_price"),
      opt(ev.reason?.code ?? ""),
      nz(ev.tsEventNs, fallbackNs),
      ev.tsRecvNs,
    ],
  };
}

function flattenFill(f: pb.Fill, fallbackNs: bigint): LakeRow {
  return {
    table: "fill",
    cells: [
      f.fillId,
      f.clientOrderId,
      f.venueOrderId,
      f.strategyId,
      f.account,
      instrumentText(f.instrument),
      f.instrument?.venue ?? "",
      sideText(f.side),
      unitsOf(f.price, "price", "price"),
      unitsOf(f.quantity, "size", "quantity"),
      unitsOf(f.fee, "money", "fee") ?? 0n,
      f.feeCurrency,
      liquidityText(f.liquidity),
      nz(f.tsEventNs, fallbackNs),
      f.tsRecvNs,
    ],
  };
}
