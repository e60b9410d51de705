import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { parseRiskLimits, type RiskLimits, RiskLimitsError } from "../risk/risk-limits.js";
import { ConfigError } from "./config-error.js";
import {
  type GatewayFile,
  gatewayFileSchema,
  type ListenAddress,
  type RecordingMode,
  type SlowConsumerPolicyName,
  type TradingStateName,
} from "./schema.js";

/** One strategy allowed to connect, with its resolved token. */
export interface StrategyConfig {
  readonly id: string;
  readonly token: string;
  readonly account: string;
  readonly cancelOnDisconnect: boolean;
  readonly admin: boolean;
}

export interface TlsConfig {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly clientCa?: Buffer;
  readonly requireClientCert: boolean;
}

/** The audit store settings (see the `storage` section of the config schema). */
export type StorageConfig = GatewayFile["storage"];

/**
 * The recording settings (see the `recording` section of the config schema), with the mode
 * resolved: "kafka" (brokers given), "local" (segment log in `dataDir`) or "off".
 */
export type RecordingConfig = Omit<GatewayFile["recording"], "mode"> & {
  readonly mode: Exclude<RecordingMode, "auto">;
};

/** A validated gateway configuration with every secret resolved. Build one with `loadConfig` or `defaultConfig`. */
export interface GatewayConfig {
  /** Where it came from: a file path, or "built-in defaults". */
  readonly source: string;
  /** Directory relative paths in it (storage and recording data directories) resolve against: the config file's. */
  readonly baseDir: string;
  readonly listen: ListenAddress;
  readonly tls?: TlsConfig;
  readonly metrics: { readonly listen?: ListenAddress };
  readonly logging: { readonly level: string };
  readonly venues: Readonly<
    Record<string, { readonly adapter: string; readonly config: Record<string, unknown> }>
  >;
  readonly accounts: Readonly<Record<string, { readonly venue: string }>>;
  readonly strategies: readonly StrategyConfig[];
  readonly risk: RiskLimits;
  readonly tradingState: TradingStateName;
  readonly killSwitch: boolean;
  readonly marketData: {
    readonly frameMaxEvents: number;
    readonly queueMaxEvents: number;
    readonly slowConsumerPolicy: SlowConsumerPolicyName;
    readonly maxBufferedBytes: number;
  };
  readonly recording: Readonly<RecordingConfig>;
  readonly storage: Readonly<StorageConfig>;
  /** Secret values (tokens, venue keys) that logs and errors must never show. */
  readonly secrets: readonly string[];
  /** Set when the token was generated for development: print it, never use it in production. */
  readonly devToken?: string;
}

/** Where environment variables come from; defaults to `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Environment for `${VAR}` interpolation, `tokenEnv` and `OPENFLOOR_*` overrides. Default `process.env`. */
  env?: Environment;
}

const SECRET_KEY_RE = /(secret|password|passphrase|token|api[-_]?key|private[-_]?key|uid)$/i;

interface Problem {
  path: readonly (string | number)[];
  message: string;
}

class ProblemList {
  readonly items: Problem[] = [];
  add(path: readonly (string | number)[], message: string): void {
    this.items.push({ path, message });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function envKey(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** Replaces `${VAR}` and `${VAR:-default}` in every string, recording unset variables as problems. */
function interpolate(
  value: unknown,
  env: Environment,
  path: (string | number)[],
  problems: ProblemList,
): unknown {
  if (typeof value === "string") {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_, name: string, fallback?: string) => {
        const found = env[name];
        if (found !== undefined && found !== "") return found;
        if (fallback !== undefined) return fallback;
        problems.add(path, `environment variable ${name} is not set`);
        return "";
      },
    );
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, i], problems));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, [...path, k], problems);
    return out;
  }
  return value;
}

function readSecretFile(file: string, baseDir: string): string {
  return readFileSync(isAbsolute(file) ? file : resolve(baseDir, file), "utf8").replace(/\r?\n$/, "");
}

