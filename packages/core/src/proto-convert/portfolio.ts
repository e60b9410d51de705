import { PortfolioError } from "../errors/portfolio-error.js";
import type {
  Balance as BalanceMessage,
  Money as MoneyMessage,
  Position as PositionMessage,
} from "../gen/openfloor/v1/portfolio.js";
import { instrumentId } from "../instruments/instrument-id.js";
import { Decimal } from "../numbers/decimal.js";
import { Money } from "../numbers/money.js";
import type { Balance } from "../portfolio/portfolio.js";
import type { PositionSnapshot } from "../portfolio/position.js";

/** A position snapshot as the protobuf `openfloor.v1.Position` (lossless). */
export function positionToProto(position: PositionSnapshot): PositionMessage {
  return {
    account: position.account,
    instrument: { symbol: position.instrument.symbol, venue: position.instrument.venue },
    strategyId: position.strategyId,
    quantity: position.quantity.toProto(),
    averageEntryPrice: position.averageEntryPrice?.toProto(),
    realizedPnl: position.realizedPnl.toProto(),
    unrealizedPnl: position.unrealizedPnl.toProto(),
    markPrice: position.markPrice?.toProto(),
    fees: position.fees.map((f) => f.toProto()),
    tsNs: position.tsNs,
  };
}

/**
 * The protobuf `openfloor.v1.Position` as a snapshot. A missing or malformed instrument or decimal is a
 * PORTFOLIO_INVALID_MESSAGE error naming the field; an absent quantity is zero (proto3 default).
 */
export function positionFromProto(message: PositionMessage): PositionSnapshot {
  const instrument = message.instrument;
  if (instrument === undefined) invalid("Position", "instrument", "is missing");
  const pnlCurrency = message.realizedPnl?.currency || message.unrealizedPnl?.currency || "";
  return {
    account: message.account,
    instrument: field("Position", "instrument", () => instrumentId(instrument.symbol, instrument.venue)),
    strategyId: message.strategyId,
    quantity: field("Position", "quantity", () => Decimal.fromProto(message.quantity)),
    averageEntryPrice: optionalDecimal("Position", "average_entry_price", message.averageEntryPrice),
    realizedPnl: money("Position", "realized_pnl", message.realizedPnl, pnlCurrency),
    unrealizedPnl: money("Position", "unrealized_pnl", message.unrealizedPnl, pnlCurrency),
    markPrice: optionalDecimal("Position", "mark_price", message.markPrice),
    fees: message.fees.map((f, i) => {
      if (f.currency === "") invalid("Position", `fees[${i}].currency`, "is empty");
      return money("Position", `fees[${i}]`, f, "");
    }),
    tsNs: message.tsNs,
  };
}

/** A balance as the protobuf `openfloor.v1.Balance` (lossless). */
export function balanceToProto(balance: Balance): BalanceMessage {
  return {
    account: balance.account,
    currency: balance.currency,
    total: balance.total.toProto(),
    free: balance.free.toProto(),
    locked: balance.locked.toProto(),
    tsNs: balance.tsNs,
  };
}

/** The protobuf `openfloor.v1.Balance` as a `Balance`; an empty currency or a malformed decimal is PORTFOLIO_INVALID_MESSAGE. */
export function balanceFromProto(message: BalanceMessage): Balance {
  if (message.currency === "") invalid("Balance", "currency", "is empty");
  return {
    account: message.account,
    currency: message.currency,
    total: field("Balance", "total", () => Decimal.fromProto(message.total)),
    free: field("Balance", "free", () => Decimal.fromProto(message.free)),
    locked: field("Balance", "locked", () => Decimal.fromProto(message.locked)),
    tsNs: message.tsNs,
  };
}

function invalid(message: string, name: string, why: string, cause?: unknown): never {
  throw new PortfolioError("PORTFOLIO_INVALID_MESSAGE", `${message}.${name} ${why}`, {
    cause,
    context: { message, field: name },
  });
}

function field<T>(message: string, name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    return invalid(
      message,
      name,
      `is malformed: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
}

function optionalDecimal(
  message: string,
  name: string,
  value: PositionMessage["markPrice"],
): Decimal | undefined {
  return value === undefined ? undefined : field(message, name, () => Decimal.fromProto(value));
}

function money(message: string, name: string, value: MoneyMessage | undefined, currency: string): Money {
  return field(message, name, () => Money.fromProto(value, currency));
}
