import { existsSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { ConfigError } from "../config/config-error.js";
import { defaultConfig, type GatewayConfig, loadConfig } from "../config/load-config.js";
import { type ListenAddress, parseListenAddress } from "../config/schema.js";
import { createGateway, GATEWAY_VERSION } from "../gateway.js";
import { createGatewayLogger } from "../metrics/gateway-logger.js";
import { RecordingError } from "../recording/recording-error.js";
import { type AuditOptions, runAuditExport, runAuditVerify } from "./audit-commands.js";
import {
  type AggregatorCommandOptions,
  DEFAULT_RECORDING_DATA_DIR,
  type RecordReplayCommandOptions,
  runAggregatorCommand,
  runRecordReplayCommand,
} from "./recording-commands.js";

function listenOption(value: string): ListenAddress {
  const parsed = parseListenAddress(value);
  if (parsed === undefined)
    throw new InvalidArgumentError('expected host:port, e.g. "127.0.0.1:7400" (port 0 = any free port)');
  return parsed;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

interface StartOptions {
  config?: string;
  /** false (--no-audit): run without the audit store (development only). */
  audit?: boolean;
  /** false (--no-record): record nothing (without a config the gateway records to .openfloor/recording). */
  record?: boolean;
  listen?: ListenAddress;
  metrics?: ListenAddress;
}

/** Loads the config the way `start` does: --config, else ./gateway.yaml, else the built-in defaults. */
export function resolveConfig(options: StartOptions, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const path = options.config ?? (existsSync("gateway.yaml") ? "gateway.yaml" : undefined);
  let config =
    path === undefined
      ? defaultConfig({
          env,
          ...(options.listen ? { listen: options.listen } : {}),
          // The working default keeps an audit trail: DATABASE_URL if set, else embedded PostgreSQL.
          storage: {
            mode: options.audit === false ? "none" : "auto",
            ...(env.DATABASE_URL ? { url: env.DATABASE_URL } : {}),
          },
          // ... and a recording: Kafka when KAFKA_BROKERS is set, else the segment log in .openfloor/.
          recording: { mode: options.record === false ? "off" : "auto" },
        })
      : loadConfig(path, { env });
  if (options.listen) config = { ...config, listen: options.listen };
  if (options.metrics) config = { ...config, metrics: { listen: options.metrics } };
  return config;
}

async function start(options: StartOptions): Promise<void> {
  const config = resolveConfig(options);
  const gateway = createGateway(config);
  const addresses = await gateway.start();
  if (config.devToken !== undefined) {
    process.stderr.write(
      [
        "",
        "  openfloor gateway is running on built-in DEVELOPMENT defaults (simulated venue, synthetic market).",
        `  gRPC:   ${addresses.grpc ?? "off"}${addresses.metrics ? `   metrics: http://${addresses.metrics}/metrics` : ""}`,
        `  token of strategy "default" (development only; never use these defaults with real money):`,
        `  ${config.devToken}`,
        "  Configure venues, strategies and tokens in gateway.yaml for anything else.",
        "",
      ].join("\n"),
    );
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.logger.info({ signal }, "shutdown requested");
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        gateway.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

/** The `openfloor-gateway` command line. */
export function gatewayCommand(): Command {
  const program = new Command("openfloor-gateway")
    .description("The openfloor gateway sidecar: venues, orders, risk and market data over gRPC")
    .version(GATEWAY_VERSION);
  program
    .command("start")
    .description("start the gateway (without a config: simulated venue, synthetic market, 127.0.0.1:7400)")
    .option(
      "-c, --config <file>",
      "gateway.yaml to load (default: ./gateway.yaml if present, else built-in defaults)",
    )
    .option(
      "-l, --listen <host:port>",
      "gRPC listen address, overrides the config and OPENFLOOR_LISTEN",
      listenOption,
    )
    .option("-m, --metrics <host:port>", "serve Prometheus /metrics on this address", listenOption)
    .option("--no-audit", "run without the Postgres audit store (development only: orders are not durable)")
    .option(
      "--no-record",
      "record nothing (default without a config: KAFKA_BROKERS, else .openfloor/recording)",
    )
    .action((options: StartOptions) => start(options));
  const record = program.command("record").description("work with the local recording");
  record
    .command("replay")
    .description("forward a local segment log to Kafka, each record once (resumes after earlier replays)")
    .option("--from <dir>", "gateway data directory or segment log directory", DEFAULT_RECORDING_DATA_DIR)
    .option("--to <brokers>", "Kafka brokers host:port[,host:port] (default: KAFKA_BROKERS)")
    .option(
      "--from-start",
      "forget earlier replays and forward the whole log again (e.g. to another cluster)",
    )
    .option("--batch <n>", "records per produce request", positiveInt, 2000)
    .action(async (options: RecordReplayCommandOptions) => {
      await runRecordReplayCommand(options);
    });
  program
    .command("aggregator")
    .description(
      "run the global position and risk aggregator over every gateway's fills until SIGINT/SIGTERM",
    )
    .option("--brokers <list>", "Kafka brokers host:port[,host:port] (default: KAFKA_BROKERS)")
    .option("--limits <file>", "aggregator.yaml: instruments, limits, rates, group (flags override it)")
    .option("--max-gross-exposure <amount>", "global gross exposure limit, report currency")
    .option("--max-daily-loss <amount>", "global daily loss limit, report currency")
    .option("--on-breach <state>", "state while exposure is over the limit: reducing-only or halted")
    .option("--group <id>", "consumer group (default openfloor-aggregator)")
    .option("--instance-id <id>", "static member id of this instance")
    .option("--log-every-ms <ms>", "how often positions are logged", positiveInt, 10_000)
    .action(async (options: AggregatorCommandOptions) => {
      if (
        options.onBreach !== undefined &&
        options.onBreach !== "reducing-only" &&
        options.onBreach !== "halted"
      ) {
        throw new Error(
          `--on-breach: expected reducing-only or halted, got ${JSON.stringify(options.onBreach)}`,
        );
      }
      await runAggregatorCommand(
        options,
        createGatewayLogger({ level: process.env.OPENFLOOR_LOG_LEVEL ?? "info" }),
      );
    });
  const audit = program.command("audit").description("check and export the audit trail");
  audit
    .command("verify")
    .description("recompute every gateway's audit hash chain and print the first broken row, if any")
    .option(
      "-c, --config <file>",
      "gateway.yaml whose storage section to use (default ./gateway.yaml if present)",
    )
    .option("--database-url <url>", "PostgreSQL to check (default: DATABASE_URL, else the embedded store)")
    .action(async (options: AuditOptions) => {
      const code = await runAuditVerify(options);
      process.exitCode = code;
    });
  audit
    .command("export")
    .description("write a period's audit trail, with its hashes, to CSV or Parquet")
    .requiredOption("-o, --out <file>", "output file")
    .option("-f, --format <csv|parquet>", "file format", "csv")
    .option("--from <time>", "start (ISO 8601 or ns since the epoch), inclusive")
    .option("--to <time>", "end (ISO 8601 or ns since the epoch), exclusive")
    .option("-c, --config <file>", "gateway.yaml whose storage section to use")
    .option("--database-url <url>", "PostgreSQL to read (default: DATABASE_URL, else the embedded store)")
    .action(async (options: AuditOptions & { out: string; format: string; from?: string; to?: string }) => {
      await runAuditExport(options);
    });
  program
    .command("check-config")
    .description("validate a gateway.yaml and print a summary")
    .requiredOption("-c, --config <file>", "gateway.yaml to check")
    .action((options: { config: string }) => {
      const config = loadConfig(options.config);
      process.stdout.write(
        `${options.config}: ok — ${Object.keys(config.venues).length} venue(s), ${config.strategies.length} strategy(ies), listen ${config.listen.host}:${config.listen.port}\n`,
      );
    });
  return program;
}

/** Runs the CLI; config errors print their message (file, key, what is allowed) and exit with status 2. */
export async function runGatewayCli(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await gatewayCommand().parseAsync([...argv]);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`openfloor-gateway: invalid config\n${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof RecordingError) {
      process.stderr.write(`openfloor-gateway: ${error.code}: ${error.message}\n`);
      process.exit(3);
    }
    process.stderr.write(`openfloor-gateway: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
