import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import type { Logger } from "@openfloor/core";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { TlsConfig } from "../config/load-config.js";
import type { ListenAddress } from "../config/schema.js";
import { formatListenAddress } from "../config/schema.js";

const PROTO_FILES = [
  "openfloor/v1/common.proto",
  "openfloor/v1/market_data.proto",
  "openfloor/v1/orders.proto",
  "openfloor/v1/portfolio.proto",
  "openfloor/v1/admin.proto",
  "openfloor/v1/recording.proto",
];

/** Fully-qualified names of the services the gateway serves (for health checking). */
export const SERVICE_NAMES = [
  "openfloor.v1.MarketDataService",
  "openfloor.v1.OrdersService",
  "openfloor.v1.PortfolioService",
  "openfloor.v1.RecordingService",
  "openfloor.v1.AdminService",
] as const;

/**
 * Where the `.proto` files are: next to the built bundle (`dist/proto`, copied at build) or at the
 * repository root when running from source.
 */
export function findProtoRoot(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, "proto"),
    join(here, "../proto"),
    join(here, "../../../proto"),
    join(here, "../../../../proto"),
  ];
  return candidates.find((dir) => existsSync(join(dir, "openfloor/v1/orders.proto")));
}

/** Options of `GrpcServer`. */
export interface GrpcServerOptions {
  readonly logger: Logger;
  /** TLS and, with `clientCa`, mutual TLS. Default: plaintext. */
  readonly tls?: TlsConfig;
  /** Serve gRPC server reflection. Default true. */
  readonly reflection?: boolean;
}

/** The grpc-js server with health checking and reflection, plus the openfloor services added to it. */
export class GrpcServer {
  readonly server: Server;
  private readonly health: HealthImplementation;
  private bound: ListenAddress | undefined;

  constructor(private readonly options: GrpcServerOptions) {
    this.server = new Server({
      "grpc.max_receive_message_length": 4 * 1024 * 1024,
      "grpc.keepalive_permit_without_calls": 1,
    });
    const status: Record<string, ServingStatus> = { "": "NOT_SERVING" };
    for (const name of SERVICE_NAMES) status[name] = "NOT_SERVING";
    this.health = new HealthImplementation(status);
    this.health.addToServer(this.server);
    if (options.reflection ?? true) this.addReflection();
  }

  addService(definition: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    this.server.addService(definition, implementation);
  }

  /** Binds and starts serving; resolves with the bound address (port 0 becomes the real port). */
  bind(address: ListenAddress): Promise<ListenAddress> {
    const tls = this.options.tls;
    const credentials =
      tls === undefined
        ? ServerCredentials.createInsecure()
        : ServerCredentials.createSsl(
            tls.clientCa ?? null,
            [{ private_key: tls.key, cert_chain: tls.cert }],
            tls.clientCa !== undefined && tls.requireClientCert,
          );
    return new Promise((resolve, reject) => {
      this.server.bindAsync(formatListenAddress(address), credentials, (error, port) => {
        if (error) {
          reject(error);
          return;
        }
        this.bound = { host: address.host, port };
        resolve(this.bound);
      });
    });
  }

  setServing(serving: boolean): void {
    const status: ServingStatus = serving ? "SERVING" : "NOT_SERVING";
    this.health.setStatus("", status);
    for (const name of SERVICE_NAMES) this.health.setStatus(name, status);
  }

  /** Stops accepting calls and waits up to `graceMs` for calls in flight, then cancels the rest. */
  shutdown(graceMs: number): Promise<void> {
    this.setServing(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get address(): ListenAddress | undefined {
    return this.bound;
  }

  private addReflection(): void {
    const root = findProtoRoot();
    if (root === undefined) {
      this.options.logger.warn({}, "proto files not found; gRPC reflection is off");
      return;
    }
    const definition = loadSync(PROTO_FILES, {
      includeDirs: [root],
      keepCase: true,
      longs: String,
      enums: String,
    });
    new ReflectionService(definition).addToServer(this.server);
  }
}
