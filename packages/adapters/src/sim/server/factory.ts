import { z } from "zod";
import type { AdapterFactory } from "../../contract/registry.js";
import { RemoteSimAdapter } from "./remote-adapter.js";

/** Config of the `sim-remote` adapter: where the sim venue server listens, and which account to use. */
export const remoteSimAdapterConfigSchema = z.strictObject({
  /** Base URL of the server. @example "http://127.0.0.1:7070" */
  url: z.url({ protocol: /^https?$/ }),
  /** Venue account. Default "default". */
  account: z.string().min(1).default("default"),
  /** First reconnect delay in ms (doubles up to `reconnectMaxMs`). Default 50. */
  reconnectInitialMs: z.number().min(1).default(50),
  /** Default 2000. */
  reconnectMaxMs: z.number().min(1).default(2000),
  /** Default 10000. */
  requestTimeoutMs: z.number().min(1).default(10_000),
});
export type RemoteSimAdapterConfig = z.output<typeof remoteSimAdapterConfigSchema>;

/**
 * Factory of the out-of-process sim venue client (kind `"sim-remote"`).
 * @example registry.register(remoteSimAdapterFactory).create("sim-remote", "sim", { url }, context)
 */
export const remoteSimAdapterFactory: AdapterFactory<RemoteSimAdapterConfig> = {
  kind: "sim-remote",
  configSchema: remoteSimAdapterConfigSchema,
  create: (venue, config, context) => new RemoteSimAdapter({ ...config, venue, context }),
};
