import {
  applyOrderEvent,
  type BookLevel,
  type BookSnapshot,
  type Clock,
  type Decimal,
  type DecimalLike,
  type Fill,
  formatInstrumentId,
  type Instrument,
  InstrumentError,
  type InstrumentId,
  InvalidOrderError,
  type Logger,
  type MarketEvent,
  newOrder,
  type Order,
  OrderError,
  type OrderEvent,
  type OrderRequest,
  type Reason,
  silentLogger,
  type VenueError,
  validateOrderRequest,
} from "@openfloor/core";
import type { AmendRequest, VenueBalance, VenueOrderReport, VenuePosition } from "../contract/adapter.js";
import { SimAccount } from "./accounts.js";
import { InstrumentState } from "./instrument-state.js";
import type { BookSide } from "./ladder.js";
import { MatchingEngine, type StopTrigger } from "./matching-engine.js";
import { reason, reasonError } from "./reasons.js";
import { orderRequestOf } from "./validation.js";
import type { VenueOrder } from "./venue-order.js";

export type { StopTrigger } from "./matching-engine.js";

/** Market-data channels the venue publishes when someone watches them. */
export type WatchChannel = "book" | "trades" | "quotes" | "bars";

/** Options of `new SimExchange(…)`. */
export interface SimExchangeOptions {
  /** Venue name used in instrument ids. @example "sim" */
  readonly venue: string;
  /** Drives timestamps and GTD/DAY expiries: a `LiveClock` for paper trading, a `SimulatedClock` in backtests. */
  readonly clock: Clock;
  /** Instruments traded; their ids must carry this venue's name. */
  readonly instruments: readonly Instrument[];
  /** Balances every account starts with; accounts are created on first use. Default: none. */
  readonly startingBalances?: Readonly<Record<string, DecimalLike>>;
  /** Starting balances of named accounts, instead of `startingBalances`. @example { alice: { USDT: "1000" } } */
  readonly accounts?: Readonly<Record<string, Readonly<Record<string, DecimalLike>>>>;
  /** Price stop orders trigger on. Default `"last"`. */
  readonly stopTrigger?: StopTrigger;
  /** Order events kept per account, replayed to clients that reconnect. Default 10_000. */
  readonly journalSize?: number;
  /** Ended orders remembered per account; their client order ids are refused while remembered. Default 100_000. */
  readonly retainEndedOrders?: number;
  /** Decimal places fees are rounded to (half-even), as venues do; finer fees stay exact. Default 8. */
  readonly feeScale?: number;
  /** Default: silent. */
  readonly logger?: Logger;
}

/** Receives what the venue says. Called after the venue's state is consistent; it may call back into the venue. */
export interface SimVenueListener {
  /** An order event for `account`; `seq` is the account's journal sequence. */
  onOrderEvent?(account: string, clientOrderId: string, event: OrderEvent, seq: number): void;
  /** Market data of watched channels (every instrument: filter by your subscriptions). */
  onMarketEvent?(event: MarketEvent): void;
}

/** The venue's answer to a request: a value, or the typed error it refused with. */
export type SimResult<T> = { readonly ok: true; readonly value: T } | SimRefusal;

/** A refused request: the reason, and the typed error it maps to (built when first read: a stack trace is costly). */
export interface SimRefusal {
  readonly ok: false;
  readonly reason: Reason;
  readonly error: VenueError;
}

class Refusal implements SimRefusal {
  readonly ok = false;
  private built: VenueError | undefined;

  constructor(
    private readonly venue: string,
    readonly reason: Reason,
    private readonly context: Record<string, unknown>,
  ) {}

  get error(): VenueError {
    this.built ??= reasonError(this.venue, this.reason, this.context);
    return this.built;
  }
}

/** Something for the listeners, delivered once the operation that produced it is complete. */
type Outgoing =
  | {
      readonly kind: "order";
      readonly account: string;
      readonly clientOrderId: string;
      readonly event: OrderEvent;
      readonly seq: number;
    }
  | { readonly kind: "market"; readonly event: MarketEvent };

function ok<T>(value: T): SimResult<T> {
  return { ok: true, value };
}

