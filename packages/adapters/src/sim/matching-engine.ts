import {
  applyOrderEvent,
  type BookLevel,
  type Clock,
  Decimal,
  type Fill,
  type Logger,
  type MarketEvent,
  Money,
  type OrderEvent,
  type Reason,
  type Trade,
} from "@openfloor/core";
import { mulCapped, type SimAccount, settlementValue } from "./accounts.js";
import type { InstrumentState } from "./instrument-state.js";
import type { BookSide } from "./ladder.js";
import { executeAtLevel } from "./queue.js";
import { reason } from "./reasons.js";
import { leavesLots, type VenueOrder } from "./venue-order.js";

/** What stop orders trigger on: the last trade price, or the mid of the venue's book. */
export type StopTrigger = "last" | "mid";

/** The body of an order event; the engine adds the time and the event id. */
export type EventBody = OrderEvent extends infer E
  ? E extends OrderEvent
    ? Omit<E, "tsNs" | "eventId">
    : never
  : never;

/** What the engine needs from the venue around it. */
export interface EngineHost {
  /** An order event the engine applied to `o` (journaled as `seq` of its account). */
  orderEvent(o: VenueOrder, clientOrderId: string, event: OrderEvent, seq: number): void;
  /** `m` changed: publish its market data and check its stops once the operation is done. */
  touch(m: InstrumentState): void;
  /** Runs `fn` as a venue operation (for timer callbacks). */
  run<T>(fn: () => T): T;
}

export interface EngineSettings {
  readonly venue: string;
  readonly clock: Clock;
  readonly stopTrigger: StopTrigger;
  readonly feeScale: number;
  readonly logger: Logger;
}

const NS_PER_DAY = 86_400_000_000_000n;

/**
 * The matching engine of the simulated venue: takes accepted orders against the merged book
 * (external liquidity and resting orders, see `SimExchange` for how they interact), books fills and
 * fees on the accounts, rests, ends and expires orders, triggers stops, and applies external
 * market data. Every state change of an order goes through the core state machine (`emit`).
 * It publishes nothing itself: changes are marked on the `InstrumentState`s for the venue to flush.
 */
export class MatchingEngine {
  /** Bumped by every fill and every ended order: a loop that makes no progress stops. */
  private progress = 0;
  private fillSeq = 0;
  private tradeSeq = 0;
  private readonly venue: string;
  private readonly clock: Clock;
  private readonly stopTrigger: StopTrigger;
  private readonly feeScale: number;
  private readonly logger: Logger;

  constructor(
    settings: EngineSettings,
    private readonly host: EngineHost,
  ) {
    this.venue = settings.venue;
    this.clock = settings.clock;
    this.stopTrigger = settings.stopTrigger;
    this.feeScale = settings.feeScale;
    this.logger = settings.logger;
  }

  /** An order the venue has just created: venue checks, then accepted and worked, or rejected. Returns the refusal. */
  accept(o: VenueOrder): Reason | undefined {
    this.host.touch(o.market);
    const refusal = this.admit(o, o.acct);
    if (refusal !== undefined) {
      this.emit(o, { kind: "rejected", reason: refusal });
      this.finish(o);
      return refusal;
    }
    this.emit(o, { kind: "accepted", venueOrderId: o.venueOrderId });
    this.scheduleExpiry(o);
    if (o.triggered) this.activate(o);
    else if (this.isTriggered(o)) {
      o.triggered = true;
      this.activate(o);
    } else o.market.stops.push(o);
    return undefined;
  }

