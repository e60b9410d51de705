import { type Balance, Decimal, type PositionSnapshot, type Quote } from "@openfloor/core";
import type { OrderHandle } from "../../strategy/order-handle.js";
import { Strategy } from "../../strategy/strategy.js";

export const BTC = "BTC/USDT:sim";

/**
 * The test strategy of the transport suites: on the first quote it buys 0.001 BTC at market and rests a
 * bid 1 % under the market, records the bid, and cancels what is open when it stops.
 */
export class BuyOnce extends Strategy {
  readonly handles: OrderHandle[] = [];
  readonly errors: unknown[] = [];
  quotes = 0;
  /** Every quote seen, in order. */
  readonly seenQuotes: Quote[] = [];
  firstQuote: Quote | undefined;
  placed: Promise<void> | undefined;
  canceledOnStop: readonly string[] = [];
  /** Quantities `positions.changes$` emitted, in order. */
  readonly positionChanges: string[] = [];

  override onStart(): void {
    this.positions.changes$.subscribe((p) => this.positionChanges.push(p.quantity.normalize().toString()));
    this.data.quotes(BTC).subscribe((q) => {
      this.quotes++;
      this.seenQuotes.push(q);
      if (this.firstQuote !== undefined) return;
      this.firstQuote = q;
      this.record("first_bid", q.bidPrice);
      this.placed = this.place(q);
    });
  }

  private async place(q: Quote): Promise<void> {
    this.handles.push(await this.orders.buy(BTC, "0.001"));
    const restAt = q.bidPrice.mul(Decimal.from("0.99")).roundToIncrement("0.01");
    this.handles.push(await this.orders.buy(BTC, "0.001", { price: restAt }));
  }

  override async onStop(): Promise<void> {
    this.canceledOnStop = (await this.orders.cancelAll()).map((o) => o.clientOrderId);
  }

  override onError(error: unknown): void {
    this.errors.push(error);
  }

  /** Another market buy, as strategy code would place it. */
  buyMore(): Promise<OrderHandle> {
    return this.orders.buy(BTC, "0.001");
  }

  position(): string {
    return this.positions.get(BTC).quantity.normalize().toString();
  }

  balances(): readonly Balance[] {
    return this.positions.balances();
  }

  /** The full position as the strategy sees it. */
  snapshot(): PositionSnapshot {
    return this.positions.get(BTC);
  }
}

/** Resolves when `check` holds, polling every 10 ms; rejects after `ms`. */
export async function until(check: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