/**
 * Resolves `{ fromEnv: NAME }` and `{ fromFile: path }` inside a venue's adapter config and collects
 * every value under a secret-looking key, so none of them is ever logged.
 */
function resolveVenueSecrets(
  value: unknown,
  ctx: { env: Environment; baseDir: string; secrets: Set<string>; problems: ProblemList },
  path: (string | number)[],
  key = "",
): unknown {
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === "fromEnv" || keys[0] === "fromFile")) {
      const ref = value[keys[0]];
      if (typeof ref !== "string") {
        ctx.problems.add([...path, keys[0]], "expected a string");
        return undefined;
      }
      if (keys[0] === "fromEnv") {
        const found = ctx.env[ref];
        if (found === undefined || found === "") {
          ctx.problems.add(path, `environment variable ${ref} is not set`);
          return undefined;
        }
        ctx.secrets.add(found);
        return found;
      }
      try {
        const text = readSecretFile(ref, ctx.baseDir);
        ctx.secrets.add(text);
        return text;
      } catch (error) {
        ctx.problems.add(
          path,
          `cannot read secret file ${ref}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
        );
        return undefined;
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveVenueSecrets(v, ctx, [...path, k], k);
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveVenueSecrets(v, ctx, [...path, i], key));
  if (typeof value === "string" && SECRET_KEY_RE.test(key) && value.length > 0) ctx.secrets.add(value);
  return value;
}

function applyEnvOverrides(raw: Record<string, unknown>, env: Environment): void {
  if (env.OPENFLOOR_LISTEN) raw.listen = env.OPENFLOOR_LISTEN;
  if (env.DATABASE_URL) {
    raw.storage = { ...(isRecord(raw.storage) ? raw.storage : {}), url: env.DATABASE_URL };
  }
  if (env.KAFKA_BROKERS) {
    raw.recording = { ...(isRecord(raw.recording) ? raw.recording : {}), brokers: env.KAFKA_BROKERS };
  }
  if (env.OPENFLOOR_METRICS_LISTEN) {
    raw.metrics = { ...(isRecord(raw.metrics) ? raw.metrics : {}), listen: env.OPENFLOOR_METRICS_LISTEN };
  }
  if (env.OPENFLOOR_LOG_LEVEL) {
    raw.logging = { ...(isRecord(raw.logging) ? raw.logging : {}), level: env.OPENFLOOR_LOG_LEVEL };
  }
  if (isRecord(raw.strategies)) {
    for (const [id, strategy] of Object.entries(raw.strategies)) {
      const token = env[`OPENFLOOR_STRATEGY_${envKey(id)}_TOKEN`];
      if (token && isRecord(strategy)) {
        delete strategy.tokenEnv;
        delete strategy.tokenFile;
        strategy.token = token;
      }
    }
  }
}

/** Numbers that cannot be exact (1e400, 0.1 written as a float is fine for the risk parser). */
function checkFiniteNumbers(value: unknown, path: (string | number)[], problems: ProblemList): void {
  if (typeof value === "number" && !Number.isFinite(value)) {
    problems.add(path, 'expected a decimal string like "10000"');
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) checkFiniteNumbers(v, [...path, k], problems);
  }
}

function riskLimitsOf(raw: Record<string, unknown>, problems: ProblemList): RiskLimits {
  const before = problems.items.length;
  checkFiniteNumbers(raw, ["risk"], problems);
  if (problems.items.length > before) return {};
  try {
    return parseRiskLimits(raw, "risk");
  } catch (error) {
    if (!(error instanceof RiskLimitsError)) throw error;
    const key = String(error.context.key ?? "risk");
    const path = key.split(".");
    const message = error.message.startsWith(`${key}: `)
      ? error.message.slice(key.length + 2)
      : error.message;
    problems.add(path, message);
    return {};
  }
}

/** Re-reads only the risk limits of a config file (AdminService.ReloadRiskLimits). */
export function loadRiskLimits(path: string, options: LoadConfigOptions = {}): RiskLimits {
  return loadConfig(path, options).risk;
}

function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.input === undefined) return "is required";
  if (issue.code === "invalid_value") {
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return issue.message;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

interface SourceMap {
  /** The text as written in the file at `path`, and its line, when there is a node there. */
  lookup(path: readonly PropertyKey[]): { text?: string; line?: number };
}

function sourceMapOf(text: string | undefined): SourceMap {
  if (text === undefined) return { lookup: () => ({}) };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return {
    lookup(path) {
      let node: unknown = doc.contents;
      for (const part of path) {
        if (isMap(node)) node = node.get(String(part), true);
        else if (isSeq(node)) node = node.get(Number(part), true);
        else return {};
      }
      const n = node as Node | undefined;
      const range = n?.range;
      if (range === undefined || range === null) return {};
      const line = lineCounter.linePos(range[0]).line;
      return isScalar(n) ? { text: text.slice(range[0], range[1]), line } : { line };
    },
  };
}

function fail(file: string, problems: readonly Problem[], sources: SourceMap, raw: unknown): never {
  const lines = problems.map((p) => {
    const where = sources.lookup(p.path);
    const at = where.line === undefined ? file : `${file}:${where.line}`;
    let got = "";
    if (
      !p.message.startsWith("is required") &&
      !p.message.startsWith("unknown key") &&
      !/\bgot\b/.test(p.message)
    ) {
      let value: unknown = raw;
      for (const part of p.path)
        value = isRecord(value) || Array.isArray(value) ? (value as never)[part] : undefined;
      if (value !== undefined && !isRecord(value) && !Array.isArray(value)) {
        got = `, got ${where.text ?? showValue(value)}`;
      }
    }
    return `${at}: ${formatPath(p.path)}: ${p.message}${got}`;
  });
  throw new ConfigError("CONFIG_INVALID", lines.join("\n"), { context: { file, problems: lines } });
}

/**
 * Validates an already-parsed config object (the content of `gateway.yaml`), resolving secrets and
 * applying `OPENFLOOR_*` environment overrides. Errors name `file`, the key and what is allowed.
 */
export function parseConfig(
  input: unknown,
  options: LoadConfigOptions & { file?: string; baseDir?: string; text?: string } = {},
): GatewayConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? "gateway.yaml";
  const baseDir = options.baseDir ?? process.cwd();
  const sources = sourceMapOf(options.text);
  const problems = new ProblemList();
  const secrets = new Set<string>();

  const interpolated = interpolate(input ?? {}, env, [], problems);
  if (!isRecord(interpolated))
    fail(file, [{ path: [], message: "expected a mapping of settings" }], sources, input);
  applyEnvOverrides(interpolated, env);

  const parsed = gatewayFileSchema.safeParse(interpolated, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path as (string | number)[];
      if (issue.code === "unrecognized_keys") {
        const allowed =
          path.length === 0 ? `; allowed: ${Object.keys(gatewayFileSchema.shape).join(", ")}` : "";
        for (const key of issue.keys) problems.add([...path, key], `unknown key${allowed}`);
      } else {
        problems.add(path, describeIssue(issue));
      }
    }
  }
  if (!parsed.success || problems.items.length > 0) fail(file, problems.items, sources, interpolated);
  const data: GatewayFile = parsed.data;

  const venues: Record<string, { adapter: string; config: Record<string, unknown> }> = {};
  for (const [name, venue] of Object.entries(data.venues)) {
    const config = resolveVenueSecrets(venue.config, { env, baseDir, secrets, problems }, [
      "venues",
      name,
      "config",
    ]);
    venues[name] = { adapter: venue.adapter, config: isRecord(config) ? config : {} };
  }
  if (Object.keys(venues).length === 0) problems.add(["venues"], "at least one venue is required");

  const accounts: Record<string, { venue: string }> = { ...data.accounts };
  if (Object.keys(accounts).length === 0) {
    for (const name of Object.keys(venues)) accounts[name] = { venue: name };
  }
  for (const [name, account] of Object.entries(accounts)) {
    if (venues[account.venue] === undefined) {
      problems.add(
        ["accounts", name, "venue"],
        `unknown venue ${JSON.stringify(account.venue)}; configured venues: ${Object.keys(venues).join(", ")}`,
      );
    }
  }

  const strategies: StrategyConfig[] = [];
  const tokenOwners = new Map<string, string>();
  const accountNames = Object.keys(accounts);
  for (const [id, s] of Object.entries(data.strategies)) {
    const path = ["strategies", id];
    const given = [s.token, s.tokenEnv, s.tokenFile].filter((v) => v !== undefined).length;
    let token: string | undefined;
    if (given !== 1) {
      problems.add(path, "give exactly one of token, tokenEnv, tokenFile");
    } else if (s.token !== undefined) {
      token = s.token;
    } else if (s.tokenEnv !== undefined) {
      token = env[s.tokenEnv];
      if (token === undefined || token === "")
        problems.add([...path, "tokenEnv"], `environment variable ${s.tokenEnv} is not set`);
    } else if (s.tokenFile !== undefined) {
      try {
        token = readSecretFile(s.tokenFile, baseDir);
      } catch (error) {
        problems.add(
          [...path, "tokenFile"],
          `cannot read ${s.tokenFile}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
        );
      }
    }
    if (token !== undefined && token.length < 16) {
      problems.add([...path, "token"], "a token needs at least 16 characters");
      token = undefined;
    }
    if (token !== undefined) {
      const other = tokenOwners.get(token);
      if (other !== undefined)
        problems.add([...path, "token"], `the same token is already used by strategy ${other}`);
      tokenOwners.set(token, id);
      secrets.add(token);
    }
    let account = s.account;
    if (account === undefined) {
      if (accountNames.length === 1) account = accountNames[0];
      else
        problems.add(
          [...path, "account"],
          `is required when there are several accounts (${accountNames.join(", ")})`,
        );
    } else if (accounts[account] === undefined) {
      problems.add(
        [...path, "account"],
        `unknown account ${JSON.stringify(account)}; configured: ${accountNames.join(", ")}`,
      );
    }
    if (token !== undefined && account !== undefined) {
      strategies.push({ id, token, account, cancelOnDisconnect: s.cancelOnDisconnect, admin: s.admin });
    }
  }
  if (Object.keys(data.strategies).length === 0)
    problems.add(["strategies"], "at least one strategy is required");

  const risk = riskLimitsOf(data.risk, problems);

  const { mode: recordingMode, ...recordingRest } = data.recording;
  if (recordingMode === "kafka" && recordingRest.brokers.length === 0) {
    problems.add(["recording", "brokers"], "is required when recording.mode is kafka (or set KAFKA_BROKERS)");
  }
  const recording: RecordingConfig = {
    ...recordingRest,
    mode: recordingMode === "auto" ? (recordingRest.brokers.length > 0 ? "kafka" : "local") : recordingMode,
  };

  let tls: TlsConfig | undefined;
  if (data.tls !== undefined) {
    const read = (key: "cert" | "key" | "clientCa"): Buffer | undefined => {
      const path = data.tls?.[key];
      if (path === undefined) return undefined;
      try {
        return readFileSync(isAbsolute(path) ? path : resolve(baseDir, path));
      } catch (error) {
        problems.add(
          ["tls", key],
          `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
        );
        return undefined;
      }
    };
    const cert = read("cert");
    const key = read("key");
    const clientCa = read("clientCa");
    if (cert !== undefined && key !== undefined) {
      tls = { cert, key, requireClientCert: data.tls.requireClientCert, ...(clientCa ? { clientCa } : {}) };
    }
  }

  if (problems.items.length > 0) fail(file, problems.items, sources, interpolated);

  return {
    source: file,
    baseDir,
    listen: data.listen,
    ...(tls ? { tls } : {}),
    metrics: data.metrics.listen ? { listen: data.metrics.listen } : {},
    logging: data.logging,
    venues,
    accounts,
    strategies,
    risk,
    tradingState: data.tradingState,
    killSwitch: data.killSwitch,
    marketData: data.marketData,
    recording,
    storage: data.storage,
    secrets: [...secrets, ...databasePasswords(data.storage.url)],
  };
}

/**
 * Reads and validates `gateway.yaml`. Relative paths inside it (secret files, TLS files) are
 * resolved against the file's directory.
 * @example const config = loadConfig("gateway.yaml");
 */
export function loadConfig(path: string, options: LoadConfigOptions = {}): GatewayConfig {
  const file = basename(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      "CONFIG_NOT_FOUND",
      `${path}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      {
        context: { file: path },
      },
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      return `${file}:${pos.line}:${pos.col}: ${e.message.split("\n")[0]}`;
    });
    throw new ConfigError("CONFIG_INVALID", lines.join("\n"), { context: { file: path, problems: lines } });
  }
  return parseConfig(doc.toJS({ maxAliasCount: 100 }), {
    ...options,
    file,
    baseDir: dirname(resolve(path)),
    text,
  });
}

