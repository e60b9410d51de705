import { CurrencyMismatchError } from "../errors/domain-errors.js";
import type { Money as ProtoMoney } from "../gen/openfloor/v1/portfolio.js";
import { Decimal, type DecimalLike, type RoundingMode } from "./decimal.js";

/**
 * An exact amount in one currency. Arithmetic across currencies is a `CurrencyMismatchError`;
 * convert explicitly with a rate first.
 *
 * @example
 * Money.of("12.50", "USDT").add(Money.of("0.5", "USDT")).toString() // "13.00 USDT"
 */
export class Money {
  readonly amount: Decimal;
  readonly currency: string;

  constructor(amount: DecimalLike, currency: string) {
    this.amount = Decimal.from(amount);
    this.currency = currency;
  }

  static of(amount: DecimalLike, currency: string): Money {
    return new Money(amount, currency);
  }

  static zero(currency: string): Money {
    return new Money(Decimal.ZERO, currency);
  }

  static fromProto(value: ProtoMoney | undefined, fallbackCurrency = ""): Money {
    return new Money(Decimal.fromProto(value?.amount), value?.currency || fallbackCurrency);
  }

  toProto(): ProtoMoney {
    return { amount: this.amount.toProto(), currency: this.currency };
  }

  private same(other: Money, op: string): void {
    if (other.currency !== this.currency) {
      throw new CurrencyMismatchError(
        "CURRENCY_MISMATCH",
        `cannot ${op} ${other.toString()} and ${this.toString()}: different currencies`,
        { context: { left: this.currency, right: other.currency } },
      );
    }
  }

  add(other: Money): Money {
    this.same(other, "add");
    return new Money(this.amount.add(other.amount), this.currency);
  }

  sub(other: Money): Money {
    this.same(other, "subtract");
    return new Money(this.amount.sub(other.amount), this.currency);
  }

  /** Scales by a dimensionless factor (a quantity, a rate); pass a scale to round the product. */
  mul(factor: DecimalLike, options?: { scale: number; rounding?: RoundingMode }): Money {
    return new Money(this.amount.mul(factor, options), this.currency);
  }

  neg(): Money {
    return new Money(this.amount.neg(), this.currency);
  }

  /** Converts at `rate` units of `currency` per unit of this money's currency. */
  convert(rate: DecimalLike, currency: string, options?: { scale: number; rounding?: RoundingMode }): Money {
    return new Money(this.amount.mul(rate, options), currency);
  }

  cmp(other: Money): -1 | 0 | 1 {
    this.same(other, "compare");
    return this.amount.cmp(other.amount);
  }

  eq(other: Money): boolean {
    return this.currency === other.currency && this.amount.eq(other.amount);
  }

  isZero(): boolean {
    return this.amount.isZero();
  }

  toString(): string {
    return `${this.amount.toString()} ${this.currency}`;
  }

  toJSON(): { amount: string; currency: string } {
    return { amount: this.amount.toString(), currency: this.currency };
  }
}
