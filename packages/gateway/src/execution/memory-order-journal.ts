import type { Order, OrderEvent } from "@openfloor/core";
import type { OrderJournal } from "./order-journal.js";

/** One entry of a `MemoryOrderJournal`, in the order it was recorded. */
export type JournalEntry =
  | { readonly kind: "intent"; readonly order: Order }
  | { readonly kind: "event"; readonly order: Order; readonly event: OrderEvent };

/**
 * An `OrderJournal` that keeps everything in memory: for backtests, embedding without an audit store,
 * and tests that check what was recorded and when. Not durable.
 */
export class MemoryOrderJournal implements OrderJournal {
  readonly entries: JournalEntry[] = [];
  /** Set false to simulate an unreachable store: `isAvailable()` turns false and `recordIntent` rejects. */
  available = true;
  /** Called after an entry is recorded (tests use it to see the interleaving with venue calls). */
  onRecord: ((entry: JournalEntry) => void) | undefined;

  async recordIntent(order: Order): Promise<void> {
    if (!this.available) throw new Error("journal unavailable");
    this.push({ kind: "intent", order });
  }

  recordEvent(order: Order, event: OrderEvent): void {
    this.push({ kind: "event", order, event });
  }

  isAvailable(): boolean {
    return this.available;
  }

  private push(entry: JournalEntry): void {
    this.entries.push(entry);
    this.onRecord?.(entry);
  }
}
