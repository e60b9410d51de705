import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { buildReport, ingest, kafkaSource, type ReportResult, segmentLogSource } from "@openfloor/analytics";
import { type Logger, silentLogger } from "@openfloor/core";
import { MarketMaker } from "@openfloor/example-market-maker";
import { createGateway, type Gateway, type GatewayConfig, parseConfig } from "@openfloor/gateway";
import { runStrategy } from "@openfloor/sdk";
import { InProcessTransport } from "@openfloor/sdk/in-process";
import { DemoTally } from "./demo-tally.js";

/** Options of `runDemo`. */
export interface DemoOptions {
  /** How long the market maker trades, ms. Default 60000. */
  readonly durationMs?: number;
  /** Where the demo keeps its embedded PostgreSQL, recording log, lake and reports. Default ".openfloor/demo". */
  readonly dataDir?: string;
  /** Kafka bootstrap brokers; the recording goes there instead of the local log. Default: none (local log). */
  readonly kafkaBrokers?: readonly string[];
  /** Called with the live progress (about once a second) and each step's line. Default: nothing. */
  readonly onProgress?: (line: string) => void;
  readonly onStep?: (line: string) => void;
  /** The gateway's logger. Default: silent (the demo prints its own lines). */
  readonly logger?: Logger;
}

/** What a demo run produced. */
export interface DemoResult {
  readonly runDir: string;
  readonly report: ReportResult;
  readonly tally: DemoTally;
  /** Records the recording log held and the ingest read. */
  readonly recordsIngested: number;
}

export const DEMO_STRATEGY = "market-maker";
const INSTRUMENT = "BTC/USDT:sim";

/**
 * The demo's gateway: the simulated venue on a synthetic market, the embedded PostgreSQL kept in
 * `dataDir` across runs, and this run's recording (Kafka, or the local log in `runDir/recording`).
 */
export function demoGatewayConfig(
  dataDir: string,
  runDir: string,
  token: string,
  kafkaBrokers?: readonly string[],
): GatewayConfig {
  return parseConfig(
    {
      listen: "127.0.0.1:0",
      venues: {
        sim: {
          adapter: "sim",
          config: {
            account: "main",
            instruments: [
              {
                symbol: "BTC/USDT",
                base: "BTC",
                quote: "USDT",
                priceIncrement: "0.01",
                sizeIncrement: "0.0001",
                makerFee: "0.0001",
                takerFee: "0.0005",
                market: { startPrice: "50000", spreadTicks: 4, volatilityTicks: 3, tradesPerSecond: 8 },
              },
            ],
            balances: { USDT: "1000000", BTC: "10" },
          },
        },
      },
      accounts: { main: { venue: "sim" } },
      strategies: { [DEMO_STRATEGY]: { token, account: "main" } },
      storage: { mode: "embedded", dataDir: join(dataDir, "postgres") },
      recording:
        kafkaBrokers !== undefined && kafkaBrokers.length > 0
          ? { mode: "kafka", brokers: [...kafkaBrokers], dataDir: runDir }
          : { mode: "local", dataDir: runDir },
    },
    { file: "demo", env: {} },
  );
}

/**
 * The one-command demo: starts the gateway in-process, runs the market-making example on it for
 * `durationMs` with a live progress line, stops everything, ingests the recording into a Parquet lake
 * and builds the analytics report. Everything it started is stopped before it returns or throws.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const durationMs = options.durationMs ?? 60_000;
  const dataDir = resolve(options.dataDir ?? ".openfloor/demo");
  const step = options.onStep ?? (() => undefined);
  const kafkaBrokers = options.kafkaBrokers?.length ? options.kafkaBrokers : undefined;
  const started = new Date();
  const runDir = join(dataDir, "runs", started.toISOString().replace(/[:.]/g, "-"));
  await mkdir(runDir, { recursive: true });
  const token = `demo-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;

  step(`starting the gateway (simulated venue, embedded PostgreSQL in ${join(dataDir, "postgres")})`);
  const gateway = createGateway(demoGatewayConfig(dataDir, runDir, token, kafkaBrokers), {
    grpc: false,
    logger: options.logger ?? silentLogger,
  });
  const tally = new DemoTally(DEMO_STRATEGY, INSTRUMENT);
  await gateway.start(); // a start that fails tears down what it started
  try {
    tally.attach(gateway);
    await trade(gateway, token, durationMs, tally, options.onProgress);
    step("stopping the strategy and the gateway (open orders canceled, recording flushed)");
  } finally {
    await gateway.stop();
  }
  const ended = new Date();

  const lake = join(runDir, "lake");
  step(`ingesting the recording into the Parquet lake ${lake}`);
  const source =
    kafkaBrokers !== undefined
      ? kafkaSource({ brokers: kafkaBrokers })
      : segmentLogSource({ dir: join(runDir, "recording") });
  const ingested = await ingest({ lake, source });
  step(`building the report (${ingested.records} records ingested)`);
  const report = await buildReport({
    lake,
    strategy: DEMO_STRATEGY,
    from: started.toISOString(),
    to: new Date(ended.getTime() + 1).toISOString(),
    periodMs: 1_000,
    out: join(runDir, "report.html"),
  });
  return { runDir, report, tally, recordsIngested: ingested.records };
}

async function trade(
  gateway: Gateway,
  token: string,
  durationMs: number,
  tally: DemoTally,
  onProgress: ((line: string) => void) | undefined,
): Promise<void> {
  const strategy = new MarketMaker({
    instrument: INSTRUMENT,
    quoteSize: "0.01",
    halfSpreadTicks: 2,
    requoteTicks: 3,
  });
  const running = await runStrategy(strategy, new InProcessTransport({ gateway, token }));
  const startedAt = Date.now();
  const progress = setInterval(() => onProgress?.(tally.line(Date.now() - startedAt, durationMs)), 1_000);
  try {
    // Ctrl-C ends the trading early; the report is still built.
    await new Promise<void>((done) => {
      const finish = (): void => {
        clearTimeout(timer);
        process.off("SIGINT", finish);
        process.off("SIGTERM", finish);
        done();
      };
      const timer = setTimeout(finish, durationMs);
      process.once("SIGINT", finish);
      process.once("SIGTERM", finish);
    });
  } finally {
    clearInterval(progress);
    onProgress?.(tally.line(Date.now() - startedAt, durationMs));
    await running.stop();
  }
}
