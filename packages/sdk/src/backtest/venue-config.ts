import {
  type LatencyModel,
  SeededRandom,
  SimExchange,
  type StopTrigger,
  SyntheticMarket,
  type SyntheticMarketParams,
  simInstrument,
  simInstrumentSchema,
} from "@openfloor/adapters/sim";
import {
  type DecimalLike,
  formatInstrumentId,
  type Instrument,
  isOpenfloorError,
  type Logger,
  type MarketEvent,
} from "@openfloor/core";
import type { z } from "zod";
import { SdkError } from "../errors/sdk-errors.js";
import type { BacktestClock } from "../transport/backtest/backtest-clock.js";
import type { BacktestVenueLink } from "../transport/backtest/backtest-transport.js";

/**
 * An instrument of the simulated venue as configuration: the `sim` adapter's instrument fields (decimals
 * as strings) plus the venue it is listed on and, for synthetic data, the shape of its market.
 * @example { symbol: "BTC/USDT", base: "BTC", quote: "USDT", priceIncrement: "0.01", sizeIncrement: "0.0001",
 *   takerFee: "0.001", market: { startPrice: "42000" } }
 */
export type BacktestInstrumentSpec = z.input<typeof simInstrumentSchema> & {
  /** Venue the instrument is listed on (the part after `:` in its id). Default `"sim"`. */
  venue?: string;
};

/** An instrument of a backtest: a core `Instrument` (its id names the venue) or a spec. */
export type BacktestInstrument = Instrument | BacktestInstrumentSpec;

/** How the simulated venues behave. */
export interface BacktestVenueOptions {
  /**
   * Starting balances of the strategy's account at every venue. Default: 1 000 000 of every quote (and
   * settlement) currency, and 10 of every base currency, so a spot strategy can buy and sell from the start.
   */
  balances?: Readonly<Record<string, DecimalLike>>;
  /** Venue account the strategy trades in. Default `"default"`. */
  account?: string;
  /** One-way latency between the gateway and the venue, in ms. Default none (orders reach the venue at once). */
  latency?: { fixedMs?: number; jitterMs?: number };
  /** What stop orders trigger on: the last trade or the mid. Default `"last"`. */
  stopTrigger?: StopTrigger;
}

/**
 * The default instrument: BTC/USDT spot on venue "sim", tick 0.01, lot 0.0001, 10 bp taker fee, 2 bp maker,
 * with a synthetic market from 42 000 moving about 0.10 per 100 ms update, 0.5 BTC per level.
 */
export const DEFAULT_INSTRUMENT: BacktestInstrumentSpec = {
  symbol: "BTC/USDT",
  base: "BTC",
  quote: "USDT",
  priceIncrement: "0.01",
  sizeIncrement: "0.0001",
  makerFee: "0.0002",
  takerFee: "0.001",
  market: {
    startPrice: "42000",
    volatilityTicks: 10,
    levelSize: "0.5",
    tradeSize: "0.05",
    updateIntervalMs: 100,
    tradesPerSecond: 5,
  },
};

/** The venues of a backtest, built on its clock. */
export interface BacktestVenues {
  readonly links: BacktestVenueLink[];
  readonly instruments: Instrument[];
  /** Synthetic market parameters by instrument key, for instruments given with `market`. */
  readonly markets: ReadonlyMap<string, SyntheticMarketParams>;
  readonly account: string;
}

/** Builds the simulated venues (one `SimExchange` per venue name) of a backtest's instruments. */
export function buildVenues(
  specs: readonly BacktestInstrument[],
  options: BacktestVenueOptions,
  clock: BacktestClock,
  seed: number,
  logger: Logger,
): BacktestVenues {
  if (specs.length === 0) throw new SdkError("INVALID_ARGUMENT", "a backtest needs at least one instrument");
  const instruments: Instrument[] = [];
  const markets = new Map<string, SyntheticMarketParams>();
  specs.forEach((spec, i) => {
    if (isInstrument(spec)) {
      instruments.push(spec);
      return;
    }
    const { venue = "sim", ...rest } = spec;
    const parsed = simInstrumentSchema.safeParse(rest);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.join(".") ?? "";
      throw new SdkError(
        "INVALID_ARGUMENT",
        `instruments[${i}]${path === "" ? "" : `.${path}`}: ${issue?.message ?? "invalid instrument"}`,
        { context: { field: `instruments[${i}]${path === "" ? "" : `.${path}`}` } },
      );
    }
    let instrument: Instrument;
    try {
      instrument = simInstrument(venue, parsed.data);
    } catch (error) {
      const field =
        isOpenfloorError(error) && typeof error.context.field === "string" ? `.${error.context.field}` : "";
      throw new SdkError("INVALID_ARGUMENT", `instruments[${i}]${field}: ${(error as Error).message}`, {
        cause: error,
        context: { field: `instruments[${i}]${field}` },
      });
    }
    instruments.push(instrument);
    if (parsed.data.market !== undefined) markets.set(formatInstrumentId(instrument.id), parsed.data.market);
  });
  const seen = new Set<string>();
  for (const i of instruments) {
    const key = formatInstrumentId(i.id);
    if (seen.has(key))
      throw new SdkError("INVALID_ARGUMENT", `instrument ${key} is listed twice`, {
        context: { instrument: key },
      });
    seen.add(key);
  }
  const balances = options.balances ?? defaultBalances(instruments);
  const account = options.account ?? "default";
  const latency: LatencyModel | undefined =
    options.latency === undefined
      ? undefined
      : { fixedMs: options.latency.fixedMs ?? 0, jitterMs: options.latency.jitterMs ?? 0 };
  const root = new SeededRandom(seed);
  const venues = [...new Set(instruments.map((i) => i.id.venue))];
  const links = venues.map((venue): BacktestVenueLink => {
    const exchange = new SimExchange({
      venue,
      clock,
      instruments: instruments.filter((i) => i.id.venue === venue),
      accounts: { [account]: balances },
      stopTrigger: options.stopTrigger ?? "last",
      logger,
    });
    return {
      exchange,
      account,
      ...(latency === undefined ? {} : { latency }),
      random: root.fork(`venue:${venue}`),
    };
  });
  return { links, instruments, markets, account };
}

/** One synthetic market per instrument with `market` params, each on its own random stream of `seed`. */
export function syntheticMarkets(
  venues: BacktestVenues,
  clock: BacktestClock,
  seed: number,
  onEvent: (event: MarketEvent) => void,
): SyntheticMarket[] {
  const root = new SeededRandom(seed);
  const out: SyntheticMarket[] = [];
  for (const instrument of venues.instruments) {
    const params = venues.markets.get(formatInstrumentId(instrument.id));
    if (params === undefined) continue;
    out.push(
      new SyntheticMarket({
        instrument,
        clock,
        random: root.fork(`market:${formatInstrumentId(instrument.id)}`),
        params,
        onEvent,
      }),
    );
  }
  return out;
}

function defaultBalances(instruments: readonly Instrument[]): Record<string, DecimalLike> {
  const out: Record<string, DecimalLike> = {};
  for (const i of instruments) {
    out[i.base] ??= "10";
    out[i.quote] = "1000000";
    out[i.settlement] = "1000000";
  }
  return out;
}

function isInstrument(x: BacktestInstrument): x is Instrument {
  return typeof (x as Instrument).id === "object" && (x as Instrument).id !== null;
}
