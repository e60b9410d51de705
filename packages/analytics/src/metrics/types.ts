/**
 * The numbers of a report. Money is an exact decimal string (`"-12.5"`), never a float; ratios,
 * returns, basis points and latencies are numbers; `null` means "not defined for this data" (a Sharpe
 * ratio of a flat curve, a slippage without quotes), never zero.
 */

/** A moment as ms since the epoch and its ISO text. */
export interface Instant {
  readonly ms: number;
  readonly iso: string;
}

/** One period of one instrument (a day by default). Money fields are exact decimal strings. */
export interface PeriodRow {
  readonly instrument: string;
  readonly start: Instant;
  readonly end: Instant;
  /** Signed position at the period's end. */
  readonly position: string;
  /** Mark at the period's end: the last quote mid before it, else the last fill price; null when flat and never traded. */
  readonly mark: string | null;
  readonly markSource: "quote" | "fill" | "none";
  /** FIFO gains of lots closed in the period, before fees. */
  readonly realizedGross: string;
  /** realizedGross − fees of the period. */
  readonly realizedNet: string;
  /** Open lots at the mark minus their cost, at the period's end. */
  readonly unrealizedGross: string;
  readonly fees: string;
  /** Change of mark-to-market value (realized + change of unrealized), before fees. */
  readonly pnlGross: string;
  readonly pnlNet: string;
  /** Σ |quantity| × price of the period's fills. */
  readonly tradedNotional: string;
  readonly fills: number;
  /** |position| × mark and position × mark at the period's end. */
  readonly grossExposure: string;
  readonly netExposure: string;
}

export interface EquityPoint {
  readonly at: Instant;
  /** capital + net PnL since the start of the report. */
  readonly equity: string;
  readonly pnlNet: string;
  /** Fall from the running peak as a fraction of it (≤ 0). */
  readonly drawdown: number;
  readonly grossExposure: string;
}

export interface InstrumentSummary {
  readonly instrument: string;
  readonly pnlGross: string;
  readonly pnlNet: string;
  readonly realizedGross: string;
  readonly unrealizedGross: string;
  readonly fees: string;
  readonly tradedNotional: string;
  readonly fills: number;
  readonly position: string;
  /** Σ filled quantity / Σ order quantity of the instrument's orders created in the period. */
  readonly fillRatio: number | null;
}

export interface LatencyStats {
  readonly count: number;
  readonly meanMs: number | null;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

export interface HistogramBin {
  /** Inclusive lower and exclusive upper edge, ms. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly ack: number;
  readonly fill: number;
}

export interface Slippage {
  /** Σ side × quantity × (fill price − benchmark): positive is a cost. */
  readonly cost: string | null;
  /** cost / Σ quantity × benchmark × 10⁴; positive is a cost. */
  readonly bps: number | null;
  /** Fills with a benchmark. */
  readonly fills: number;
}

export interface Markout {
  readonly horizonMs: number;
  /** Σ side × quantity × (mid at fill time + horizon − fill price): positive is a gain. */
  readonly amount: string | null;
  /** amount / Σ quantity × fill price × 10⁴. */
  readonly bps: number | null;
  readonly fills: number;
}

export interface InternalSeries {
  readonly name: string;
  readonly count: number;
  /** Down-sampled: the last value in each of at most `chartPoints` time buckets. */
  readonly points: readonly { readonly ms: number; readonly value: number }[];
  /** The internal's value at each fill, as of the fill time. */
  readonly atFills: {
    readonly count: number;
    readonly meanAtBuys: number | null;
    readonly meanAtSells: number | null;
  };
}

export interface StrategyMetrics {
  readonly strategy: string;
  readonly from: Instant;
  readonly to: Instant;
  readonly settings: {
    readonly periodMs: number;
    readonly periodsPerYear: number;
    readonly riskFreeRate: number;
    readonly capital: string;
    /** "option" when given, else "peak-position-value" (largest |position| × fill price in the period). */
    readonly capitalSource: "option" | "peak-position-value";
    readonly markoutHorizonsMs: readonly number[];
    readonly decisionPriceName: string;
  };
  readonly pnl: {
    readonly gross: string;
    readonly net: string;
    readonly realizedGross: string;
    readonly realizedNet: string;
    /** At the end of the period. */
    readonly unrealizedGross: string;
    readonly fees: string;
  };
  readonly returns: {
    readonly totalReturn: number;
    readonly annualizedReturn: number | null;
    readonly annualizedVolatility: number | null;
    readonly sharpe: number | null;
    readonly sortino: number | null;
    readonly calmar: number | null;
    readonly maxDrawdown: number;
    readonly maxDrawdownAmount: string;
    readonly maxDrawdownPeriods: number;
    readonly maxDrawdownMs: number;
    readonly drawdownRecovered: boolean;
  };
  readonly trades: {
    /** Closed round trips: flat → position → flat, per instrument. */
    readonly roundTrips: number;
    readonly wins: number;
    readonly losses: number;
    readonly winRate: number | null;
    /** Σ net PnL of winners / |Σ net PnL of losers|. */
    readonly profitFactor: number | null;
    readonly averageWin: string | null;
    readonly averageLoss: string | null;
    /** Mean net PnL per closed round trip. */
    readonly expectancy: string | null;
    readonly averageHoldingMs: number | null;
  };
  readonly activity: {
    readonly fills: number;
    readonly tradedNotional: string;
    /** tradedNotional / capital. */
    readonly turnover: number | null;
    readonly averageGrossExposure: string;
    readonly maxGrossExposure: string;
    /** Share of period ends with a position. */
    readonly timeInMarket: number | null;
  };
  readonly execution: {
    readonly orders: number;
    readonly ordersWithFills: number;
    /** Mean over orders of filled quantity / order quantity (each order weighs the same). */
    readonly fillRatio: number | null;
    readonly slippageVsArrival: Slippage;
    readonly slippageVsDecision: Slippage;
    readonly orderToAck: LatencyStats;
    readonly orderToFill: LatencyStats;
    readonly latencyHistogram: readonly HistogramBin[];
    readonly markouts: readonly Markout[];
  };
  readonly equity: readonly EquityPoint[];
  readonly periods: readonly PeriodRow[];
  readonly byInstrument: readonly InstrumentSummary[];
  readonly internals: readonly InternalSeries[];
  /** What the numbers could not use (no quotes for an instrument, rejected records, mixed currencies). */
  readonly warnings: readonly string[];
}
