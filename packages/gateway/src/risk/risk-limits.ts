import { Decimal, OpenfloorError } from "@openfloor/core";

/**
 * A limit with a default and overrides for single keys. The key is an instrument id in its text
 * form (`"BTC/USDT:binance"`) for per-instrument limits, an account for exposure limits and a
 * strategy id for order-count and rate limits. No default and no override means no limit.
 */
export interface ScopedLimit<T> {
  readonly default?: T;
  readonly overrides?: ReadonlyMap<string, T>;
}

/**
 * Pre-trade limits in force, parsed. Every limit is optional; an absent limit is not checked.
 * Money limits are in the settlement currency of the instrument an order is for; exposure limits
 * apply per account and per settlement currency (amounts in different currencies are never added).
 */
export interface RiskLimits {
  /** Largest quantity one order may have, per instrument. */
  readonly maxOrderQuantity?: ScopedLimit<Decimal>;
  /** Largest quantity × price × multiplier one order may have, per instrument. */
  readonly maxOrderNotional?: ScopedLimit<Decimal>;
  /** Largest |net position| per instrument and account, counting open orders on the same side. */
  readonly maxPositionPerInstrument?: ScopedLimit<Decimal>;
  /** Largest Σ|position value| per account (at marks), counting the order. */
  readonly maxGrossExposure?: ScopedLimit<Decimal>;
  /** Largest |Σ signed position value| per account (at marks), counting the order. */
  readonly maxNetExposure?: ScopedLimit<Decimal>;
  /** Fat-finger band: a limit price further than this many basis points from the current mid is denied. */
  readonly priceBandBps?: ScopedLimit<Decimal>;
  /** Most open orders per strategy. */
  readonly maxOpenOrders?: ScopedLimit<number>;
  /** Most new orders and amends per strategy in any one-second window. */
  readonly maxOrdersPerSecond?: ScopedLimit<number>;
}

/** A number as it comes from YAML/JSON config: a decimal string (preferred) or a number. */
export type LimitValue = string | number;

/**
 * One limit in config: a value for every key, or a map with an optional `default` and overrides by
 * key. @example { default: "10", "BTC/USDT:binance": "2" }
 */
export type ScopedLimitConfig = LimitValue | { readonly [key: string]: LimitValue };

/**
 * `RiskLimits` as written in config (`gateway.yaml` → `risk`). Decimals as strings.
 * @example { maxOrderQuantity: { default: "10", "BTC/USDT:binance": "0.5" }, priceBandBps: "500", maxOrdersPerSecond: 50 }
 */
export interface RiskLimitsConfig {
  readonly maxOrderQuantity?: ScopedLimitConfig;
  readonly maxOrderNotional?: ScopedLimitConfig;
  readonly maxPositionPerInstrument?: ScopedLimitConfig;
  readonly maxGrossExposure?: ScopedLimitConfig;
  readonly maxNetExposure?: ScopedLimitConfig;
  readonly priceBandBps?: ScopedLimitConfig;
  readonly maxOpenOrders?: ScopedLimitConfig;
  readonly maxOrdersPerSecond?: ScopedLimitConfig;
}

/** Risk limits config that cannot be used; the message names the key. */
export class RiskLimitsError extends OpenfloorError<"RISK_LIMITS_INVALID"> {}

const DECIMAL_LIMITS = [
  "maxOrderQuantity",
  "maxOrderNotional",
  "maxPositionPerInstrument",
  "maxGrossExposure",
  "maxNetExposure",
  "priceBandBps",
] as const;
const COUNT_LIMITS = ["maxOpenOrders", "maxOrdersPerSecond"] as const;
const KNOWN_KEYS: readonly string[] = [...DECIMAL_LIMITS, ...COUNT_LIMITS];

/** The limit for `key`: its override, else the default, else undefined (no limit). */
export function limitFor<T>(limit: ScopedLimit<T> | undefined, key: string): T | undefined {
  if (limit === undefined) return undefined;
  return limit.overrides?.get(key) ?? limit.default;
}

/**
 * Parses and checks limits from config. Errors are `RiskLimitsError`s naming the key, e.g.
 * `gateway.yaml: risk.maxOrderQuantity.BTC/USDT:sim: must be positive, got "-1"`.
 * @param where prefix for key paths in messages. Default: "risk".
 */
export function parseRiskLimits(config: unknown, where = "risk"): RiskLimits {
  if (config === undefined || config === null) return {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw invalid(where, `must be a map of limits, got ${describe(config)}`);
  }
  const raw = config as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.includes(key)) {
      throw invalid(`${where}.${key}`, `unknown risk limit; allowed: ${KNOWN_KEYS.join(", ")}`);
    }
  }
  const limits: Record<string, ScopedLimit<Decimal> | ScopedLimit<number>> = {};
  for (const key of DECIMAL_LIMITS) {
    const value = raw[key];
    if (value !== undefined) limits[key] = parseScoped(value, `${where}.${key}`, parseDecimalLimit);
  }
  for (const key of COUNT_LIMITS) {
    const value = raw[key];
    if (value !== undefined) limits[key] = parseScoped(value, `${where}.${key}`, parseCountLimit);
  }
  return limits as RiskLimits;
}

function parseScoped<T>(
  value: unknown,
  path: string,
  parse: (v: unknown, path: string) => T,
): ScopedLimit<T> {
  if (typeof value === "string" || typeof value === "number") return { default: parse(value, path) };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(path, `must be a number, a decimal string or a map of them, got ${describe(value)}`);
  }
  const overrides = new Map<string, T>();
  let fallback: T | undefined;
  for (const [key, v] of Object.entries(value)) {
    const parsed = parse(v, `${path}.${key}`);
    if (key === "default") fallback = parsed;
    else overrides.set(key, parsed);
  }
  return fallback === undefined ? { overrides } : { default: fallback, overrides };
}

function parseDecimalLimit(value: unknown, path: string): Decimal {
  let d: Decimal;
  try {
    if (typeof value === "string") d = Decimal.parse(value);
    else if (typeof value === "number") d = Decimal.fromNumber(value);
    else throw new TypeError(`expected a decimal string, got ${describe(value)}`);
  } catch (error) {
    throw invalid(path, error instanceof Error ? error.message : String(error), error);
  }
  if (!d.isPositive()) throw invalid(path, `must be positive, got ${JSON.stringify(d.toString())}`);
  return d;
}

function parseCountLimit(value: unknown, path: string): number {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n <= 0) {
    throw invalid(path, `must be a positive whole number, got ${describe(value)}`);
  }
  return n;
}

function invalid(path: string, why: string, cause?: unknown): RiskLimitsError {
  return new RiskLimitsError("RISK_LIMITS_INVALID", `${path}: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
    context: { key: path },
  });
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "a map" : `${typeof value} ${String(value)}`;
}

/** One line per limit in force, for `ReloadRiskLimits` and logs. */
export function describeRiskLimits(limits: RiskLimits): string {
  const lines: string[] = [];
  for (const key of KNOWN_KEYS) {
    const limit = limits[key as keyof RiskLimits] as ScopedLimit<Decimal | number> | undefined;
    if (limit === undefined) continue;
    const parts: string[] = [];
    if (limit.default !== undefined) parts.push(`default ${String(limit.default)}`);
    for (const [k, v] of limit.overrides ?? []) parts.push(`${k} ${String(v)}`);
    lines.push(`${key}: ${parts.join(", ")}`);
  }
  return lines.length === 0 ? "no risk limits" : lines.join("\n");
}
