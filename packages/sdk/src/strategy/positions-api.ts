import {
  type Balance,
  Decimal,
  type Fill,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  Money,
  Position,
  type PositionSnapshot,
  type Quote,
} from "@openfloor/core";
import { type Observable, Subject } from "rxjs";
import { SdkError } from "../errors/sdk-errors.js";
import { GuardedObservable } from "./guarded-observable.js";
import { type InstrumentRef, toInstrumentId } from "./instrument-ref.js";

/**
 * What a position adopted from the gateway carried before the SDK saw its fills: the gateway's realized
 * PnL and fees, and the time of its last fill (fills up to then are already in it).
 */
interface GatewayBase {
  readonly realized: Decimal;
  readonly fees: readonly Money[];
  readonly throughNs: bigint;
}

/**
 * The strategy's own positions, one netting `Position` per instrument built from the strategy's fills
 * with core's exact accounting (the same code the gateway uses), marked with the latest quote mid.
 *
 * The gateway is the system of record: on start and after a reconnect the runner hands its positions to
 * `reconcile`, and a position that differs from the SDK's (fills while the strategy could not hear about
 * them, or an earlier run of the same strategy) is taken over from the gateway.
 */
export class PositionsApi {
  private readonly positions = new Map<string, Position>();
  private readonly bases = new Map<string, GatewayBase>();
  private balanceList: readonly Balance[] = [];
  /** Latest two-sided quote per instrument; the mid is computed only when a mark is read. */
  private readonly quotes = new Map<string, { quote: Quote | undefined }>();
  private readonly marks = new Map<string, { quote: Quote; mid: Decimal }>();
  private readonly changes = new Subject<PositionSnapshot>();
  private readonly changes$Guarded: Observable<PositionSnapshot>;

  constructor(
    private readonly instruments: ReadonlyMap<string, Instrument>,
    private readonly strategyId: string,
    report: (error: unknown) => void = () => undefined,
    onAsync: () => void = () => undefined,
  ) {
    this.changes$Guarded = GuardedObservable.from(this.changes.asObservable(), report, onAsync);
  }

  /** The position in an instrument (flat if the strategy never traded it). */
  get(ref: InstrumentRef): PositionSnapshot {
    const key = formatInstrumentId(toInstrumentId(ref));
    const position = this.positions.get(key);
    if (position === undefined) {
      return new Position(this.instrumentOf(key), "", { strategyId: this.strategyId }).snapshot(
        this.mark(key),
      );
    }
    return this.snapshotOf(key, position);
  }

  /** Every non-flat or traded position. */
  all(): PositionSnapshot[] {
    return [...this.positions.entries()].map(([key, p]) => this.snapshotOf(key, p));
  }

  /**
   * Cash balances of the strategy's account as the gateway last reported them (on start and after each
   * reconnect); empty with a transport that has none (backtests).
   */
  balances(): readonly Balance[] {
    return this.balanceList;
  }

  /** Emits a position's new state after each of its fills. */
  get changes$(): Observable<PositionSnapshot> {
    return this.changes$Guarded;
  }

  /** @internal */
  applyFill(fill: Fill): void {
    const key = formatInstrumentId(fill.instrument);
    let position = this.positions.get(key);
    if (position === undefined) {
      // The gateway names the strategy by its token, which may differ from `Strategy.id`.
      position = new Position(this.instrumentOf(key), fill.account, { strategyId: fill.strategyId });
      this.positions.set(key, position);
    }
    const base = this.bases.get(key);
    // The gateway's position already holds every fill up to its last one.
    if (base !== undefined && fill.tsEventNs <= base.throughNs) return;
    if (position.applyFill(fill)) this.changes.next(this.snapshotOf(key, position));
  }

