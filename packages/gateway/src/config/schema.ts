import { z } from "zod";

/** A `host:port` address; port 0 asks the OS for a free port. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

const ADDRESS_RE = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/** Parses `"127.0.0.1:7400"`, `"[::1]:7400"` or `"localhost:0"`; undefined when malformed. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const m = ADDRESS_RE.exec(text.trim());
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? "", port };
}

export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

const listenAddress = (example: string) =>
  z.string().transform((text, ctx) => {
    const parsed = parseListenAddress(text);
    if (parsed === undefined) {
      ctx.addIssue({ code: "custom", message: `expected host:port like "${example}"` });
      return z.NEVER;
    }
    return parsed;
  });

const positiveInt = (example: number) =>
  z
    .number({ error: `expected a positive integer like ${example}` })
    .int()
    .positive();

const identifier = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A secret given inline, by environment variable or by file; resolved before validation. */
const strategySchema = z
  .object({
    /** The strategy's bearer token. Prefer `tokenEnv` or `tokenFile` outside development. */
    token: z.string().min(16, { error: "a token needs at least 16 characters" }).optional(),
    /** Name of the environment variable holding the token. */
    tokenEnv: z.string().optional(),
    /** Path of a file holding the token (trailing newline ignored). */
    tokenFile: z.string().optional(),
    /** Account orders go to when a request names none. */
    account: z.string().optional(),
    /** Cancel this strategy's open orders when its last order-update stream closes. Default false. */
    cancelOnDisconnect: z.boolean().default(false),
    /** May call the AdminService (kill switch, trading state, reload). Default false. */
    admin: z.boolean().default(false),
  })
  .strict();

const tlsSchema = z
  .object({
    /** PEM certificate chain of the server. */
    cert: z.string(),
    /** PEM private key of the server. */
    key: z.string(),
    /** PEM CA bundle that client certificates must chain to; setting it enables mutual TLS. */
    clientCa: z.string().optional(),
    /** With `clientCa`: refuse clients without a certificate. Default true. */
    requireClientCert: z.boolean().default(true),
  })
  .strict();

