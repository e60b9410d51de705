import { formatInstrumentId, type Instrument, type Logger, silentLogger } from "@openfloor/core";
import type { Transport } from "../transport/transport.js";
import type { Strategy } from "./strategy.js";

/** Options of `runStrategy`. */
export interface RunOptions {
  /** Default: silent. Pass a pino logger for structured logs. */
  logger?: Logger;
  /** Cancel the strategy's open orders when it stops. Default true (no orphaned orders). */
  cancelOnStop?: boolean;
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
  transport: Transport,
  options: RunOptions = {},
): Promise<RunningStrategy> {
  const logger = (options.logger ?? silentLogger).child({ strategy: strategy.id });
  const cancelOnStop = options.cancelOnStop ?? true;
  await transport.connect();
  const instruments = new Map<string, Instrument>();
  for (const i of await transport.instruments()) instruments.set(formatInstrumentId(i.id), i);
  strategy.attach({ transport, logger, instruments });
  // After a reconnect, orders may have moved while the strategy could not hear about them.
  let previous = "connected";
  const resyncOnReconnect = transport.status$.subscribe((status) => {
    if (status === "connected" && previous === "reconnecting") {
      // biome-ignore lint/complexity/useLiteralKeys: `orders` is protected; the runner owns the strategy's lifecycle.
      strategy["orders"].resync().then(
        () => logger.info({}, "orders resynced after reconnect"),
        (e: unknown) => logger.error({ err: e }, "order resync after reconnect failed"),
      );
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