  /**
   * @internal Takes the gateway's view of this strategy's positions (the gateway answers with the caller's
   * only) and balances. A position the SDK
   * agrees with (quantity, realized PnL, fees) keeps its own lots; any other is rebuilt from the
   * gateway's: one lot at its average entry price, plus its realized PnL and fees, and `changes$` emits it.
   */
  reconcile(gateway: readonly PositionSnapshot[], balances: readonly Balance[]): PositionSnapshot[] {
    this.balanceList = balances;
    const adopted: PositionSnapshot[] = [];
    for (const theirs of gateway) {
      const key = formatInstrumentId(theirs.instrument);
      const instrument = this.instruments.get(key);
      if (instrument === undefined) continue;
      const current = this.positions.get(key);
      if (current !== undefined && sameHoldings(this.snapshotOf(key, current), theirs)) continue;
      const position = new Position(instrument, theirs.account, { strategyId: theirs.strategyId });
      const entry = theirs.averageEntryPrice;
      if (!theirs.quantity.isZero() && entry !== undefined) {
        position.applyFill({
          fillId: `gateway-position:${key}:${theirs.tsNs}`,
          clientOrderId: "",
          venueOrderId: "",
          instrument: instrument.id,
          side: theirs.quantity.isPositive() ? "buy" : "sell",
          price: entry,
          quantity: theirs.quantity.abs(),
          fee: Money.zero(instrument.settlement),
          liquidity: "taker",
          tsEventNs: theirs.tsNs,
          strategyId: theirs.strategyId,
          account: theirs.account,
        });
      }
      this.positions.set(key, position);
      this.bases.set(key, { realized: theirs.realizedPnl.amount, fees: theirs.fees, throughNs: theirs.tsNs });
      const snapshot = this.snapshotOf(key, position);
      adopted.push(snapshot);
      this.changes.next(snapshot);
    }
    return adopted;
  }

  /**
   * @internal Remembers the latest two-sided quote of `key` (its `formatInstrumentId`). Called for
   * every quote, so it only stores a reference: the mid is computed when a mark is read.
   */
  markFromQuote(key: string, quote: Quote): void {
    if (quote.bidSize.units === 0n || quote.askSize.units === 0n) return;
    this.markSlot(key).quote = quote;
  }

  /** @internal The holder of `key`'s latest two-sided quote, for the quote stream to fill in directly. */
  markSlot(key: string): { quote: Quote | undefined } {
    let slot = this.quotes.get(key);
    if (slot === undefined) {
      slot = { quote: undefined };
      this.quotes.set(key, slot);
    }
    return slot;
  }

  /** @internal */
  markOf(id: InstrumentId): Decimal | undefined {
    return this.mark(formatInstrumentId(id));
  }

  private snapshotOf(key: string, position: Position): PositionSnapshot {
    const own = position.snapshot(this.mark(key));
    const base = this.bases.get(key);
    if (base === undefined) return own;
    const fees = new Map<string, Decimal>();
    for (const f of [...base.fees, ...own.fees]) {
      fees.set(f.currency, (fees.get(f.currency) ?? Decimal.ZERO).add(f.amount));
    }
    return {
      ...own,
      realizedPnl: Money.of(own.realizedPnl.amount.add(base.realized), own.realizedPnl.currency),
      fees: [...fees].map(([currency, amount]) => Money.of(amount, currency)),
      // biome-ignore lint/complexity/useMathMinMax: bigints; Math.max takes numbers only.
      tsNs: own.tsNs > base.throughNs ? own.tsNs : base.throughNs,
    };
  }

  /** Mid of the latest two-sided quote, at one place finer than the tick. */
  private mark(key: string): Decimal | undefined {
    const quote = this.quotes.get(key)?.quote;
    if (quote === undefined) return undefined;
    const cached = this.marks.get(key);
    if (cached !== undefined && cached.quote === quote) return cached.mid;
    const instrument = this.instruments.get(key);
    const scale = instrument === undefined ? 18 : instrument.priceIncrement.scale + 1;
    const mid = quote.bidPrice.add(quote.askPrice).div(2, { scale });
    this.marks.set(key, { quote, mid });
    return mid;
  }

  private instrumentOf(key: string): Instrument {
    const instrument = this.instruments.get(key);
    if (instrument === undefined) {
      throw new SdkError("UNKNOWN_INSTRUMENT", `unknown instrument ${key}`, { context: { instrument: key } });
    }
    return instrument;
  }
}

function sameHoldings(a: PositionSnapshot, b: PositionSnapshot): boolean {
  if (!a.quantity.eq(b.quantity) || !a.realizedPnl.amount.eq(b.realizedPnl.amount)) return false;
  const fees = (p: PositionSnapshot) =>
    p.fees
      .filter((f) => !f.amount.isZero())
      .map((f) => `${f.currency}:${f.amount.normalize().toString()}`)
      .sort()
      .join(",");
  return fees(a) === fees(b);
}
