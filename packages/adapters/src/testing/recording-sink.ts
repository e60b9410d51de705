import { applyOrderEvent, type Fill, type MarketEvent, type Order, type OrderEvent } from "@openfloor/core";
import type { ConnectionState, VenueEventSink, VenueOrderReport } from "../contract/adapter.js";

/** An order the kit follows: its state folded from the events, through the core state machine. */
export interface TrackedOrder {
  order: Order;
  readonly events: OrderEvent[];
  readonly fills: Fill[];
  /** Errors the state machine raised on this order's events (illegal transitions, mismatched fills). */
  readonly errors: Error[];
}

/**
 * A `VenueEventSink` that records everything an adapter delivers and folds the order events of the
 * orders it tracks through `applyOrderEvent`, exactly as the OMS would.
 */
export class RecordingSink implements VenueEventSink {
  readonly marketEvents: MarketEvent[] = [];
  readonly orderEvents: Array<{ readonly clientOrderId: string; readonly event: OrderEvent }> = [];
  readonly states: Array<{ readonly state: ConnectionState; readonly detail?: string }> = [];
  readonly errors: Error[] = [];
  readonly unknownOrders: VenueOrderReport[] = [];
  private readonly tracked = new Map<string, TrackedOrder>();

  /** Starts following an order (call before submitting it, events may arrive before the call returns). */
  track(order: Order): TrackedOrder {
    const t: TrackedOrder = { order, events: [], fills: [], errors: [] };
    this.tracked.set(order.clientOrderId, t);
    return t;
  }

  get(clientOrderId: string): TrackedOrder | undefined {
    return this.tracked.get(clientOrderId);
  }

  all(): TrackedOrder[] {
    return [...this.tracked.values()];
  }

  onMarketEvent(event: MarketEvent): void {
    this.marketEvents.push(event);
  }

  onOrderEvent(clientOrderId: string, event: OrderEvent): void {
    this.orderEvents.push({ clientOrderId, event });
    const t = this.tracked.get(clientOrderId);
    if (t === undefined) return;
    t.events.push(event);
    try {
      const r = applyOrderEvent(t.order, event);
      if (event.kind === "filled" && r.outcome === "applied") t.fills.push(event.fill);
      t.order = r.order;
    } catch (error) {
      t.errors.push(error instanceof Error ? error : new Error(String(error)));
    }
  }

  onUnknownOrder(report: VenueOrderReport): void {
    this.unknownOrders.push(report);
  }

  onConnectionState(state: ConnectionState, detail?: string): void {
    this.states.push(detail === undefined ? { state } : { state, detail });
  }

  onError(error: Error): void {
    this.errors.push(error);
  }
}
