import type { Logger } from "@openfloor/core";
import { SdkError } from "../errors/sdk-errors.js";
import type { Transport } from "../transport/transport.js";

/** What `openfloor run` hands a transport factory. */
export interface LiveTransportOptions {
  /** `host:port` of the gateway sidecar. */
  readonly gateway: string;
  /** The strategy's token (it names the strategy to the gateway). */
  readonly token: string | undefined;
  readonly strategyId: string;
  readonly logger: Logger;
}

export type TransportFactory = (options: LiveTransportOptions) => Promise<Transport>;

/**
 * The live transports `openfloor run` can use, by name: the one place they are looked up. The gRPC and
 * in-process transports register here when they land, e.g.
 * `grpc: async (o) => (await import("../transport/grpc/index.js")).createGrpcTransport(o)`.
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
};

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
