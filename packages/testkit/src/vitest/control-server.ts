import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isTestkitError } from "../errors.js";
import { LOOPBACK } from "../internal/ports.js";
import { type KafkaBroker, type KafkaConnection, startKafka } from "../kafka/start-kafka.js";
import { type PostgresConnection, type PostgresServer, startPostgres } from "../postgres/start-postgres.js";

/** Body of `POST <url>/postgres`. */
export interface PostgresRequest {
  freshDatabase?: boolean;
}

/** Body of an error response: what the test file rethrows as a `TestkitError`. */
export interface ControlError {
  error: { code: string; message: string };
}

export interface ControlServer {
  /** Base URL, including a random token path so only whoever was handed the URL can use it. */
  url: string;
  /** Stops every service started through this server, then the server itself. */
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 64 * 1024) throw new Error("request body too large");
  }
  return text === "" ? {} : JSON.parse(text);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/**
 * The service registry behind the vitest integration. It runs in vitest's main process; test files
 * (in worker processes) ask it over loopback HTTP for a service, which it starts on the first
 * request only and shares with every later one.
 */
export async function startControlServer(): Promise<ControlServer> {
  const token = randomBytes(16).toString("hex");
  let postgres: Promise<PostgresServer> | undefined;
  let kafka: Promise<KafkaBroker> | undefined;

  const routes: Record<string, (body: unknown) => Promise<PostgresConnection | KafkaConnection>> = {
    async postgres(body) {
      postgres ??= startPostgres();
      const server = await postgres;
      if ((body as PostgresRequest).freshDatabase !== false) return server.createDatabase();
      const { url, host, port, user, password, database } = server;
      return { url, host, port, user, password, database };
    },
    async kafka() {
      kafka ??= startKafka();
      const { brokers, bootstrap } = await kafka;
      return { brokers, bootstrap };
    },
  };

  const server = createServer((request, response) => {
    const [, requestToken, service] = (request.url ?? "").split("/");
    const route =
      requestToken === token && service !== undefined && Object.hasOwn(routes, service)
        ? routes[service]
        : undefined;
    if (request.method !== "POST" || route === undefined) {
      send(response, 404, {
        error: { code: "NOT_FOUND", message: `no route ${request.method} ${request.url}` },
      });
      return;
    }
    readJson(request)
      .then((body) => route(typeof body === "object" && body !== null ? body : {}))
      .then(
        (result) => send(response, 200, result),
        (error: unknown) => {
          const code = isTestkitError(error) ? error.code : "START_FAILED";
          const message = error instanceof Error ? error.message : String(error);
          send(response, 500, { error: { code, message } } satisfies ControlError);
        },
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${LOOPBACK}:${port}/${token}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const started = [postgres, kafka].filter((service) => service !== undefined);
      await Promise.allSettled(started.map(async (service) => (await service).stop()));
    },
  };
}
