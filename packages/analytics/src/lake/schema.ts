/**
 * The lake's tables: one folder per record type, `<lake>/<table>/date=YYYY-MM-DD/part-*.parquet`.
 *
 * Exact money in DuckDB: every decimal is a DuckDB DECIMAL (a scaled 128-bit integer), never a
 * double, so sums are exact and an overflow is an error, not a rounding. The scales are chosen so
 * that the products the metrics need are exact DECIMAL(38,18) values too (DuckDB multiplies decimals
 * by adding scales, and refuses a scale above 38):
 *
 * | column kind | DuckDB type     | why                                                      |
 * |-------------|-----------------|----------------------------------------------------------|
 * | price       | DECIMAL(38,9)   | price × size has scale 17                                |
 * | size        | DECIMAL(38,8)   | size × mid (scale 10) has scale 18                       |
 * | mid         | DECIMAL(38,10)  | (bid + ask) × 0.5 of two prices, exact                   |
 * | money       | DECIMAL(38,18)  | fees, PnL, exposures: core's finest scale (MAX_SCALE 18) |
 *
 * A value finer than its column (a price with 10 places) is never rounded: its record is set aside
 * in `_rejected` with the reason, and ingest goes on.
 */

/** How a column is stored. Decimal kinds are staged as scaled integers (HUGEINT) and cast exactly. */
export type ColumnType = "text" | "int" | "double" | "bool" | "price" | "size" | "mid" | "money";

export interface LakeColumn {
  readonly name: string;
  readonly type: ColumnType;
}

/** Decimal places of each decimal column kind. */
export const SCALES = { price: 9, size: 8, mid: 10, money: 18 } as const;
export type DecimalColumnType = keyof typeof SCALES;

export function isDecimalType(type: ColumnType): type is DecimalColumnType {
  return type in SCALES;
}

export function duckType(type: ColumnType): string {
  switch (type) {
    case "text":
      return "VARCHAR";
    case "int":
      return "BIGINT";
    case "double":
      return "DOUBLE";
    case "bool":
      return "BOOLEAN";
    default:
      return `DECIMAL(38,${SCALES[type]})`;
  }
}

/** The lake tables. Recorded kinds keep their record kind as folder name; audit exports are `audit-*`. */
export type LakeTableName =
  | "trade"
  | "quote"
  | "book"
  | "bar"
  | "order-event"
  | "fill"
  | "position"
  | "risk-state"
  | "strategy-record"
  | "performance"
  | "audit-order"
  | "audit-order-event"
  | "audit-fill"
  | "_rejected";

export interface LakeTable {
  readonly name: LakeTableName;
  /** The SQL view name (the folder name with `_`). */
  readonly view: string;
  readonly columns: readonly LakeColumn[];
  /** Column whose UTC date partitions the table; ns since the epoch (ms for `_rejected`). */
  readonly partitionBy: string;
  readonly partitionUnitNs: bigint;
  /** Rows are written sorted by these columns (helps Parquet min/max pruning and as-of joins). */
  readonly sortBy: readonly string[];
}

const c = (name: string, type: ColumnType): LakeColumn => ({ name, type });

const orderColumns: readonly LakeColumn[] = [
  c("strategy_id", "text"),
  c("client_order_id", "text"),
  c("account", "text"),
  c("instrument", "text"),
  c("side", "text"),
  c("order_type", "text"),
  c("time_in_force", "text"),
  c("quantity", "size"),
  c("price", "price"),
  c("trigger_price", "price"),
  c("status", "text"),
  c("venue_order_id", "text"),
  c("filled_quantity", "size"),
  c("replaces_client_order_id", "text"),
  c("created_ns", "int"),
  c("updated_ns", "int"),
];

const fillColumns: readonly LakeColumn[] = [
  c("fill_id", "text"),
  c("client_order_id", "text"),
  c("venue_order_id", "text"),
  c("strategy_id", "text"),
  c("account", "text"),
  c("instrument", "text"),
  c("venue", "text"),
  c("side", "text"),
  c("price", "price"),
  c("quantity", "size"),
  c("fee", "money"),
  c("fee_currency", "text"),
  c("liquidity", "text"),
  c("ts_event_ns", "int"),
  c("ts_recv_ns", "int"),
];

const table = (
  name: LakeTableName,
  columns: readonly LakeColumn[],
  partitionBy: string,
  sortBy: readonly string[],
  partitionUnitNs = 1n,
): LakeTable => ({
  name,
  view: name.replace(/^_/, "").replaceAll("-", "_"),
  columns,
  partitionBy,
  partitionUnitNs,
  sortBy,
});

