// execution.ts (REQUIRED): the ExecutionClient. Every order is checked before it is sent (unknown
// instrument, grid, minimum size → InvalidOrderError; undeclared type/flag → NotSupportedError); venue
// refusals become typed errors (http/errors.ts); order updates from the private stream become
// OrderEvents for the core state machine, fills carrying the venue's trade id as fillId.
import { Decimal, type Fill, type InstrumentId, Money, type Order, type OrderEvent } from "@openfloor/core";
import type {
  AdapterContext,
  AmendRequest,
  ExecutionClient,
  VenueBalance,
  VenueOrderReport,
  VenuePosition,
} from "../contract/adapter.js";
import { assertCapability, type VenueCapabilities } from "../contract/capabilities.js";
// In your own package: import { checkOrderForVenue } from "@openfloor/adapters";
import { checkOrderForVenue } from "../sim/validation.js";
import type { ExampleRest } from "./http/client.js";
import { parseBalances, parseFills, parseOpenOrders, venueSymbol } from "./http/parsers.js";
import type { ExampleInstruments } from "./instruments.js";
import type { ExampleOrderUpdate } from "./ws/parsers.js";

const TYPES = {
  market: "MARKET",
  limit: "LIMIT",
  "stop-market": "STOP_MARKET",
  "stop-limit": "STOP_LIMIT",
} as const;

export class ExampleExecution implements ExecutionClient {
  /** Strategy and account of the orders this adapter sent, by client order id (for fills parsed from REST). */
  private readonly owners = new Map<string, { strategyId: string; account: string }>();

  constructor(
    private readonly venue: string,
    private readonly capabilities: VenueCapabilities,
    private readonly rest: ExampleRest,
    private readonly instruments: ExampleInstruments,
    private readonly context: AdapterContext,
  ) {}

  /** REQUIRED. Resolves when the venue took the order; the outcome arrives as events. */
  async submitOrder(order: Order): Promise<void> {
    checkOrderForVenue(this.venue, this.capabilities, (id) => this.instruments.instrument(id), order);
    this.owners.set(order.clientOrderId, { strategyId: order.strategyId, account: order.account });
    await this.rest.request(
      "POST",
      "/api/v1/orders",
      {
        symbol: venueSymbol(order.instrument.symbol),
        clientOrderId: order.clientOrderId,
        side: order.side === "buy" ? "BUY" : "SELL",
        type: TYPES[order.type],
        timeInForce: order.timeInForce,
        quantity: order.quantity.toString(),
        ...(order.price === undefined ? {} : { price: order.price.toString() }),
        ...(order.triggerPrice === undefined ? {} : { stopPrice: order.triggerPrice.toString() }),
        ...(order.postOnly ? { postOnly: "true" } : {}),
      },
      true,
    );
  }

  /** OPTIONAL: only when `capabilities.amendOrder`; otherwise the OMS amends by cancel-replace. */
  async amendOrder(_order: Order, _change: AmendRequest): Promise<void> {
    assertCapability(this.venue, this.capabilities.amendOrder, "amending orders");
  }

  /** REQUIRED. An unknown or finished order is an OrderNotFoundError (mapped from the venue's code). */
  async cancelOrder(order: Order): Promise<void> {
    await this.rest.request(
      "DELETE",
      "/api/v1/orders",
      { symbol: venueSymbol(order.instrument.symbol), clientOrderId: order.clientOrderId },
      true,
    );
  }

  /** OPTIONAL (`capabilities.cancelAllOrders`). */
  async cancelAllOrders(instrument?: InstrumentId): Promise<void> {
    assertCapability(this.venue, this.capabilities.cancelAllOrders, "cancel-all");
    await this.rest.request(
      "DELETE",
      "/api/v1/orders/all",
      instrument === undefined ? {} : { symbol: venueSymbol(instrument.symbol) },
      true,
    );
  }

  /** REQUIRED for reconciliation after a restart or reconnect. */
  async fetchOpenOrders(instrument?: InstrumentId): Promise<readonly VenueOrderReport[]> {
    const raw = await this.rest.request(
      "GET",
      "/api/v1/orders/open",
      instrument === undefined ? {} : { symbol: venueSymbol(instrument.symbol) },
      true,
    );
    return parseOpenOrders(this.venue, raw);
  }

  /** REQUIRED for reconciliation (`capabilities.fetchFillsSince`). */
  async fetchFills(sinceNs: bigint, instrument?: InstrumentId): Promise<readonly Fill[]> {
    const params: Record<string, string> = { since: String(sinceNs / 1_000_000n) };
    if (instrument !== undefined) params.symbol = venueSymbol(instrument.symbol);
    const fills = parseFills(this.venue, await this.rest.request("GET", "/api/v1/fills", params, true), {
      strategyId: "",
      account: "",
    });
    return fills.map((f) => ({ ...f, ...(this.owners.get(f.clientOrderId) ?? {}) }));
  }

  /** OPTIONAL (`capabilities.balances`). */
  async fetchBalances(): Promise<readonly VenueBalance[]> {
    return parseBalances(await this.rest.request("GET", "/api/v1/balances", {}, true));
  }

  /** OPTIONAL (`capabilities.positions`): a spot venue has none. */
  async fetchPositions(): Promise<readonly VenuePosition[]> {
    return [];
  }

  /** Private-stream order update → OrderEvents delivered to the sink. */
  onOrderUpdate(u: ExampleOrderUpdate): void {
    const tsNs = BigInt(u.T) * 1_000_000n;
    const instrument = this.instruments.byVenue(u.s);
    const events: OrderEvent[] = [];
    if (u.status === "NEW") events.push({ kind: "accepted", venueOrderId: u.orderId, tsNs });
    if (
      u.tradeId !== undefined &&
      u.lastQty !== undefined &&
      u.lastPrice !== undefined &&
      instrument !== undefined
    ) {
      const owner = this.owners.get(u.clientOrderId) ?? { strategyId: "", account: "" };
      const fill: Fill = {
        fillId: u.tradeId,
        clientOrderId: u.clientOrderId,
        venueOrderId: u.orderId,
        instrument: instrument.id,
        side: u.side === "BUY" ? "buy" : "sell",
        price: u.lastPrice,
        quantity: u.lastQty,
        fee: Money.of(u.fee ?? Decimal.ZERO, u.feeAsset ?? instrument.quote),
        liquidity: u.maker === true ? "maker" : "taker",
        tsEventNs: tsNs,
        ...owner,
      };
      events.push({ kind: "filled", fill, tsNs });
    }
    if (u.status === "CANCELED") events.push({ kind: "canceled", tsNs });
    if (u.status === "EXPIRED") events.push({ kind: "expired", tsNs });
    if (u.status === "REJECTED")
      events.push({
        kind: "rejected",
        reason: { code: "INVALID_ORDER", message: "rejected by the venue" },
        tsNs,
      });
    if (instrument === undefined && events.length > 0) {
      this.context.logger.warn({ venue: this.venue, symbol: u.s }, "order update for an unknown symbol");
    }
    for (const e of events) this.context.sink.onOrderEvent(u.clientOrderId, e);
  }
}
