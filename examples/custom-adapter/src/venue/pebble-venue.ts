// "Pebble": a made-up exchange, in memory, with a wire format of its own (JSON text, decimals as
// strings, millisecond timestamps, single-letter enums, numeric error codes). It exists so the adapter
// in ../pebble/ has a venue to talk to; nothing in it knows openfloor's types.
//
// Request/response ("REST"): `venue.request(apiKey, "POST /order", { … })` → JSON text, or a thrown
// `PebbleHttpError` with `{ code, msg }`. Stream ("websocket"): `venue.connect(apiKey, onMessage, onClose)`
// → a session that takes JSON commands (`{"op":"sub","ch":"book","sym":"BTC-USD"}`) and pushes JSON
// messages, asynchronously and in order. A house market maker rests a static ladder around `mid`.
import { Decimal } from "@openfloor/core";

export interface PebbleMarket {
  readonly sym: string;
  readonly base: string;
  readonly quote: string;
  readonly tick: string;
  readonly lot: string;
  readonly min: string;
  readonly mkr: string;
  readonly tkr: string;
  /** Mid of the house ladder. */
  readonly mid: string;
  /** House levels per side, one tick apart from mid ± half a spread of 2 ticks. */
  readonly levels: number;
  /** House size per level. */
  readonly levelQty: string;
}

export interface PebbleVenueOptions {
  readonly markets?: readonly PebbleMarket[];
  /** API key → account. */
  readonly apiKeys?: Readonly<Record<string, string>>;
  /** Starting balances of every account. */
  readonly balances?: Readonly<Record<string, string>>;
  /** Wall clock in ms. Default `Date.now`. */
  readonly nowMs?: () => number;
}

export const PEBBLE_DEFAULT_MARKETS: readonly PebbleMarket[] = [
  {
    sym: "BTC-USD",
    base: "BTC",
    quote: "USD",
    tick: "0.5",
    lot: "0.001",
    min: "0.001",
    mkr: "0.0001",
    tkr: "0.0005",
    mid: "60000",
    levels: 20,
    levelQty: "0.25",
  },
];

/** Pebble's error codes (its "API docs"). */
export const PEBBLE_CODES = {
  UNKNOWN_SYMBOL: 1001,
  BAD_REQUEST: 1002,
  DUPLICATE_CID: 1003,
  INSUFFICIENT_FUNDS: 2001,
  UNKNOWN_ORDER: 3001,
  UNAUTHORIZED: 4001,
} as const;