/**
 * The simulated venue: a matching engine per instrument with price-time priority over the venue's
 * book, which merges external liquidity (a `SyntheticMarket` or replayed data fed through
 * `applyMarketEvent`) with resting orders sent to it.
 *
 * How external liquidity and resting orders interact:
 * - An incoming order takes the best prices of the merged book. At one price, external size that
 *   was there before a resting order joined is ahead of it in the queue (queue position is tracked).
 * - Taking external size depletes it until the source updates that level again.
 * - An external trade at price P fills resting orders priced better than P, and at P once the
 *   external size queued ahead of them has traded (a reduction of the external size at P shortens the
 *   queue ahead too); its volume caps what it fills. It is published as it came.
 * - When the external book moves through a resting order (an ask at or below a resting bid), the
 *   order fills at its own price as maker against that size, printing a trade.
 *
 * Order types: market, limit, stop-market and stop-limit (trigger on last trade or mid, see
 * `stopTrigger`), time in force GTC, IOC, FOK, GTD and DAY (ends at the next UTC midnight),
 * post-only (rejected if it would cross), reduce-only (against the account's position at this venue),
 * native amend (a price change or a size increase loses priority; a size decrease keeps it).
 * Every order's state advances through the core order state machine. Deterministic: no randomness
 * inside; with a `SimulatedClock` the same inputs give the same events.
 *
 * @example
 * const venue = new SimExchange({ venue: "sim", clock, instruments: [btc], startingBalances: { USDT: "100000" } });
 * venue.submit("alice", request); // { ok: true, value: "sim-1" }
 */
export class SimExchange {
  readonly venue: string;
  readonly clock: Clock;
  /** Requests received (submit, amend, cancel, cancel-all): proves a refused order never reached the venue. */
  requestCount = 0;
  private readonly markets = new Map<string, InstrumentState>();
  private readonly accountMap = new Map<string, SimAccount>();
  private readonly listeners: SimVenueListener[] = [];
  private readonly outbox: Outgoing[] = [];
  private readonly touched: InstrumentState[] = [];
  private readonly engine: MatchingEngine;
  private readonly logger: Logger;
  private depth = 0;
  private delivering = false;
  private orderSeq = 0;

  constructor(private readonly options: SimExchangeOptions) {
    this.venue = options.venue;
    this.clock = options.clock;
    this.logger = (options.logger ?? silentLogger).child({ venue: options.venue });
    this.engine = new MatchingEngine(
      {
        venue: options.venue,
        clock: options.clock,
        stopTrigger: options.stopTrigger ?? "last",
        feeScale: options.feeScale ?? 8,
        logger: this.logger,
      },
      {
        orderEvent: (o, clientOrderId, event, seq) => {
          if (this.listeners.length > 0)
            this.outbox.push({ kind: "order", account: o.account, clientOrderId, event, seq });
        },
        touch: (m) => this.touch(m),
        run: (fn) => this.run(fn),
      },
    );
    for (const instrument of options.instruments) {
      if (instrument.id.venue !== this.venue) {
        throw new InstrumentError(
          "INSTRUMENT_INVALID",
          `instrument ${formatInstrumentId(instrument.id)} belongs to venue ${instrument.id.venue}, not ${this.venue}`,
          { context: { instrument: formatInstrumentId(instrument.id), venue: this.venue } },
        );
      }
      this.markets.set(formatInstrumentId(instrument.id), new InstrumentState(instrument));
    }
  }

  instruments(): Instrument[] {
    return [...this.markets.values()].map((m) => m.instrument);
  }

  instrument(id: InstrumentId): Instrument | undefined {
    return this.markets.get(formatInstrumentId(id))?.instrument;
  }

  /** Registers a listener; returns the function that removes it. */
  addListener(listener: SimVenueListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Starts publishing a channel of an instrument (reference counted); returns the function that stops.
   * After watching `book`, take `bookSnapshot` and apply the deltas that follow it.
   */
  watch(id: InstrumentId, channel: WatchChannel): () => void {
    const m = this.market(id);
    m.watchers[channel]++;
    if (channel === "quotes") m.refreshTop();
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      m.watchers[channel]--;
      if (channel === "book" && m.watchers.book === 0) {
        m.dirtyBids.clear();
        m.dirtyAsks.clear();
      }
    };
  }

