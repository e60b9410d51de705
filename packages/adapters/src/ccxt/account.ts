import type { Fill, InstrumentId } from "@openfloor/core";
import { sizeDecimals } from "@openfloor/core";
import type { VenueBalance, VenueOrderReport, VenuePosition } from "../contract/adapter.js";
import { assertCapability } from "../contract/capabilities.js";
import { type CcxtOrder, type CcxtTrade, isPlainObject } from "./exchange.js";
import { exactDecimal, optionalDecimal } from "./normalize/numbers.js";
import { clientOrderIdOf, type FillOwner, fillOf, orderReportOf } from "./normalize/orders.js";
import type { CcxtSession } from "./session.js";

/**
 * The account as the venue's REST API reports it, for reconciliation: open orders, fills since a time,
 * balances and positions, all with exact decimals.
 */
export class CcxtAccount {
  constructor(private readonly session: CcxtSession) {}

  fetchOpenOrders(instrument?: InstrumentId): Promise<readonly VenueOrderReport[]> {
    return this.fetchOpen(instrument === undefined ? undefined : this.session.known(instrument).id.symbol);
  }

  /** Own trades since `sinceNs` as fills; `ownerOf` attributes them to tracked orders. */
  async fetchFills(
    sinceNs: bigint,
    instrument: InstrumentId | undefined,
    ownerOf: (trade: CcxtTrade) => FillOwner | undefined,
  ): Promise<readonly Fill[]> {
    const s = this.session;
    assertCapability(s.venue, s.capabilities.fetchFillsSince, "fetching fills");
    const sinceMs = Number(sinceNs / 1_000_000n);
    const symbols =
      instrument !== undefined ? [s.known(instrument).id.symbol] : s.querySymbols("fetchMyTrades");
    const fills: Fill[] = [];
    for (const symbol of symbols) {
      let trades: readonly CcxtTrade[];
      try {
        trades = await s.exchange.fetchMyTrades(symbol, sinceMs);
      } catch (error) {
        throw s.mapError(error, "query", symbol === undefined ? {} : { symbol });
      }
      for (const trade of trades) {
        const inst = s.instrumentBySymbol(trade.symbol ?? symbol);
        if (inst === undefined) continue;
        const owner: FillOwner = ownerOf(trade) ?? {
          clientOrderId: clientOrderIdOf(trade) ?? "",
          venueOrderId: trade.order ?? "",
          strategyId: "",
          account: "",
        };
        try {
          fills.push(fillOf(trade, inst, owner, (c) => s.currencyScale(c), s.context.clock.now()));
        } catch (error) {
          s.malformed("myTrade", symbol, error);
        }
      }
    }
    return fills
      .filter((f) => f.tsEventNs >= sinceNs)
      .sort((a, b) => (a.tsEventNs < b.tsEventNs ? -1 : a.tsEventNs > b.tsEventNs ? 1 : 0));
  }

  async fetchBalances(): Promise<readonly VenueBalance[]> {
    const s = this.session;
    assertCapability(s.venue, s.capabilities.balances, "balances");
    let raw: Readonly<Record<string, unknown>>;
    try {
      raw = await s.exchange.fetchBalance();
    } catch (error) {
      throw s.mapError(error, "query");
    }
    const totals = isPlainObject(raw.total) ? raw.total : {};
    const out: VenueBalance[] = [];
    for (const currency of Object.keys(totals).sort()) {
      const entry = raw[currency];
      if (!isPlainObject(entry)) continue;
      const scale = s.currencyScale(currency);
      const total = exactDecimal(entry.total ?? 0, scale, `${currency}.total`);
      const free = optionalDecimal(entry.free, scale, `${currency}.free`) ?? total;
      const locked = optionalDecimal(entry.used, scale, `${currency}.used`) ?? total.sub(free);
      out.push({ currency, total, free, locked });
    }
    return out;
  }

  async fetchPositions(): Promise<readonly VenuePosition[]> {
    const s = this.session;
    // A spot account holds balances, not positions: there is nothing to report.
    if (!s.capabilities.positions) return [];
    let positions: Awaited<ReturnType<typeof s.exchange.fetchPositions>>;
    try {
      positions = await s.exchange.fetchPositions();
    } catch (error) {
      throw s.mapError(error, "query");
    }
    const out: VenuePosition[] = [];
    for (const p of positions) {
      const inst = s.instrumentBySymbol(p.symbol);
      if (inst === undefined || p.contracts === undefined || p.contracts === 0) continue;
      const size = exactDecimal(p.contracts, sizeDecimals(inst), "contracts");
      const entry = optionalDecimal(p.entryPrice, 18, "entryPrice");
      out.push({
        instrument: inst.id,
        quantity: p.side === "short" ? size.neg() : size,
        ...(entry === undefined ? {} : { averageEntryPrice: entry.normalize() }),
      });
    }
    return out;
  }

  /** Open orders of one symbol, or of all (per symbol where the venue needs one). */
  async fetchOpen(symbol: string | undefined): Promise<VenueOrderReport[]> {
    const s = this.session;
    const symbols = symbol !== undefined ? [symbol] : s.querySymbols("fetchOpenOrders");
    const out: VenueOrderReport[] = [];
    for (const sym of symbols) {
      let orders: readonly CcxtOrder[];
      try {
        orders = await s.exchange.fetchOpenOrders(sym);
      } catch (error) {
        throw s.mapError(error, "query", sym === undefined ? {} : { symbol: sym });
      }
      for (const o of orders) {
        const inst = s.instrumentBySymbol(o.symbol);
        if (inst === undefined) continue;
        try {
          out.push(orderReportOf(o, inst, s.context.clock.now()));
        } catch (error) {
          s.malformed("order", sym, error);
        }
      }
    }
    return out;
  }

  /** Symbols to ask about: all at once when the venue allows it, else every listed instrument. */
  private querySymbols(method: "fetchOpenOrders" | "fetchMyTrades"): (string | undefined)[] {
    const s = this.session;
    const feature = s.exchange.features;
    const section = isPlainObject(feature) && isPlainObject(feature.spot) ? feature.spot[method] : undefined;
    const required = !isPlainObject(section) || section.symbolRequired !== false;
    if (!required) return [undefined];
    return s.instruments().map((i) => i.id.symbol);
  }
}
