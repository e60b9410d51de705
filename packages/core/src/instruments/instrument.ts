import type { Nanos } from "../clock/clock.js";
import { InstrumentError } from "../errors/domain-errors.js";
import { Decimal, type DecimalLike } from "../numbers/decimal.js";
import type { InstrumentId } from "./instrument-id.js";
import { formatInstrumentId } from "./instrument-id.js";

/** What is traded. `power_future` is an energy future with a delivery period. */
export type InstrumentKind = "spot" | "perpetual" | "future" | "option" | "equity" | "etf" | "power_future";

/** A weekly trading session in the venue's time zone, e.g. NYSE 09:30–16:00 Mon–Fri America/New_York. */
export interface TradingSession {
  /** Days of week, 0 = Sunday … 6 = Saturday. */
  readonly days: readonly number[];
  /** "HH:MM" local open (inclusive) and close (exclusive). */
  readonly open: string;
  readonly close: string;
  /** IANA time zone, e.g. "America/New_York". */
  readonly timeZone: string;
}

/** An energy delivery period: power delivered from `start` to `end` (ns since epoch), e.g. a month of base load. */
export interface DeliveryPeriod {
  readonly start: Nanos;
  readonly end: Nanos;
  /** Load profile, e.g. "base" or "peak". */
  readonly profile: string;
}

export interface OptionTerms {
  readonly strike: Decimal;
  readonly right: "call" | "put";
}

/**
 * Everything needed to trade and account for an instrument. Fees are rates (0.001 = 10 bp; negative
 * is a rebate). Linear contracts settle PnL in the quote currency, inverse ones in the base currency.
 */
export interface Instrument {
  readonly id: InstrumentId;
  readonly kind: InstrumentKind;
  readonly base: string;
  readonly quote: string;
  /** Currency PnL and fees settle in: quote for spot and linear, base for inverse. */
  readonly settlement: string;
  readonly priceIncrement: Decimal;
  readonly sizeIncrement: Decimal;
  readonly minSize: Decimal;
  /** Minimum price × size (in quote currency), zero when the venue has none. */
  readonly minNotional: Decimal;
  /** Contract multiplier (value of one contract; 1 for spot). */
  readonly multiplier: Decimal;
  readonly inverse: boolean;
  readonly makerFee: Decimal;
  readonly takerFee: Decimal;
  readonly expiry?: Nanos;
  readonly option?: OptionTerms;
  readonly deliveryPeriod?: DeliveryPeriod;
  readonly sessions?: readonly TradingSession[];
}

