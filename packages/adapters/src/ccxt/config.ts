import { readFileSync } from "node:fs";
import type { OrderType } from "@openfloor/core";
import { z } from "zod";
import { AdapterConfigError } from "../contract/registry.js";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name");

/**
 * Where the venue credentials come from: names of environment variables or paths of secret files,
 * never the values themselves (so configs can be committed and logged).
 */
export const ccxtCredentialsSchema = z.strictObject({
  /** Environment variable holding the API key, e.g. "BINANCE_API_KEY". */
  apiKeyEnv: envName.optional(),
  secretEnv: envName.optional(),
  /** Some venues (OKX, KuCoin) also need a passphrase. */
  passwordEnv: envName.optional(),
  /** File whose (trimmed) content is the API key, e.g. "/run/secrets/binance_key". */
  apiKeyFile: z.string().min(1).optional(),
  secretFile: z.string().min(1).optional(),
  passwordFile: z.string().min(1).optional(),
});

export const ccxtAdapterConfigSchema = z.strictObject({
  /** ccxt exchange id, e.g. "binance", "bybit", "okx". */
  exchange: z.string().min(1),
  /** Default: none (public market data only). */
  credentials: ccxtCredentialsSchema.optional(),
  /** Use the exchange's testnet/sandbox URLs (`setSandboxMode(true)`). Default false. */
  sandbox: z.boolean().default(false),
  /**
   * Deep-merged into the ccxt exchange's `urls`, e.g. `{ api: { public: "http://127.0.0.1:9000/binance/api/v3",
   * ws: { spot: "ws://127.0.0.1:9000/binance/ws" } } }` to point it at a local emulator. Default none.
   */
  urls: z.record(z.string(), z.unknown()).optional(),
  /** Unified symbols to list as instruments, e.g. ["BTC/USDT"]. Default: every active market. */
  symbols: z.array(z.string().min(1)).min(1).optional(),
  /** ccxt `options` for the exchange, e.g. `{ defaultType: "spot" }`. Default none. */
  options: z.record(z.string(), z.unknown()).optional(),
  /** "auto" streams over websocket where ccxt has it and polls REST otherwise. Default "auto". */
  transport: z.enum(["auto", "websocket", "rest"]).default("auto"),
  /**
   * Source of quotes: "book" (top of the L2 stream), "bidsAsks" (a best bid/ask stream such as
   * Binance's bookTicker) or "ticker". Default "book".
   */
  quotes: z.enum(["book", "bidsAsks", "ticker"]).default("book"),
  /** REST polling interval when polling. Default 1000. */
  pollIntervalMs: z.number().int().positive().default(1_000),
  /** ccxt HTTP timeout. Default 10000. */
  timeoutMs: z.number().int().positive().default(10_000),
  /** Reconnect backoff: initial delay doubling up to max, each delay shortened by up to `jitter` × itself. */
  reconnect: z
    .strictObject({
      initialDelayMs: z.number().int().positive().default(250),
      maxDelayMs: z.number().int().positive().default(30_000),
      jitter: z.number().min(0).max(1).default(0.3),
    })
    .default({ initialDelayMs: 250, maxDelayMs: 30_000, jitter: 0.3 }),
  /** How long `subscribe()` waits for the venue to confirm a stream. Default 5000. */
  subscribeTimeoutMs: z.number().int().positive().default(5_000),
  /** How long `connect()` waits for the private order stream to be live. Default 10000. */
  privateStreamTimeoutMs: z.number().int().positive().default(10_000),
  /**
   * Order types to offer. Default ["market", "limit"]; add "stop-market"/"stop-limit" for venues whose
   * ccxt class takes a `triggerPrice` for them.
   */
  orderTypes: z
    .array(z.enum(["market", "limit", "stop-market", "stop-limit"]))
    .min(1)
    .optional(),
  /**
   * Native amend through ccxt `editOrder`. Default: when ccxt's `has.editOrder` is true and the venue
   * amends in place (Binance spot's edit is a cancel-replace with a new order id, so it is off there).
   */
  amendOrder: z.boolean().optional(),
});

/** The parsed config of a `ccxt` adapter (defaults filled in). */
export type CcxtAdapterConfig = z.output<typeof ccxtAdapterConfigSchema>;
/** The config as written by a user. */
export type CcxtAdapterConfigInput = z.input<typeof ccxtAdapterConfigSchema>;

export interface ResolvedCredentials {
  readonly apiKey?: string;
  readonly secret?: string;
  readonly password?: string;
}

export const DEFAULT_ORDER_TYPES: readonly OrderType[] = ["market", "limit"];

/**
 * Reads the credentials the config names. A named variable or file that is missing is a config error
 * naming the key, never the value.
 */
export function resolveCredentials(
  venue: string,
  credentials: CcxtAdapterConfig["credentials"],
  env: NodeJS.ProcessEnv = process.env,
): ResolvedCredentials {
  if (credentials === undefined) return {};
  const one = (name: "apiKey" | "secret" | "password"): string | undefined => {
    const envKey = credentials[`${name}Env`];
    const fileKey = credentials[`${name}File`];
    if (envKey !== undefined) {
      const value = env[envKey];
      if (value === undefined || value.length === 0) {
        throw new AdapterConfigError(
          "ADAPTER_CONFIG_INVALID",
          `venues.${venue}.credentials.${name}Env: environment variable ${envKey} is not set`,
          { context: { venue, key: `credentials.${name}Env`, variable: envKey } },
        );
      }
      return value;
    }
    if (fileKey !== undefined) {
      try {
        return readFileSync(fileKey, "utf8").trim();
      } catch (error) {
        throw new AdapterConfigError(
          "ADAPTER_CONFIG_INVALID",
          `venues.${venue}.credentials.${name}File: cannot read ${fileKey}`,
          { cause: error, context: { venue, key: `credentials.${name}File`, file: fileKey } },
        );
      }
    }
    return undefined;
  };
  const apiKey = one("apiKey");
  const secret = one("secret");
  const password = one("password");
  return {
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(secret === undefined ? {} : { secret }),
    ...(password === undefined ? {} : { password }),
  };
}