  /** The venue's current book (external liquidity merged with resting orders), full depth. */
  bookSnapshot(id: InstrumentId): BookSnapshot {
    return this.market(id).snapshot(this.clock.now());
  }

  /** Best bid of the merged book. */
  bestBid(id: InstrumentId): BookLevel | undefined {
    return this.bestLevel(this.market(id), "bid");
  }

  /** Best ask of the merged book. */
  bestAsk(id: InstrumentId): BookLevel | undefined {
    return this.bestLevel(this.market(id), "ask");
  }

  /** Price of the last trade printed on the venue (external or matched). */
  lastTradePrice(id: InstrumentId): Decimal | undefined {
    const m = this.market(id);
    return m.lastTradeTicks === undefined ? undefined : m.grid.price(m.lastTradeTicks);
  }

  /**
   * Takes an order. Refusals that create no order (unknown instrument, invalid request, duplicate
   * client order id) only return the error; venue rejections (funds, post-only, reduce-only) also
   * send a `rejected` event. On success the value is the venue order id.
   */
  submit(account: string, request: OrderRequest): SimResult<string> {
    return this.run(() => {
      this.requestCount++;
      const m = this.markets.get(formatInstrumentId(request.instrument));
      if (m === undefined) {
        const id = formatInstrumentId(request.instrument);
        return new Refusal(this.venue, reason("INVALID_ORDER", `unknown instrument ${id}`, "instrument"), {
          clientOrderId: request.clientOrderId,
        });
      }
      try {
        validateOrderRequest(request, m.instrument);
      } catch (error) {
        if (error instanceof OrderError) return this.invalid(error, request.clientOrderId);
        throw error;
      }
      const acct = this.account(account);
      if (acct.orders.has(request.clientOrderId)) {
        const r = reason(
          "DUPLICATE_CLIENT_ORDER_ID",
          `client order id ${request.clientOrderId} is already in use`,
          "clientOrderId",
        );
        return new Refusal(this.venue, r, { clientOrderId: request.clientOrderId });
      }
      const now = this.clock.now();
      const o: VenueOrder = {
        account,
        acct,
        venueOrderId: `${this.venue}-${++this.orderSeq}`,
        market: m,
        order: applyOrderEvent(newOrder(orderRequestOf(request), now), { kind: "submitted", tsNs: now })
          .order,
        side: request.side === "buy" ? "bid" : "ask",
        limitTicks: request.price === undefined ? undefined : m.grid.ticks(request.price),
        triggerTicks:
          request.triggerPrice === undefined ? undefined : m.grid.ticks(request.triggerPrice, "triggerPrice"),
        triggered: request.triggerPrice === undefined,
        quantityLots: m.grid.lots(request.quantity),
        filledLots: 0,
        queueAhead: 0,
        level: undefined,
        prev: undefined,
        next: undefined,
        lockPerLot: undefined,
        lockCurrency: undefined,
        cancelExpiry: undefined,
        ended: false,
      };
      acct.orders.set(request.clientOrderId, o);
      const refusal = this.engine.accept(o);
      if (refusal !== undefined)
        return new Refusal(this.venue, refusal, { clientOrderId: request.clientOrderId });
      return ok(o.venueOrderId);
    });
  }

