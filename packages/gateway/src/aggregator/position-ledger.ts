import {
  type Decimal,
  type Fill,
  formatInstrumentId,
  type Instrument,
  type InstrumentId,
  type Nanos,
  Portfolio,
  type Position,
} from "@openfloor/core";

/** What happened to a fill given to the ledger. */
export type FillOutcome =
  /** Applied: the positions it touched changed. */
  | { readonly kind: "applied"; readonly positions: readonly Position[] }
  /** Its (venue, fill id) was applied before: a redelivery or a replayed duplicate. */
  | { readonly kind: "duplicate" }
  /** Its offset is below what this partition has processed: read again after a rebalance. */
  | { readonly kind: "old" }
  /** No instrument definition for it: it cannot be valued (a configuration error, counted). */
  | { readonly kind: "unknown-instrument" }
  /** It cannot be applied on its face (e.g. a negative quantity); nothing changed. */
  | { readonly kind: "invalid"; readonly error: unknown };

/** The positions built from one partition of the fills topic. */
export class PartitionLedger {
  /** Offset of the next fill to apply. */
  nextOffset = 0n;
  private readonly seen = new Set<string>();
  /** One position per account, instrument and strategy (fills with a strategy id). */
  readonly byStrategy: Portfolio;
  /** One position per account and instrument, every strategy netted: what exposure is computed on. */
  readonly byAccount: Portfolio;

  constructor(
    readonly partition: number,
    instruments: Iterable<Instrument>,
    reportCurrency: string,
  ) {
    const list = [...instruments];
    const position = { retainClosedLots: false };
    this.byStrategy = new Portfolio({ reportCurrency, instruments: list, perStrategy: true, position });
    this.byAccount = new Portfolio({ reportCurrency, instruments: list, perStrategy: false, position });
  }

  /** Applies the fill at `offset` unless it is old or a duplicate by (venue, fill id). */
  apply(offset: bigint, fill: Fill, known: (id: InstrumentId) => boolean): FillOutcome {
    if (offset < this.nextOffset) return { kind: "old" };
    this.nextOffset = offset + 1n;
    const id = `${fill.instrument.venue}\u0000${fill.fillId}`;
    if (this.seen.has(id)) return { kind: "duplicate" };
    if (!known(fill.instrument)) return { kind: "unknown-instrument" };
    try {
      this.byAccount.applyFill(fill);
    } catch (error) {
      return { kind: "invalid", error };
    }
    this.seen.add(id);
    const touched: Position[] = [this.byAccount.position(fill.account, fill.instrument)!];
    if (fill.strategyId !== "") {
      this.byStrategy.applyFill(fill);
      touched.push(this.byStrategy.position(fill.account, fill.instrument, fill.strategyId)!);
    }
    return { kind: "applied", positions: touched };
  }

  /** Account-level positions, then per-strategy ones. */
  positions(): Position[] {
    return [...this.byAccount.positions(), ...this.byStrategy.positions()];
  }

  /** Marks the positions in an instrument; returns those it marked. */
  mark(instrument: InstrumentId, price: Decimal, tsNs: Nanos): Position[] {
    this.byAccount.mark(instrument, price, tsNs);
    this.byStrategy.mark(instrument, price, tsNs);
    const key = formatInstrumentId(instrument);
    return this.positions().filter((p) => formatInstrumentId(p.instrument.id) === key);
  }
}

/**
 * Exact positions from the fills of every gateway, kept per partition of the fills topic so a
 * partition's state is a function of that partition's records alone: whichever aggregator owns a
 * partition rebuilds it from the partition's start and arrives at the same positions.
 */
export class PositionLedger {
  private readonly partitions = new Map<number, PartitionLedger>();
  private readonly instruments = new Map<string, Instrument>();
  private readonly marks = new Map<string, { price: Decimal; tsNs: Nanos }>();

  constructor(
    instruments: Iterable<Instrument>,
    readonly reportCurrency: string,
  ) {
    for (const i of instruments) this.instruments.set(formatInstrumentId(i.id), i);
  }

  /** The ledger of a partition, created on first use (with the marks known so far). */
  partition(partition: number): PartitionLedger {
    let ledger = this.partitions.get(partition);
    if (ledger === undefined) {
      ledger = new PartitionLedger(partition, this.instruments.values(), this.reportCurrency);
      for (const [key, m] of this.marks) {
        const instrument = this.instruments.get(key)!;
        ledger.mark(instrument.id, m.price, m.tsNs);
      }
      this.partitions.set(partition, ledger);
    }
    return ledger;
  }

  /** Partitions with a ledger. */
  partitionIds(): number[] {
    return [...this.partitions.keys()].sort((a, b) => a - b);
  }

  /** Forgets a partition (after it was revoked), so a later assignment rebuilds it from the start. */
  drop(partition: number): void {
    this.partitions.delete(partition);
  }

  apply(partition: number, offset: bigint, fill: Fill): FillOutcome {
    return this.partition(partition).apply(offset, fill, (id) =>
      this.instruments.has(formatInstrumentId(id)),
    );
  }

  /**
   * Marks every position in the instrument (unknown instruments and non-positive prices are
   * ignored); returns those marked with their partition.
   */
  mark(instrument: InstrumentId, price: Decimal, tsNs: Nanos): { partition: number; position: Position }[] {
    const key = formatInstrumentId(instrument);
    if (!this.instruments.has(key) || !price.isPositive()) return [];
    this.marks.set(key, { price, tsNs });
    const out: { partition: number; position: Position }[] = [];
    for (const ledger of this.partitions.values()) {
      for (const position of ledger.mark(instrument, price, tsNs))
        out.push({ partition: ledger.partition, position });
    }
    return out;
  }

  instrument(id: InstrumentId): Instrument | undefined {
    return this.instruments.get(formatInstrumentId(id));
  }

  markPrice(id: InstrumentId): Decimal | undefined {
    return this.marks.get(formatInstrumentId(id))?.price;
  }
}
