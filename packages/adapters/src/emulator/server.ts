import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { binanceDialect } from "./binance/dialect.js";
import { bybitDialect } from "./bybit/dialect.js";
import { MatchingEngine, type MatchingEngineOptions } from "./engine/matching-engine.js";
import type { EmulatedMarketSpec } from "./engine/types.js";
import {
  type EmulatedExchange,
  FaultPlan,
  type OrderFault,
  type OrderOperation,
  TopicHub,
  type WireDialect,
  type WirePeer,
} from "./wire.js";

/** BTCUSDT and ETHUSDT with Binance-like filters. */
export const DEFAULT_MARKETS: readonly EmulatedMarketSpec[] = [
  {
    symbol: "BTCUSDT",
    base: "BTC",
    quote: "USDT",
    tickSize: "0.01",
    stepSize: "0.00001",
    minQty: "0.00001",
    minNotional: "5",
    initialMid: "50000.00",
  },
  {
    symbol: "ETHUSDT",
    base: "ETH",
    quote: "USDT",
    tickSize: "0.01",
    stepSize: "0.0001",
    minQty: "0.0001",
    minNotional: "5",
    initialMid: "3000.00",
  },
];

export interface VenueEmulatorOptions extends Partial<MatchingEngineOptions> {
  /** TCP port on 127.0.0.1; default 0 (any free port). */
  readonly port?: number;
}

/** Counters for tests and benchmarks. */
export interface EmulatorStats {
  readonly httpRequests: number;
  readonly openSockets: number;
  readonly socketsAccepted: number;
  readonly messagesSent: number;
}

/**
 * A local venue on 127.0.0.1 that speaks the REST and websocket wire formats of Binance spot
 * (under `/binance`) and Bybit v5 spot (under `/bybit`) over one matching engine, so ccxt's own
 * exchange classes run against it unchanged through their URL overrides (`ccxtUrls`). Tests drive the
 * market through `engine` and inject faults: dropped sockets, depth sequence gaps, order errors,
 * malformed messages.
 *
 * @example
 * const venue = await VenueEmulator.start();
 * const urls = venue.ccxtUrls("binance"); // deep-merge into exchange.urls
 * venue.injectSequenceGap("BTCUSDT");
 * await venue.stop();
 */