export const LAKE_TABLES: Readonly<Record<LakeTableName, LakeTable>> = {
  trade: table(
    "trade",
    [
      c("instrument", "text"),
      c("price", "price"),
      c("size", "size"),
      c("aggressor", "text"),
      c("trade_id", "text"),
      c("ts_event_ns", "int"),
      c("ts_recv_ns", "int"),
    ],
    "ts_event_ns",
    ["instrument", "ts_event_ns"],
  ),
  quote: table(
    "quote",
    [
      c("instrument", "text"),
      c("bid_price", "price"),
      c("bid_size", "size"),
      c("ask_price", "price"),
      c("ask_size", "size"),
      c("mid", "mid"),
      c("ts_event_ns", "int"),
      c("ts_recv_ns", "int"),
    ],
    "ts_event_ns",
    ["instrument", "ts_event_ns"],
  ),
  book: table(
    "book",
    [
      c("instrument", "text"),
      c("snapshot", "bool"),
      c("side", "text"),
      c("level", "int"),
      c("price", "price"),
      c("size", "size"),
      c("first_sequence", "int"),
      c("sequence", "int"),
      c("ts_event_ns", "int"),
      c("ts_recv_ns", "int"),
    ],
    "ts_event_ns",
    ["instrument", "ts_event_ns", "sequence", "side", "level"],
  ),
  bar: table(
    "bar",
    [
      c("instrument", "text"),
      c("interval", "text"),
      c("open", "price"),
      c("high", "price"),
      c("low", "price"),
      c("close", "price"),
      c("volume", "size"),
      c("ts_open_ns", "int"),
      c("ts_close_ns", "int"),
    ],
    "ts_open_ns",
    ["instrument", "interval", "ts_open_ns"],
  ),
  "order-event": table(
    "order-event",
    [
      c("event_id", "text"),
      c("kind", "text"),
      ...orderColumns,
      c("average_fill_price", "money"),
      c("reason_code", "text"),
      c("ts_event_ns", "int"),
      c("ts_recv_ns", "int"),
    ],
    "ts_event_ns",
    ["strategy_id", "ts_event_ns"],
  ),
  fill: table("fill", fillColumns, "ts_event_ns", ["strategy_id", "instrument", "ts_event_ns"]),
  position: table(
    "position",
    [
      c("account", "text"),
      c("instrument", "text"),
      c("strategy_id", "text"),
      c("quantity", "money"),
      c("average_entry_price", "money"),
      c("realized_pnl", "money"),
      c("unrealized_pnl", "money"),
      c("pnl_currency", "text"),
      c("mark_price", "money"),
      c("fees_json", "text"),
      c("ts_ns", "int"),
    ],
    "ts_ns",
    ["strategy_id", "instrument", "ts_ns"],
  ),
  "risk-state": table(
    "risk-state",
    [
      c("account", "text"),
      c("trading_state", "text"),
      c("gross_exposure", "money"),
      c("net_exposure", "money"),
      c("daily_pnl", "money"),
      c("currency", "text"),
      c("reason", "text"),
      c("ts_ns", "int"),
    ],
    "ts_ns",
    ["account", "ts_ns"],
  ),
  "strategy-record": table(
    "strategy-record",
    [
      c("strategy_id", "text"),
      c("name", "text"),
      c("value_kind", "text"),
      c("number", "double"),
      c("decimal", "money"),
      c("json", "text"),
      c("ts_ns", "int"),
    ],
    "ts_ns",
    ["strategy_id", "name", "ts_ns"],
  ),
  performance: table(
    "performance",
    [
      c("strategy_id", "text"),
      c("total_pnl", "money"),
      c("realized_pnl", "money"),
      c("unrealized_pnl", "money"),
      c("drawdown", "money"),
      c("gross_exposure", "money"),
      c("currency", "text"),
      c("orders", "int"),
      c("fills", "int"),
      c("traded_volume", "money"),
      c("fees", "money"),
      c("ts_ns", "int"),
    ],
    "ts_ns",
    ["strategy_id", "ts_ns"],
  ),
  "audit-order": table("audit-order", orderColumns, "created_ns", ["strategy_id", "created_ns"]),
  "audit-order-event": table(
    "audit-order-event",
    [
      c("id", "int"),
      c("strategy_id", "text"),
      c("client_order_id", "text"),
      c("kind", "text"),
      c("event_id", "text"),
      c("status_after", "text"),
      c("ts_ns", "int"),
    ],
    "ts_ns",
    ["strategy_id", "ts_ns"],
  ),
  "audit-fill": table("audit-fill", fillColumns, "ts_event_ns", ["strategy_id", "instrument", "ts_event_ns"]),
  _rejected: table(
    "_rejected",
    [
      c("source", "text"),
      c("topic", "text"),
      c("key", "text"),
      c("timestamp_ms", "int"),
      c("kind", "text"),
      c("reason", "text"),
      c("headers_json", "text"),
      c("value_base64", "text"),
    ],
    "timestamp_ms",
    ["timestamp_ms"],
    1_000_000n,
  ),
};

export const TABLE_NAMES = Object.keys(LAKE_TABLES) as LakeTableName[];

/** `SELECT` list that turns a staging row (decimals as scaled HUGEINT) into the lake's typed row. */
export function typedSelectList(t: LakeTable): string {
  return t.columns
    .map((col) => {
      if (!isDecimalType(col.type)) return `"${col.name}"`;
      const scale = SCALES[col.type];
      const unit = `0.${"0".repeat(scale - 1)}1`;
      return `CAST("${col.name}" AS DECIMAL(38,0)) * CAST('${unit}' AS DECIMAL(${scale + 1},${scale})) AS "${col.name}"`;
    })
    .join(", ");
}

/** Column list with staging types (decimals as HUGEINT units). */
export function stagingColumns(t: LakeTable): string {
  return t.columns
    .map((col) => `"${col.name}" ${isDecimalType(col.type) ? "HUGEINT" : duckType(col.type)}`)
    .join(", ");
}

/** Column list with lake types, for an empty table standing in for a folder with no files yet. */
export function lakeColumns(t: LakeTable): string {
  return t.columns.map((col) => `"${col.name}" ${duckType(col.type)}`).join(", ");
}