  /**
   * Applies an amendment already checked against the grid: new quantity (lots), limit and trigger
   * (ticks). Returns a refusal (after sending `amend-rejected`), or undefined once amended.
   */
  amend(
    o: VenueOrder,
    quantityLots: number,
    limitTicks: number | undefined,
    triggerTicks: number | undefined,
  ): Reason | undefined {
    const m = o.market;
    const refuse = (r: Reason): Reason => {
      this.emit(o, { kind: "amend-rejected", reason: r });
      return r;
    };
    const id = o.order.clientOrderId;
    if (quantityLots <= o.filledLots) {
      return refuse(
        reason("INVALID_ORDER", `order ${id}: the new quantity must exceed the filled quantity`, "quantity"),
      );
    }
    const priceChanged = limitTicks !== o.limitTicks;
    if (quantityLots === o.quantityLots && !priceChanged && triggerTicks === o.triggerTicks) return undefined;
    if (o.order.postOnly && limitTicks !== undefined && this.crosses(o, limitTicks)) {
      return refuse(
        reason("POST_ONLY_WOULD_CROSS", `order ${id}: the new price would take liquidity`, "price"),
      );
    }
    if (o.lockPerLot !== undefined && o.lockCurrency !== undefined) {
      const lockPerLot = this.lockPerLot(o, limitTicks) ?? Decimal.ZERO;
      const held = mulCapped(o.lockPerLot, leavesLots(o));
      const need = mulCapped(lockPerLot, quantityLots - o.filledLots);
      if (o.acct.free(o.lockCurrency).add(held).lt(need)) {
        return refuse(
          reason("INSUFFICIENT_FUNDS", `order ${id}: needs ${need} ${o.lockCurrency}`, "quantity"),
        );
      }
      o.acct.unlock(o.lockCurrency, held);
      o.acct.lock(o.lockCurrency, need);
      o.lockPerLot = lockPerLot;
    }
    const body: { quantity?: Decimal; price?: Decimal; triggerPrice?: Decimal } = {};
    if (quantityLots !== o.quantityLots) body.quantity = m.grid.size(quantityLots);
    if (priceChanged && limitTicks !== undefined) body.price = m.grid.price(limitTicks);
    if (triggerTicks !== o.triggerTicks && triggerTicks !== undefined)
      body.triggerPrice = m.grid.price(triggerTicks);
    this.host.touch(m);
    const resting = o.level !== undefined;
    if (resting && !priceChanged && quantityLots < o.quantityLots) {
      // A smaller order keeps its place in the queue.
      o.level!.lots -= o.quantityLots - quantityLots;
      m.touch(o.side, o.limitTicks!);
      o.quantityLots = quantityLots;
      this.emit(o, { kind: "amended", ...body });
      return undefined;
    }
    if (resting) this.unrest(o);
    o.quantityLots = quantityLots;
    o.limitTicks = limitTicks;
    o.triggerTicks = triggerTicks;
    this.emit(o, { kind: "amended", ...body });
    if (resting) {
      this.sweep(o, limitTicks);
      if (this.isLive(o)) this.rest(o);
    } else if (!o.triggered && this.isTriggered(o)) {
      this.removeStop(o);
      o.triggered = true;
      this.activate(o);
    }
    return undefined;
  }

  /** External market data for `m` (see `SimExchange.applyMarketEvent`). */
  applyExternal(m: InstrumentState, event: MarketEvent): void {
    this.host.touch(m);
    switch (event.type) {
      case "book-snapshot":
        m.hasExternalBook = true;
        this.replaceExternal(m, event.bids, event.asks);
        break;
      case "book-delta":
        m.hasExternalBook = true;
        for (const l of event.bids) this.setExternal(m, "bid", l);
        for (const l of event.asks) this.setExternal(m, "ask", l);
        this.uncross(m);
        break;
      case "quote":
        if (!m.hasExternalBook) {
          this.replaceExternal(
            m,
            [{ price: event.bidPrice, size: event.bidSize }],
            [{ price: event.askPrice, size: event.askSize }],
          );
        }
        break;
      case "trade":
        this.externalTrade(m, event);
        break;
      case "bar":
        if (m.watchers.bars > 0) m.outgoing.push(event);
        break;
    }
  }

