import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Writable } from "node:stream";
import { decodeRecords } from "@openfloor/core";
import { invalidArgument } from "../errors.js";
import { liveRecords, type MonitorSource } from "./live-sources.js";
import { type MonitorLimits, type MonitorSnapshot, MonitorState } from "./monitor-state.js";
import { CLEAR, renderTerminal } from "./terminal-dashboard.js";
import { monitorPage } from "./web-page.js";

/**
 * Options of `runMonitor`.
 * @example { source: { kafka: { brokers: ["127.0.0.1:9092"] } }, port: 8787, limits: { maxGrossExposure: "100000" } }
 */
export interface MonitorOptions {
  /** Kafka (`{ kafka: { brokers } }`), a local segment log to tail (`{ logDir }`), or `{ records }`. */
  readonly source: MonitorSource;
  /** Only this strategy's performance, positions and orders (risk is per account). Default: all. */
  readonly strategy?: string;
  /** Port of the web page; 0 takes a free one, false serves none. Default 0. */
  readonly port?: number | false;
  /** Interface the web page listens on. Default "127.0.0.1". */
  readonly host?: string;
  /** Terminal dashboard: true for stdout, a stream, or false. Default: true when stdout is a TTY. */
  readonly terminal?: boolean | Writable;
  /** Redraw and push interval, ms. Default 500. */
  readonly refreshMs?: number;
  /** Limits to warn about. Default: none (only halted / reducing-only trading states alert). */
  readonly limits?: MonitorLimits;
  /** Alert when a value reaches this share of its limit. Default 0.8. */
  readonly nearFraction?: number;
  /** Performance and order records older than this are skipped at start, ms. Default 300000. */
  readonly lookbackMs?: number;
  /** Window of the order rate, ms. Default 10000. */
  readonly rateWindowMs?: number;
  /** Page title. Default "openfloor monitor". */
  readonly title?: string;
}

/** A running monitor. */
export interface MonitorHandle {
  /** URL of the web page (undefined with `port: false`). */
  readonly url: string | undefined;
  readonly port: number | undefined;
  /** The current state, as the page and the terminal show it. */
  snapshot(): MonitorSnapshot;
  /** Stops reading, closes the page's connections and the server. */
  close(): Promise<void>;
}

/**
 * Live performance from the performance, positions and risk topics (Kafka or a tailed local log): a
 * terminal dashboard (ANSI redraw) and a local web page fed by Server-Sent Events (`/events`), with
 * alerts when a risk limit is near. `/state` serves the same snapshot as JSON.
 * @example const monitor = await runMonitor({ source: { logDir: "data/recording" }, port: 8787 })
 */
export async function runMonitor(options: MonitorOptions): Promise<MonitorHandle> {
  const refreshMs = options.refreshMs ?? 500;
  if (!(refreshMs > 0)) throw invalidArgument("refreshMs", "must be positive");
  const near = options.nearFraction ?? 0.8;
  if (!(near > 0 && near <= 1)) throw invalidArgument("nearFraction", "must be in (0, 1]");
  const state = new MonitorState({
    ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    nearFraction: near,
    ...(options.rateWindowMs === undefined ? {} : { rateWindowMs: options.rateWindowMs }),
  });
  const abort = new AbortController();
  const clients = new Set<ServerResponse>();
  let dirty = true;
  let lastError: string | undefined;
  let last = "";

  const terminal: Writable | undefined =
    options.terminal === false
      ? undefined
      : options.terminal === true || (options.terminal === undefined && process.stdout.isTTY)
        ? process.stdout
        : options.terminal === undefined
          ? undefined
          : options.terminal;

  let server: Server | undefined;
  let url: string | undefined;
  let port: number | undefined;
  const page = monitorPage(options.title ?? "openfloor monitor");
  const listenPort = options.port;
  if (listenPort !== false) {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/" || path === "/index.html") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
        res.end(page);
      } else if (path === "/state") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(state.snapshot()));
      } else if (path === "/events") {
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-store",
          connection: "keep-alive",
        });
        res.write(`retry: 1000\nevent: state\ndata: ${JSON.stringify(state.snapshot())}\n\n`);
        clients.add(res);
        req.on("close", () => clients.delete(res));
      } else {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found: try / or /events\n");
      }
    });
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(listenPort ?? 0, options.host ?? "127.0.0.1", () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    url = `http://${options.host ?? "127.0.0.1"}:${port}/`;
  }

  const reader = (async () => {
    while (!abort.signal.aborted) {
      try {
        for await (const r of liveRecords(options.source, {
          lookbackMs: options.lookbackMs ?? 300_000,
          pollMs: Math.min(200, refreshMs),
          signal: abort.signal,
        })) {
          if (abort.signal.aborted) break;
          let decoded: ReturnType<typeof decodeRecords>;
          try {
            decoded = decodeRecords(r.headers, r.value);
          } catch {
            continue;
          }
          for (const d of decoded) if (state.apply(d, r.timestampMs)) dirty = true;
          lastError = undefined;
        }
        if ("records" in options.source) return;
      } catch (e) {
        lastError = (e as Error).message;
        dirty = true;
      }
      if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 1000));
    }
  })();

  const tick = () => {
    state.rates();
    const snap = state.snapshot();
    const json = JSON.stringify(snap);
    if (!dirty && json === last) return;
    dirty = false;
    if (json !== last) {
      last = json;
      for (const c of clients) c.write(`event: state\ndata: ${json}\n\n`);
    }
    terminal?.write(
      CLEAR +
        renderTerminal(snap, {
          color: terminal === process.stdout ? process.stdout.isTTY === true : false,
          ...(url === undefined ? {} : { url }),
          ...(lastError === undefined ? {} : { error: lastError }),
        }),
    );
  };
  const timer = setInterval(tick, refreshMs);
  const keepAlive = setInterval(() => {
    for (const c of clients) c.write(": keep-alive\n\n");
  }, 15_000);
  tick();

  return {
    url,
    port,
    snapshot: () => state.snapshot(),
    async close() {
      abort.abort();
      clearInterval(timer);
      clearInterval(keepAlive);
      for (const c of clients) c.end();
      clients.clear();
      await Promise.race([reader.catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
      if (server !== undefined) {
        server.closeAllConnections();
        await new Promise<void>((r) => server!.close(() => r()));
      }
    },
  };
}
