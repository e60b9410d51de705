import type { Decimal } from "@openfloor/core";

/** A strategy internal (indicator, signal, decision price) as the gateway keeps it. */
export interface StrategyRecord {
  readonly strategyId: string;
  readonly name: string;
  readonly tsNs: bigint;
  readonly value:
    | { readonly kind: "number"; readonly value: number }
    | { readonly kind: "decimal"; readonly value: Decimal }
    | { readonly kind: "json"; readonly value: string };
}

export type StrategyRecordListener = (records: readonly StrategyRecord[]) => void;

/**
 * A bounded in-memory buffer of strategy records. Listeners (the Kafka recorder) get each batch as
 * it arrives; the buffer keeps the most recent `capacity` records for late readers and counts what
 * it evicted. Appending never blocks and never throws because of a listener.
 */
export class StrategyRecordBuffer {
  private readonly ring: (StrategyRecord | undefined)[];
  private start = 0;
  private size = 0;
  private evictedCount = 0;
  private readonly listeners = new Set<StrategyRecordListener>();

  /** @param capacity records kept at most. Default 100000. */
  constructor(
    readonly capacity = 100_000,
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {
    this.ring = new Array(capacity);
  }

  append(records: readonly StrategyRecord[]): void {
    for (const record of records) {
      if (this.size === this.capacity) {
        this.start = (this.start + 1) % this.capacity;
        this.size--;
        this.evictedCount++;
      }
      this.ring[(this.start + this.size) % this.capacity] = record;
      this.size++;
    }
    for (const listener of this.listeners) {
      try {
        listener(records);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** Calls `listener` with every batch appended from now on. Returns the unsubscribe function. */
  onRecords(listener: StrategyRecordListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The records held, oldest first. */
  snapshot(): StrategyRecord[] {
    const out: StrategyRecord[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.ring[(this.start + i) % this.capacity]!);
    return out;
  }

  /** Removes and returns the records held, oldest first. */
  drain(): StrategyRecord[] {
    const out = this.snapshot();
    this.ring.fill(undefined);
    this.start = 0;
    this.size = 0;
    return out;
  }

  get length(): number {
    return this.size;
  }

  /** Records evicted because the buffer was full. */
  get evicted(): number {
    return this.evictedCount;
  }
}
