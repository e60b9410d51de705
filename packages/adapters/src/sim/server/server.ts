import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Clock,
  formatInstrumentId,
  type InstrumentId,
  InvalidOrderError,
  LiveClock,
  type Logger,
  type MarketEvent,
  silentLogger,
  VenueError,
} from "@openfloor/core";
import { z } from "zod";
import type { MarketChannel } from "../../contract/adapter.js";
import { parseSimAdapterConfig, type SimAdapterConfigInput } from "../config.js";
import type { SimExchange, SimResult, WatchChannel } from "../exchange.js";
import { createSimVenue, type SimVenue } from "../venue.js";
import { amendSchema, encode, errorToWire, orderRequestSchema, SIM_API, type StreamLine } from "./wire.js";

/** Options of `startSimVenueServer`: the `sim` adapter config plus where to listen. */
export type SimVenueServerOptions = SimAdapterConfigInput & {
  /** TCP port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Default "127.0.0.1". */
  readonly host?: string;
  /** Venue name of the instruments. Default "sim". */
  readonly venue?: string;
  /** Default a `LiveClock`. */
  readonly clock?: Clock;
  /** Default silent. */
  readonly logger?: Logger;
  /** Interval of keep-alive lines on idle streams, in ms. Default 5000. */
  readonly pingIntervalMs?: number;
  /** Where the config came from, for error messages (e.g. a file name). Default "sim venue". */
  readonly configSource?: string;
};

/** A running sim venue server. */
export interface SimVenueServer {
  /** Base URL, e.g. "http://127.0.0.1:41234". */
  readonly url: string;
  readonly port: number;
  readonly venue: SimVenue;
  readonly exchange: SimExchange;
  /** Test hook: cuts every open event stream, as a network failure would. */
  dropStreams(): void;
  /** Test hook: the next book delta on every stream (of one instrument if given) is skipped. */
  injectSequenceGap(instrument?: InstrumentId): void;
  /** Open event streams. */
  streamCount(): number;
  close(): Promise<void>;
}

interface Stream {
  readonly id: string;
  readonly account: string;
  readonly res: ServerResponse;
  /** Watches per subscription key (`channel|instrument`). */
  readonly subs: Map<string, Array<() => void>>;
  /** Instruments whose next delta is skipped (test hook); "*" for all. */
  readonly gaps: Set<string>;
}

const subscribeSchema = z.object({
  streamId: z.string(),
  instrument: z.object({ symbol: z.string(), venue: z.string() }),
  channel: z.enum(["trades", "quotes", "book", "bars"]),
});
const submitSchema = z.object({ account: z.string().min(1), order: orderRequestSchema });
const amendBodySchema = z.object({
  account: z.string().min(1),
  clientOrderId: z.string(),
  change: amendSchema,
});
const cancelSchema = z.object({ account: z.string().min(1), clientOrderId: z.string() });
const cancelAllSchema = z.object({
  account: z.string().min(1),
  instrument: z.object({ symbol: z.string(), venue: z.string() }).optional(),
});

/**
 * Starts a standalone simulated venue over `node:http`, so its state (orders, balances, positions,
 * fills) lives outside the gateway process and survives a gateway restart. JSON requests for order
 * entry and queries; one long-lived newline-delimited JSON response per client for its order events
 * and subscribed market data. Decimals and bigints travel as strings. See `SIM_API` for the paths and
 * `RemoteSimAdapter` for the client.
 *
 * @example
 * const server = await startSimVenueServer({ port: 0, instruments: [...], balances: { USDT: "100000" } });
 * // … new RemoteSimAdapter({ url: server.url, venue: "sim", context })
 * await server.close();
 */
