import { Decimal, defineInstrument, type Instrument, instrumentId } from "@openfloor/core";
import { z } from "zod";
import { AdapterConfigError } from "../contract/registry.js";

const decimal = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return typeof value === "number" ? Decimal.fromNumber(value) : Decimal.parse(value);
  } catch {
    ctx.addIssue({
      code: "custom",
      message: `expected a decimal number such as "0.01", got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
});

/** Synthetic market of one instrument (see `SyntheticMarketParams` for the defaults). */
export const syntheticMarketSchema = z.strictObject({
  startPrice: decimal,
  spreadTicks: z.number().int().min(1).optional(),
  depthLevels: z.number().int().min(1).max(10_000).optional(),
  levelSize: decimal.optional(),
  sizeJitter: z.number().min(0).max(1).optional(),
  sizeChangeProbability: z.number().min(0).max(1).optional(),
  volatilityTicks: z.number().min(0).optional(),
  updateIntervalMs: z.number().positive().optional(),
  tradesPerSecond: z.number().min(0).optional(),
  tradeSize: decimal.optional(),
});

/** One instrument listed by the simulated venue. */
export const simInstrumentSchema = z.strictObject({
  /** Venue symbol, e.g. "BTC/USDT". */
  symbol: z.string().min(1),
  /** Default "spot". */
  kind: z.enum(["spot", "perpetual", "future", "option", "equity", "etf", "power_future"]).default("spot"),
  base: z.string().min(1),
  quote: z.string().min(1),
  priceIncrement: decimal,
  sizeIncrement: decimal,
  /** Default: sizeIncrement. */
  minSize: decimal.optional(),
  /** Default 0. */
  minNotional: decimal.optional(),
  /** Default 1. */
  multiplier: decimal.optional(),
  /** Default false. */
  inverse: z.boolean().optional(),
  /** Fee rates, e.g. "0.001" = 10 bp; negative is a rebate. Default 0. */
  makerFee: decimal.optional(),
  takerFee: decimal.optional(),
  /** Expiry (ns since the epoch, as a string) for futures and options. */
  expiryNs: z
    .string()
    .regex(/^\d+$/, "expected nanoseconds since the epoch as a string of digits")
    .transform((s) => BigInt(s))
    .optional(),
  /** A synthetic market for this instrument; without it the book holds only orders sent to the venue. */
  market: syntheticMarketSchema.optional(),
});

const balances = z.record(z.string().min(1), decimal);

/**
 * Config of the `sim` adapter (and of the standalone sim venue server).
 *
 * @example
 * { instruments: [{ symbol: "BTC/USDT", base: "BTC", quote: "USDT", priceIncrement: "0.01",
 *   sizeIncrement: "0.0001", takerFee: "0.001", market: { startPrice: "50000" } }],
 *   balances: { USDT: "100000", BTC: "1" }, seed: 7, latency: { fixedMs: 2, jitterMs: 1 } }
 */
export const simAdapterConfigSchema = z.strictObject({
  instruments: z.array(simInstrumentSchema).min(1, "list at least one instrument"),
  /** Venue account this adapter trades in. Default "default". */
  account: z.string().min(1).default("default"),
  /** Seed of every random choice (synthetic markets, latency jitter). Default 1. */
  seed: z.number().int().default(1),
  /** One-way latency between adapter and venue. Default none. */
  latency: z
    .strictObject({
      fixedMs: z.number().min(0).default(0),
      jitterMs: z.number().min(0).default(0),
    })
    .prefault({}),
  /** What stop orders trigger on. Default "last". */
  stopTrigger: z.enum(["last", "mid"]).default("last"),
  /** Starting balances of every account. Default none. */
  balances: balances.default({}),
  /** Starting balances of named accounts, instead of `balances`. */
  accounts: z.record(z.string().min(1), balances).optional(),
  /** Run the instruments' synthetic markets. Default true. */
  synthetic: z.boolean().default(true),
  /** Delay before the adapter reconnects after a dropped connection, in ms. Default 50. */
  reconnectDelayMs: z.number().min(0).default(50),
});

/** Parsed `sim` adapter config. */
export type SimAdapterConfig = z.output<typeof simAdapterConfigSchema>;
/** `sim` adapter config as written (decimals as strings or numbers). */
export type SimAdapterConfigInput = z.input<typeof simAdapterConfigSchema>;
export type SimInstrumentConfig = z.output<typeof simInstrumentSchema>;

/** Builds the core instrument of a config entry for `venue`. */
export function simInstrument(venue: string, c: SimInstrumentConfig): Instrument {
  return defineInstrument({
    id: instrumentId(c.symbol, venue),
    kind: c.kind,
    base: c.base,
    quote: c.quote,
    priceIncrement: c.priceIncrement,
    sizeIncrement: c.sizeIncrement,
    ...(c.minSize === undefined ? {} : { minSize: c.minSize }),
    ...(c.minNotional === undefined ? {} : { minNotional: c.minNotional }),
    ...(c.multiplier === undefined ? {} : { multiplier: c.multiplier }),
    ...(c.inverse === undefined ? {} : { inverse: c.inverse }),
    ...(c.makerFee === undefined ? {} : { makerFee: c.makerFee }),
    ...(c.takerFee === undefined ? {} : { takerFee: c.takerFee }),
    ...(c.expiryNs === undefined ? {} : { expiry: c.expiryNs }),
  });
}

/**
 * Parses a `sim` config, throwing an `AdapterConfigError` that names each wrong key and why, e.g.
 * `sim.instruments.0.priceIncrement: expected a decimal number such as "0.01", got "x"`.
 * @param where prefix of the key paths in messages, e.g. the config file name
 */
export function parseSimAdapterConfig(raw: unknown, where = "sim"): SimAdapterConfig {
  const r = simAdapterConfigSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${[where, ...i.path.map(String)].join(".")}: ${i.message}`);
  throw new AdapterConfigError(
    "ADAPTER_CONFIG_INVALID",
    `invalid sim venue config:\n  ${problems.join("\n  ")}`,
    {
      context: { problems },
    },
  );
}
