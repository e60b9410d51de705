import type { IncomingHttpHeaders } from "node:http";

/** Exchanges whose wire formats the emulator speaks. */
export type EmulatedExchange = "binance" | "bybit";

/** An error the emulator can be told to answer the next order request with. */
export type OrderFault = "insufficient-funds" | "unknown-order" | "rate-limit" | "invalid-price" | "auth";

/** Which order requests a fault applies to. */
export type OrderOperation = "create" | "cancel" | "amend";

/** One HTTP request, path relative to the exchange's prefix, parameters merged from query and body. */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly params: ReadonlyMap<string, string>;
  /** The body parsed as JSON when it was JSON (Bybit v5 POSTs). */
  readonly json: Readonly<Record<string, unknown>> | undefined;
  readonly headers: IncomingHttpHeaders;
}

export interface WireReply {
  readonly status: number;
  readonly body: unknown;
}

/** The server end of one websocket connection. */
export interface WirePeer {
  readonly id: number;
  send(text: string): void;
  close(): void;
}

export interface WireSocketHandler {
  onMessage(text: string): void;
  onClose(): void;
}

/** One exchange's wire format over the shared engine. */
export interface WireDialect {
  readonly exchange: EmulatedExchange;
  /** Answers a REST call; undefined for an unknown endpoint (404). */
  handleHttp(request: WireRequest): WireReply | undefined;
  /** Takes a websocket connection on `path`; undefined refuses it. */
  acceptSocket(path: string, peer: WirePeer): WireSocketHandler | undefined;
  /** URL overrides to deep-merge into the ccxt exchange's `urls` (`{ api: { … } }`). */
  ccxtUrls(httpBase: string, wsBase: string): Record<string, unknown>;
  /** Publishes a trade message whose price is not a number. */
  publishMalformedTrade(symbol: string): void;
  /** The hub topic of one of the venue's own stream names ("btcusdt@trade", "publicTrade.BTCUSDT"). */
  topicOf(stream: string): string;
}

/** Faults queued by tests, consumed by the next matching order request. */
export class FaultPlan {
  private readonly queue: { fault: OrderFault; on: OrderOperation | "any" }[] = [];

  failNext(fault: OrderFault, on: OrderOperation | "any" = "any"): void {
    this.queue.push({ fault, on });
  }

  take(operation: OrderOperation): OrderFault | undefined {
    const at = this.queue.findIndex((q) => q.on === "any" || q.on === operation);
    if (at < 0) return undefined;
    return this.queue.splice(at, 1)[0]!.fault;
  }

  clear(): void {
    this.queue.length = 0;
  }
}

/** Subscribers by topic; publishing formats nothing when nobody listens (see `has`). */
export class TopicHub {
  private readonly byTopic = new Map<string, Set<WirePeer>>();
  private readonly byPeer = new Map<WirePeer, Set<string>>();
  /** Messages written to sockets. */
  sent = 0;

  subscribe(topic: string, peer: WirePeer): void {
    let peers = this.byTopic.get(topic);
    if (peers === undefined) {
      peers = new Set();
      this.byTopic.set(topic, peers);
    }
    peers.add(peer);
    let topics = this.byPeer.get(peer);
    if (topics === undefined) {
      topics = new Set();
      this.byPeer.set(peer, topics);
    }
    topics.add(topic);
  }

  unsubscribe(topic: string, peer: WirePeer): void {
    this.byTopic.get(topic)?.delete(peer);
    this.byPeer.get(peer)?.delete(topic);
  }

  removePeer(peer: WirePeer): void {
    for (const topic of this.byPeer.get(peer) ?? []) this.byTopic.get(topic)?.delete(peer);
    this.byPeer.delete(peer);
  }

  topicsOf(peer: WirePeer): string[] {
    return [...(this.byPeer.get(peer) ?? [])];
  }

  has(topic: string): boolean {
    const peers = this.byTopic.get(topic);
    return peers !== undefined && peers.size > 0;
  }

  /** Topics with subscribers that start with `prefix`. */
  topicsStartingWith(prefix: string): string[] {
    const out: string[] = [];
    for (const [topic, peers] of this.byTopic)
      if (peers.size > 0 && topic.startsWith(prefix)) out.push(topic);
    return out;
  }

  /** Publishes a per-peer text (e.g. wrapped or raw) to a topic's subscribers. */
  publishEach(topic: string, textFor: (peer: WirePeer) => string): void {
    const peers = this.byTopic.get(topic);
    if (peers === undefined) return;
    for (const peer of peers) {
      peer.send(textFor(peer));
      this.sent++;
    }
  }

  publish(topic: string, text: string): void {
    const peers = this.byTopic.get(topic);
    if (peers === undefined) return;
    for (const peer of peers) {
      peer.send(text);
      this.sent++;
    }
  }
}
