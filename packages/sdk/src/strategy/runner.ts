import { formatInstrumentId, type Instrument, type Logger, silentLogger } from "@openfloor/core";
import { type MarketDataFeed, withMarketData } from "../transport/market-data-feed.js";
import type { Transport } from "../transport/transport.js";
import type { Strategy } from "./strategy.js";

/** Options of `runStrategy`. */
export interface RunOptions {
  /** Default: silent. Pass a pino logger for structured logs. */
  logger?: Logger;
  /** Cancel the strategy's open orders when it stops. Default true (no orphaned orders). */
  cancelOnStop?: boolean;
  /**
   * Take market data from this feed instead of the transport; orders, positions and records still go
   * through the transport. Default: the transport's market data.
   * @example { marketData: kafkaMarketData({ brokers: "10.0.0.5:9092" }) }
   */
  marketData?: MarketDataFeed;
}

/** A started strategy; `stop()` runs `onStop`, cancels open orders and closes the transport. */
export interface RunningStrategy {
  readonly strategy: Strategy;
  readonly transport: Transport;
  stop(): Promise<void>;
}

/**
 * Connects the transport, binds the strategy and calls `onStart`. If `onStart` throws, the strategy's
 * orders are canceled and the transport closed before the error is rethrown, so nothing is left open.
 */
export async function runStrategy(
  strategy: Strategy,
  through: Transport,
  options: RunOptions = {},
): Promise<RunningStrategy> {
  const transport = options.marketData === undefined ? through : withMarketData(through, options.marketData);
  const logger = (options.logger ?? silentLogger).child({ strategy: strategy.id });
  const cancelOnStop = options.cancelOnStop ?? true;
  if (options.marketData !== undefined)
    logger.info({ feed: options.marketData.name }, "market data from a feed");
  try {
    await transport.connect();
  } catch (e) {
    await options.marketData?.close();
    throw e;
  }
  const instruments = new Map<string, Instrument>();
  for (const i of await transport.instruments()) instruments.set(formatInstrumentId(i.id), i);
  strategy.attach({ transport, logger, instruments });
  await reconcilePositions(strategy, transport, logger, "start");
  // After a reconnect, orders and positions may have moved while the strategy could not hear about them.
  let previous = "connected";
  const resyncOnReconnect = transport.status$.subscribe((status) => {
    if (status === "connected" && previous === "reconnecting") {
      // biome-ignore lint/complexity/useLiteralKeys: `orders` is protected; the runner owns the strategy's lifecycle.
      strategy["orders"].resync().then(
        () => logger.info({}, "orders resynced after reconnect"),
        (e: unknown) => logger.error({ err: e }, "order resync after reconnect failed"),
      );
      void reconcilePositions(strategy, transport, logger, "reconnect");
    }
    previous = status;
  });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      try {
        await strategy.onStop();
      } catch (e) {
        logger.error({ err: e }, "onStop failed");
      }
      if (cancelOnStop) {
        try {
          const canceled = await transport.cancelAll();
          if (canceled.length > 0) logger.info({ canceled: canceled.length }, "canceled open orders on stop");
        } catch (e) {
          logger.error({ err: e }, "cancel-all on stop failed; open orders may remain at the venue");
        }
      }
      strategy.detach();
      resyncOnReconnect.unsubscribe();
      await transport.close();
    })();
    return stopped;
  };

  try {
    await strategy.onStart();
  } catch (e) {
    logger.error({ err: e }, "onStart failed; stopping");
    await stop();
    throw e;
  }
  logger.info({}, "strategy started");
  return { strategy, transport, stop };
}

/**
 * Reads the strategy's positions and balances from the gateway and hands them to its `PositionsApi`.
 * A failure is logged, never thrown: the strategy keeps running on the positions it built itself.
 */
async function reconcilePositions(
  strategy: Strategy,
  transport: Transport,
  logger: Logger,
  phase: "start" | "reconnect",
): Promise<void> {
  if (transport.positions === undefined) return;
  try {
    // Balances are best effort (a venue may be slow to report them); positions are what must be right.
    const balances = (transport.balances?.() ?? Promise.resolve([])).catch((e: unknown) => {
      logger.warn({ err: e, phase }, "reading balances failed; keeping the last ones");
      return undefined;
    });
    const positions = await transport.positions();
    // biome-ignore lint/complexity/useLiteralKeys: `positions` is protected; the runner owns the strategy's lifecycle.
    const api = strategy["positions"];
    const adopted = api.reconcile(positions, (await balances) ?? api.balances());
    logger.info({ phase, positions: positions.length, adopted: adopted.length }, "positions reconciled");
  } catch (e) {
    logger.error({ err: e, phase }, "position reconciliation failed; keeping the strategy's own positions");
  }
}