const venueSchema = z
  .object({
    /** Adapter kind registered with the AdapterRegistry, e.g. "sim" or "ccxt". */
    adapter: z.string().regex(identifier, { error: "expected an adapter kind such as sim or ccxt" }),
    /** Adapter-specific settings, validated by the adapter's own schema. */
    config: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const accountSchema = z
  .object({
    /** Venue (a key of `venues`) this account trades on. */
    venue: z.string(),
  })
  .strict();

const RECORD_KIND_NAMES = [
  "trade",
  "quote",
  "book",
  "bar",
  "order-event",
  "fill",
  "position",
  "risk-state",
  "strategy-record",
  "performance",
] as const;

const BROKER_RE = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** Kafka brokers as a list or a comma-separated string (the form of env KAFKA_BROKERS). */
const brokerList = z.union([z.string(), z.array(z.string())]).transform((value, ctx) => {
  const list = (typeof value === "string" ? value.split(",") : value).map((b) => b.trim()).filter(Boolean);
  for (const b of list) {
    if (!BROKER_RE.test(b)) {
      ctx.addIssue({
        code: "custom",
        message: `expected brokers as host:port like "kafka-1:9092", got "${b}"`,
      });
      return z.NEVER;
    }
  }
  return list;
});

export const RECORDING_MODES = ["auto", "kafka", "local", "off"] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

const recordingSchema = z
  .object({
    /**
     * "auto" (the default once a `recording` section is given): Kafka when `brokers` (or env
     * KAFKA_BROKERS) are set, else the local segment log `<dataDir>/recording`; "kafka": `brokers`
     * required; "local": always the segment log; "off": nothing is recorded. Without a `recording`
     * section the mode is "off" unless KAFKA_BROKERS is set.
     */
    mode: z.enum(RECORDING_MODES).default("auto"),
    /** Kafka bootstrap brokers, a list or "host:port,host:port". Env KAFKA_BROKERS overrides. */
    brokers: brokerList.default([]),
    /**
     * Directory of the local segment log (`recording/`) and the Kafka spill log (`recording-spill/`),
     * relative to the config file. Default ".openfloor" (beside the embedded PostgreSQL).
     */
    dataDir: z.string().min(1).default(".openfloor"),
    /** Strategy records kept in memory for listeners. Default 100000. */
    bufferSize: positiveInt(100_000).default(100_000),
    /** Record market data (trades, quotes, book snapshots and deltas, bars). Default true. */
    marketData: z.boolean().default(true),
    /** Market events of one instrument framed in one record. Default 100; 1 = one record per event. */
    marketDataBatch: positiveInt(100).default(100),
    /** Records queued before market data is dropped (counted) and orders and fills spill. Default 65536. */
    queueSize: positiveInt(65_536).default(65_536),
    /** Time between per-strategy performance snapshots; 0 turns them off. Default 1000 ms. */
    performanceIntervalMs: z.number().int().nonnegative().default(1000),
    /** Currency of the performance snapshots. Default "USDT". */
    reportCurrency: z.string().min(1).default("USDT"),
    /** With Kafka: follow the aggregator's global risk state (halt / reducing-only). Default true. */
    globalRisk: z.boolean().default(true),
    /** Kafka topics the gateway creates when missing. */
    topics: z
      .object({
        /** Prefix of every topic. Default "openfloor.". */
        prefix: z.string().default("openfloor."),
        /** Partitions of a created topic. Default 6. */
        partitions: positiveInt(6).default(6),
        /** Replicas of a created topic. Default -1 (the broker's default). */
        replicationFactor: z.number().int().default(-1),
        /** Retention per record kind in ms (-1 keeps forever), e.g. `{ trade: 86400000 }`. */
        retentionMs: z.partialRecord(z.enum(RECORD_KIND_NAMES), z.number().int()).default({}),
      })
      .strict()
      .default({ prefix: "openfloor.", partitions: 6, replicationFactor: -1, retentionMs: {} }),
  })
  .strict();

/** The recording settings in force when the config has no `recording` section. */
const RECORDING_OFF: z.output<typeof recordingSchema> = {
  mode: "off",
  brokers: [],
  dataDir: ".openfloor",
  bufferSize: 100_000,
  marketData: true,
  marketDataBatch: 100,
  queueSize: 65_536,
  performanceIntervalMs: 1000,
  reportCurrency: "USDT",
  globalRisk: true,
  topics: { prefix: "openfloor.", partitions: 6, replicationFactor: -1, retentionMs: {} },
};

const TRADING_STATES = ["active", "reducing-only", "halted"] as const;
export type TradingStateName = (typeof TRADING_STATES)[number];

export const SLOW_CONSUMER_POLICIES = ["conflate", "disconnect"] as const;
export type SlowConsumerPolicyName = (typeof SLOW_CONSUMER_POLICIES)[number];

/** The whole of `gateway.yaml`. */
export const gatewayFileSchema = z
  .object({
    /** gRPC listen address. Default `127.0.0.1:7400`; port 0 picks a free port. */
    listen: listenAddress("127.0.0.1:7400").default({ host: "127.0.0.1", port: 7400 }),
    /** TLS for the gRPC port; absent means plaintext (loopback only is advisable). */
    tls: tlsSchema.optional(),
    metrics: z
      .object({
        /** Prometheus `/metrics` address. Default: no metrics server. Example `127.0.0.1:9464`. */
        listen: listenAddress("127.0.0.1:9464").optional(),
      })
      .strict()
      .default({}),
    logging: z
      .object({
        /** pino level. Default "info". */
        level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
      })
      .strict()
      .default({ level: "info" }),
    venues: z.record(z.string().regex(identifier), venueSchema),
    accounts: z.record(z.string().regex(identifier), accountSchema).default({}),
    strategies: z.record(z.string().regex(identifier), strategySchema),
    /**
     * Pre-trade risk limits, checked by the risk engine's own parser (`parseRiskLimits`), e.g.
     * `maxOrderNotional: { default: "10000", "BTC/USDT:sim": "50000" }`.
     */
    risk: z.record(z.string(), z.unknown()).default({}),
    /** Starting trading state. Default "active". */
    tradingState: z.enum(TRADING_STATES).default("active"),
    /** Start with the kill switch engaged. Default false. */
    killSwitch: z.boolean().default(false),
    marketData: z
      .object({
        /** Most events in one frame. Default 512. */
        frameMaxEvents: positiveInt(512).default(512),
        /** Events queued for one subscriber before it counts as slow. Default 65536. */
        queueMaxEvents: positiveInt(65536).default(65_536),
        /** Policy when the request leaves it unspecified. Default "conflate". */
        slowConsumerPolicy: z.enum(SLOW_CONSUMER_POLICIES).default("conflate"),
        /** Bytes a subscriber's connection may hold unsent before the subscriber counts as slow. Default 4194304 (4 MiB). */
        maxBufferedBytes: positiveInt(4_194_304).default(4_194_304),
      })
      .strict()
      .default({
        frameMaxEvents: 512,
        queueMaxEvents: 65_536,
        slowConsumerPolicy: "conflate",
        maxBufferedBytes: 4_194_304,
      }),
    /** Recording of market data, orders, fills, positions, strategy records and performance. */
    recording: recordingSchema.default(RECORDING_OFF),
    /** The Postgres audit store: write-ahead order intents, every event, crash recovery. */
    storage: z
      .object({
        /**
         * "auto" (default): `url` (or env DATABASE_URL) when set, else an embedded PostgreSQL in
         * `dataDir`; "postgres": `url` is required; "embedded": always embedded; "none": no audit
         * store (orders are not durable: development only).
         */
        mode: z.enum(["auto", "postgres", "embedded", "none"]).default("auto"),
        /** postgres://user:password@host:port/db. Env DATABASE_URL overrides it. */
        url: z.string().min(1).optional(),
        /** Where the embedded PostgreSQL keeps its cluster. Default ".openfloor/postgres". */
        dataDir: z.string().min(1).default(".openfloor/postgres"),
        /** Names this gateway's audit hash chain; unique per gateway sharing a database. Default "gateway". */
        gatewayId: z.string().min(1).default("gateway"),
        /** Open venue orders the audit store does not know at start: "flag" (log them) or "adopt". */
        unknownOrders: z.enum(["flag", "adopt"]).default("flag"),
      })
      .strict()
      .default({ mode: "auto", dataDir: ".openfloor/postgres", gatewayId: "gateway", unknownOrders: "flag" }),
  })
  .strict();

export type GatewayFile = z.output<typeof gatewayFileSchema>;
