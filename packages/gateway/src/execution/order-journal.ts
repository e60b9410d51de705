import type { Order, OrderEvent } from "@openfloor/core";

/**
 * The write-ahead hook of the OMS; the Postgres audit trail implements it (issue #8).
 *
 * - `recordIntent` is awaited before a new order (or a cancel-replace replacement) is sent to the
 *   venue: when it resolves the intent must be durable. When it rejects the order is denied with
 *   `AUDIT_UNAVAILABLE` and never reaches the venue.
 * - `recordEvent` is called for every event applied to an order (denials included), on the hot path:
 *   it must return at once and group-commit in the background, buffering while the store is down.
 * - `isAvailable() === false` fails closed: new orders are denied with `AUDIT_UNAVAILABLE`; cancels
 *   still go out.
 */
export interface OrderJournal {
  recordIntent(order: Order): Promise<void>;
  recordEvent(order: Order, event: OrderEvent): void;
  isAvailable(): boolean;
}
