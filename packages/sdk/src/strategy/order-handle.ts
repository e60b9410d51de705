import { Decimal, type DecimalLike, type Fill, isTerminal, type Order } from "@openfloor/core";
import { filter, map, type Observable, ReplaySubject, Subject } from "rxjs";
import { InvalidOrder, OrderFinished, VenueRejected } from "../errors/sdk-errors.js";
import type { AmendChange, OrderUpdate } from "../transport/transport.js";
import { GuardedObservable } from "./guarded-observable.js";

/** The changes of an amend as a strategy writes them; unset fields stay as they are. */
export interface AmendSpec {
  /** New total quantity (not what is left). */
  quantity?: DecimalLike;
  price?: DecimalLike;
  triggerPrice?: DecimalLike;
}

function toAmendChange(spec: AmendSpec): AmendChange {
  const parse = (field: string, v: DecimalLike | undefined): Decimal | undefined => {
    if (v === undefined) return undefined;
    try {
      return Decimal.from(v);
    } catch (e) {
      throw new InvalidOrder("INVALID_ORDER", `${field}: ${(e as Error).message}`, {
        cause: e,
        context: { field },
      });
    }
  };
  const quantity = parse("quantity", spec.quantity);
  const price = parse("price", spec.price);
  const triggerPrice = parse("triggerPrice", spec.triggerPrice);
  return {
    ...(quantity === undefined ? {} : { quantity }),
    ...(price === undefined ? {} : { price }),
    ...(triggerPrice === undefined ? {} : { triggerPrice }),
  };
}

/** What `OrderHandle` asks of the orders API that created it. */
export interface OrderActions {
  amend(clientOrderId: string, change: AmendChange): Promise<Order>;
  cancel(clientOrderId: string): Promise<Order>;
}

/**
 * One order of the strategy: its current state, its updates as an observable, a promise that settles
 * when it is done, and `amend()` / `cancel()`.
 *
 * @example
 * const h = await this.orders.buy(btc, "0.01", { price: "60000" });
 * h.fills$.subscribe((f) => this.record("fill_px", f.price.toNumber()));
 * const final = await h.done; // resolves filled/canceled/expired, rejects VenueRejected
 */
export class OrderHandle {
  private current: Order;
  private readonly updates = new ReplaySubject<OrderUpdate>(64);
  private readonly finished = new Subject<void>();
  private completed = false;
  private settle!: { resolve: (o: Order) => void; reject: (e: Error) => void };
  /** Settles when the order reaches a terminal state: resolves with it, or rejects with `VenueRejected`. */
  readonly done: Promise<Order>;

  constructor(
    order: Order,
    private readonly actions: OrderActions,
    private readonly report: (error: unknown) => void = () => undefined,
    /** Updates that arrived before the handle existed (they can overtake the submit response). */
    earlier: readonly OrderUpdate[] = [],
    private readonly onAsync: () => void = () => undefined,
  ) {
    this.current = order;
    this.done = new Promise<Order>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // A strategy that never awaits `done` must not crash the process with an unhandled rejection.
    this.done.catch(() => undefined);
    // Replayed before the handle can complete, so `fills$` of an order that filled at once still has them.
    for (const u of earlier) {
      this.adopt(u.order);
      this.updates.next(u);
    }
    this.checkDone();
  }

  get clientOrderId(): string {
    return this.current.clientOrderId;
  }

  /** The order as last reported. */
  get order(): Order {
    return this.current;
  }

  get status(): Order["status"] {
    return this.current.status;
  }

  get isDone(): boolean {
    return isTerminal(this.current.status);
  }

  /** Every event and fill of this order (replays the last 64 to late subscribers). */
  get updates$(): Observable<OrderUpdate> {
    return GuardedObservable.from(this.updates.asObservable(), this.report, this.onAsync);
  }

  get fills$(): Observable<Fill> {
    return this.updates$.pipe(
      filter((u): u is Extract<OrderUpdate, { kind: "fill" }> => u.kind === "fill"),
      map((u) => u.fill),
    );
  }

  /**
   * Changes price, quantity (the new total) and/or trigger price; values as strings or Decimals. An amend
   * of a finished order is an `OrderFinished` error; a malformed value an `InvalidOrder`.
   * @example await handle.amend({ price: "60100" })
   */
  async amend(change: AmendSpec): Promise<Order> {
    this.onAsync();
    this.assertLive("amend");
    const order = await this.actions.amend(this.clientOrderId, toAmendChange(change));
    this.apply(order);
    return order;
  }

  /** Asks the venue to cancel; resolves when the request is accepted (the order finishes via `done`). */
  async cancel(): Promise<Order> {
    this.onAsync();
    this.assertLive("cancel");
    const order = await this.actions.cancel(this.clientOrderId);
    this.apply(order);
    return order;
  }

  /** @internal Called by the orders API for every update of this order. */
  receive(update: OrderUpdate): void {
    this.adopt(update.order);
    if (this.completed) return;
    // Delivered before completing, so the update that ends the order reaches `updates$` and `fills$`.
    this.updates.next(update);
    this.checkDone();
  }

  /** @internal */
  apply(order: Order): void {
    this.adopt(order);
    this.checkDone();
  }

  private adopt(order: Order): void {
    // Updates can arrive out of order across the response and the stream: keep the newest, and never
    // leave a terminal state for an older one.
    if (isTerminal(this.current.status) && !isTerminal(order.status)) return;
    if (order.tsUpdatedNs >= this.current.tsUpdatedNs || isTerminal(order.status)) this.current = order;
  }

  private checkDone(): void {
    if (this.completed || !isTerminal(this.current.status)) return;
    this.completed = true;
    const o = this.current;
    if (o.status === "rejected" || o.status === "denied") {
      this.settle.reject(
        new VenueRejected(
          "VENUE_REJECTED",
          `order ${o.clientOrderId} ${o.status}: ${o.lastReason?.message ?? "no reason"}`,
          {
            context: { clientOrderId: o.clientOrderId, reason: o.lastReason },
          },
        ),
      );
    } else {
      this.settle.resolve(o);
    }
    this.finished.next();
    this.updates.complete();
  }

  private assertLive(what: string): void {
    if (isTerminal(this.current.status)) {
      throw new OrderFinished(
        "ORDER_FINISHED",
        `cannot ${what} order ${this.clientOrderId}: it is ${this.current.status}`,
        {
          context: { clientOrderId: this.clientOrderId, status: this.current.status },
        },
      );
    }
  }
}
