import {
  BadVenueMessageError,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  InvalidOrderError,
  type Logger,
  type VenueError,
} from "@openfloor/core";
import type { AdapterContext, ConnectionState } from "../contract/adapter.js";
import type { VenueCapabilities } from "../contract/capabilities.js";
import type { Transports } from "./capabilities.js";
import type { CcxtAdapterConfig } from "./config.js";
import { type CcxtOperation, mapCcxtError } from "./errors.js";
import { type CcxtExchange, isPlainObject, PRECISION_MODE } from "./exchange.js";
import { tickDecimals } from "./normalize/numbers.js";
import type { Runnable } from "./stream-loop.js";

function isOpen(client: { isOpen?(): boolean }): boolean {
  try {
    return client.isOpen?.() === true;
  } catch {
    // ccxt's isOpen() throws while the client has no connection yet.
    return false;
  }
}

/** Counters an operator (and a test) can read from a running adapter. */
export interface CcxtAdapterStats {
  /** Venue messages that could not be parsed and were skipped. */
  malformedMessages: number;
  /** Book streams that lost updates and were resynced from a fresh snapshot. */
  sequenceGaps: number;
  /** Times a stream lost its connection and started backing off. */
  disconnects: number;
  /** Reconciliations of tracked orders against the venue (after a private stream reconnect). */
  reconciliations: number;
}

/** Tracks which streams are failing and turns that into the adapter's connection state. */
export class ConnectionHealth {
  private readonly failing = new Set<string>();
  private state: ConnectionState = "disconnected";

  constructor(private readonly onState: (state: ConnectionState, detail?: string) => void) {}

  get current(): ConnectionState {
    return this.state;
  }

  set(state: ConnectionState, detail?: string): void {
    if (state === "disconnected" || state === "connecting") this.failing.clear();
    if (this.state === state) return;
    this.state = state;
    this.onState(state, detail);
  }

  fail(stream: string): void {
    this.failing.add(stream);
    if (this.state === "connected") this.set("reconnecting", `${stream}: connection lost`);
  }

  recover(stream: string): void {
    this.failing.delete(stream);
    if (this.failing.size === 0 && this.state === "reconnecting")
      this.set("connected", `${stream}: reconnected`);
  }
}

/** What the market-data and execution parts of one adapter share. */
export class CcxtSession {
  readonly stats: CcxtAdapterStats = {
    malformedMessages: 0,
    sequenceGaps: 0,
    disconnects: 0,
    reconciliations: 0,
  };
  readonly health: ConnectionHealth;
  readonly logger: Logger;
  private readonly bySymbol = new Map<string, Instrument>();

  constructor(
    readonly venue: string,
    readonly exchange: CcxtExchange,
    readonly context: AdapterContext,
    readonly config: CcxtAdapterConfig,
    readonly transports: Transports,
    readonly capabilities: VenueCapabilities,
    readonly secrets: readonly string[],
  ) {
    this.logger = context.logger.child({ venue, adapter: "ccxt", exchange: exchange.id });
    this.health = new ConnectionHealth((state, detail) => {
      this.logger.info({ state, detail }, "ccxt adapter: connection state");
      context.sink.onConnectionState?.(state, detail);
    });
  }

  setInstruments(instruments: readonly Instrument[]): void {
    this.bySymbol.clear();
    for (const i of instruments) this.bySymbol.set(i.id.symbol, i);
  }

  instruments(): Instrument[] {
    return [...this.bySymbol.values()];
  }

  instrumentBySymbol(symbol: string | undefined): Instrument | undefined {
    return symbol === undefined ? undefined : this.bySymbol.get(symbol);
  }

  /** A listed instrument of this venue, or undefined. */
  lookup(id: InstrumentId): Instrument | undefined {
    return id.venue === this.venue ? this.instrumentBySymbol(id.symbol) : undefined;
  }