export class VenueEmulator {
  readonly engine: MatchingEngine;
  readonly faults = new FaultPlan();
  private readonly hub = new TopicHub();
  private readonly dialects: ReadonlyMap<EmulatedExchange, WireDialect>;
  private readonly sockets = new Set<WebSocket>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private httpRequests = 0;
  private socketsAccepted = 0;
  private nextPeerId = 1;
  private marketTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly server: Server,
    options: VenueEmulatorOptions,
  ) {
    this.engine = new MatchingEngine({
      markets: options.markets ?? DEFAULT_MARKETS,
      balances: options.balances ?? { USDT: "1000000", BTC: "10", ETH: "100" },
      ...(options.takerFee === undefined ? {} : { takerFee: options.takerFee }),
      ...(options.makerFee === undefined ? {} : { makerFee: options.makerFee }),
      ...(options.levels === undefined ? {} : { levels: options.levels }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    this.dialects = new Map<EmulatedExchange, WireDialect>([
      ["binance", binanceDialect(this.engine, this.faults, this.hub)],
      ["bybit", bybitDialect(this.engine, this.faults, this.hub)],
    ]);
    server.on("request", (req, res) => this.onRequest(req, res));
    server.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  /** Starts the emulator on 127.0.0.1. */
  static async start(options: VenueEmulatorOptions = {}): Promise<VenueEmulator> {
    const server = createServer();
    const emulator = new VenueEmulator(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    return emulator;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get httpBase(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsBase(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** URL overrides for ccxt: deep-merge into `exchange.urls` (see the ccxt adapter's `urls` config). */
  ccxtUrls(exchange: EmulatedExchange): Record<string, unknown> {
    return this.dialect(exchange).ccxtUrls(this.httpBase, this.wsBase);
  }

  /** Terminates every open websocket (clients see an abnormal close); returns how many. */
  dropConnections(): number {
    const n = this.sockets.size;
    for (const ws of this.sockets) ws.terminate();
    return n;
  }

  /** Skips depth update ids on `symbol` and publishes a real book change right after: a gap. */
  injectSequenceGap(symbol: string, skipped = 5): void {
    this.engine.skipSequence(symbol, skipped);
    this.engine.touchBook(symbol);
  }

  /** The next matching order request (any exchange) fails with `fault`. */
  failNextOrder(fault: OrderFault, on: OrderOperation | "any" = "any"): void {
    this.faults.failNext(fault, on);
  }

  /** Publishes a trade whose price is not a number on `exchange`'s trade stream for `symbol`. */
  publishMalformedTrade(exchange: EmulatedExchange, symbol: string): void {
    this.dialect(exchange).publishMalformedTrade(symbol);
  }

  /**
   * Writes raw messages, as they are, to the subscribers of one of the venue's streams (named as the
   * venue names it: "btcusdt@trade" on Binance, "publicTrade.BTCUSDT" on Bybit): replays recorded data
   * and feeds benchmarks without going through the engine.
   */
  publishRaw(exchange: EmulatedExchange, stream: string, messages: Iterable<string>): number {
    const topic = this.dialect(exchange).topicOf(stream);
    let n = 0;
    for (const m of messages) {
      this.hub.publish(topic, m);
      n++;
    }
    return n;
  }

  /** Subscribers of one of the venue's streams (see `publishRaw`). */
  subscribers(exchange: EmulatedExchange, stream: string): boolean {
    return this.hub.has(this.dialect(exchange).topicOf(stream));
  }

  /** Steps the synthetic market every `intervalMs` until `stopMarket` or `stop`. */
  startMarket(intervalMs = 50): void {
    this.stopMarket();
    this.marketTimer = setInterval(() => this.engine.step(), intervalMs);
  }

  stopMarket(): void {
    if (this.marketTimer !== undefined) clearInterval(this.marketTimer);
    this.marketTimer = undefined;
  }

  stats(): EmulatorStats {
    return {
      httpRequests: this.httpRequests,
      openSockets: this.sockets.size,
      socketsAccepted: this.socketsAccepted,
      messagesSent: this.hub.sent,
    };
  }

  async stop(): Promise<void> {
    this.stopMarket();
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private dialect(exchange: EmulatedExchange): WireDialect {
    return this.dialects.get(exchange)!;
  }

  private route(
    url: string | undefined,
  ): { dialect: WireDialect; path: string; query: URLSearchParams } | undefined {
    const parsed = new URL(url ?? "/", "http://127.0.0.1");
    const m = /^\/([a-z]+)(\/.*)?$/.exec(parsed.pathname);
    const dialect = m === null ? undefined : this.dialects.get(m[1] as EmulatedExchange);
    if (dialect === undefined || m === null) return undefined;
    return { dialect, path: m[2] ?? "/", query: parsed.searchParams };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.httpRequests++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = this.route(req.url);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (target === undefined) return reply(404, { error: "not found" });
      const text = Buffer.concat(chunks).toString("utf8");
      const params = new Map<string, string>(target.query);
      let json: Record<string, unknown> | undefined;
      if (text.length > 0) {
        if ((req.headers["content-type"] ?? "").includes("json") || text.startsWith("{")) {
          try {
            const v: unknown = JSON.parse(text);
            if (typeof v === "object" && v !== null && !Array.isArray(v)) {
              json = v as Record<string, unknown>;
              for (const [k, val] of Object.entries(json)) {
                if (typeof val === "string" || typeof val === "number" || typeof val === "boolean") {
                  params.set(k, String(val));
                }
              }
            }
          } catch {
            return reply(400, { error: "malformed JSON body" });
          }
        } else {
          for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
        }
      }
      let answer: ReturnType<WireDialect["handleHttp"]>;
      try {
        answer = target.dialect.handleHttp({
          method: req.method ?? "GET",
          path: target.path,
          params,
          json,
          headers: req.headers,
        });
      } catch (e) {
        return reply(500, { error: e instanceof Error ? e.message : String(e) });
      }
      if (answer === undefined)
        return reply(404, { error: `no such endpoint: ${req.method} ${target.path}` });
      reply(answer.status, answer.body);
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = this.route(req.url);
    if (target === undefined) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const peer: WirePeer = {
        id: this.nextPeerId++,
        send: (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text);
        },
        close: () => ws.close(),
      };
      const handler = target.dialect.acceptSocket(target.path, peer);
      if (handler === undefined) {
        ws.close(1008, "unknown stream path");
        return;
      }
      this.socketsAccepted++;
      this.sockets.add(ws);
      ws.on("message", (data) => handler.onMessage(String(data)));
      ws.on("close", () => {
        this.sockets.delete(ws);
        handler.onClose();
      });
      ws.on("error", () => ws.terminate());
    });
  }
}
