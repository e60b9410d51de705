import {
  Decimal,
  type DecimalLike,
  type Fill,
  type Instrument,
  type OrderEvent,
  type OrderSide,
} from "@openfloor/core";
import type { VenueBalance, VenuePosition } from "../contract/adapter.js";
import type { VenueOrder } from "./venue-order.js";

/** One entry of an account's event journal: what a client that reconnects may have missed. */
export interface JournaledEvent {
  /** Per-account sequence number, from 1. */
  readonly seq: number;
  readonly clientOrderId: string;
  readonly event: OrderEvent;
}

interface BalanceState {
  total: Decimal;
  locked: Decimal;
}

interface PositionState {
  readonly instrument: Instrument;
  /** Signed, in lots: positive long. */
  lots: number;
  quantity: Decimal;
  averageEntryPrice: Decimal | undefined;
}

/** Products finer than 18 places are rounded there (half-even): fees on fine prices and sizes. */
export function mulCapped(a: Decimal, b: DecimalLike): Decimal {
  const d = b instanceof Decimal ? b : Decimal.from(b);
  return a.scale + d.scale > 18 ? a.mul(d, { scale: 18 }) : a.mul(d);
}

/** Value of `quantity` at `price` in the settlement currency (see core `notional`), capped at 18 places. */
export function settlementValue(instrument: Instrument, price: Decimal, quantity: Decimal): Decimal {
  if (instrument.inverse) return mulCapped(quantity, instrument.multiplier).div(price);
  const value = mulCapped(quantity, price);
  return instrument.multiplier.eq(Decimal.ONE) ? value : mulCapped(value, instrument.multiplier);
}

/**
 * One account at the simulated venue: balances (with funds locked by open spot orders), positions
 * per instrument, its orders, its fills and a bounded journal of the order events sent to it.
 *
 * Spot: a buy debits `quantity × price` plus the fee in the quote currency and credits the base; a
 * sell does the reverse; fees are always charged in the quote (settlement) currency. Derivatives:
 * the settlement balance moves by realized PnL (average-cost) and fees; margin is not modelled.
 */
export class SimAccount {
  readonly orders = new Map<string, VenueOrder>();
  readonly fills: Fill[] = [];
  private readonly balances = new Map<string, BalanceState>();
  /** Keyed by the instrument object: the venue holds one per instrument. */
  private readonly positions = new Map<Instrument, PositionState>();
  private readonly journal: JournaledEvent[] = [];
  private journalStart = 0;
  private seq = 0;
  private readonly retired: string[] = [];
  private retiredHead = 0;

  constructor(
    readonly name: string,
    startingBalances: Readonly<Record<string, DecimalLike>>,
    private readonly journalSize: number,
    private readonly retainTerminal: number,
  ) {
    for (const [currency, amount] of Object.entries(startingBalances)) {
      this.balances.set(currency, { total: Decimal.from(amount), locked: Decimal.ZERO });
    }
  }

  /** Sequence number of the last journaled event (0 before any). */
  get lastSeq(): number {
    return this.seq;
  }

  journalEvent(clientOrderId: string, event: OrderEvent): number {
    const seq = ++this.seq;
    this.journal.push({ seq, clientOrderId, event });
    if (this.journal.length - this.journalStart > this.journalSize) this.journalStart++;
    if (this.journalStart > 4096) {
      this.journal.splice(0, this.journalStart);
      this.journalStart = 0;
    }
    return seq;
  }

  /** Events after `seq`; `complete` is false when the journal no longer reaches back that far. */
  eventsSince(seq: number): { events: JournaledEvent[]; complete: boolean } {
    const first = this.journal[this.journalStart];
    const complete = first === undefined ? seq >= this.seq : seq >= first.seq - 1;
    const events: JournaledEvent[] = [];
    for (let i = this.journalStart; i < this.journal.length; i++) {
      const e = this.journal[i]!;
      if (e.seq > seq) events.push(e);
    }
    return { events, complete };
  }

  /** Forgets the oldest ended orders beyond the retention count (their ids still block reuse until then). */
  retire(clientOrderId: string): void {
    this.retired.push(clientOrderId);
    if (this.retired.length - this.retiredHead > this.retainTerminal) {
      const old = this.retired[this.retiredHead++]!;
      this.orders.delete(old);
      if (this.retiredHead > 4096) {
        this.retired.splice(0, this.retiredHead);
        this.retiredHead = 0;
      }
    }
  }

  free(currency: string): Decimal {
    const b = this.balances.get(currency);
    return b === undefined ? Decimal.ZERO : b.total.sub(b.locked);
  }

  lock(currency: string, amount: Decimal): void {
    if (amount.isZero()) return;
    const b = this.balance(currency);
    b.locked = b.locked.add(amount).normalize();
  }

  unlock(currency: string, amount: Decimal): void {
    if (amount.isZero()) return;
    const b = this.balance(currency);
    b.locked = b.locked.sub(amount).normalize();
  }

