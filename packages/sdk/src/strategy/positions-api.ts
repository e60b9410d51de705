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
import { type InstrumentRef, toInstrumentId } from "./instrument-ref.js";

/**
 * The strategy's own positions, one netting `Position` per instrument built from the strategy's fills
 * with core's exact accounting (the same code the gateway uses), marked with the latest quote mid.
 */
export class PositionsApi {
  private readonly positions = new Map<string, Position>();
  private readonly marks = new Map<string, Decimal>();
  private readonly changes = new Subject<PositionSnapshot>();

  constructor(
    private readonly instruments: ReadonlyMap<string, Instrument>,
    private readonly strategyId: string,
  ) {}

  /** The position in an instrument (flat if the strategy never traded it). */
  get(ref: InstrumentRef): PositionSnapshot {
    const key = formatInstrumentId(toInstrumentId(ref));
    const position =
      this.positions.get(key) ?? new Position(this.instrumentOf(key), "", { strategyId: this.strategyId });
    return position.snapshot(this.marks.get(key));
  }

  /** Every non-flat or traded position. */
  all(): PositionSnapshot[] {
    return [...this.positions.entries()].map(([key, p]) => p.snapshot(this.marks.get(key)));
  }

  /** Emits a position's new state after each of its fills. */
  get changes$(): Observable<PositionSnapshot> {
    return this.changes.asObservable();
  }

  /** @internal */
  applyFill(fill: Fill): void {
    const key = formatInstrumentId(fill.instrument);
    let position = this.positions.get(key);
    if (position === undefined) {
      position = new Position(this.instrumentOf(key), fill.account, { strategyId: this.strategyId });
      this.positions.set(key, position);
    }
    if (position.applyFill(fill)) this.changes.next(position.snapshot(this.marks.get(key)));
  }

  /** @internal */
  markFromQuote(quote: Quote): void {
    if (quote.bidSize.isZero() || quote.askSize.isZero()) return;
    const key = formatInstrumentId(quote.instrument);
    const instrument = this.instruments.get(key);
    const scale = instrument === undefined ? 18 : instrument.priceIncrement.scale + 1;
    this.marks.set(key, quote.bidPrice.add(quote.askPrice).div(2, { scale }));
  }

  /** @internal */
  markOf(id: InstrumentId): Decimal | undefined {
    return this.marks.get(formatInstrumentId(id));
  }

  private instrumentOf(key: string): Instrument {
    const instrument = this.instruments.get(key);
    if (instrument === undefined) {
      throw new SdkError("UNKNOWN_INSTRUMENT", `unknown instrument ${key}`, { context: { instrument: key } });
    }
    return instrument;
  }
}
