// Order entry and reconciliation queries; private order updates → core OrderEvents for the OMS.
import {
  type AdapterContext,
  type AmendRequest,
  assertCapability,
  checkOrderForVenue,
  type VenueBalance,
  type VenueCapabilities,
  type VenueOrderReport,
  type VenuePosition,
} from "@openfloor/adapters";
import type { Fill, InstrumentId, Order } from "@openfloor/core";
import type { PebbleConnection } from "./connection.js";
import type { PebbleInstruments } from "./instruments.js";
import {
  type OrderOwner,
  orderEvents,
  type PebbleOrderUpdate,
  parseBalances,
  parseFills,
  parseOpenOrders,
  venueSymbol,
} from "./parsers.js";

const NO_OWNER: OrderOwner = { strategyId: "", account: "" };

export class PebbleExecution {
  /** Strategy and account of each order this adapter sent (Pebble knows neither). */
  private readonly owners = new Map<string, OrderOwner>();

  constructor(
    private readonly venue: string,
    private readonly capabilities: VenueCapabilities,
    private readonly connection: PebbleConnection,
    private readonly instruments: PebbleInstruments,
    private readonly context: AdapterContext,
  ) {}

  async submitOrder(order: Order): Promise<void> {
    // Unknown symbol, off-grid price, size below minimum, unsupported type: refused before the venue.
    checkOrderForVenue(this.venue, this.capabilities, (id) => this.instruments.instrument(id), order);
    this.owners.set(order.clientOrderId, { strategyId: order.strategyId, account: order.account });
    await this.connection.request("POST /order", {
      sym: venueSymbol(order.instrument.symbol),
      cid: order.clientOrderId,
      side: order.side === "buy" ? "B" : "S",
      kind: order.type === "market" ? "MKT" : "LMT",
      tif: order.timeInForce,
      qty: order.quantity.toString(),
      ...(order.price === undefined ? {} : { px: order.price.toString() }),
    });
  }

  /** Pebble has no amend: the OMS amends by cancel-replace. */
  async amendOrder(_order: Order, _change: AmendRequest): Promise<void> {
    assertCapability(this.venue, this.capabilities.amendOrder, "amending orders");
  }

  async cancelOrder(order: Order): Promise<void> {
    await this.connection.request("DELETE /order", { cid: order.clientOrderId });
  }

  async cancelAllOrders(instrument?: InstrumentId): Promise<void> {
    await this.connection.request(
      "DELETE /orders",
      instrument === undefined ? {} : { sym: venueSymbol(instrument.symbol) },
    );
  }

  async fetchOpenOrders(instrument?: InstrumentId): Promise<readonly VenueOrderReport[]> {
    const text = await this.connection.request(
      "GET /open",
      instrument === undefined ? {} : { sym: venueSymbol(instrument.symbol) },
    );
    return parseOpenOrders(text, this.instruments.idOf);
  }

  async fetchFills(sinceNs: bigint, instrument?: InstrumentId): Promise<readonly Fill[]> {
    const params: Record<string, string> = { since: String(sinceNs / 1_000_000n) };
    if (instrument !== undefined) params.sym = venueSymbol(instrument.symbol);
    const text = await this.connection.request("GET /fills", params);
    return parseFills(text, this.instruments.idOf, (cid) => this.owners.get(cid) ?? NO_OWNER);
  }

  async fetchBalances(): Promise<readonly VenueBalance[]> {
    return parseBalances(await this.connection.request("GET /balances"));
  }

  /** A spot venue: no positions. */
  async fetchPositions(): Promise<readonly VenuePosition[]> {
    return [];
  }

  onOrderUpdate(u: PebbleOrderUpdate): void {
    const instrument = this.instruments.idOf(u.sym);
    if (instrument === undefined) {
      this.context.logger.warn({ venue: this.venue, sym: u.sym }, "order update for an unknown symbol");
      return;
    }
    for (const e of orderEvents(u, instrument, this.owners.get(u.cid) ?? NO_OWNER)) {
      this.context.sink.onOrderEvent(u.cid, e);
    }
  }
}
