import { readFileSync, writeFileSync } from "node:fs";
import { isOpenfloorError } from "@openfloor/core";
import { Command, InvalidArgumentError, Option } from "commander";
import { pino } from "pino";
import { type BacktestOptions, type BacktestResult, runBacktest } from "../backtest/run-backtest.js";
import type { BacktestInstrument, BacktestVenueOptions } from "../backtest/venue-config.js";
import { SdkError } from "../errors/sdk-errors.js";
import { runStrategy } from "../strategy/runner.js";
import { loadStrategy } from "./load-strategy.js";
import { sdkVersion } from "./package-info.js";
import { ProgressBar } from "./progress-bar.js";
import { scaffoldStrategyRepo } from "./scaffold.js";
import { formatSummary } from "./summary.js";
import { liveTransport, marketDataFeed } from "./transports.js";

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

interface RunFlags {
  gateway: string;
  token?: string;
  inProcess?: boolean;
  config?: string;
  marketData?: string;
}

interface BacktestFlags {
  data?: string[];
  from?: string;
  to?: string;
  seed?: number;
  instrument?: string;
  config?: string;
  latency?: number;
  json?: string;
  progress: boolean;
}

/**
 * The commands of `@openfloor/analytics` that `openfloor` mounts. The package is an optional peer
 * dependency (DuckDB is a native module a strategy node need not carry): it is loaded only when one of
 * these commands runs.
 */
const ANALYTICS_COMMANDS: Readonly<Record<string, string>> = {
  ingest: "ingest recorded topics (Kafka or the local log) and the audit store into the Parquet lake",
  report: "self-contained HTML report (and JSON) of a strategy over a period",
  "tax-lots": "realized gains per lot and per year as CSV",
  monitor: "live PnL, drawdown, exposure, order rates and risk alerts: terminal and web page",
  synthetic: "write a synthetic lake (DuckDB generators) to try reports on",
};

type RegisterCommands = (program: Command) => Command;

/**
 * The `openfloor` command line: `backtest`, `run` and `new`, and the analytics commands (`report`,
 * `monitor`, `ingest`, `tax-lots`, `synthetic`): with `analytics` their real definitions, else entries
 * that only describe them (for `--help`).
 */
export function buildProgram(io: CliIo, analytics?: RegisterCommands): Command {
  const program = new Command("openfloor")
    .description("openfloor: run trading strategies in backtests, on paper and live")
    .version(sdkVersion())
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  program
    .command("backtest")
    .description("run a strategy (a TypeScript file default-exporting a Strategy subclass) in a backtest")
    .argument("<strategy>", "the strategy file, e.g. ./src/strategy.ts")
    .option(
      "--data <file|synthetic>",
      "market data: a .csv/.jsonl(.gz) file, or synthetic (repeat to merge files)",
      collect,
    )
    .option("--from <time>", "start: ISO 8601 time or ns since the epoch (default: first event)")
    .option("--to <time>", "end: ISO 8601 time or ns since the epoch (default: end of data)")
    .option("--seed <n>", "seed of synthetic markets and latency jitter (default 1)", integer)
    .option("--instrument <id>", "instrument of CSV rows without an instrument column, e.g. BTC/USDT:sim")
    .option("--config <file.json>", "backtest settings: { instruments, venue, seed, reportCurrency }")
    .option("--latency <ms>", "one-way latency between gateway and venue, in ms", number)
    .option("--json <file>", "also write the summary (PnL, orders, fills, equity) as JSON")
    .option("--no-progress", "no progress bar")
    .action(async (file: string, flags: BacktestFlags) => {
      await backtestCommand(file, flags, io);
    });

  program
    .command("run")
    .description(
      "run a strategy live: against a gateway sidecar over gRPC, or with --in-process next to an embedded gateway",
    )
    .argument("<strategy>", "the strategy file, e.g. ./src/strategy.ts")
    .addOption(
      new Option("--gateway <host:port>", "address of the gateway")
        .env("OPENFLOOR_GATEWAY")
        .default("127.0.0.1:7400"),
    )
    .addOption(new Option("--token <token>", "the strategy's token at the gateway").env("OPENFLOOR_TOKEN"))
    .option("--in-process", "embed the gateway in this process (simulated venue unless --config)")
    .option("--config <gateway.yaml>", "with --in-process: the gateway config to embed")
    .addOption(
      new Option(
        "--market-data <url>",
        "take market data from the gateway's Kafka topics instead: kafka://host:port[,host:port][?prefix=openfloor.&from=latest]",
      ).env("OPENFLOOR_MARKET_DATA"),
    )
    .action(async (file: string, flags: RunFlags) => {
      await runCommand(file, flags, io);
    });

  program
    .command("new")
    .description("create a strategy repository: package.json, tsconfig, a strategy, a backtest test, README")
    .argument("<name>", "directory (and package name) to create")
    .action((name: string) => {
      const files = scaffoldStrategyRepo(name);
      io.stdout.write(
        `Created ${name}/ with ${files.join(", ")}\n\nNext:\n  cd ${name}\n  npm install\n  npm test\n  npx openfloor backtest src/strategy.ts\n`,
      );
    });

  if (analytics !== undefined) {
    analytics(program);
  } else {
    for (const [name, description] of Object.entries(ANALYTICS_COMMANDS)) {
      program
        .command(name)
        .description(`${description} (@openfloor/analytics)`)
        .allowUnknownOption()
        .allowExcessArguments()
        .action(async () => {
          await loadAnalytics();
        });
    }
  }
  return program;
}

