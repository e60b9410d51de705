import { isOpenfloorError } from "@openfloor/core";
import { Command, InvalidArgumentError, Option } from "commander";
import { buildAggregates } from "../aggregates/build-aggregates.js";
import { ingestAudit } from "../ingest/audit-export.js";
import { ingest, rebuildAggregates } from "../ingest/ingest.js";
import { kafkaSource } from "../ingest/kafka-source.js";
import { segmentLogSource } from "../ingest/segment-log-source.js";
import type { MonitorSource } from "../monitor/live-sources.js";
import { runMonitor } from "../monitor/run-monitor.js";
import { buildReport } from "../report/build-report.js";
import { exportTaxLots } from "../tax-lots/tax-lots.js";
import { generateSyntheticLake } from "../testing/synthetic-lake.js";

const list = (value: string): string[] =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
const int = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("expected an integer");
  return n;
};
const float = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError("expected a number");
  return n;
};
const out = (line: string) => process.stdout.write(`${line}\n`);

interface IngestFlags {
  lake: string;
  kafka?: string[];
  topicPrefix?: string;
  log?: string;
  audit?: string;
  sourceId?: string;
  batchRows?: number;
  aggregates: boolean;
}

async function ingestCommand(o: IngestFlags): Promise<void> {
  if (o.kafka === undefined && o.log === undefined && o.audit === undefined) {
    throw new InvalidArgumentError(
      "say what to ingest: --kafka <brokers>, --log <dir> and/or --audit <postgres url>",
    );
  }
  if (o.kafka !== undefined) {
    const r = await ingest({
      lake: o.lake,
      source: kafkaSource({
        brokers: o.kafka,
        ...(o.topicPrefix === undefined ? {} : { topicPrefix: o.topicPrefix }),
        ...(o.sourceId === undefined ? {} : { id: o.sourceId }),
      }),
      ...(o.batchRows === undefined ? {} : { batchRows: o.batchRows }),
      aggregates: false,
    });
    out(`kafka: ${r.records} records (${r.rejected} rejected) into ${r.parts.length} parts of ${o.lake}`);
  }
  if (o.log !== undefined) {
    const r = await ingest({
      lake: o.lake,
      source: segmentLogSource({ dir: o.log, ...(o.sourceId === undefined ? {} : { id: o.sourceId }) }),
      ...(o.batchRows === undefined ? {} : { batchRows: o.batchRows }),
      aggregates: false,
    });
    out(
      `log ${o.log}: ${r.records} records (${r.rejected} rejected) into ${r.parts.length} parts of ${o.lake}`,
    );
  }
  if (o.audit !== undefined) {
    const r = await ingestAudit({ lake: o.lake, database: o.audit, aggregates: false });
    const rows =
      Object.entries(r.rows)
        .map(([t, n]) => `${n} ${t}`)
        .join(", ") || "nothing new";
    out(`audit store: ${rows} (${r.rejected} rejected)`);
  }
  if (o.aggregates) {
    const { aggregates, aggregatesError } = await rebuildAggregates(o.lake, true);
    if (aggregatesError !== undefined) {
      // what was ingested is committed; reports read the raw parts (and name the problem) meanwhile
      process.stderr.write(
        `warning [${aggregatesError.code}]: aggregates not rebuilt: ${aggregatesError.message}\n`,
      );
      process.exitCode = 2;
    } else if (aggregates?.built) {
      out(`aggregates: ${aggregates.strategies} strategies in ${(aggregates.ms / 1000).toFixed(1)} s`);
    }
  }
}

async function aggregatesCommand(o: { lake: string; force: boolean; threads?: number }): Promise<void> {
  const r = await buildAggregates({
    lake: o.lake,
    force: o.force,
    ...(o.threads === undefined ? {} : { threads: o.threads }),
  });
  out(
    r.built
      ? `aggregates: ${r.strategies} strategies in ${(r.ms / 1000).toFixed(1)} s`
      : "aggregates: current, nothing to do",
  );
}

interface ReportFlags {
  lake: string;
  strategy: string;
  from: string;
  to: string;
  out: string;
  periodMs?: number;
  periodsPerYear?: number;
  riskFree?: number;
  capital?: string;
  decisionPrice?: string;
  threads?: number;
  aggregates: boolean;
}