  /** Venue-side checks before accepting; locks spot funds. Returns a refusal, or undefined. */
  private admit(o: VenueOrder, acct: SimAccount): Reason | undefined {
    const req = o.order;
    if (req.expireTimeNs !== undefined && req.expireTimeNs <= this.clock.now()) {
      return reason("EXPIRE_TIME_PASSED", "expireTimeNs is not in the future", "expireTimeNs");
    }
    if (req.reduceOnly && this.reducible(o) === 0) {
      return reason("REDUCE_ONLY", "a reduce-only order must reduce the account's position", "reduceOnly");
    }
    if (req.postOnly && o.limitTicks !== undefined && this.crosses(o, o.limitTicks)) {
      return reason("POST_ONLY_WOULD_CROSS", "a post-only order would take liquidity", "postOnly");
    }
    const instrument = o.market.instrument;
    if (instrument.kind !== "spot") return undefined;
    const currency = o.side === "bid" ? instrument.quote : instrument.base;
    if (o.side === "bid" && o.limitTicks === undefined) {
      if (req.type === "market") return this.checkMarketBuy(o, acct);
      return undefined;
    }
    const perLot = this.lockPerLot(o, o.limitTicks)!;
    const need = mulCapped(perLot, o.quantityLots);
    if (acct.free(currency).lt(need)) {
      return reason(
        "INSUFFICIENT_FUNDS",
        `needs ${need} ${currency}, ${acct.free(currency)} free`,
        "quantity",
      );
    }
    acct.lock(currency, need);
    o.lockPerLot = perLot;
    o.lockCurrency = currency;
    return undefined;
  }

  /** Funds a spot order locks per lot at `limitTicks`: quote for a buy (with the highest fee), base for a sell. */
  private lockPerLot(o: VenueOrder, limitTicks: number | undefined): Decimal | undefined {
    const instrument = o.market.instrument;
    if (instrument.kind !== "spot") return undefined;
    const grid = o.market.grid;
    if (o.side === "ask") return grid.size(1);
    if (limitTicks === undefined) return undefined;
    const feeRate = Decimal.max(Decimal.max(instrument.makerFee, instrument.takerFee), 0);
    const perLot = mulCapped(
      settlementValue(instrument, grid.price(limitTicks), grid.size(1)),
      feeRate.add(1),
    );
    // Rounded up: a lock only has to cover the cost, and a short scale keeps large balances in range.
    return perLot.scale > 8 ? perLot.round(8, "ceil").normalize() : perLot.normalize();
  }

  /** A spot market buy must afford what the book would fill now (plus the taker fee). */
  private checkMarketBuy(o: VenueOrder, acct: SimAccount): Reason | undefined {
    const instrument = o.market.instrument;
    const { lotTicks } = this.available(o.market, "ask", undefined, leavesLots(o));
    const value = mulCapped(o.market.grid.value(lotTicks), instrument.multiplier);
    const need = mulCapped(value, Decimal.max(instrument.takerFee, 0).add(1));
    const free = acct.free(instrument.quote);
    if (free.lt(need)) {
      return reason("INSUFFICIENT_FUNDS", `needs ${need} ${instrument.quote}, ${free} free`, "quantity");
    }
    return undefined;
  }

  /** Runs an accepted (or just triggered) order against the book per its type and time in force. */
  private activate(o: VenueOrder): void {
    const tif = o.order.timeInForce;
    this.host.touch(o.market);
    if (o.limitTicks === undefined) {
      if (o.market.instrument.kind === "spot" && o.side === "bid") {
        const refusal = this.checkMarketBuy(o, o.acct);
        if (refusal !== undefined) {
          this.logger.debug({ clientOrderId: o.order.clientOrderId, reason: refusal.code }, "stop canceled");
          this.end(o, "canceled");
          return;
        }
      }
      this.sweep(o, undefined);
      if (this.isLive(o)) this.end(o, "expired");
      return;
    }
    if (tif === "FOK") {
      const cap = o.order.reduceOnly ? Math.min(leavesLots(o), this.reducible(o)) : leavesLots(o);
      const { lots } = this.available(o.market, opposite(o.side), o.limitTicks, leavesLots(o));
      if (lots < leavesLots(o) || cap < leavesLots(o)) {
        this.end(o, "expired");
        return;
      }
    }
    this.sweep(o, o.limitTicks);
    if (!this.isLive(o)) return;
    if (tif === "IOC" || tif === "FOK" || (o.order.reduceOnly && this.reducible(o) === 0))
      this.end(o, "expired");
    else this.rest(o);
  }