/** `registerAnalyticsCommands` of `@openfloor/analytics/cli`; an error saying how to install it when missing. */
async function loadAnalytics(): Promise<RegisterCommands> {
  try {
    const mod = (await import("@openfloor/analytics/cli")) as { registerAnalyticsCommands: RegisterCommands };
    return mod.registerAnalyticsCommands;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code !== "ERR_MODULE_NOT_FOUND" || !e.message.includes("'@openfloor/analytics")) throw error;
    throw new SdkError(
      "INVALID_ARGUMENT",
      "report, monitor, ingest, tax-lots and synthetic come with @openfloor/analytics: install it next to @openfloor/sdk (npm install @openfloor/analytics)",
      { cause: error, context: { package: "@openfloor/analytics" } },
    );
  }
}

/** Runs the CLI; resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let program: Command;
  try {
    const command = argv[2];
    const analytics =
      command !== undefined && Object.hasOwn(ANALYTICS_COMMANDS, command) ? await loadAnalytics() : undefined;
    program = buildProgram(io, analytics).exitOverride();
  } catch (error) {
    io.stderr.write(`openfloor: ${describe(error)}\n`);
    return 1;
  }
  try {
    await program.parseAsync(argv as string[], { from: "node" });
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help")
      return 0;
    if (typeof code === "string" && code.startsWith("commander.")) return 2;
    io.stderr.write(`openfloor: ${describe(error)}\n`);
    return 1;
  }
}

async function backtestCommand(file: string, flags: BacktestFlags, io: CliIo): Promise<void> {
  const loaded = await loadStrategy(file);
  const defaults = loaded.backtestDefaults ?? {};
  const config = flags.config === undefined ? {} : readConfig(flags.config);
  const pick = <T>(key: string): T | undefined => (config[key] ?? defaults[key]) as T | undefined;
  const given = flags.data ?? pick<string | string[]>("data") ?? "synthetic";
  const data = Array.isArray(given) && given.length === 1 ? given[0]! : given;
  if (Array.isArray(data) && data.includes("synthetic")) {
    throw new InvalidArgumentError("--data synthetic cannot be merged with data files");
  }
  const venue: BacktestVenueOptions = { ...(pick<BacktestVenueOptions>("venue") ?? {}) };
  if (flags.latency !== undefined) venue.latency = { fixedMs: flags.latency };
  const instruments = pick<BacktestInstrument[]>("instruments");
  const from = flags.from ?? pick<string>("from");
  const to = flags.to ?? pick<string>("to");
  const seed = flags.seed ?? pick<number>("seed");
  const reportCurrency = pick<string>("reportCurrency");
  const bar = flags.progress && io.stderr.isTTY ? new ProgressBar(io.stderr) : undefined;
  const options: BacktestOptions = {
    strategy: loaded.create(),
    data: Array.isArray(data) ? data : data === "synthetic" ? "synthetic" : data,
    venue,
    ...(instruments === undefined ? {} : { instruments }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(seed === undefined ? {} : { seed }),
    ...(reportCurrency === undefined ? {} : { reportCurrency }),
    ...(flags.instrument === undefined ? {} : { dataInstrument: flags.instrument }),
    ...(bar === undefined ? {} : { onProgress: (p) => bar.update(p) }),
  };
  let result: BacktestResult;
  try {
    result = await runBacktest(options);
  } finally {
    bar?.done();
  }
  const dataName = Array.isArray(data) ? data.join(" + ") : data;
  io.stdout.write(formatSummary(result, `${loaded.name} (${file})`, dataName));
  if (flags.json !== undefined) writeFileSync(flags.json, `${JSON.stringify(resultJson(result), null, 2)}\n`);
}

async function runCommand(file: string, flags: RunFlags, io: CliIo): Promise<void> {
  if (flags.config !== undefined && flags.inProcess !== true) {
    throw new SdkError(
      "INVALID_ARGUMENT",
      "--config <gateway.yaml> configures an embedded gateway: add --in-process",
      {
        context: { flag: "--config" },
      },
    );
  }
  const factory = liveTransport(flags.inProcess === true ? "in-process" : "grpc");
  const marketData =
    flags.marketData === undefined || flags.marketData === "" ? undefined : marketDataFeed(flags.marketData);
  const loaded = await loadStrategy(file);
  const strategy = loaded.create();
  const logger = pino({ name: "openfloor" }, io.stderr);
  const transport = await factory({
    gateway: flags.gateway,
    token: flags.token,
    strategyId: strategy.id,
    logger,
    config: flags.config,
  });
  const running = await runStrategy(strategy, transport, {
    logger,
    ...(marketData === undefined ? {} : { marketData }),
  });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await running.stop();
}

function readConfig(path: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("expected a JSON object");
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new InvalidArgumentError(`--config ${path}: ${(error as Error).message}`);
  }
}

/** The result as plain JSON: decimals and times as strings. */
function resultJson(r: BacktestResult): unknown {
  return JSON.parse(
    JSON.stringify(
      {
        strategyId: r.strategyId,
        fromNs: r.fromNs,
        toNs: r.toNs,
        events: r.events,
        eventsPerSecond: Math.round(r.eventsPerSecond),
        wallTimeMs: Math.round(r.wallTimeMs),
        pnl: r.pnl,
        pnlByCurrency: r.pnlByCurrency,
        maxDrawdown: r.maxDrawdown,
        orders: r.orders.length,
        fills: r.fills,
        positions: r.positions,
        equity: r.equity,
        openOrders: r.openOrders,
        strategyErrorCount: r.strategyErrorCount,
      },
      (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
    ),
  );
}

function describe(error: unknown): string {
  if (isOpenfloorError(error)) return error.message;
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError("expected an integer");
  return n;
}

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a non-negative number");
  return n;
}
