// The gateway side of bench/sdk-latency.bench.ts, run in its own process: a gateway on a quiet simulated
// venue whose quotes are stamped with `process.hrtime.bigint()` (CLOCK_MONOTONIC, comparable across
// processes on one machine) in `tsRecvNs` as the adapter hands them over, plus a bare grpc-js server with
// an empty unary method (the floor). Prints one JSON line with the addresses, then serves until killed.

import { Server, ServerCredentials } from "@grpc/grpc-js";
import { type MarketEvent, pb } from "../packages/core/src/index.js";
import { createGateway, type Gateway, parseConfig } from "../packages/gateway/src/index.js";

export const LATENCY_TOKEN = "latency-token-0123456789abcdef0123";

/** One instrument quoting every `intervalMs`: sparse ticks, so latency is measured, not queueing. */
export function latencyConfigInput(port: number, intervalMs: number): Record<string, unknown> {
  return {
    listen: `127.0.0.1:${port}`,
    venues: {
      sim: {
        adapter: "sim",
        config: {
          account: "main",
          seed: 1,
          instruments: [
            {
              symbol: "BTC/USDT",
              base: "BTC",
              quote: "USDT",
              priceIncrement: "0.01",
              sizeIncrement: "0.0001",
              market: { startPrice: "50000", tradesPerSecond: 0, updateIntervalMs: intervalMs },
            },
          ],
          balances: { USDT: "1000000", BTC: "10" },
        },
      },
    },
    accounts: { main: { venue: "sim" } },
    storage: { mode: "none" },
    strategies: { bench: { token: LATENCY_TOKEN } },
    logging: { level: "warn" },
  };
}

/** Stamps every quote with the monotonic clock as it leaves the adapter for the data engine. */
export function stampTicks(gateway: Gateway): void {
  const engine = gateway.marketData;
  const onMarketEvent = engine.onMarketEvent.bind(engine);
  engine.onMarketEvent = (event: MarketEvent) => {
    const hr = process.hrtime.bigint();
    onMarketEvent(event.type === "quote" ? { ...event, tsRecvNs: hr } : event);
  };
}

const EMPTY_STATUS: pb.GetStatusResponse = {
  version: "",
  startedAtNs: 0n,
  tradingState: 0,
  killSwitchEngaged: false,
  venues: [],
  auditAvailable: true,
  openOrders: 0,
  connectedStrategies: [],
};

async function main(): Promise<void> {
  const intervalMs = Number(process.argv[2] ?? 2);
  const config = parseConfig(latencyConfigInput(0, intervalMs), { env: {}, file: "bench" });
  const gateway = createGateway(config, { logDestination: { write: () => undefined } });
  const { grpc } = await gateway.start();
  stampTicks(gateway);

  const floor = new Server();
  floor.addService(
    { getStatus: pb.AdminServiceService.getStatus },
    { getStatus: (_call: unknown, cb: (e: null, r: pb.GetStatusResponse) => void) => cb(null, EMPTY_STATUS) },
  );
  const floorPort = await new Promise<number>((resolve, reject) =>
    floor.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, port) =>
      e ? reject(e) : resolve(port),
    ),
  );
  process.stdout.write(`${JSON.stringify({ gateway: grpc, floor: `127.0.0.1:${floorPort}` })}\n`);
  const stop = () => {
    floor.forceShutdown();
    void gateway.stop().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1]?.endsWith("sdk-latency-gateway.ts")) await main();