  /**
   * Amends an open order in place. A price change or a size increase sends it to the back of the
   * queue (and it may trade at once if the new price crosses); a size decrease keeps its place.
   * A refused amendment sends `amend-rejected` and returns the error.
   */
  amend(account: string, clientOrderId: string, change: AmendRequest): SimResult<undefined> {
    return this.run(() => {
      this.requestCount++;
      const o = this.openOrder(account, clientOrderId);
      if (o === undefined) return this.notFound(clientOrderId);
      const m = o.market;
      const refuse = (message: string, field: string): SimResult<undefined> => {
        const r = reason("INVALID_ORDER", `order ${clientOrderId}: ${message}`, field);
        this.engine.emit(o, { kind: "amend-rejected", reason: r });
        return new Refusal(this.venue, r, { clientOrderId });
      };
      let quantityLots = o.quantityLots;
      let limitTicks = o.limitTicks;
      let triggerTicks = o.triggerTicks;
      try {
        if (change.quantity !== undefined) {
          if (change.quantity.lt(m.instrument.minSize)) {
            return refuse(`quantity is below the minimum ${m.instrument.minSize}`, "quantity");
          }
          quantityLots = m.grid.lots(change.quantity);
        }
        if (change.price !== undefined) {
          if (o.limitTicks === undefined) return refuse(`a ${o.order.type} order has no price`, "price");
          limitTicks = m.grid.ticks(change.price);
        }
        if (change.triggerPrice !== undefined) {
          if (o.triggerTicks === undefined || o.triggered) {
            return refuse("only a stop order that has not triggered has a trigger price", "triggerPrice");
          }
          triggerTicks = m.grid.ticks(change.triggerPrice, "triggerPrice");
        }
      } catch (error) {
        if (error instanceof InvalidOrderError)
          return refuse(error.message, String(error.context.field ?? "quantity"));
        throw error;
      }
      const refusal = this.engine.amend(o, quantityLots, limitTicks, triggerTicks);
      return refusal === undefined ? ok(undefined) : new Refusal(this.venue, refusal, { clientOrderId });
    });
  }

  /** Cancels an open order; an unknown or ended one is `OrderNotFoundError`. */
  cancel(account: string, clientOrderId: string): SimResult<undefined> {
    return this.run(() => {
      this.requestCount++;
      const o = this.openOrder(account, clientOrderId);
      if (o === undefined) return this.notFound(clientOrderId);
      this.engine.end(o, "canceled");
      return ok(undefined);
    });
  }

  /** Cancels every open order of the account (of one instrument if given); the value is how many. */
  cancelAll(account: string, instrument?: InstrumentId): SimResult<number> {
    return this.run(() => {
      this.requestCount++;
      const key = instrument === undefined ? undefined : formatInstrumentId(instrument);
      const open = [...this.account(account).orders.values()].filter(
        (o) => !o.ended && (key === undefined || formatInstrumentId(o.market.instrument.id) === key),
      );
      for (const o of open) if (!o.ended) this.engine.end(o, "canceled");
      return ok(open.length);
    });
  }

  /** The venue's view of one order (folded by the core state machine), if it remembers it. */
  order(account: string, clientOrderId: string): Order | undefined {
    return this.accountMap.get(account)?.orders.get(clientOrderId)?.order;
  }

  openOrders(account: string, instrument?: InstrumentId): VenueOrderReport[] {
    const key = instrument === undefined ? undefined : formatInstrumentId(instrument);
    const out: VenueOrderReport[] = [];
    for (const o of this.accountMap.get(account)?.orders.values() ?? []) {
      if (o.ended || (key !== undefined && formatInstrumentId(o.market.instrument.id) !== key)) continue;
      out.push(report(o));
    }
    return out;
  }

