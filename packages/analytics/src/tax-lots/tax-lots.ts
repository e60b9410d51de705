import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  Decimal,
  type Fill,
  type LotContract,
  type LotMethod,
  Money,
  matchLots,
  parseInstrumentId,
} from "@openfloor/core";
import { AnalyticsError, invalidArgument } from "../errors.js";
import { DAY_NS } from "../lake/lake-files.js";
import { LakeSession } from "../lake/lake-session.js";
import { TABLE_NAMES } from "../lake/schema.js";
import { divideExact, type Exact, exact, exactText } from "../metrics/exact.js";
import { type TimeInput, toNs } from "../metrics/options.js";
import { sqlString } from "../sql.js";

/**
 * Options of `computeTaxLots`.
 * @example { lake: "./lake", method: "fifo", from: "2024-01-01", to: "2025-01-01" }
 */
export interface TaxLotOptions {
  /** Lake directory written by `ingest`. */
  readonly lake: string;
  /** Only this strategy. Default: every strategy (lots never cross strategies or accounts). */
  readonly strategy?: string;
  /** Which open lot a closing fill consumes first: "fifo", "lifo" or "hifo" (highest cost). Default "fifo". */
  readonly method?: LotMethod;
  /** Lots closed at or after this time. Default: the first fill. */
  readonly from?: TimeInput;
  /** Lots closed before this time (fills after it are not read). Default: everything. */
  readonly to?: TimeInput;
  /** Contract terms per instrument id text (multiplier, inverse). Default: linear, multiplier 1. */
  readonly contracts?: Readonly<Record<string, LotContract>>;
}

/** One closed lot portion. Money is exact decimal text. */
export interface TaxLot {
  readonly strategy: string;
  readonly account: string;
  readonly instrument: string;
  readonly method: LotMethod;
  /** "long" (bought, then sold) or "short" (sold, then bought back). */
  readonly side: "long" | "short";
  readonly quantity: string;
  readonly openFillId: string;
  readonly openTime: string;
  readonly openPrice: string;
  readonly closeFillId: string;
  readonly closeTime: string;
  readonly closePrice: string;
  /** Gain before fees (core `matchLots`). */
  readonly gain: string;
  /** The opening and closing fills' fees, pro rata to the quantity closed (18 places, half-even). */
  readonly openFee: string;
  readonly closeFee: string;
  readonly gainNet: string;
  readonly holdingDays: number;
}

/** Realized gains per calendar year (UTC, by closing time), strategy and instrument. */
export interface TaxYear {
  readonly year: number;
  readonly strategy: string;
  readonly account: string;
  readonly instrument: string;
  readonly method: LotMethod;
  readonly lots: number;
  readonly gain: string;
  readonly fees: string;
  readonly gainNet: string;
}

export interface TaxLotResult {
  readonly lots: readonly TaxLot[];
  readonly years: readonly TaxYear[];
}

interface FillRow {
  strategy_id: string;
  account: string;
  instrument: string;
  fill_id: string;
  client_order_id: string;
  side: "buy" | "sell";
  price: string;
  quantity: string;
  fee: string;
  fee_currency: string;
  ts: string;
}

const norm = (text: string): string => exactText(exact(text));

/**
 * Realized gains per lot and per year under FIFO, LIFO or highest-cost matching (core `matchLots`),
 * from the lake's fills (recorded and audit, de-duplicated), per strategy, account and instrument.
 * @example const { lots, years } = await computeTaxLots({ lake: "./lake", method: "hifo" })
 */