  /** Takes liquidity for `taker` up to `limitTicks` (no limit for market orders). */
  private sweep(taker: VenueOrder, limitTicks: number | undefined): void {
    const m = taker.market;
    const side = opposite(taker.side);
    const own = m.own(side);
    const ext = m.ext(side);
    const aggressor = taker.order.side;
    for (;;) {
      let cap = leavesLots(taker);
      if (taker.order.reduceOnly) cap = Math.min(cap, this.reducible(taker));
      if (cap <= 0 || taker.ended) return;
      const ob = own.ladder.best();
      const eb = ext.ladder.best();
      const ticks =
        ob === undefined ? eb : eb === undefined ? ob : own.ladder.atLeastAsGood(ob, eb) ? ob : eb;
      if (ticks === undefined) return;
      if (limitTicks !== undefined && (side === "ask" ? ticks > limitTicks : ticks < limitTicks)) return;
      const before = this.progress;
      executeAtLevel(
        own.level(ticks),
        ext.lotsAt(ticks),
        cap,
        (lots) => {
          ext.set(ticks, ext.lotsAt(ticks) - lots);
          m.touch(side, ticks);
          this.fill(taker, lots, ticks, "taker");
          this.print(m, ticks, lots, aggressor);
        },
        (maker, lots) => {
          const done = this.fillMaker(maker, lots, ticks);
          if (done > 0) {
            this.fill(taker, done, ticks, "taker");
            this.print(m, ticks, done, aggressor);
          }
          return done;
        },
      );
      if (this.progress === before) return;
    }
  }

  /** Fills a resting order as maker (reduce-only capped; canceled instead when it cannot reduce). */
  private fillMaker(maker: VenueOrder, lots: number, ticks: number): number {
    let n = lots;
    if (maker.order.reduceOnly) {
      n = Math.min(n, this.reducible(maker));
      if (n === 0) {
        this.end(maker, "canceled");
        return 0;
      }
    }
    this.fill(maker, n, ticks, "maker");
    return n;
  }

  private fill(o: VenueOrder, lots: number, ticks: number, liquidity: "maker" | "taker"): void {
    this.progress++;
    const m = o.market;
    const instrument = m.instrument;
    const quantity = m.grid.size(lots);
    const price = m.grid.price(ticks);
    const rate = liquidity === "maker" ? instrument.makerFee : instrument.takerFee;
    const fee = rate.isZero()
      ? Decimal.ZERO
      : roundFee(mulCapped(settlementValue(instrument, price, quantity), rate), this.feeScale);
    const acct = o.acct;
    if (o.lockPerLot !== undefined && o.lockCurrency !== undefined) {
      acct.unlock(o.lockCurrency, mulCapped(o.lockPerLot, lots));
    }
    acct.applyFill(instrument, o.order.side, lots, quantity, price, fee);
    o.filledLots += lots;
    if (o.level !== undefined) {
      o.level.lots -= lots;
      m.touch(o.side, ticks);
      if (leavesLots(o) === 0) m.own(o.side).unlink(o, 0);
    }
    const req = o.order;
    const fill: Fill = {
      fillId: `${this.venue}-f${++this.fillSeq}`,
      clientOrderId: req.clientOrderId,
      venueOrderId: o.venueOrderId,
      instrument: instrument.id,
      side: req.side,
      price,
      quantity,
      fee: Money.of(fee, instrument.settlement),
      liquidity,
      tsEventNs: this.clock.now(),
      strategyId: req.strategyId,
      account: req.account,
    };
    acct.fills.push(fill);
    this.emit(o, { kind: "filled", fill });
    if (leavesLots(o) === 0) this.finish(o);
  }

  private rest(o: VenueOrder): void {
    const m = o.market;
    const ticks = o.limitTicks!;
    o.queueAhead = m.ext(o.side).lotsAt(ticks);
    m.own(o.side).append(o, ticks, leavesLots(o));
    m.touch(o.side, ticks);
  }

  private unrest(o: VenueOrder): void {
    if (o.level === undefined) return;
    const ticks = o.level.ticks;
    o.market.own(o.side).unlink(o, leavesLots(o));
    o.market.touch(o.side, ticks);
  }

  /** Ends an open order by the venue: canceled or expired. */
  end(o: VenueOrder, kind: "canceled" | "expired"): void {
    this.progress++;
    this.host.touch(o.market);
    this.unrest(o);
    this.removeStop(o);
    this.emit(o, { kind });
    this.finish(o);
  }

