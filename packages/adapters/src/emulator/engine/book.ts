import { Decimal } from "@openfloor/core";

/** A resting order in a price level; `owner` "mm" is the synthetic market maker. */
export interface RestingOrder {
  readonly orderId: string;
  readonly owner: "user" | "mm";
  remaining: Decimal;
}

export interface PriceLevel {
  readonly price: Decimal;
  readonly key: string;
  readonly orders: RestingOrder[];
  total: Decimal;
}

/** One side of a price-time priority book, best level first. */
export class BookSide {
  readonly levels: PriceLevel[] = [];
  private readonly byKey = new Map<string, PriceLevel>();

  constructor(readonly isBid: boolean) {}

  best(): PriceLevel | undefined {
    return this.levels[0];
  }

  level(price: Decimal): PriceLevel | undefined {
    return this.byKey.get(priceKey(price));
  }

  /** True when `price` is at least as good as `other` for this side. */
  better(price: Decimal, other: Decimal): boolean {
    return this.isBid ? price.gt(other) : price.lt(other);
  }

  add(price: Decimal, order: RestingOrder): void {
    const key = priceKey(price);
    let level = this.byKey.get(key);
    if (level === undefined) {
      level = { price, key, orders: [], total: Decimal.ZERO };
      this.byKey.set(key, level);
      let i = 0;
      while (i < this.levels.length && !this.better(price, this.levels[i]!.price)) i++;
      this.levels.splice(i, 0, level);
    }
    level.orders.push(order);
    level.total = level.total.add(order.remaining);
  }

  /** Takes `quantity` off a resting order (fill or reduce); drops it and its level when empty. */
  reduce(level: PriceLevel, order: RestingOrder, quantity: Decimal): void {
    order.remaining = order.remaining.sub(quantity);
    level.total = level.total.sub(quantity);
    if (order.remaining.isZero()) {
      const at = level.orders.indexOf(order);
      if (at >= 0) level.orders.splice(at, 1);
    }
    if (level.orders.length === 0) this.dropLevel(level);
  }

  remove(level: PriceLevel, order: RestingOrder): void {
    this.reduce(level, order, order.remaining);
  }

  find(orderId: string): { level: PriceLevel; order: RestingOrder } | undefined {
    for (const level of this.levels) {
      const order = level.orders.find((o) => o.orderId === orderId);
      if (order !== undefined) return { level, order };
    }
    return undefined;
  }

  private dropLevel(level: PriceLevel): void {
    this.byKey.delete(level.key);
    const at = this.levels.indexOf(level);
    if (at >= 0) this.levels.splice(at, 1);
  }
}

export function priceKey(price: Decimal): string {
  return price.normalize().toString();
}
