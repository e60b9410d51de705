import { type Logger as PinoLogger, pino } from "pino";
import type { Scrubber } from "../server/status-map.js";

/** Keys whose values pino replaces with "[REDACTED]" wherever they appear (up to four levels deep). */
const SECRET_KEYS = [
  "apiKey",
  "api_key",
  "secret",
  "password",
  "passphrase",
  "privateKey",
  "token",
  "authorization",
  "cookie",
  "uid",
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of SECRET_KEYS) {
    paths.push(key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`);
  }
  return paths;
}

/**
 * Replaces every known secret value with "[REDACTED]". Secrets shorter than 4 characters are
 * ignored (they would blank out ordinary text).
 */
export function secretScrubber(secrets: readonly string[]): Scrubber {
  const values = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const value of values) {
      if (out.includes(value)) out = out.replaceAll(value, "[REDACTED]");
    }
    return out;
  };
}

/** Where log lines go; default stdout. */
export interface LogDestination {
  write(line: string): void;
}

export interface GatewayLoggerOptions {
  /** pino level. Default "info". */
  level?: string;
  /** Secret values to scrub from every line, whatever key they sit under or message they are in. */
  secrets?: readonly string[];
  /** Default: process.stdout. */
  destination?: LogDestination;
}

/**
 * A pino logger that redacts secret-looking keys by path and, as a second net, scrubs every known
 * secret value from each finished line before it is written.
 */
export function createGatewayLogger(options: GatewayLoggerOptions = {}): PinoLogger {
  const scrub = secretScrubber(options.secrets ?? []);
  const out = options.destination ?? process.stdout;
  const stream = { write: (line: string) => out.write(scrub(line)) };
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "openfloor-gateway" },
      redact: { paths: redactPaths(), censor: "[REDACTED]" },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    stream,
  );
}
