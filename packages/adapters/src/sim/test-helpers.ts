import {
  Decimal,
  type DecimalLike,
  defineInstrument,
  type Fill,
  type Instrument,
  type InstrumentSpec,
  instrumentId,
  type OrderEvent,
  type OrderRequest,
  type OrderSide,
  SimulatedClock,
} from "@openfloor/core";
import type { SimAdapterConfigInput } from "./config.js";
import { SimExchange, type SimExchangeOptions } from "./exchange.js";

/** Spot BTC/USDT on venue "sim": tick 0.01, lot 0.001, maker 10 bp, taker 20 bp. */
export function btcUsdt(spec: Partial<InstrumentSpec> = {}): Instrument {
  return defineInstrument({
    id: instrumentId("BTC/USDT", "sim"),
    kind: "spot",
    base: "BTC",
    quote: "USDT",
    priceIncrement: "0.01",
    sizeIncrement: "0.001",
    makerFee: "0.001",
    takerFee: "0.002",
    ...spec,
  });
}

/** A USDT-margined perpetual on venue "sim" (for reduce-only and positions). */
export function btcPerp(): Instrument {
  return defineInstrument({
    id: instrumentId("BTC/USDT:USDT", "sim"),
    kind: "perpetual",
    base: "BTC",
    quote: "USDT",
    priceIncrement: "0.5",
    sizeIncrement: "0.01",
    makerFee: "0.0002",
    takerFee: "0.0005",
  });
}

/** A venue on a simulated clock that records every order event per account. */
export class TestVenue {
  readonly clock = new SimulatedClock(1_700_000_000_000_000_000n);
  readonly exchange: SimExchange;
  readonly events: Array<{ account: string; clientOrderId: string; event: OrderEvent }> = [];
  private n = 0;

  constructor(
    readonly instruments: Instrument[] = [btcUsdt()],
    options: Partial<SimExchangeOptions> = {},
  ) {
    this.exchange = new SimExchange({
      venue: "sim",
      clock: this.clock,
      instruments,
      startingBalances: { USDT: "1000000", BTC: "100" },
      ...options,
    });
    this.exchange.addListener({
      onOrderEvent: (account, clientOrderId, event) => this.events.push({ account, clientOrderId, event }),
    });
  }

  get instrument(): Instrument {
    return this.instruments[0]!;
  }

  request(side: OrderSide, quantity: DecimalLike, fields: Partial<OrderRequest> = {}): OrderRequest {
    return {
      clientOrderId: `c${++this.n}`,
      instrument: this.instrument.id,
      side,
      type: "limit",
      timeInForce: "GTC",
      quantity: Decimal.from(quantity),
      postOnly: false,
      reduceOnly: false,
      strategyId: "test",
      account: "test",
      ...fields,
    };
  }

  /** Submits a limit order (GTC unless overridden); returns its client order id. Throws on refusal. */
  limit(
    account: string,
    side: OrderSide,
    quantity: DecimalLike,
    price: DecimalLike,
    fields: Partial<OrderRequest> = {},
  ): string {
    const r = this.request(side, quantity, { price: Decimal.from(price), ...fields });
    const result = this.exchange.submit(account, r);
    if (!result.ok) throw result.error;
    return r.clientOrderId;
  }

  market(
    account: string,
    side: OrderSide,
    quantity: DecimalLike,
    fields: Partial<OrderRequest> = {},
  ): string {
    const r = this.request(side, quantity, { type: "market", timeInForce: "IOC", ...fields });
    const result = this.exchange.submit(account, r);
    if (!result.ok) throw result.error;
    return r.clientOrderId;
  }

  status(account: string, clientOrderId: string): string | undefined {
    return this.exchange.order(account, clientOrderId)?.status;
  }

  filled(account: string, clientOrderId: string): string | undefined {
    return this.exchange.order(account, clientOrderId)?.filledQuantity.toString();
  }

  fillsOf(clientOrderId: string): Fill[] {
    return this.events.flatMap((e) =>
      e.clientOrderId === clientOrderId && e.event.kind === "filled" ? [e.event.fill] : [],
    );
  }

  kinds(clientOrderId: string): string[] {
    return this.events.filter((e) => e.clientOrderId === clientOrderId).map((e) => e.event.kind);
  }

  balance(account: string, currency: string): { total: string; free: string; locked: string } {
    const b = this.exchange.balances(account).find((x) => x.currency === currency);
    return {
      total: b?.total.toString() ?? "0",
      free: b?.free.toString() ?? "0",
      locked: b?.locked.toString() ?? "0",
    };
  }
}

/** The venue the conformance runs use: one spot instrument on a lively synthetic market. */
export const conformanceConfig: SimAdapterConfigInput = {
  instruments: [
    {
      symbol: "BTC/USDT",
      base: "BTC",
      quote: "USDT",
      priceIncrement: "0.01",
      sizeIncrement: "0.0001",
      minSize: "0.001",
      makerFee: "0.0002",
      takerFee: "0.0007",
      market: {
        startPrice: "50000",
        spreadTicks: 10,
        levelSize: "0.5",
        updateIntervalMs: 20,
        tradesPerSecond: 20,
      },
    },
  ],
  balances: { USDT: "1000000", BTC: "10" },
  seed: 7,
};
