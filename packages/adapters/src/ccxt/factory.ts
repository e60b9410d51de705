import type { AdapterFactory } from "../contract/registry.js";
import { CcxtAdapter } from "./adapter.js";
import { type CcxtAdapterConfig, ccxtAdapterConfigSchema } from "./config.js";

/**
 * Factory of ccxt adapters (kind `"ccxt"`). Register it explicitly; nothing registers itself on import:
 * @example new AdapterRegistry().register(ccxtAdapterFactory).create("ccxt", "binance", { exchange: "binance" }, context)
 */
export const ccxtAdapterFactory: AdapterFactory<CcxtAdapterConfig> = {
  kind: "ccxt",
  configSchema: ccxtAdapterConfigSchema,
  create: (venue, config, context) => new CcxtAdapter(venue, config, context),
};
