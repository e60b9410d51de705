import type { MarketEvent } from "@openfloor/core";
import type { Observable } from "rxjs";
import type { DataSubscription, Transport } from "./transport.js";

/**
 * Where a strategy's market data comes from when it is not its transport: e.g. the Kafka market-data
 * topics a gateway records, so many strategy nodes share one venue connection. Orders still go through
 * the transport.
 */
export interface MarketDataFeed {
  /** For logs and errors. @example "kafka://10.0.0.5:9092" */
  readonly name: string;
  marketData(subscription: DataSubscription): Observable<MarketEvent>;
  /** Releases what the feed holds (consumers, sockets). */
  close(): Promise<void>;
}

/**
 * A transport whose market data comes from `feed`; everything else (orders, positions, records, status)
 * is `transport`'s. Closing it closes both.
 * @example runStrategy(strategy, withMarketData(new GrpcTransport({ … }), kafkaMarketData({ brokers })))
 */
export function withMarketData(transport: Transport, feed: MarketDataFeed): Transport {
  const t = transport;
  const wrapped: Transport = {
    clock: t.clock,
    status$: t.status$,
    connect: () => t.connect(),
    close: async () => {
      await Promise.allSettled([feed.close(), t.close()]);
    },
    instruments: () => t.instruments(),
    marketData: (subscription) => feed.marketData(subscription),
    submit: (request) => t.submit(request),
    amend: (id, change) => t.amend(id, change),
    cancel: (id) => t.cancel(id),
    cancelAll: (instrument) => t.cancelAll(instrument),
    orders: (openOnly) => t.orders(openOnly),
    orderUpdates: () => t.orderUpdates(),
    record: (values) => t.record(values),
  };
  return {
    ...wrapped,
    ...(t.positions === undefined ? {} : { positions: () => t.positions!() }),
    ...(t.balances === undefined ? {} : { balances: () => t.balances!() }),
    ...(t.notePendingWork === undefined ? {} : { notePendingWork: () => t.notePendingWork!() }),
  };
}