/** The fields to give `defineInstrument`; numbers as strings or Decimals. */
export interface InstrumentSpec {
  id: InstrumentId;
  kind: InstrumentKind;
  base: string;
  quote: string;
  /** Default: base for inverse, else quote. */
  settlement?: string;
  priceIncrement: DecimalLike;
  sizeIncrement: DecimalLike;
  /** Default: sizeIncrement. */
  minSize?: DecimalLike;
  /** Default: 0. */
  minNotional?: DecimalLike;
  /** Default: 1. */
  multiplier?: DecimalLike;
  /** Default: false. */
  inverse?: boolean;
  /** Default: 0. */
  makerFee?: DecimalLike;
  /** Default: 0. */
  takerFee?: DecimalLike;
  expiry?: Nanos;
  option?: { strike: DecimalLike; right: "call" | "put" };
  deliveryPeriod?: DeliveryPeriod;
  sessions?: TradingSession[];
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * Validates and freezes an instrument definition. Errors name the instrument and the field.
 * @example defineInstrument({ id: instrumentId("BTC/USDT", "sim"), kind: "spot", base: "BTC", quote: "USDT",
 *   priceIncrement: "0.01", sizeIncrement: "0.0001" })
 */
export function defineInstrument(spec: InstrumentSpec): Instrument {
  const where = formatInstrumentId(spec.id);
  const bad = (field: string, why: string): never => {
    throw new InstrumentError("INSTRUMENT_INVALID", `instrument ${where}: ${field} ${why}`, {
      context: { instrument: where, field },
    });
  };
  const positive = (field: string, v: DecimalLike): Decimal => {
    const d = Decimal.from(v);
    if (!d.isPositive()) bad(field, `must be positive, got ${d.toString()}`);
    return d;
  };
  const inverse = spec.inverse ?? false;
  const priceIncrement = positive("priceIncrement", spec.priceIncrement);
  const sizeIncrement = positive("sizeIncrement", spec.sizeIncrement);
  const minSize = spec.minSize === undefined ? sizeIncrement : Decimal.from(spec.minSize);
  if (minSize.isNegative()) bad("minSize", "must not be negative");
  const minNotional = Decimal.from(spec.minNotional ?? 0);
  if (minNotional.isNegative()) bad("minNotional", "must not be negative");
  const multiplier = positive("multiplier", spec.multiplier ?? 1);
  if (spec.base.length === 0) bad("base", "must not be empty");
  if (spec.quote.length === 0) bad("quote", "must not be empty");
  if ((spec.kind === "future" || spec.kind === "option") && spec.expiry === undefined)
    bad("expiry", `is required for ${spec.kind}`);
  if (spec.kind === "option" && spec.option === undefined) bad("option", "is required for an option");
  if (spec.kind === "power_future") {
    const dp = spec.deliveryPeriod;
    if (dp === undefined) bad("deliveryPeriod", "is required for a power_future");
    else if (dp.end <= dp.start) bad("deliveryPeriod", "must end after it starts");
  }
  if (inverse && spec.kind === "spot") bad("inverse", "cannot be true for spot");
  for (const [i, s] of (spec.sessions ?? []).entries()) {
    if (!HHMM.test(s.open) || !HHMM.test(s.close)) bad(`sessions[${i}]`, "open/close must be HH:MM");
    if (s.days.some((d) => !Number.isInteger(d) || d < 0 || d > 6))
      bad(`sessions[${i}].days`, "must be 0..6");
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: s.timeZone });
    } catch {
      bad(`sessions[${i}].timeZone`, `is not a known time zone: ${s.timeZone}`);
    }
  }
  const instrument: Instrument = {
    id: Object.freeze({ ...spec.id }),
    kind: spec.kind,
    base: spec.base,
    quote: spec.quote,
    settlement: spec.settlement ?? (inverse ? spec.base : spec.quote),
    priceIncrement,
    sizeIncrement,
    minSize,
    minNotional,
    multiplier,
    inverse,
    makerFee: Decimal.from(spec.makerFee ?? 0),
    takerFee: Decimal.from(spec.takerFee ?? 0),
    ...(spec.expiry === undefined ? {} : { expiry: spec.expiry }),
    ...(spec.option === undefined
      ? {}
      : { option: Object.freeze({ strike: Decimal.from(spec.option.strike), right: spec.option.right }) }),
    ...(spec.deliveryPeriod === undefined
      ? {}
      : { deliveryPeriod: Object.freeze({ ...spec.deliveryPeriod }) }),
    ...(spec.sessions === undefined
      ? {}
      : { sessions: Object.freeze(spec.sessions.map((s) => Object.freeze({ ...s }))) }),
  };
  return Object.freeze(instrument);
}

/** Decimal places of the price increment (0.01 → 2). */
export function priceDecimals(instrument: Instrument): number {
  return instrument.priceIncrement.normalize().scale;
}

/** Decimal places of the size increment (0.0001 → 4). */
export function sizeDecimals(instrument: Instrument): number {
  return instrument.sizeIncrement.normalize().scale;
}

/**
 * Notional value of `quantity` at `price` in the settlement currency: linear `q × p × multiplier`
 * (quote currency); inverse `q × multiplier / p` (base currency, rounded to 18 places).
 */
export function notional(instrument: Instrument, price: Decimal, quantity: Decimal): Decimal {
  if (instrument.inverse) return quantity.mul(instrument.multiplier).div(price);
  return quantity.mul(price).mul(instrument.multiplier);
}

/** True if `timeMs` falls inside one of the instrument's sessions (always true when it has none). */
export function isInSession(instrument: Instrument, timeMs: number): boolean {
  const sessions = instrument.sessions;
  if (sessions === undefined || sessions.length === 0) return true;
  return sessions.some((s) => {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: s.timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(new Date(timeMs));
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
    const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(get("weekday"));
    const hhmm = `${get("hour")}:${get("minute")}`;
    return s.days.includes(day) && hhmm >= s.open && hhmm < s.close;
  });
}