  /** Adds `amount` (negative to debit) to the total of `currency`. */
  credit(currency: string, amount: Decimal): void {
    if (amount.isZero()) return;
    const b = this.balance(currency);
    // Normalized so the scale stays as small as the value allows: large balances must fit 64-bit units.
    b.total = b.total.add(amount).normalize();
  }

  /** Signed position in lots (positive long). */
  positionLots(instrument: Instrument): number {
    return this.positions.get(instrument)?.lots ?? 0;
  }

  /**
   * Books a fill: balances (spot) or realized PnL (derivatives), the fee, and the position.
   * `fee` is in the settlement currency, negative for a rebate.
   */
  applyFill(
    instrument: Instrument,
    side: OrderSide,
    lots: number,
    quantity: Decimal,
    price: Decimal,
    fee: Decimal,
  ): void {
    let pos = this.positions.get(instrument);
    if (pos === undefined) {
      pos = { instrument, lots: 0, quantity: Decimal.ZERO, averageEntryPrice: undefined };
      this.positions.set(instrument, pos);
    }
    const signedLots = side === "buy" ? lots : -lots;
    const signedQty = side === "buy" ? quantity : quantity.neg();
    if (instrument.kind === "spot") {
      const value = settlementValue(instrument, price, quantity);
      this.credit(instrument.base, signedQty);
      this.credit(instrument.quote, side === "buy" ? value.neg() : value);
    } else {
      this.credit(instrument.settlement, realizedPnl(instrument, pos, side, quantity, price));
    }
    this.credit(instrument.settlement, fee.neg());
    const before = pos.lots;
    pos.lots += signedLots;
    pos.quantity = pos.quantity.add(signedQty);
    pos.averageEntryPrice = nextAverage(pos, before, quantity, price);
  }

  balanceList(): VenueBalance[] {
    return [...this.balances.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, b]) => ({ currency, total: b.total, free: b.total.sub(b.locked), locked: b.locked }));
  }

  positionList(): VenuePosition[] {
    const out: VenuePosition[] = [];
    for (const p of this.positions.values()) {
      if (p.lots === 0) continue;
      out.push({
        instrument: p.instrument.id,
        quantity: p.quantity,
        ...(p.averageEntryPrice === undefined ? {} : { averageEntryPrice: p.averageEntryPrice }),
      });
    }
    return out;
  }

  private balance(currency: string): BalanceState {
    let b = this.balances.get(currency);
    if (b === undefined) {
      b = { total: Decimal.ZERO, locked: Decimal.ZERO };
      this.balances.set(currency, b);
    }
    return b;
  }
}

/** PnL realized by a fill that reduces the position (zero when it adds to it). */
function realizedPnl(
  instrument: Instrument,
  pos: PositionState,
  side: OrderSide,
  quantity: Decimal,
  price: Decimal,
): Decimal {
  const avg = pos.averageEntryPrice;
  const reducing = (pos.lots > 0 && side === "sell") || (pos.lots < 0 && side === "buy");
  if (!reducing || avg === undefined) return Decimal.ZERO;
  const closed = Decimal.min(quantity, pos.quantity.abs());
  const long = pos.lots > 0;
  if (instrument.inverse) {
    // Inverse PnL in base currency: q × m × (1/entry − 1/exit) for a long.
    const perUnit = Decimal.ONE.div(avg).sub(Decimal.ONE.div(price));
    const pnl = mulCapped(mulCapped(closed, instrument.multiplier), perUnit);
    return long ? pnl : pnl.neg();
  }
  const diff = long ? price.sub(avg) : avg.sub(price);
  return mulCapped(mulCapped(closed, diff), instrument.multiplier);
}

function mulFit(a: Decimal, b: Decimal, maxScale: number): Decimal {
  for (let scale = Math.min(18, maxScale); scale > 0; scale--) {
    try {
      return a.mul(b, { scale });
    } catch {}
  }
  return a.mul(b, { scale: 0 });
}

function nextAverage(
  pos: PositionState,
  beforeLots: number,
  quantity: Decimal,
  price: Decimal,
): Decimal | undefined {
  if (pos.lots === 0) return undefined;
  const flipped = beforeLots === 0 || Math.sign(beforeLots) !== Math.sign(pos.lots);
  if (flipped) return price;
  if (Math.abs(pos.lots) < Math.abs(beforeLots)) return pos.averageEntryPrice;
  const prevQty = pos.quantity.abs().sub(quantity);
  const avg = pos.averageEntryPrice ?? price;
  // The running average carries extra places; at large positions the exact product no longer fits
  // 64-bit fixed point, so round it to the most places that fit (display value, not accounting).
  const total = mulFit(prevQty, avg, price.scale + 8).add(mulCapped(quantity, price));
  // As many places as fit 64-bit fixed point, at most the price's scale + 8 (like core's fill average).
  for (let scale = Math.min(18, price.scale + 8); scale > 0; scale--) {
    try {
      return total.div(pos.quantity.abs(), { scale });
    } catch {}
  }
  return total.div(pos.quantity.abs(), { scale: 0 });
}
