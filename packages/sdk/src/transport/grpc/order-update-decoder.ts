import { fillFromProto, type Order, orderEventFromProto, pb } from "@openfloor/core";
import type { OrderUpdate } from "../transport.js";

const MAX_PENDING = 4096;

/**
 * Turns `StreamOrderUpdates` messages into the SDK's order updates. The gateway sends a `filled` event
 * and then its `Fill` as two messages; the event is held until its fill arrives so it reaches the
 * strategy whole (event, then fill), as on the other transports.
 */
export class OrderUpdateDecoder {
  private readonly heldFills = new Map<string, pb.OrderEvent>();
  private readonly lastOrder = new Map<string, Order>();

  constructor(private readonly emit: (update: OrderUpdate) => void) {}

  /** Decodes one message; throws `ORDER_INVALID` (field named) for a malformed one. */
  onMessage(message: pb.StreamOrderUpdatesResponse): void {
    const update = message.update;
    if (update === undefined) return;
    if (update.$case === "event") {
      const event = update.value;
      if (event.kind === pb.OrderEventKind.ORDER_EVENT_KIND_FILLED && event.order !== undefined) {
        if (this.heldFills.size >= MAX_PENDING) this.heldFills.clear();
        this.heldFills.set(event.order.clientOrderId, event);
        return;
      }
      const decoded = orderEventFromProto(event);
      this.remember(decoded.order);
      this.emit({ kind: "event", order: decoded.order, event: decoded.event });
      return;
    }
    const fill = fillFromProto(update.value);
    const held = this.heldFills.get(fill.clientOrderId);
    this.heldFills.delete(fill.clientOrderId);
    let order = this.lastOrder.get(fill.clientOrderId);
    if (held !== undefined) {
      const decoded = orderEventFromProto(held, fill);
      order = decoded.order;
      this.remember(order);
      this.emit({ kind: "event", order, event: decoded.event });
    }
    if (order !== undefined) this.emit({ kind: "fill", order, fill });
  }

  private remember(order: Order): void {
    if (this.lastOrder.size >= MAX_PENDING) this.lastOrder.clear();
    this.lastOrder.set(order.clientOrderId, order);
  }
}