/** The simulated venue of the development defaults: two synthetic spot markets and funded balances. */
const DEV_SIM_VENUE = {
  account: "main",
  instruments: [
    {
      symbol: "BTC/USDT",
      base: "BTC",
      quote: "USDT",
      priceIncrement: "0.01",
      sizeIncrement: "0.0001",
      makerFee: "0.0002",
      takerFee: "0.0005",
      market: { startPrice: "50000" },
    },
    {
      symbol: "ETH/USDT",
      base: "ETH",
      quote: "USDT",
      priceIncrement: "0.01",
      sizeIncrement: "0.001",
      makerFee: "0.0002",
      takerFee: "0.0005",
      market: { startPrice: "3000" },
    },
  ],
  balances: { USDT: "1000000", BTC: "10", ETH: "100" },
};

/** Options for the built-in development config. */
/** The password in a database URL is a secret: logs and errors must never show it. */
function databasePasswords(url: string | undefined): string[] {
  if (url === undefined) return [];
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === "" ? [url] : [password, url];
  } catch {
    return [url];
  }
}

export interface DefaultConfigOptions extends LoadConfigOptions {
  /** gRPC listen address. Default `127.0.0.1:7400`; port 0 picks a free port. @example { host: "127.0.0.1", port: 0 } */
  listen?: ListenAddress;
  /** Token of the default strategy. Default: 32 random bytes, hex (development only). */
  token?: string;
  /** Audit store. Default `{ mode: "none" }` (tests, embedding); the CLI passes `{ mode: "auto" }`. */
  storage?: {
    mode: "auto" | "postgres" | "embedded" | "none";
    url?: string;
    dataDir?: string;
    gatewayId?: string;
  };
  /**
   * Recording. Default `{ mode: "off" }` (tests, embedding) unless env KAFKA_BROKERS is set; the CLI
   * passes `{ mode: "auto" }` (Kafka with KAFKA_BROKERS, else the segment log in `.openfloor/`).
   */
  recording?: { mode: RecordingMode; brokers?: readonly string[]; dataDir?: string };
}

/**
 * The config used when there is no `gateway.yaml`: the simulated venue on a synthetic market
 * (BTC/USDT and ETH/USDT), one admin strategy `default` with a generated token, loopback only.
 */
export function defaultConfig(options: DefaultConfigOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const token = options.token ?? env.OPENFLOOR_STRATEGY_DEFAULT_TOKEN ?? randomBytes(32).toString("hex");
  const config = parseConfig(
    {
      listen: options.listen ? `${options.listen.host}:${options.listen.port}` : "127.0.0.1:7400",
      venues: { sim: { adapter: "sim", config: DEV_SIM_VENUE } },
      accounts: { main: { venue: "sim" } },
      strategies: { default: { token, admin: true } },
      storage: options.storage ?? { mode: "none" },
      ...(options.recording === undefined ? {} : { recording: { ...options.recording } }),
    },
    {
      ...options,
      env: options.listen ? { ...env, OPENFLOOR_LISTEN: undefined } : env,
      file: "built-in defaults",
    },
  );
  return { ...config, devToken: token };
}
