import type { InstrumentId } from "@openfloor/core";
import type { DataChannel, DataSubscription } from "./transport.js";

/** A gateway market-data subscription in core terms (the shape of the gateway's `MarketDataRequest`). */
export interface GatewayDataRequest {
  readonly instruments: readonly InstrumentId[];
  readonly types: readonly ("trade" | "quote" | "book" | "bar")[];
  readonly depth: number;
  readonly barIntervals: readonly string[];
}

const TYPE_OF: Readonly<Record<DataChannel, GatewayDataRequest["types"][number]>> = {
  trades: "trade",
  quotes: "quote",
  book: "book",
  bars: "bar",
};

/** The gateway request of one strategy data subscription (one instrument, one channel). */
export function marketDataRequestOf(subscription: DataSubscription): GatewayDataRequest {
  return {
    instruments: [subscription.instrument],
    types: [TYPE_OF[subscription.channel]],
    depth: subscription.depth ?? 0,
    barIntervals:
      subscription.channel === "bars" && subscription.interval !== undefined ? [subscription.interval] : [],
  };
}