async function reportCommand(o: ReportFlags): Promise<void> {
  const r = await buildReport({
    lake: o.lake,
    strategy: o.strategy,
    from: o.from,
    to: o.to,
    out: o.out,
    ...(o.periodMs === undefined ? {} : { periodMs: o.periodMs }),
    ...(o.periodsPerYear === undefined ? {} : { periodsPerYear: o.periodsPerYear }),
    ...(o.riskFree === undefined ? {} : { riskFreeRate: o.riskFree }),
    ...(o.capital === undefined ? {} : { capital: o.capital }),
    ...(o.decisionPrice === undefined ? {} : { decisionPriceName: o.decisionPrice }),
    ...(o.threads === undefined ? {} : { threads: o.threads }),
    useAggregates: o.aggregates,
    onPlan: (p) => {
      if (p.source === "lake" && o.aggregates) out(`note: computed from the raw lake parts: ${p.reason}`);
    },
  });
  out(`report: ${r.html}\nnumbers: ${r.json}`);
  out(
    `net PnL ${r.metrics.pnl.net}, Sharpe ${r.metrics.returns.sharpe?.toFixed(2) ?? "–"}, ${r.metrics.activity.fills} fills`,
  );
  for (const w of r.metrics.warnings) out(`warning: ${w}`);
}

interface MonitorFlags {
  kafka?: string[];
  topicPrefix?: string;
  log?: string;
  strategy?: string;
  port: number;
  host: string;
  terminal: boolean;
  near: number;
  maxGrossExposure?: string;
  maxNetExposure?: string;
  maxDailyLoss?: string;
  maxDrawdown?: string;
  maxOrdersPerSecond?: number;
}

