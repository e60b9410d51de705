import {
  type Decimal,
  type Fill,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  Position,
  type PositionSnapshot,
  type Quote,
} from "@openfloor/core";
import { type Observable, Subject } from "rxjs";
import { SdkError } from "../errors/sdk-errors.js";
import { GuardedObservable } from "./guarded-observable.js";
import { type InstrumentRef, toInstrumentId } from "./instrument-ref.js";

/**
 * The strategy's own positions, one netting `Position` per instrument built from the strategy's fills
 * with core's exact accounting (the same code the gateway uses), marked with the latest quote mid.
 */
export class PositionsApi {
  private readonly positions = new Map<string, Position>();
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
    const position =
      this.positions.get(key) ?? new Position(this.instrumentOf(key), "", { strategyId: this.strategyId });
    return position.snapshot(this.mark(key));
  }

  /** Every non-flat or traded position. */
  all(): PositionSnapshot[] {
    return [...this.positions.entries()].map(([key, p]) => p.snapshot(this.mark(key)));
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
      position = new Position(this.instrumentOf(key), fill.account, { strategyId: this.strategyId });
      this.positions.set(key, position);
    }
    if (position.applyFill(fill)) this.changes.next(position.snapshot(this.mark(key)));
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