export async function startSimVenueServer(options: SimVenueServerOptions): Promise<SimVenueServer> {
  const {
    port = 0,
    host = "127.0.0.1",
    venue: venueName = "sim",
    clock = new LiveClock(),
    logger = silentLogger,
  } = options;
  const {
    port: _p,
    host: _h,
    venue: _v,
    clock: _c,
    logger: _l,
    pingIntervalMs = 5000,
    configSource: _s,
    ...raw
  } = options;
  const config = parseSimAdapterConfig(raw, options.configSource ?? "sim venue");
  const venue = createSimVenue(venueName, config, clock, logger);
  const exchange = venue.exchange;
  const log = logger.child({ component: "sim-venue-server", venue: venueName });
  const streams = new Map<string, Stream>();
  let streamSeq = 0;

  const write = (s: Stream, line: StreamLine | { type: string; [k: string]: unknown }) => {
    if (!s.res.writableEnded) s.res.write(`${encode(line)}\n`);
  };

  exchange.addListener({
    onOrderEvent: (account, clientOrderId, event, seq) => {
      for (const s of streams.values()) {
        if (s.account === account) write(s, { type: "order", seq, clientOrderId, event });
      }
    },
    onMarketEvent: (event) => {
      const id = formatInstrumentId(event.instrument);
      const channel = channelOf(event);
      for (const s of streams.values()) {
        if (!s.subs.has(`${channel}|${id}`) && !(channel === "trades" && s.subs.has(`bars|${id}`))) continue;
        if (event.type === "book-delta" && (s.gaps.delete(id) || s.gaps.delete("*"))) continue;
        write(s, { type: "market", event });
      }
    },
  });

  const initial = (s: Stream, instrument: InstrumentId, channel: MarketChannel) => {
    if (channel === "book") write(s, { type: "market", event: exchange.bookSnapshot(instrument) });
    if (channel === "quotes") {
      const bid = exchange.bestBid(instrument);
      const ask = exchange.bestAsk(instrument);
      const now = clock.now();
      if (bid !== undefined && ask !== undefined) {
        write(s, {
          type: "market",
          event: {
            type: "quote",
            instrument,
            bidPrice: bid.price,
            bidSize: bid.size,
            askPrice: ask.price,
            askSize: ask.size,
            tsEventNs: now,
            tsRecvNs: now,
          },
        });
      }
    }
  };

  const openStream = (res: ServerResponse, query: URLSearchParams) => {
    const account = query.get("account") ?? "default";
    const since = Number(query.get("since") ?? "-1");
    res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
    res.flushHeaders();
    const s: Stream = { id: `s${++streamSeq}`, account, res, subs: new Map(), gaps: new Set() };
    streams.set(s.id, s);
    const ping = setInterval(() => write(s, { type: "ping" }), pingIntervalMs);
    const end = () => {
      clearInterval(ping);
      for (const w of s.subs.values()) for (const u of w) u();
      streams.delete(s.id);
    };
    res.on("close", end);
    write(s, { type: "hello", streamId: s.id, seq: exchange.lastEventSeq(account) });
    if (since >= 0) {
      const { events, complete } = exchange.eventsSince(account, since);
      if (!complete) write(s, { type: "journal-gap", since });
      for (const e of events)
        write(s, { type: "order", seq: e.seq, clientOrderId: e.clientOrderId, event: e.event });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const q = url.searchParams;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(encode(body));
    };
    const answer = <T>(r: SimResult<T>, wrap: (v: T) => unknown) => {
      if (r.ok) reply(200, wrap(r.value));
      else reply(statusOf(r.error), { error: errorToWire(r.error) });
    };
    const instrumentOf = (): InstrumentId | undefined => {
      const symbol = q.get("symbol");
      return symbol === null ? undefined : { symbol, venue: venueName };
    };
    const account = q.get("account") ?? "default";
    const path = url.pathname;
    if (req.method === "GET") {
      switch (path) {
        case SIM_API.stream:
          return openStream(res, q);
        case SIM_API.instruments:
          return reply(200, { instruments: exchange.instruments() });
        case SIM_API.openOrders:
          return reply(200, { orders: exchange.openOrders(account, instrumentOf()) });
        case SIM_API.fills:
          return reply(200, {
            fills: exchange.fills(account, BigInt(q.get("since") ?? "0"), instrumentOf()),
          });
        case SIM_API.balances:
          return reply(200, { balances: exchange.balances(account) });
        case SIM_API.positions:
          return reply(200, { positions: exchange.positions(account) });
        case SIM_API.snapshot: {
          const id = instrumentOf();
          if (id === undefined || exchange.instrument(id) === undefined) return reply(404, notFound(path));
          return reply(200, { snapshot: exchange.bookSnapshot(id) });
        }
      }
      return reply(404, notFound(path));
    }
    if (req.method !== "POST") return reply(405, notFound(path));
    const body = await readJson(req);
    const parse = <S extends z.ZodType>(schema: S): z.output<S> | undefined => {
      const r = schema.safeParse(body);
      if (r.success) return r.data;
      const problems = r.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
      reply(400, {
        error: errorToWire(
          new InvalidOrderError("INVALID_ORDER", `malformed request to ${path}: ${problems.join("; ")}`, {
            context: { venue: venueName, problems },
          }),
        ),
      });
      return undefined;
    };
    switch (path) {
      case SIM_API.submit: {
        const b = parse(submitSchema);
        if (b !== undefined)
          answer(exchange.submit(b.account, b.order), (venueOrderId) => ({ venueOrderId }));
        return;
      }
      case SIM_API.amend: {
        const b = parse(amendBodySchema);
        if (b !== undefined) answer(exchange.amend(b.account, b.clientOrderId, b.change), () => ({}));
        return;
      }
      case SIM_API.cancel: {
        const b = parse(cancelSchema);
        if (b !== undefined) answer(exchange.cancel(b.account, b.clientOrderId), () => ({}));
        return;
      }
      case SIM_API.cancelAll: {
        const b = parse(cancelAllSchema);
        if (b !== undefined)
          answer(exchange.cancelAll(b.account, b.instrument), (canceled) => ({ canceled }));
        return;
      }
      case SIM_API.subscribe:
      case SIM_API.unsubscribe: {
        const b = parse(subscribeSchema);
        if (b === undefined) return;
        const s = streams.get(b.streamId);
        if (s === undefined) return reply(404, notFound(`stream ${b.streamId}`));
        if (exchange.instrument(b.instrument) === undefined) {
          return reply(400, {
            error: errorToWire(
              new VenueError("VENUE_ERROR", `unknown instrument ${formatInstrumentId(b.instrument)}`, {
                context: { venue: venueName, field: "instrument" },
              }),
            ),
          });
        }
        const key = `${b.channel}|${formatInstrumentId(b.instrument)}`;
        if (path === SIM_API.unsubscribe) {
          for (const u of s.subs.get(key) ?? []) u();
          s.subs.delete(key);
          return reply(200, {});
        }
        if (!s.subs.has(key)) {
          const channels: WatchChannel[] = b.channel === "bars" ? ["trades", "bars"] : [b.channel];
          s.subs.set(
            key,
            channels.map((c) => exchange.watch(b.instrument, c)),
          );
        }
        initial(s, b.instrument, b.channel);
        return reply(200, {});
      }
    }
    return reply(404, notFound(path));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error, url: req.url }, "sim venue server: request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(encode({ error: { code: "VENUE_ERROR", message: String(error) } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  venue.start();
  const address = server.address() as AddressInfo;
  const url = `http://${host}:${address.port}`;
  log.info({ url }, "sim venue server listening");

  return {
    url,
    port: address.port,
    venue,
    exchange,
    dropStreams: () => {
      for (const s of [...streams.values()]) s.res.destroy();
    },
    injectSequenceGap: (instrument) => {
      const key = instrument === undefined ? "*" : formatInstrumentId(instrument);
      for (const s of streams.values()) s.gaps.add(key);
    },
    streamCount: () => streams.size,
    close: async () => {
      venue.stop();
      for (const s of [...streams.values()]) s.res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function channelOf(event: MarketEvent): MarketChannel {
  switch (event.type) {
    case "trade":
      return "trades";
    case "quote":
      return "quotes";
    case "bar":
      return "bars";
    default:
      return "book";
  }
}

function statusOf(error: VenueError): number {
  switch (error.code) {
    case "ORDER_NOT_FOUND":
      return 404;
    case "INSUFFICIENT_FUNDS":
      return 402;
    default:
      return 400;
  }
}

function notFound(what: string): unknown {
  return { error: { code: "VENUE_ERROR", message: `not found: ${what}` } };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.length === 0) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