  /** Fills of the account at or after `sinceNs`, oldest first. */
  fills(account: string, sinceNs: bigint = 0n, instrument?: InstrumentId): Fill[] {
    const all = this.accountMap.get(account)?.fills ?? [];
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (all[mid]!.tsEventNs < sinceNs) lo = mid + 1;
      else hi = mid;
    }
    const key = instrument === undefined ? undefined : formatInstrumentId(instrument);
    const out = all.slice(lo);
    return key === undefined ? out : out.filter((f) => formatInstrumentId(f.instrument) === key);
  }

  balances(account: string): VenueBalance[] {
    return this.account(account).balanceList();
  }

  positions(account: string): VenuePosition[] {
    return this.account(account).positionList();
  }

  /** Order events of the account after journal sequence `seq`; `complete` is false when some were dropped. */
  eventsSince(account: string, seq: number): ReturnType<SimAccount["eventsSince"]> {
    return this.account(account).eventsSince(seq);
  }

  /** The account's last journal sequence. */
  lastEventSeq(account: string): number {
    return this.account(account).lastSeq;
  }

  /**
   * Feeds external market data (synthetic or replayed) for one of the venue's instruments: book
   * snapshots and deltas set external liquidity (quotes do when the source has no book), trades
   * fill resting orders they cross, bars pass through. Data for other instruments is ignored.
   */
  applyMarketEvent(event: MarketEvent): void {
    const m = this.markets.get(formatInstrumentId(event.instrument));
    if (m === undefined) return;
    this.run(() => this.engine.applyExternal(m, event));
  }

  /** Runs one request or input as an operation: afterwards market data is published, stops are checked, then listeners hear everything. */
  private run<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) {
        this.settle();
        this.deliver();
      }
    }
  }

  private touch(m: InstrumentState): void {
    if (m.queued) return;
    m.queued = true;
    this.touched.push(m);
  }

  private settle(): void {
    for (let round = 0; this.touched.length > 0 && round < 10_000; round++) {
      const batch = this.touched.length === 1 ? [this.touched[0]!] : [...this.touched];
      this.touched.length = 0;
      for (const m of batch) {
        m.queued = false;
        if (this.listeners.length > 0) {
          for (const event of m.takeUpdates(this.clock.now())) this.outbox.push({ kind: "market", event });
        } else m.takeUpdates(undefined);
      }
      this.depth++;
      try {
        for (const m of batch) this.engine.checkStops(m);
      } finally {
        this.depth--;
      }
    }
  }

  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.outbox.length; i++) {
        const out = this.outbox[i]!;
        for (const l of this.listeners) {
          try {
            if (out.kind === "order") l.onOrderEvent?.(out.account, out.clientOrderId, out.event, out.seq);
            else l.onMarketEvent?.(out.event);
          } catch (error) {
            this.logger.error({ err: error }, "sim venue listener threw");
          }
        }
      }
    } finally {
      this.outbox.length = 0;
      this.delivering = false;
    }
  }

  private bestLevel(m: InstrumentState, side: BookSide): BookLevel | undefined {
    const ticks = m.bestTicks(side);
    return ticks === undefined
      ? undefined
      : { price: m.grid.price(ticks), size: m.grid.size(m.mergedLots(side, ticks)) };
  }

  private market(id: InstrumentId): InstrumentState {
    const m = this.markets.get(formatInstrumentId(id));
    if (m === undefined) {
      throw reasonError(
        this.venue,
        reason("INVALID_ORDER", `unknown instrument ${formatInstrumentId(id)}`, "instrument"),
      );
    }
    return m;
  }

  private account(name: string): SimAccount {
    let acct = this.accountMap.get(name);
    if (acct === undefined) {
      const balances = this.options.accounts?.[name] ?? this.options.startingBalances ?? {};
      acct = new SimAccount(
        name,
        balances,
        this.options.journalSize ?? 10_000,
        this.options.retainEndedOrders ?? 100_000,
      );
      this.accountMap.set(name, acct);
    }
    return acct;
  }

  private openOrder(account: string, clientOrderId: string): VenueOrder | undefined {
    const o = this.accountMap.get(account)?.orders.get(clientOrderId);
    return o === undefined || o.ended ? undefined : o;
  }

  private notFound(clientOrderId: string): SimRefusal {
    const r = reason(
      "ORDER_NOT_FOUND",
      `no open order with client order id ${clientOrderId}`,
      "clientOrderId",
    );
    return new Refusal(this.venue, r, { clientOrderId });
  }

  private invalid(error: OrderError, clientOrderId: string): SimRefusal {
    const field = error.context.field === undefined ? undefined : String(error.context.field);
    return new Refusal(this.venue, reason("INVALID_ORDER", error.message, field), { clientOrderId });
  }
}

function report(o: VenueOrder): VenueOrderReport {
  const order = o.order;
  return {
    clientOrderId: order.clientOrderId,
    venueOrderId: o.venueOrderId,
    instrument: order.instrument,
    side: order.side,
    type: order.type,
    status: order.status,
    quantity: order.quantity,
    ...(order.price === undefined ? {} : { price: order.price }),
    filledQuantity: order.filledQuantity,
    tsNs: order.tsUpdatedNs,
  };
}