  /** A listed instrument; an unknown one is an invalid-order error naming the instrument. */
  known(id: InstrumentId): Instrument {
    const inst = this.lookup(id);
    if (inst !== undefined) return inst;
    const text = formatInstrumentId(id);
    throw new InvalidOrderError("INVALID_ORDER", `${this.venue}: unknown instrument ${text}`, {
      context: { venue: this.venue, field: "instrument", instrument: text },
    });
  }

  /** Decimal places of a currency's amounts: ccxt's currency precision, else 8. */
  currencyScale(currency: string): number {
    const p = this.exchange.currencies?.[currency]?.precision;
    if (p === undefined || !Number.isFinite(p)) return 8;
    return this.exchange.precisionMode === PRECISION_MODE.TICK_SIZE
      ? tickDecimals(p)
      : Math.max(0, Math.round(p));
  }

  /** Symbols to ask a per-symbol query about: all at once (undefined) when the venue allows it, else each listed one. */
  querySymbols(method: "fetchOpenOrders" | "fetchMyTrades"): (string | undefined)[] {
    const feature = this.exchange.features;
    const section = isPlainObject(feature) && isPlainObject(feature.spot) ? feature.spot[method] : undefined;
    const required = !isPlainObject(section) || section.symbolRequired !== false;
    return required ? this.instruments().map((i) => i.id.symbol) : [undefined];
  }

  /** The venue's id of a unified symbol (e.g. "BTCUSDT" for "BTC/USDT"). */
  marketId(symbol: string): string | undefined {
    return this.exchange.markets?.[symbol]?.id;
  }

  mapError(
    error: unknown,
    operation: CcxtOperation,
    extra: { clientOrderId?: string; symbol?: string } = {},
  ): VenueError {
    return mapCcxtError(error, {
      venue: this.venue,
      exchangeId: this.exchange.id,
      operation,
      secrets: this.secrets,
      ...extra,
    });
  }

  /** A malformed message: logged with the venue and the message type, counted, reported, skipped. */
  malformed(messageType: string, symbol: string | undefined, error: unknown): void {
    this.stats.malformedMessages++;
    const mapped =
      error instanceof BadVenueMessageError
        ? error
        : new BadVenueMessageError(
            "BAD_VENUE_MESSAGE",
            `${this.venue}: malformed ${messageType} message${symbol === undefined ? "" : ` for ${symbol}`}`,
            {
              cause: this.mapError(error, "stream", symbol === undefined ? {} : { symbol }),
              context: { venue: this.venue, messageType },
            },
          );
    this.logger.warn(
      { venue: this.venue, messageType, symbol, err: mapped, count: this.stats.malformedMessages },
      "ccxt adapter: skipped a malformed venue message",
    );
    this.context.sink.onError?.(mapped);
  }

  /** Reports a stream failure that ends the stream (bad credentials, unsupported feature). */
  fatal(stream: string, error: VenueError): void {
    this.logger.error({ stream, err: error }, "ccxt adapter: stream stopped");
    this.context.sink.onError?.(error);
  }

  /** Health hook for a `StreamLoop` named `stream`. */
  healthHook(stream: string): (healthy: boolean) => void {
    return (healthy) => {
      if (healthy) this.health.recover(stream);
      else {
        this.stats.disconnects++;
        this.health.fail(stream);
      }
    };
  }

  /** True when every websocket connection ccxt holds is open (none is still connecting). */
  websocketsOpen(): boolean {
    const clients = Object.values(this.exchange.clients ?? {});
    return clients.length > 0 && clients.every((c) => isOpen(c));
  }

  /** Stops loops, waiting at most `ms` for each to settle (a pending ccxt call may never settle). */
  async stopAll(loops: Iterable<Pick<Runnable, "stop">>, ms = 1_000): Promise<void> {
    await Promise.all(
      [...loops].map(
        (loop) =>
          new Promise<void>((resolve) => {
            const cancel = this.context.clock.setTimer(ms, resolve);
            void loop.stop().then(() => {
              cancel();
              resolve();
            });
          }),
      ),
    );
  }
}
