// Standalone sim venue: node --import tsx packages/adapters/src/sim/server/main.ts --port 7070 [--config venue.json]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { SimAdapterConfigInput } from "../config.js";
import { startSimVenueServer } from "./server.js";

const DEFAULT_CONFIG: SimAdapterConfigInput = {
  instruments: [
    {
      symbol: "BTC/USDT",
      base: "BTC",
      quote: "USDT",
      priceIncrement: "0.01",
      sizeIncrement: "0.00001",
      minSize: "0.0001",
      makerFee: "0.0002",
      takerFee: "0.0007",
      market: { startPrice: "50000", spreadTicks: 2, levelSize: "0.5" },
    },
    {
      symbol: "ETH/USDT",
      base: "ETH",
      quote: "USDT",
      priceIncrement: "0.01",
      sizeIncrement: "0.0001",
      minSize: "0.001",
      makerFee: "0.0002",
      takerFee: "0.0007",
      market: { startPrice: "3000", spreadTicks: 2, levelSize: "5" },
    },
  ],
  balances: { USDT: "1000000", BTC: "10", ETH: "100" },
};

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "7070" },
    host: { type: "string", default: "127.0.0.1" },
    venue: { type: "string", default: "sim" },
    config: { type: "string" },
  },
});

const config: SimAdapterConfigInput =
  values.config === undefined
    ? DEFAULT_CONFIG
    : (JSON.parse(readFileSync(values.config, "utf8")) as SimAdapterConfigInput);

try {
  const server = await startSimVenueServer({
    ...config,
    port: Number(values.port),
    host: values.host,
    venue: values.venue,
    configSource: values.config ?? "default config",
  });
  // One JSON line on stdout tells a parent process (a crash test) where to connect.
  process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port, venue: values.venue })}\n`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  process.stderr.write(`sim venue: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
