import type { MarketEvent, Quote } from "@openfloor/core";
import { isClosedByUser, isNetworkFailure, isPermanent } from "./errors.js";
import type { CcxtSession } from "./session.js";
import type { FailureAction, Runnable } from "./stream-loop.js";

/** A stream the adapter runs for one market (trades, the L2 book, quotes, or bars of one interval). */
export interface Feed {
  readonly loop: Runnable;
  /** Resolves at the first value from the venue. */
  readonly ready: Promise<void>;
  /** Streams over websocket (else polls REST). */
  readonly ws: boolean;
  /** Stops the loop; `unwatch` also tells the venue (not needed when the whole connection closes). */
  stop(unwatch?: boolean): Promise<void>;
}

/** Consecutive malformed messages retried at once before a stream starts backing off. */
const MALFORMED_RETRIES = 3;

/** How a market-data loop reacts to a failure of its ccxt call. */
export function classify(
  s: CcxtSession,
  messageType: string,
  symbol: string,
  error: unknown,
  consecutive: number,
): FailureAction {
  if (isClosedByUser(error)) return "stop";
  if (isNetworkFailure(error)) {
    s.logger.info(
      { symbol, messageType, err: s.mapError(error, "stream", { symbol }) },
      "ccxt adapter: stream disconnected",
    );
    return "backoff";
  }
  if (isPermanent(error)) {
    s.fatal(`${messageType} ${symbol}`, s.mapError(error, "stream", { symbol }));
    return "stop";
  }
  s.malformed(messageType, symbol, error);
  return consecutive <= MALFORMED_RETRIES ? "retry" : "backoff";
}

/** Normalizes and publishes one event; a failure skips just that message. */
export function emitSafely(
  s: CcxtSession,
  messageType: string,
  symbol: string,
  make: () => MarketEvent | undefined,
): void {
  let event: MarketEvent | undefined;
  try {
    event = make();
  } catch (e) {
    s.malformed(messageType, symbol, e);
    return;
  }
  if (event === undefined) return;
  try {
    s.context.sink.onMarketEvent(event);
  } catch (e) {
    s.logger.error({ err: e, symbol, type: event.type }, "ccxt adapter: market event sink threw");
  }
}

/** A REST call made every `pollIntervalMs` (the first one at once). */
export function pollEvery<T>(s: CcxtSession, call: () => Promise<T>): () => Promise<T> {
  let first = true;
  return async () => {
    if (!first) {
      await new Promise<void>((resolve) => s.context.clock.setTimer(s.config.pollIntervalMs, resolve));
    }
    first = false;
    return call();
  };
}

export async function unwatch(s: CcxtSession, call: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await call();
  } catch (e) {
    if (!isClosedByUser(e)) s.logger.debug({ err: s.mapError(e, "stream") }, `ccxt adapter: ${what} failed`);
  }
}

export function sameTop(a: Quote, b: Quote): boolean {
  return (
    a.bidPrice.eq(b.bidPrice) &&
    a.bidSize.eq(b.bidSize) &&
    a.askPrice.eq(b.askPrice) &&
    a.askSize.eq(b.askSize)
  );
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Bounded set of recently seen ids (polling returns overlapping pages). */
export class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  /** False when already seen. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}