export class PebbleHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status} ${body}`);
  }
}

interface RestingOrder {
  oid: string;
  cid: string;
  account: string;
  sym: string;
  side: "B" | "S";
  kind: "LMT" | "MKT";
  px: Decimal | undefined;
  qty: Decimal;
  filled: Decimal;
  ts: number;
}

interface Session {
  readonly account: string;
  readonly push: (msg: string) => void;
  readonly close: () => void;
  readonly book: Set<string>;
  readonly trades: Set<string>;
  orders: boolean;
}

const HOUSE = "__house__";
const d = Decimal.from;

/** The in-memory exchange. */
export class PebbleVenue {
  private readonly markets = new Map<string, PebbleMarket>();
  private readonly books = new Map<string, { bids: RestingOrder[]; asks: RestingOrder[]; seq: number }>();
  private readonly orders = new Map<string, RestingOrder>(); // by account + cid
  private readonly fills: Record<string, unknown>[] = [];
  private readonly balances = new Map<string, Map<string, { free: Decimal; held: Decimal }>>();
  private readonly journals = new Map<string, string[]>();
  private readonly sessions = new Set<Session>();
  private readonly apiKeys: Readonly<Record<string, string>>;
  private readonly startBalances: Readonly<Record<string, string>>;
  private readonly nowMs: () => number;
  private nextId = 1;
  private skipBookMessages = 0;
  /** Requests that reached the venue (REST calls and stream commands). */
  requestCount = 0;

  constructor(options: PebbleVenueOptions = {}) {
    this.apiKeys = options.apiKeys ?? { "pebble-demo-key": "demo" };
    this.startBalances = options.balances ?? { USD: "1000000", BTC: "100" };
    this.nowMs = options.nowMs ?? Date.now;
    for (const m of options.markets ?? PEBBLE_DEFAULT_MARKETS) {
      this.markets.set(m.sym, m);
      // Sequences start at 1: a book at sequence 0 reads as "no book yet" to consumers.
      this.books.set(m.sym, { bids: [], asks: [], seq: 1 });
      const tick = d(m.tick);
      for (let i = 0; i < m.levels; i++) {
        const off = tick.mul(i + 1);
        for (const side of ["B", "S"] as const) {
          const px = side === "B" ? d(m.mid).sub(off) : d(m.mid).add(off);
          this.rest({
            oid: this.id("h"),
            cid: `house-${m.sym}-${side}-${i}`,
            account: HOUSE,
            sym: m.sym,
            side,
            kind: "LMT",
            px,
            qty: d(m.levelQty),
            filled: Decimal.ZERO,
            ts: this.nowMs(),
          });
        }
      }
    }
  }

  // ---- "REST" -------------------------------------------------------------------------------------

  /** One request: `"GET /markets"`, `"POST /order"`, `"DELETE /order"`, `"DELETE /orders"`, `"GET /open"`, `"GET /fills"`, `"GET /balances"`. */
  request(apiKey: string | undefined, route: string, params: Record<string, string> = {}): string {
    this.requestCount++;
    if (route === "GET /markets") return JSON.stringify([...this.markets.values()]);
    const account = apiKey === undefined ? undefined : this.apiKeys[apiKey];
    if (account === undefined) throw fail(401, PEBBLE_CODES.UNAUTHORIZED, "bad api key");
    switch (route) {
      case "POST /order":
        return JSON.stringify(this.place(account, params));
      case "DELETE /order":
        return JSON.stringify(this.cancel(account, params.cid ?? ""));
      case "DELETE /orders": {
        const mine = [...this.orders.values()].filter(
          (o) => o.account === account && (params.sym === undefined || o.sym === params.sym),
        );
        for (const o of mine) this.cancel(account, o.cid);
        return JSON.stringify({ canceled: mine.length });
      }
      case "GET /open":
        return JSON.stringify(
          [...this.orders.values()]
            .filter((o) => o.account === account && (params.sym === undefined || o.sym === params.sym))
            .map(wireOrder),
        );
      case "GET /fills": {
        const since = Number(params.since ?? 0);
        return JSON.stringify(
          this.fills.filter(
            (f) =>
              f.account === account &&
              (f.ts as number) >= since &&
              (params.sym === undefined || f.sym === params.sym),
          ),
        );
      }
      case "GET /balances":
        return JSON.stringify(
          [...this.wallet(account)].map(([ccy, b]) => ({
            ccy,
            free: b.free.toString(),
            held: b.held.toString(),
          })),
        );
      default:
        throw fail(404, PEBBLE_CODES.BAD_REQUEST, `no route ${route}`);
    }
  }

  // ---- stream -------------------------------------------------------------------------------------

  /** Opens a stream session. Messages are delivered asynchronously, in order. */
  connect(
    apiKey: string | undefined,
    onMessage: (text: string) => void,
    onClose: () => void,
  ): { send(text: string): void; close(): void } {
    const account = apiKey === undefined ? undefined : this.apiKeys[apiKey];
    if (account === undefined) throw fail(401, PEBBLE_CODES.UNAUTHORIZED, "bad api key");
    let open = true;
    const session: Session = {
      account,
      book: new Set(),
      trades: new Set(),
      orders: false,
      push: (msg) => queueMicrotask(() => open && onMessage(msg)),
      close: () => {
        if (!open) return;
        open = false;
        this.sessions.delete(session);
        queueMicrotask(onClose);
      },
    };
    this.sessions.add(session);
    return {
      send: (text) => {
        if (!open) throw fail(503, PEBBLE_CODES.BAD_REQUEST, "stream closed");
        this.requestCount++;
        this.command(session, text);
      },
      close: () => {
        open = false;
        this.sessions.delete(session);
      },
    };
  }

  /** Test hook: closes every stream session, as a network drop would. */
  dropConnections(): void {
    for (const s of [...this.sessions]) s.close();
  }

  /** Test hook: the next book update is not sent (subscribers see a sequence gap). */
  skipNextBookMessage(): void {
    this.skipBookMessages++;
  }

  /** Best bid and ask of a symbol. */
  touch(sym: string): { bid: Decimal | undefined; ask: Decimal | undefined } {
    const b = this.book(sym);
    return { bid: b.bids[0]?.px, ask: b.asks[0]?.px };
  }

  private command(session: Session, text: string): void {
    const cmd = JSON.parse(text) as { op: string; ch?: string; sym?: string; after?: number };
    if (cmd.op === "orders") {
      session.orders = true;
      for (const msg of (this.journals.get(session.account) ?? []).slice(cmd.after ?? 0)) session.push(msg);
      return;
    }
    const sym = cmd.sym ?? "";
    if (!this.markets.has(sym)) {
      session.push(JSON.stringify({ ch: "error", code: PEBBLE_CODES.UNKNOWN_SYMBOL, msg: `unknown ${sym}` }));
      return;
    }
    const set = cmd.ch === "book" ? session.book : session.trades;
    if (cmd.op === "unsub") set.delete(sym);
    if (cmd.op === "sub") {
      set.add(sym);
      if (cmd.ch === "book") session.push(JSON.stringify(this.snapshot(sym)));
    }
  }

  // ---- matching -----------------------------------------------------------------------------------

  private place(account: string, p: Record<string, string>): { oid: string } {
    const m = this.markets.get(p.sym ?? "");
    if (m === undefined) throw fail(400, PEBBLE_CODES.UNKNOWN_SYMBOL, `unknown symbol ${p.sym}`);
    if (
      this.orders.has(`${account}/${p.cid}`) ||
      this.fills.some((f) => f.account === account && f.cid === p.cid)
    )
      throw fail(400, PEBBLE_CODES.DUPLICATE_CID, `duplicate cid ${p.cid}`);
    const side = p.side === "B" || p.side === "S" ? p.side : undefined;
    const kind = p.kind === "LMT" || p.kind === "MKT" ? p.kind : undefined;
    const qty = parse(p.qty);
    const px = kind === "LMT" ? parse(p.px) : undefined;
    if (side === undefined || kind === undefined || qty === undefined || !qty.isPositive())
      throw fail(400, PEBBLE_CODES.BAD_REQUEST, "bad side, kind or qty");
    if (kind === "LMT" && (px === undefined || !px.isPositive() || !px.isMultipleOf(m.tick)))
      throw fail(400, PEBBLE_CODES.BAD_REQUEST, "bad px");
    if (!qty.isMultipleOf(m.lot) || qty.lt(m.min)) throw fail(400, PEBBLE_CODES.BAD_REQUEST, "bad qty");
    // Funds: a limit buy holds its notional, a sell its quantity; a market buy needs its worst-case cost.
    const wallet = this.wallet(account);
    const [ccy, need] =
      side === "B"
        ? [m.quote, (px ?? this.worstAsk(m.sym, qty)).mul(qty).mul(d(1).add(m.tkr))]
        : [m.base, qty];
    const bal = wallet.get(ccy) ?? { free: Decimal.ZERO, held: Decimal.ZERO };
    if (bal.free.lt(need)) throw fail(400, PEBBLE_CODES.INSUFFICIENT_FUNDS, `insufficient ${ccy}`);
    const o: RestingOrder = {
      oid: this.id("o"),
      cid: p.cid ?? this.id("c"),
      account,
      sym: m.sym,
      side,
      kind,
      px,
      qty,
      filled: Decimal.ZERO,
      ts: this.nowMs(),
    };
    this.hold(o, need);
    this.publishOrder(o, "open");
    this.match(o, m);
    if (o.filled.lt(o.qty)) {
      if (kind === "LMT" && p.tif !== "IOC") this.rest(o);
      else this.finish(o, "expired");
    }
    return { oid: o.oid };
  }

  private match(taker: RestingOrder, m: PebbleMarket): void {
    const book = this.book(m.sym);
    const opposite = taker.side === "B" ? book.asks : book.bids;
    const deltas: [string, string][] = [];
    while (taker.filled.lt(taker.qty) && opposite.length > 0) {
      const maker = opposite[0]!;
      const crosses =
        taker.px === undefined || (taker.side === "B" ? maker.px!.lte(taker.px) : maker.px!.gte(taker.px));
      if (!crosses) break;
      const qty = Decimal.min(taker.qty.sub(taker.filled), maker.qty.sub(maker.filled));
      const px = maker.px!;
      const tradeId = this.id("t");
      this.fill(maker, px, qty, "M", m, tradeId);
      this.fill(taker, px, qty, "T", m, tradeId);
      if (maker.filled.eq(maker.qty)) {
        opposite.shift();
        this.orders.delete(`${maker.account}/${maker.cid}`);
      }
      deltas.push([px.toString(), this.levelQty(opposite, px).toString()]);
      this.toSessions((s) => s.trades.has(m.sym), {
        ch: "trades",
        sym: m.sym,
        id: tradeId,
        px: px.toString(),
        qty: qty.toString(),
        side: taker.side,
        ts: this.nowMs(),
      });
    }
    if (deltas.length > 0)
      this.publishBook(m.sym, taker.side === "B" ? [] : deltas, taker.side === "B" ? deltas : []);
  }

  private fill(
    o: RestingOrder,
    px: Decimal,
    qty: Decimal,
    role: "M" | "T",
    m: PebbleMarket,
    tradeId: string,
  ): void {
    o.filled = o.filled.add(qty);
    if (o.account === HOUSE) return;
    const fee = px
      .mul(qty)
      .mul(role === "M" ? m.mkr : m.tkr)
      .round(8);
    const w = this.wallet(o.account);
    const base = w.get(m.base)!;
    const quote = w.get(m.quote)!;
    if (o.side === "B") {
      const held = o.px === undefined ? Decimal.ZERO : o.px.mul(qty).mul(d(1).add(m.tkr));
      const cost = px.mul(qty).add(fee);
      quote.held = quote.held.sub(held);
      quote.free = quote.free.add(held).sub(cost);
      base.free = base.free.add(qty);
    } else {
      base.held = base.held.sub(qty);
      quote.free = quote.free.add(px.mul(qty)).sub(fee);
    }
    const f = {
      fid: `${tradeId}-${role}`,
      oid: o.oid,
      cid: o.cid,
      sym: o.sym,
      side: o.side,
      px: px.toString(),
      qty: qty.toString(),
      fee: fee.toString(),
      feeCcy: m.quote,
      role,
      ts: this.nowMs(),
    };
    this.fills.push({ ...f, account: o.account });
    this.publishOrder(o, o.filled.eq(o.qty) ? "filled" : "partial", f);
  }

  private cancel(account: string, cid: string): { oid: string } {
    const o = this.orders.get(`${account}/${cid}`);
    if (o === undefined) throw fail(404, PEBBLE_CODES.UNKNOWN_ORDER, `unknown order ${cid}`);
    const book = this.book(o.sym);
    const side = o.side === "B" ? book.bids : book.asks;
    side.splice(side.indexOf(o), 1);
    this.finish(o, "canceled");
    const level: [string, string] = [o.px!.toString(), this.levelQty(side, o.px!).toString()];
    this.publishBook(o.sym, o.side === "B" ? [level] : [], o.side === "S" ? [level] : []);
    return { oid: o.oid };
  }

  /** Ends an order that is not filled: releases what it still holds. */
  private finish(o: RestingOrder, status: "canceled" | "expired"): void {
    this.orders.delete(`${o.account}/${o.cid}`);
    const m = this.markets.get(o.sym)!;
    const left = o.qty.sub(o.filled);
    if (o.side === "B" && o.px !== undefined)
      this.release(o.account, m.quote, o.px.mul(left).mul(d(1).add(m.tkr)));
    if (o.side === "S") this.release(o.account, m.base, left);
    this.publishOrder(o, status);
  }

  private rest(o: RestingOrder): void {
    const book = this.book(o.sym);
    const side = o.side === "B" ? book.bids : book.asks;
    const better = (a: Decimal, b: Decimal) => (o.side === "B" ? a.gt(b) : a.lt(b));
    let i = side.findIndex((x) => better(o.px!, x.px!));
    if (i < 0) i = side.length;
    side.splice(i, 0, o);
    this.orders.set(`${o.account}/${o.cid}`, o);
    if (o.account !== HOUSE) {
      const level: [string, string] = [o.px!.toString(), this.levelQty(side, o.px!).toString()];
      this.publishBook(o.sym, o.side === "B" ? [level] : [], o.side === "S" ? [level] : []);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private hold(o: RestingOrder, amount: Decimal): void {
    const m = this.markets.get(o.sym)!;
    const b = this.wallet(o.account).get(o.side === "B" ? m.quote : m.base)!;
    // A market buy is charged at its fills; only limit orders and sells hold funds.
    if (o.side === "B" && o.px === undefined) return;
    b.free = b.free.sub(amount);
    b.held = b.held.add(amount);
  }

  private release(account: string, ccy: string, amount: Decimal): void {
    const b = this.wallet(account).get(ccy)!;
    b.free = b.free.add(amount);
    b.held = b.held.sub(amount);
  }

  private wallet(account: string): Map<string, { free: Decimal; held: Decimal }> {
    let w = this.balances.get(account);
    if (w === undefined) {
      w = new Map(
        Object.entries(this.startBalances).map(([c, v]) => [c, { free: d(v), held: Decimal.ZERO }]),
      );
      for (const m of this.markets.values())
        for (const c of [m.base, m.quote])
          if (!w.has(c)) w.set(c, { free: Decimal.ZERO, held: Decimal.ZERO });
      this.balances.set(account, w);
    }
    return w;
  }

  private worstAsk(sym: string, qty: Decimal): Decimal {
    let left = qty;
    let worst = Decimal.ZERO;
    for (const a of this.book(sym).asks) {
      worst = a.px!;
      left = left.sub(a.qty.sub(a.filled));
      if (!left.isPositive()) break;
    }
    return worst;
  }

  private book(sym: string) {
    return this.books.get(sym)!;
  }

  private levelQty(side: readonly RestingOrder[], px: Decimal): Decimal {
    return side.filter((o) => o.px!.eq(px)).reduce((s, o) => s.add(o.qty.sub(o.filled)), Decimal.ZERO);
  }

  private snapshot(sym: string): Record<string, unknown> {
    const b = this.book(sym);
    const levels = (side: readonly RestingOrder[]) => {
      const out: [string, string][] = [];
      for (const o of side) {
        const px = o.px!.toString();
        if (out.at(-1)?.[0] !== px) out.push([px, this.levelQty(side, o.px!).toString()]);
      }
      return out;
    };
    return {
      ch: "book",
      sym,
      type: "snap",
      seq: b.seq,
      b: levels(b.bids),
      a: levels(b.asks),
      ts: this.nowMs(),
    };
  }

  private publishBook(sym: string, bids: [string, string][], asks: [string, string][]): void {
    const b = this.book(sym);
    b.seq++;
    if (this.skipBookMessages > 0) {
      this.skipBookMessages--;
      return;
    }
    this.toSessions((s) => s.book.has(sym), {
      ch: "book",
      sym,
      type: "upd",
      seq: b.seq,
      b: bids,
      a: asks,
      ts: this.nowMs(),
    });
  }

  private publishOrder(o: RestingOrder, status: string, fill?: Record<string, unknown>): void {
    if (o.account === HOUSE) return;
    const journal = this.journals.get(o.account) ?? [];
    this.journals.set(o.account, journal);
    const msg = JSON.stringify({
      ch: "orders",
      seq: journal.length + 1,
      cid: o.cid,
      oid: o.oid,
      sym: o.sym,
      status,
      ...(fill === undefined ? {} : { fill }),
      ts: this.nowMs(),
    });
    journal.push(msg);
    for (const s of this.sessions) if (s.account === o.account && s.orders) s.push(msg);
  }

  private toSessions(which: (s: Session) => boolean, msg: Record<string, unknown>): void {
    const text = JSON.stringify(msg);
    for (const s of this.sessions) if (which(s)) s.push(text);
  }

  private id(prefix: string): string {
    return `${prefix}${this.nextId++}`;
  }
}

function wireOrder(o: RestingOrder): Record<string, unknown> {
  return {
    oid: o.oid,
    cid: o.cid,
    sym: o.sym,
    side: o.side,
    kind: o.kind,
    px: o.px?.toString(),
    qty: o.qty.toString(),
    filled: o.filled.toString(),
    ts: o.ts,
  };
}

function parse(text: string | undefined): Decimal | undefined {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  return Decimal.parse(text);
}

function fail(status: number, code: number, msg: string): PebbleHttpError {
  return new PebbleHttpError(status, JSON.stringify({ code, msg }));
}

// ---- the "network" ----------------------------------------------------------------------------------

const listening = new Map<string, PebbleVenue>();

/** Makes a venue reachable at `memory://<name>` (the adapter's `endpoint`), like a server on localhost. */
export function listenPebble(name: string, venue: PebbleVenue = new PebbleVenue()): PebbleVenue {
  listening.set(name, venue);
  return venue;
}

/** Takes a venue off the "network". */
export function closePebble(name: string): void {
  listening.delete(name);
}

/** The venue at an endpoint, or undefined (connection refused). */
export function resolvePebble(endpoint: string): PebbleVenue | undefined {
  const m = /^memory:\/\/(.+)$/.exec(endpoint);
  return m === null ? undefined : listening.get(m[1]!);
}
