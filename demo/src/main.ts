import { Command, InvalidArgumentError } from "commander";
import { headline } from "./headline.js";
import { runDemo } from "./run-demo.js";

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a number of seconds > 0, got ${value}`);
  return n;
}

const program = new Command("openfloor-demo")
  .description(
    "Gateway + simulated venue + embedded PostgreSQL + recording, the market-making example live, then the report.",
  )
  .option("-d, --duration <seconds>", "how long the market maker trades", seconds, 60)
  .option("--data-dir <dir>", "embedded PostgreSQL, recording log, lake and reports", ".openfloor/demo")
  .option(
    "--kafka <brokers>",
    "record to Kafka (comma-separated host:port) instead of the local log",
    process.env.KAFKA_BROKERS,
  )
  .action(async (o: { duration: number; dataDir: string; kafka?: string }) => {
    const tty = process.stdout.isTTY === true;
    let lastPrinted = 0;
    const brokers = o.kafka
      ?.split(",")
      .map((b) => b.trim())
      .filter((b) => b !== "");
    console.log(
      `openfloor demo: market making on a simulated BTC/USDT venue for ${o.duration} s, recording to ${brokers?.length ? `Kafka at ${brokers.join(",")}` : "the local log"}`,
    );
    const result = await runDemo({
      durationMs: o.duration * 1000,
      dataDir: o.dataDir,
      ...(brokers?.length ? { kafkaBrokers: brokers } : {}),
      onStep: (line) => {
        if (tty) process.stdout.write("\n");
        console.log(`- ${line}`);
      },
      onProgress: (line) => {
        if (tty) process.stdout.write(`\r  ${line}\u001b[K`);
        else if (Date.now() - lastPrinted >= 10_000) {
          lastPrinted = Date.now();
          console.log(`  ${line}`);
        }
      },
    });
    console.log(`\nreport: ${result.report.html}\nnumbers: ${result.report.json}\n`);
    console.log(headline(result.report.metrics));
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof Error && error.cause !== undefined) console.error("cause:", error.cause);
  process.exitCode = 1;
});