  /** Releases what an ended order held: its expiry timer and locked funds. */
  private finish(o: VenueOrder): void {
    if (o.ended) return;
    o.ended = true;
    o.cancelExpiry?.();
    o.cancelExpiry = undefined;
    const acct = o.acct;
    if (o.lockPerLot !== undefined && o.lockCurrency !== undefined) {
      acct.unlock(o.lockCurrency, mulCapped(o.lockPerLot, leavesLots(o)));
      o.lockPerLot = undefined;
    }
    acct.retire(o.order.clientOrderId);
  }

  private scheduleExpiry(o: VenueOrder): void {
    const now = this.clock.now();
    let at: bigint | undefined;
    if (o.order.timeInForce === "GTD") at = o.order.expireTimeNs;
    else if (o.order.timeInForce === "DAY") at = (now / NS_PER_DAY + 1n) * NS_PER_DAY;
    if (at === undefined) return;
    o.cancelExpiry = this.clock.setTimer(Number(at - now) / 1_000_000, () => {
      o.cancelExpiry = undefined;
      if (!o.ended) this.host.run(() => this.end(o, "expired"));
    });
  }

  emit(o: VenueOrder, body: EventBody): void {
    const tsNs = this.clock.now();
    const acct = o.acct;
    const clientOrderId = o.order.clientOrderId;
    const seq = acct.lastSeq + 1;
    const event = { ...body, tsNs, eventId: `${this.venue}:${o.account}:${seq}` } as OrderEvent;
    o.order = applyOrderEvent(o.order, event).order;
    acct.journalEvent(clientOrderId, event);
    this.host.orderEvent(o, clientOrderId, event, seq);
  }

  private setExternal(m: InstrumentState, side: BookSide, level: BookLevel): void {
    const ticks = m.grid.ticksRounded(level.price);
    const lots = Math.max(0, m.grid.lotsFloor(level.size));
    m.ext(side).set(ticks, lots);
    m.touch(side, ticks);
    const own = m.own(side).level(ticks);
    for (let o = own?.head; o !== undefined; o = o.next) o.queueAhead = Math.min(o.queueAhead, lots);
  }

  private replaceExternal(m: InstrumentState, bids: readonly BookLevel[], asks: readonly BookLevel[]): void {
    for (const side of ["bid", "ask"] as const) {
      const ext = m.ext(side);
      for (const ticks of [...ext.prices()]) m.touch(side, ticks);
      ext.clear();
      for (const l of side === "bid" ? bids : asks) {
        const ticks = m.grid.ticksRounded(l.price);
        ext.set(ticks, Math.max(0, m.grid.lotsFloor(l.size)));
        m.touch(side, ticks);
      }
      for (const o of m.own(side).orders()) o.queueAhead = Math.min(o.queueAhead, ext.lotsAt(o.limitTicks!));
    }
    this.uncross(m);
  }

  /** Resting orders the external book now crosses fill at their own price against that size. */
  private uncross(m: InstrumentState): void {
    for (const side of ["bid", "ask"] as const) {
      const own = m.own(side);
      const other = opposite(side);
      const ext = m.ext(other);
      const aggressor = side === "bid" ? "sell" : "buy";
      for (;;) {
        const ob = own.ladder.best();
        const eb = ext.ladder.best();
        if (ob === undefined || eb === undefined || !own.ladder.atLeastAsGood(ob, eb)) break;
        const before = this.progress;
        const executed = executeAtLevel(
          own.level(ob),
          0,
          ext.lotsAt(eb),
          () => {},
          (maker, lots) => {
            const done = this.fillMaker(maker, lots, ob);
            if (done > 0) this.print(m, ob, done, aggressor);
            return done;
          },
        );
        ext.set(eb, ext.lotsAt(eb) - executed);
        m.touch(other, eb);
        if (this.progress === before) break;
      }
    }
  }

