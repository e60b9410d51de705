import { type CcxtExchange, type CcxtWsClient, isPlainObject } from "./exchange.js";

/** What the adapter learns from raw websocket messages that ccxt's unified structures drop. */
export interface RawTap {
  /** Inspects one raw message before ccxt handles it. */
  inspect(url: string, message: unknown): void;
}

/** The venue's book update ids per market id, and whether one went missing since the last snapshot. */
export interface BookSequence {
  readonly sequence: bigint;
  readonly gap: boolean;
}

/**
 * Bybit v5 orderbook messages carry `u`, which rises by one per message of a topic; ccxt applies the
 * deltas without checking it. `{ topic: "orderbook.50.BTCUSDT", type: "delta", data: { s: "BTCUSDT",
 * b: [...], a: [...], u: 1042, seq: 7961638724 } }`: a `u` that is not the previous one + 1 is a gap.
 */
export class BybitBookSequencer implements RawTap {
  private readonly books = new Map<string, { sequence: bigint; gap: boolean }>();

  inspect(_url: string, message: unknown): void {
    if (!isPlainObject(message)) return;
    const topic = message.topic;
    if (typeof topic !== "string" || !topic.startsWith("orderbook.") || topic.startsWith("orderbook.1."))
      return;
    const data = message.data;
    if (!isPlainObject(data) || typeof data.s !== "string" || typeof data.u !== "number") return;
    const u = BigInt(data.u);
    const prev = this.books.get(data.s);
    if (message.type === "snapshot" || prev === undefined) {
      this.books.set(data.s, { sequence: u, gap: false });
      return;
    }
    this.books.set(data.s, { sequence: u, gap: prev.gap || u !== prev.sequence + 1n });
  }

  state(marketId: string): BookSequence | undefined {
    return this.books.get(marketId);
  }

  /** Forgets a market's state (before a resubscription). */
  clear(marketId: string): void {
    this.books.delete(marketId);
  }
}

export type SubscriptionKind = "public" | "private";

/**
 * Acknowledgements of websocket subscriptions, so `subscribe()` and `connect()` can resolve once the venue
 * streams (and orders placed right after are reported):
 * Binance market streams `{ result: null, id: 3 }`; Binance WebSocket API user stream
 * `{ id: "1", status: 200, result: { subscriptionId: 0 } }`; Bybit `{ success: true, op: "subscribe",
 * req_id: "3" }` on the public or the private URL.
 */
export class SubscriptionAcks implements RawTap {
  private readonly waiters: Record<SubscriptionKind, Array<() => void>> = { public: [], private: [] };
  private privateAcks = 0;

  constructor(
    private readonly exchangeId: string,
    private readonly onPrivateAck: (count: number) => void,
  ) {}

  /** True when this exchange's acknowledgements are recognized. */
  get known(): boolean {
    return this.exchangeId.startsWith("binance") || this.exchangeId.startsWith("bybit");
  }

  inspect(url: string, message: unknown): void {
    if (!isPlainObject(message)) return;
    const kind = this.kindOf(url, message);
    if (kind === undefined) return;
    this.waiters[kind].shift()?.();
    if (kind === "private") this.onPrivateAck(++this.privateAcks);
  }

  /** Resolves at the next acknowledgement of that kind (waiters are served in order). */
  next(kind: SubscriptionKind): Promise<void> {
    return new Promise((resolve) => this.waiters[kind].push(resolve));
  }

  private kindOf(url: string, m: Record<string, unknown>): SubscriptionKind | undefined {
    if (this.exchangeId.startsWith("binance")) {
      if (url.includes("ws-api")) {
        return m.status === 200 && isPlainObject(m.result) && "subscriptionId" in m.result
          ? "private"
          : undefined;
      }
      return "result" in m && m.result === null && m.id !== undefined ? "public" : undefined;
    }
    if (this.exchangeId.startsWith("bybit") && m.op === "subscribe" && m.success === true) {
      return url.includes("private") ? "private" : "public";
    }
    return undefined;
  }
}

/** Routes every raw websocket message through `taps` before ccxt's own handler. */
export function installTaps(exchange: CcxtExchange, taps: readonly RawTap[]): void {
  if (taps.length === 0) return;
  const original = exchange.handleMessage.bind(exchange);
  // ccxt binds handleMessage when it creates a websocket client, so replacing it before the first
  // subscription routes every client through the taps.
  exchange.handleMessage = (client: CcxtWsClient, message: unknown) => {
    for (const tap of taps) tap.inspect(client.url, message);
    original(client, message);
  };
}
