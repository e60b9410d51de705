import type { AdapterFactory } from "../contract/registry.js";
import { SimAdapter } from "./adapter.js";
import { type SimAdapterConfig, simAdapterConfigSchema } from "./config.js";

/**
 * Factory of the in-process simulated venue (kind `"sim"`). Register it explicitly:
 * @example new AdapterRegistry().register(simAdapterFactory).create("sim", "sim", config, context)
 */
export const simAdapterFactory: AdapterFactory<SimAdapterConfig> = {
  kind: "sim",
  configSchema: simAdapterConfigSchema,
  create: (venue, config, context) => SimAdapter.fromConfig(venue, config, context),
};
