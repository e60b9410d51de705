import { PortfolioError } from "../errors/portfolio-error.js";
import { Decimal, type DecimalLike } from "../numbers/decimal.js";
import { precisionGuard } from "./exact-ratio.js";

/**
 * Conversion rates between currencies: `set("BTC", "USDT", "61000")` means 1 BTC = 61000 USDT.
 * A conversion uses the rate in either direction (dividing by the reverse rate); there is no chaining
 * through a third currency, so a report currency needs a rate from every currency it values.
 */
export class ConversionRates {
  private readonly rates = new Map<string, Decimal>();

  /** 1 `from` = `price` `to`; the price must be positive. Replaces an earlier rate for the pair. */
  set(from: string, to: string, price: DecimalLike): void {
    const p = Decimal.from(price);
    if (!p.isPositive()) {
      throw new PortfolioError("PORTFOLIO_INVALID_PRICE", `rate ${from}/${to} must be positive, got ${p}`, {
        context: { from, to, price: p.toString() },
      });
    }
    this.rates.set(`${from}/${to}`, p);
  }

  /** The rate set for exactly this direction, if any. */
  get(from: string, to: string): Decimal | undefined {
    return this.rates.get(`${from}/${to}`);
  }

  /**
   * `amount` of `from` in `to`, rounded half-even to `scale` places (identity when from = to, with no
   * rounding). No rate either way is a PORTFOLIO_NO_RATE error naming both currencies.
   */
  convert(amount: Decimal, from: string, to: string, scale: number): Decimal {
    if (from === to) return amount;
    const direct = this.rates.get(`${from}/${to}`);
    const reverse = direct === undefined ? this.rates.get(`${to}/${from}`) : undefined;
    if (direct === undefined && reverse === undefined) {
      throw new PortfolioError(
        "PORTFOLIO_NO_RATE",
        `no conversion rate from ${from} to ${to}; call setRate("${from}", "${to}", price)`,
        { context: { from, to } },
      );
    }
    return precisionGuard(`converting ${amount} ${from} to ${to}`, { from, to }, () =>
      (direct !== undefined
        ? amount.mul(direct, { scale, rounding: "half-even" })
        : amount.div(reverse!, { scale, rounding: "half-even" })
      ).normalize(),
    );
  }
}