async function monitorCommand(o: MonitorFlags): Promise<void> {
  let source: MonitorSource;
  if (o.kafka !== undefined)
    source = {
      kafka: { brokers: o.kafka, ...(o.topicPrefix === undefined ? {} : { topicPrefix: o.topicPrefix }) },
    };
  else if (o.log !== undefined)
    source = { logDir: o.log, ...(o.topicPrefix === undefined ? {} : { topicPrefix: o.topicPrefix }) };
  else throw new InvalidArgumentError("say what to follow: --kafka <brokers> or --log <dir>");
  const limits = {
    ...(o.maxGrossExposure === undefined ? {} : { maxGrossExposure: o.maxGrossExposure }),
    ...(o.maxNetExposure === undefined ? {} : { maxNetExposure: o.maxNetExposure }),
    ...(o.maxDailyLoss === undefined ? {} : { maxDailyLoss: o.maxDailyLoss }),
    ...(o.maxDrawdown === undefined ? {} : { maxDrawdown: o.maxDrawdown }),
    ...(o.maxOrdersPerSecond === undefined ? {} : { maxOrdersPerSecond: o.maxOrdersPerSecond }),
  };
  const monitor = await runMonitor({
    source,
    ...(o.strategy === undefined ? {} : { strategy: o.strategy }),
    port: o.port,
    host: o.host,
    terminal: o.terminal && process.stdout.isTTY === true,
    nearFraction: o.near,
    limits,
  });
  if (!(o.terminal && process.stdout.isTTY)) out(`monitor: ${monitor.url ?? "(no web page)"}`);
  const stop = () => void monitor.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

/**
 * Adds `ingest`, `aggregates`, `report`, `tax-lots`, `monitor` and `synthetic` to a commander program (the SDK's
 * `openfloor` CLI mounts them so users run `openfloor report …` and `openfloor monitor …`).
 * @example registerAnalyticsCommands(new Command("openfloor")).parseAsync()
 */
export function registerAnalyticsCommands(program: Command): Command {
  program
    .command("ingest")
    .description("ingest recorded topics (Kafka or the local log) and the audit store into the Parquet lake")
    .requiredOption("--lake <dir>", "lake directory")
    .option("--kafka <brokers>", "comma-separated Kafka brokers", list)
    .option("--topic-prefix <prefix>", "topic prefix", "openfloor.")
    .option("--log <dir>", "local segment log directory")
    .option("--audit <url>", "Postgres URL of the audit store (orders, order events, fills)")
    .option("--source-id <id>", "checkpoint name of the Kafka or log source")
    .option("--batch-rows <n>", "rows per Parquet batch", int)
    .option("--no-aggregates", "do not rebuild the per-day aggregates reports read")
    .action(ingestCommand);
  program
    .command("aggregates")
    .description("rebuild the per-day aggregates reports read (ingest does it; skipped when current)")
    .requiredOption("--lake <dir>", "lake directory")
    .option("--force", "rebuild even when current", false)
    .option("--threads <n>", "DuckDB threads", int)
    .action(aggregatesCommand);
  program
    .command("report")
    .description("self-contained HTML report (and JSON) of a strategy over a period")
    .requiredOption("--lake <dir>", "lake directory")
    .requiredOption("--strategy <id>", "strategy id")
    .requiredOption("--from <time>", "start, inclusive (YYYY-MM-DD or ISO time)")
    .requiredOption("--to <time>", "end, exclusive (YYYY-MM-DD or ISO time)")
    .requiredOption("--out <file>", "HTML file; the JSON goes next to it")
    .option("--period-ms <ms>", "period of the equity curve (default one day)", int)
    .option("--periods-per-year <n>", "annualization (default 365 for daily periods)", float)
    .option("--risk-free <rate>", "annual risk-free rate, e.g. 0.04 (default 0)", float)
    .option("--capital <amount>", "capital returns are measured on (default: peak position value)")
    .option("--decision-price <name>", "strategy record holding decision prices", "decision_price")
    .option("--threads <n>", "DuckDB threads", int)
    .option("--no-aggregates", "compute from the raw lake only (same numbers, slower)")
    .action(reportCommand);
  program
    .command("tax-lots")
    .description("realized gains per lot and per year as CSV")
    .requiredOption("--lake <dir>", "lake directory")
    .requiredOption("--out <file>", "CSV of lots; the per-year CSV goes next to it")
    .option("--strategy <id>", "only this strategy")
    .addOption(
      new Option("--method <method>", "lot matching").choices(["fifo", "lifo", "hifo"]).default("fifo"),
    )
    .option("--from <time>", "lots closed from")
    .option("--to <time>", "lots closed before")
    .action(
      async (o: {
        lake: string;
        out: string;
        strategy?: string;
        method: "fifo" | "lifo" | "hifo";
        from?: string;
        to?: string;
      }) => {
        const r = await exportTaxLots(o);
        out(`${r.lots.length} lots, ${r.years.length} year rows: ${r.files.join(", ")}`);
      },
    );
  program
    .command("monitor")
    .description("live PnL, drawdown, exposure, order rates and risk alerts: terminal and web page")
    .option("--kafka <brokers>", "comma-separated Kafka brokers", list)
    .option("--log <dir>", "local segment log directory to tail")
    .option("--topic-prefix <prefix>", "topic prefix")
    .option("--strategy <id>", "only this strategy")
    .option("--port <port>", "web page port (0 = any free port)", int, 8787)
    .option("--host <host>", "web page interface", "127.0.0.1")
    .option("--no-terminal", "no terminal dashboard")
    .option("--near <fraction>", "alert at this share of a limit", float, 0.8)
    .option("--max-gross-exposure <amount>", "per account")
    .option("--max-net-exposure <amount>", "per account")
    .option("--max-daily-loss <amount>", "per account")
    .option("--max-drawdown <amount>", "per strategy")
    .option("--max-orders-per-second <n>", "per strategy", float)
    .action(monitorCommand);
  program
    .command("synthetic")
    .description("write a synthetic lake (DuckDB generators) to try reports on")
    .requiredOption("--lake <dir>", "lake directory")
    .option("--quotes <n>", "quotes", int, 1_000_000)
    .option("--fills <n>", "fills", int, 200_000)
    .option("--days <n>", "days from 2024-03-01", int, 10)
    .action(async (o: { lake: string; quotes: number; fills: number; days: number }) => {
      const counts = await generateSyntheticLake(o);
      out(`${JSON.stringify(counts)} written to ${o.lake}; strategy "bench" from 2024-03-01`);
      await aggregatesCommand({ lake: o.lake, force: true });
    });
  return program;
}

/** The `openfloor-analytics` command line. */
export function analyticsCommand(): Command {
  return registerAnalyticsCommands(
    new Command("openfloor-analytics").description("openfloor post-trade analytics and live monitoring"),
  );
}

/** Runs the CLI; typed errors print their code and message, exit code 2. */
export async function runAnalyticsCli(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await analyticsCommand().parseAsync([...argv]);
  } catch (e) {
    if (isOpenfloorError(e)) {
      process.stderr.write(`error [${e.code}]: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (e instanceof InvalidArgumentError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}
