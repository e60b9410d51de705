import { OpenfloorError } from "./openfloor-error.js";

export type PortfolioErrorCode =
  /** No conversion rate between two currencies; `context.from` and `context.to` name them. */
  | "PORTFOLIO_NO_RATE"
  /** A fill, mark or funding event for an instrument the portfolio was not given. */
  | "PORTFOLIO_UNKNOWN_INSTRUMENT"
  /** A fill that cannot be applied on its face (negative quantity, non-positive inverse price, fee without currency). */
  | "PORTFOLIO_INVALID_FILL"
  /** A mark or funding price that cannot value the position (an inverse contract needs a positive price). */
  | "PORTFOLIO_INVALID_PRICE"
  /** A fill or event for another account, instrument or strategy than the position it was given to. */
  | "PORTFOLIO_MISMATCH"
  /** A result that does not fit openfloor's 64-bit, 18-place Decimal (see `inverseScale`). */
  | "PORTFOLIO_PRECISION"
  /** A funding amount that could belong to more than one strategy's position. */
  | "PORTFOLIO_AMBIGUOUS_FUNDING"
  /** A protobuf Position or Balance with a required field missing or malformed; `context.field` names it. */
  | "PORTFOLIO_INVALID_MESSAGE";

/** Positions, PnL and portfolio valuation: an input that cannot be applied, or a value that cannot be computed. */
export class PortfolioError extends OpenfloorError<PortfolioErrorCode> {}