export async function computeTaxLots(options: TaxLotOptions): Promise<TaxLotResult> {
  const method = options.method ?? "fifo";
  if (method !== "fifo" && method !== "lifo" && method !== "hifo") {
    throw invalidArgument("method", `must be fifo, lifo or hifo, got ${JSON.stringify(method)}`);
  }
  const fromNs = options.from === undefined ? undefined : toNs(options.from, "from");
  const toNsValue = options.to === undefined ? undefined : toNs(options.to, "to");
  const days = Object.fromEntries(TABLE_NAMES.map((t) => [t, { from: 1, to: 0 }]));
  const upTo = toNsValue === undefined ? {} : { to: Number((toNsValue - 1n) / DAY_NS) };
  const s = await LakeSession.open(options.lake, { days: { ...days, fill: upTo, "audit-fill": upTo } });
  let rows: FillRow[];
  try {
    const where = [
      ...(options.strategy === undefined ? [] : [`strategy_id = ${sqlString(options.strategy)}`]),
      ...(toNsValue === undefined ? [] : [`ts_event_ns < ${toNsValue}::BIGINT`]),
    ];
    const cond = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
    const cols = `strategy_id, account, instrument, venue, fill_id, client_order_id, side, price::VARCHAR AS price,
      quantity::VARCHAR AS quantity, fee::VARCHAR AS fee, fee_currency, ts_event_ns`;
    rows = await s.rows<FillRow>(`
      SELECT strategy_id, account, instrument, fill_id, client_order_id, side, price, quantity, fee, fee_currency,
             ts_event_ns::VARCHAR AS ts
      FROM (SELECT ${cols}, 0 AS src FROM fill ${cond} UNION ALL SELECT ${cols}, 1 AS src FROM audit_fill ${cond})
      QUALIFY row_number() OVER (PARTITION BY venue, fill_id ORDER BY src) = 1
      ORDER BY strategy_id, account, instrument, ts_event_ns, fill_id`);
  } finally {
    s.close();
  }
  const groups = new Map<string, FillRow[]>();
  for (const r of rows) {
    const key = `${r.strategy_id}\u0000${r.account}\u0000${r.instrument}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  const lots: TaxLot[] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const byId = new Map(list.map((r) => [r.fill_id, r]));
    const fills: Fill[] = list.map((r) => toFill(r));
    let match: ReturnType<typeof matchLots>;
    try {
      match = matchLots(fills, method, options.contracts?.[first.instrument] ?? {});
    } catch (e) {
      throw new AnalyticsError(
        "LAKE_PRECISION",
        `cannot match lots of ${first.strategy_id} ${first.instrument}: ${(e as Error).message}`,
        { cause: e, context: { strategy: first.strategy_id, instrument: first.instrument } },
      );
    }
    for (const c of match.closed) {
      if (fromNs !== undefined && c.closeTsNs < fromNs) continue;
      const open = byId.get(c.openFillId)!;
      const close = byId.get(c.closeFillId)!;
      const take = exact(c.quantity.toString());
      const openFee = feeShare(open, take);
      const closeFee = feeShare(close, take);
      const gain = exact(c.realizedPnl.toString());
      lots.push({
        strategy: first.strategy_id,
        account: first.account,
        instrument: first.instrument,
        method,
        side: c.side,
        quantity: exactText(take),
        openFillId: c.openFillId,
        openTime: iso(c.openTsNs),
        openPrice: norm(c.openPrice.toString()),
        closeFillId: c.closeFillId,
        closeTime: iso(c.closeTsNs),
        closePrice: norm(c.closePrice.toString()),
        gain: exactText(gain),
        openFee: exactText(openFee),
        closeFee: exactText(closeFee),
        gainNet: exactText(gain - openFee - closeFee),
        holdingDays: Number(c.closeTsNs - c.openTsNs) / 86_400e9,
      });
    }
  }
  return { lots, years: byYear(lots) };
}

/** fee × take / fill quantity, rounded half-even to 18 places. */
function feeShare(f: FillRow, take: Exact): Exact {
  const qty = exact(f.quantity);
  if (qty === 0n) return 0n;
  // fee and take are in 10⁻¹⁸ units: fee × take / qty stays in 10⁻¹⁸ units
  const num = exact(f.fee) * take;
  return divideExact(num, qty);
}

function toFill(r: FillRow): Fill {
  return {
    fillId: r.fill_id,
    clientOrderId: r.client_order_id,
    venueOrderId: "",
    instrument: parseInstrumentId(r.instrument),
    side: r.side,
    price: Decimal.parse(norm(r.price)),
    quantity: Decimal.parse(norm(r.quantity)),
    fee: new Money(Decimal.parse(norm(r.fee)), r.fee_currency || "?"),
    liquidity: "taker",
    tsEventNs: BigInt(r.ts),
    strategyId: r.strategy_id,
    account: r.account,
  };
}

const iso = (ns: bigint): string => new Date(Number(ns / 1_000_000n)).toISOString();

function byYear(lots: readonly TaxLot[]): TaxYear[] {
  const out = new Map<string, { y: TaxYear; gain: Exact; fees: Exact }>();
  for (const l of lots) {
    const year = Number(l.closeTime.slice(0, 4));
    const key = `${year}\u0000${l.strategy}\u0000${l.account}\u0000${l.instrument}`;
    const cur = out.get(key) ?? {
      y: {
        year,
        strategy: l.strategy,
        account: l.account,
        instrument: l.instrument,
        method: l.method,
        lots: 0,
        gain: "",
        fees: "",
        gainNet: "",
      },
      gain: 0n,
      fees: 0n,
    };
    cur.gain += exact(l.gain);
    cur.fees += exact(l.openFee) + exact(l.closeFee);
    cur.y = { ...cur.y, lots: cur.y.lots + 1 };
    out.set(key, cur);
  }
  return [...out.values()]
    .map(({ y, gain, fees }) => ({
      ...y,
      gain: exactText(gain),
      fees: exactText(fees),
      gainNet: exactText(gain - fees),
    }))
    .sort(
      (a, b) =>
        a.year - b.year || a.strategy.localeCompare(b.strategy) || a.instrument.localeCompare(b.instrument),
    );
}

function csvField(value: string | number): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows as CSV text with a header line. */
export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[]): string {
  const lines = [columns.join(",")];
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c] as string | number)).join(","));
  return `${lines.join("\n")}\n`;
}

export const TAX_LOT_COLUMNS = [
  "strategy",
  "account",
  "instrument",
  "method",
  "side",
  "quantity",
  "openFillId",
  "openTime",
  "openPrice",
  "closeFillId",
  "closeTime",
  "closePrice",
  "gain",
  "openFee",
  "closeFee",
  "gainNet",
  "holdingDays",
] as const satisfies readonly (keyof TaxLot)[];

export const TAX_YEAR_COLUMNS = [
  "year",
  "strategy",
  "account",
  "instrument",
  "method",
  "lots",
  "gain",
  "fees",
  "gainNet",
] as const satisfies readonly (keyof TaxYear)[];

/** Options of `exportTaxLots`: `computeTaxLots`'s plus where the two CSV files go. */
export interface TaxLotExportOptions extends TaxLotOptions {
  /** CSV of every closed lot. @example "lots.csv" */
  readonly out: string;
  /** CSV of the per-year totals. Default: `out` with `-by-year` before `.csv`. */
  readonly yearsOut?: string;
}

/** Computes the lots and writes both CSV files (each under a temporary name, then renamed). */
export async function exportTaxLots(
  options: TaxLotExportOptions,
): Promise<TaxLotResult & { readonly files: readonly string[] }> {
  if (typeof options.out !== "string" || options.out === "") throw invalidArgument("out", "is required");
  const result = await computeTaxLots(options);
  const lotsFile = resolve(options.out);
  const yearsFile = resolve(options.yearsOut ?? lotsFile.replace(/(\.csv)?$/i, "-by-year.csv"));
  try {
    for (const [file, text] of [
      [lotsFile, toCsv(result.lots, TAX_LOT_COLUMNS)],
      [yearsFile, toCsv(result.years, TAX_YEAR_COLUMNS)],
    ] as const) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(`${file}.tmp`, text);
      await rename(`${file}.tmp`, file);
    }
  } catch (e) {
    throw new AnalyticsError(
      "WRITE_FAILED",
      `cannot write tax lots to ${lotsFile}: ${(e as Error).message}`,
      {
        cause: e,
        context: { file: lotsFile },
      },
    );
  }
  return { ...result, files: [lotsFile, yearsFile] };
}
