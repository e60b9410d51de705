import type { Clock, Logger } from "@openfloor/core";
import { type SimAdapterConfig, simInstrument } from "./config.js";
import { SimExchange } from "./exchange.js";
import { SeededRandom } from "./random.js";
import { SyntheticMarket } from "./synthetic-market.js";

/** A simulated venue built from config: the exchange and the synthetic markets feeding it. */
export interface SimVenue {
  readonly exchange: SimExchange;
  /** One per instrument that has `market` params (started by whoever owns the venue). */
  readonly markets: readonly SyntheticMarket[];
  /** Seeded generator for everything else random (latency jitter, reconnect jitter). */
  readonly random: SeededRandom;
  start(): void;
  stop(): void;
}

/**
 * Builds a simulated venue from a parsed `sim` config: instruments named `venue`, a `SimExchange`
 * with the starting balances, and one `SyntheticMarket` per instrument with market params (when
 * `config.synthetic`), each with its own random stream forked from `config.seed`.
 */
export function createSimVenue(
  venue: string,
  config: SimAdapterConfig,
  clock: Clock,
  logger?: Logger,
): SimVenue {
  const instruments = config.instruments.map((c) => simInstrument(venue, c));
  const exchange = new SimExchange({
    venue,
    clock,
    instruments,
    startingBalances: config.balances,
    ...(config.accounts === undefined ? {} : { accounts: config.accounts }),
    stopTrigger: config.stopTrigger,
    ...(logger === undefined ? {} : { logger }),
  });
  const random = new SeededRandom(config.seed);
  const markets: SyntheticMarket[] = [];
  if (config.synthetic) {
    config.instruments.forEach((c, i) => {
      if (c.market === undefined) return;
      markets.push(
        new SyntheticMarket({
          instrument: instruments[i]!,
          clock,
          random: random.fork(`market:${c.symbol}`),
          params: c.market,
          onEvent: (e) => exchange.applyMarketEvent(e),
        }),
      );
    });
  }
  const own = random.fork("venue");
  return {
    exchange,
    markets,
    random: own,
    start: () => {
      for (const m of markets) m.start();
    },
    stop: () => {
      for (const m of markets) m.stop();
    },
  };
}