  private externalTrade(m: InstrumentState, trade: Trade): void {
    const ticks = m.grid.ticksRounded(trade.price);
    const lots = m.grid.lotsFloor(trade.size);
    m.lastTradeTicks = ticks;
    if (m.watchers.trades > 0) m.outgoing.push({ ...trade, tsRecvNs: this.clock.now() });
    const own = m.own(trade.aggressor === "sell" ? "bid" : "ask");
    const ext = m.ext(own.side);
    let remaining = lots;
    while (remaining > 0) {
      const best = own.ladder.best();
      if (best === undefined || !own.ladder.atLeastAsGood(best, ticks)) return;
      const before = this.progress;
      remaining -= executeAtLevel(
        own.level(best),
        ext.lotsAt(best),
        remaining,
        () => {},
        (maker, n) => this.fillMaker(maker, n, best),
      );
      if (best === ticks || this.progress === before) return;
    }
  }

  private print(m: InstrumentState, ticks: number, lots: number, aggressor: "buy" | "sell"): void {
    m.lastTradeTicks = ticks;
    if (m.watchers.trades === 0) return;
    const now = this.clock.now();
    m.outgoing.push({
      type: "trade",
      instrument: m.instrument.id,
      price: m.grid.price(ticks),
      size: m.grid.size(lots),
      aggressor,
      tradeId: `${this.venue}-t${++this.tradeSeq}`,
      tsEventNs: now,
      tsRecvNs: now,
    });
  }

  private isTriggered(o: VenueOrder): boolean {
    const m = o.market;
    const trigger = o.triggerTicks!;
    if (this.stopTrigger === "last") {
      const last = m.lastTradeTicks;
      if (last === undefined) return false;
      return o.side === "bid" ? last >= trigger : last <= trigger;
    }
    const bid = m.bestTicks("bid");
    const ask = m.bestTicks("ask");
    if (bid === undefined || ask === undefined) return false;
    return o.side === "bid" ? bid + ask >= 2 * trigger : bid + ask <= 2 * trigger;
  }

  checkStops(m: InstrumentState): void {
    if (m.stops.length === 0) return;
    const fired: VenueOrder[] = [];
    for (let i = 0; i < m.stops.length; ) {
      const o = m.stops[i]!;
      if (!o.ended && this.isTriggered(o)) {
        fired.push(o);
        m.stops.splice(i, 1);
      } else i++;
    }
    for (const o of fired) {
      if (o.ended) continue;
      o.triggered = true;
      this.activate(o);
    }
  }

  private removeStop(o: VenueOrder): void {
    if (o.triggered) return;
    const i = o.market.stops.indexOf(o);
    if (i >= 0) o.market.stops.splice(i, 1);
  }

  /** Lots resting on `side` up to `limitTicks` (at most `maxLots`), and their Σ lots × ticks. */
  private available(
    m: InstrumentState,
    side: BookSide,
    limitTicks: number | undefined,
    maxLots: number,
  ): { lots: number; lotTicks: bigint } {
    let lots = 0;
    let lotTicks = 0n;
    for (const ticks of m.mergedTicks(side)) {
      if (lots >= maxLots) break;
      if (limitTicks !== undefined && (side === "ask" ? ticks > limitTicks : ticks < limitTicks)) break;
      const n = Math.min(maxLots - lots, m.mergedLots(side, ticks));
      lots += n;
      lotTicks += BigInt(n) * BigInt(ticks);
    }
    return { lots, lotTicks };
  }

  /** True when an order on `o.side` at `ticks` would take liquidity now. */
  private crosses(o: VenueOrder, ticks: number): boolean {
    const best = o.market.bestTicks(opposite(o.side));
    if (best === undefined) return false;
    return o.side === "bid" ? ticks >= best : ticks <= best;
  }

  /** Lots the order may still fill without increasing the account's position (reduce-only). */
  private reducible(o: VenueOrder): number {
    const pos = o.acct.positionLots(o.market.instrument);
    if (o.side === "bid") return pos < 0 ? -pos : 0;
    return Math.max(pos, 0);
  }

  private isLive(o: VenueOrder): boolean {
    return !o.ended && leavesLots(o) > 0;
  }
}

function roundFee(fee: Decimal, scale: number): Decimal {
  return fee.scale > scale ? fee.round(scale, "half-even") : fee;
}

function opposite(side: BookSide): BookSide {
  return side === "bid" ? "ask" : "bid";
}
