import type { ExchangeAdapter } from "@openfloor/adapters";
import {
  type ClientOrderId,
  Decimal,
  formatInstrumentId,
  type Instrument,
  isTerminal,
  leavesQuantity,
  type Order,
  type OrderRequest,
} from "@openfloor/core";
import type { StrategyIdentity } from "../risk/risk-engine.js";

/** One order the OMS owns, with what it needs to act on it. */
export interface OrderEntry {
  /** Current state; change it only through `OrderStore.update`. */
  readonly order: Order;
  readonly who: StrategyIdentity;
  /** The request as first submitted: a resubmit must match it. */
  readonly request: OrderRequest;
  readonly adapter: ExchangeAdapter;
  readonly instrument: Instrument;
  /** The submit in progress (write-ahead, then the venue call); concurrent resubmits share it. */
  inflight: Promise<Order> | undefined;
  /** Cancel-replace in progress: the order that goes out once this one is canceled, at this total quantity. */
  replacement: { readonly entry: OrderEntry; readonly totalQuantity: Decimal } | undefined;
  /** Not yet ended: counted among open orders and working quantities. */
  readonly live: boolean;
}

interface StoredEntry extends OrderEntry {
  order: Order;
  live: boolean;
  readonly workingKey: string;
}

interface WorkingQuantity {
  buy: Decimal;
  sell: Decimal;
}

/**
 * The OMS's order index: by strategy and client order id (what strategies ask with), by venue and
 * client order id (what venue events arrive with), the live orders per strategy, and each account's
 * working (unfilled) quantity per instrument and side, kept in step with every change. Ended orders
 * are retained up to a bound, oldest dropped first.
 */
export class OrderStore {
  private readonly byStrategy = new Map<string, Map<ClientOrderId, StoredEntry>>();
  private readonly byVenue = new Map<string, Map<ClientOrderId, StoredEntry>>();
  private readonly liveByStrategy = new Map<string, Set<StoredEntry>>();
  private readonly working = new Map<string, WorkingQuantity>();
  private readonly ended: (StoredEntry | undefined)[] = [];
  private endedHead = 0;
  private live = 0;

  constructor(private readonly maxEnded: number) {}

  add(
    who: StrategyIdentity,
    request: OrderRequest,
    order: Order,
    adapter: ExchangeAdapter,
    instrument: Instrument,
  ): OrderEntry {
    const entry: StoredEntry = {
      order,
      who,
      request,
      adapter,
      instrument,
      workingKey: workingKey(who.account, instrument),
      inflight: undefined,
      replacement: undefined,
      live: true,
    };
    mapIn(this.byStrategy, who.strategyId).set(request.clientOrderId, entry);
    mapIn(this.byVenue, adapter.venue).set(request.clientOrderId, entry);
    let live = this.liveByStrategy.get(who.strategyId);
    if (live === undefined) {
      live = new Set();
      this.liveByStrategy.set(who.strategyId, live);
    }
    live.add(entry);
    this.live++;
    this.track(entry, leavesQuantity(order), order);
    return entry;
  }

  /** Replaces an entry's order, keeping working quantities, live sets and retention in step. */
  update(entry: OrderEntry, order: Order): void {
    const stored = entry as StoredEntry;
    const before = stored.order;
    stored.order = order;
    this.track(stored, leavesQuantity(order).sub(leavesQuantity(before)), order);
  }

  get(strategyId: string, clientOrderId: ClientOrderId): OrderEntry | undefined {
    return this.byStrategy.get(strategyId)?.get(clientOrderId);
  }

  atVenue(venue: string, clientOrderId: ClientOrderId): OrderEntry | undefined {
    return this.byVenue.get(venue)?.get(clientOrderId);
  }

  /** True when any strategy has an order with this id (on any venue). */
  knows(clientOrderId: ClientOrderId): boolean {
    for (const atVenue of this.byVenue.values()) if (atVenue.has(clientOrderId)) return true;
    return false;
  }

  /** A strategy's orders (retained ended ones too), oldest first. */
  ordersOf(strategyId: string): Iterable<OrderEntry> {
    return this.byStrategy.get(strategyId)?.values() ?? [];
  }

  /** Live orders of one strategy, or of all. A copy: safe to iterate while orders change. */
  liveOrders(strategyId?: string): OrderEntry[] {
    if (strategyId !== undefined) return [...(this.liveByStrategy.get(strategyId) ?? [])];
    const out: OrderEntry[] = [];
    for (const live of this.liveByStrategy.values()) out.push(...live);
    return out;
  }

  liveCount(strategyId?: string): number {
    return strategyId === undefined ? this.live : (this.liveByStrategy.get(strategyId)?.size ?? 0);
  }

  /** Unfilled quantity of the account's live orders on the instrument, per side. */
  workingQuantity(account: string, instrument: Instrument): { buy: Decimal; sell: Decimal } {
    const w = this.working.get(workingKey(account, instrument));
    return w === undefined ? { buy: Decimal.ZERO, sell: Decimal.ZERO } : { buy: w.buy, sell: w.sell };
  }

  private track(entry: StoredEntry, leavesDelta: Decimal, order: Order): void {
    if (!leavesDelta.isZero()) {
      let w = this.working.get(entry.workingKey);
      if (w === undefined) {
        w = { buy: Decimal.ZERO, sell: Decimal.ZERO };
        this.working.set(entry.workingKey, w);
      }
      if (order.side === "buy") w.buy = w.buy.add(leavesDelta);
      else w.sell = w.sell.add(leavesDelta);
    }
    if (entry.live && isTerminal(order.status)) {
      entry.live = false;
      this.liveByStrategy.get(entry.who.strategyId)?.delete(entry);
      this.live--;
      this.retire(entry);
    }
  }

  private retire(entry: StoredEntry): void {
    this.ended.push(entry);
    while (this.ended.length - this.endedHead > this.maxEnded) {
      const old = this.ended[this.endedHead]!;
      this.ended[this.endedHead] = undefined;
      this.endedHead++;
      const id = old.request.clientOrderId;
      const own = this.byStrategy.get(old.who.strategyId);
      if (own?.get(id) === old) own.delete(id);
      const atVenue = this.byVenue.get(old.adapter.venue);
      if (atVenue?.get(id) === old) atVenue.delete(id);
    }
    if (this.endedHead > 1024 && this.endedHead * 2 > this.ended.length) {
      this.ended.splice(0, this.endedHead);
      this.endedHead = 0;
    }
  }
}

function workingKey(account: string, instrument: Instrument): string {
  return `${account}\u0000${formatInstrumentId(instrument.id)}`;
}

function mapIn<V>(outer: Map<string, Map<ClientOrderId, V>>, key: string): Map<ClientOrderId, V> {
  let inner = outer.get(key);
  if (inner === undefined) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}
