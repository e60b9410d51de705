import { randomBytes } from "node:crypto";
import type { Logger } from "@openfloor/core";
import { SdkError } from "../errors/sdk-errors.js";
import { kafkaMarketData } from "../market-data/kafka-market-data.js";
import type { MarketDataFeed } from "../transport/market-data-feed.js";
import type { Transport } from "../transport/transport.js";

/** What `openfloor run` hands a transport factory. */
export interface LiveTransportOptions {
  /** `host:port` of the gateway sidecar. */
  readonly gateway: string;
  /** The strategy's token (it names the strategy to the gateway). */
  readonly token: string | undefined;
  readonly strategyId: string;
  readonly logger: Logger;
  /** In-process: the gateway config file (`gateway.yaml`) to embed; default the simulated venue. */
  readonly config?: string | undefined;
}

export type TransportFactory = (options: LiveTransportOptions) => Promise<Transport>;

/**
 * The live transports `openfloor run` can use, by name: the one place they are looked up. Each loads its
 * module on use, so `openfloor run` over gRPC never loads the gateway.
 */
export const LIVE_TRANSPORTS: Readonly<Record<string, TransportFactory | undefined>> = {
  grpc: async (o) => {
    const { GrpcTransport } = await import("../transport/grpc/index.js");
    if (o.token === undefined || o.token === "") {
      throw new SdkError(
        "INVALID_ARGUMENT",
        "the gRPC transport needs the strategy's token (--token or OPENFLOOR_TOKEN)",
        {
          context: { transport: "grpc" },
        },
      );
    }
    return new GrpcTransport({ address: o.gateway, token: o.token, logger: o.logger });
  },
  "in-process": async (o) => {
    const gateway = await importGateway();
    const { InProcessTransport } = await import("../transport/in-process/index.js");
    const given = o.token === "" ? undefined : o.token;
    if (o.config === undefined) {
      // The development gateway: the simulated venue, one strategy whose token is this one.
      const token = given ?? randomBytes(32).toString("hex");
      const config = gateway.defaultConfig({ token, listen: { host: "127.0.0.1", port: 0 } });
      return new InProcessTransport({ gateway: config, token, gatewayLogger: o.logger });
    }
    const config = gateway.loadConfig(o.config);
    const token =
      given ??
      config.strategies.find((s) => s.id === o.strategyId)?.token ??
      (config.strategies.length === 1 ? config.strategies[0]!.token : undefined);
    if (token === undefined) {
      throw new SdkError(
        "INVALID_ARGUMENT",
        `${o.config} has ${config.strategies.length} strategies and none is called ${o.strategyId}: pass the strategy's token (--token or OPENFLOOR_TOKEN)`,
        { context: { transport: "in-process", config: o.config } },
      );
    }
    return new InProcessTransport({ gateway: config, token, gatewayLogger: o.logger });
  },
};

/** `@openfloor/gateway`, an optional peer dependency: a clear error when it is not installed. */
async function importGateway(): Promise<typeof import("@openfloor/gateway")> {
  try {
    return await import("@openfloor/gateway");
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    // Only the package itself missing; a module missing inside it is its own error.
    if (e.code !== "ERR_MODULE_NOT_FOUND" || !e.message.includes("'@openfloor/gateway'")) throw error;
    throw new SdkError(
      "INVALID_ARGUMENT",
      "the in-process transport embeds the gateway: install @openfloor/gateway next to @openfloor/sdk (npm install @openfloor/gateway)",
      { cause: error, context: { transport: "in-process" } },
    );
  }
}

/** The factory of a live transport; an `INVALID_ARGUMENT` error saying so when this SDK has none yet. */
export function liveTransport(name: string): TransportFactory {
  const factory = LIVE_TRANSPORTS[name];
  if (factory === undefined) {
    throw new SdkError(
      "INVALID_ARGUMENT",
      `the ${name} transport is not available in this version of @openfloor/sdk (available: ${
        Object.keys(LIVE_TRANSPORTS)
          .filter((k) => LIVE_TRANSPORTS[k] !== undefined)
          .join(", ") || "none"
      })`,
      { context: { transport: name } },
    );
  }
  return factory;
}

/**
 * The market-data feed of `--market-data <url>`: `kafka://host:port[,host:port][?prefix=…&from=latest|earliest]`.
 * Anything else is an `INVALID_ARGUMENT` error naming the flag.
 */
export function marketDataFeed(url: string): MarketDataFeed {
  const match = /^kafka:\/\/([^?]+)(?:\?(.*))?$/.exec(url.trim());
  if (match === null) {
    throw new SdkError(
      "INVALID_ARGUMENT",
      `--market-data ${url}: expected kafka://host:port[,host:port][?prefix=openfloor.&from=latest]`,
      { context: { flag: "--market-data", value: url } },
    );
  }
  const params = new URLSearchParams(match[2] ?? "");
  const from = params.get("from") ?? "latest";
  if (from !== "latest" && from !== "earliest") {
    throw new SdkError("INVALID_ARGUMENT", `--market-data ${url}: from must be latest or earliest`, {
      context: { flag: "--market-data", value: url },
    });
  }
  const prefix = params.get("prefix");
  return kafkaMarketData({
    brokers: match[1]!,
    from,
    ...(prefix === null ? {} : { topicPrefix: prefix }),
  });
}
