// The gateway side of bench/gateway-grpc.bench.ts, run in its own process: a gateway with the
// simulated venue (order round trips) and a "firehose" venue that emits trades as fast as the
// gateway drains them (market-data fan-out), plus a bare grpc-js server with an empty unary method
// (the floor). Prints one JSON line with the addresses, then serves until killed.

import { Server, ServerCredentials } from "@grpc/grpc-js";
import { z } from "zod";
import type {
  AdapterContext,
  AdapterFactory,
  AdapterRegistry,
  ExchangeAdapter,
  MarketSubscription,
  VenueCapabilities,
} from "../packages/adapters/src/index.js";
import {
  Decimal,
  defineInstrument,
  type Instrument,
  instrumentId,
  pb,
  type Trade,
} from "../packages/core/src/index.js";
import {
  createGateway,
  defaultAdapterRegistry,
  type Gateway,
  parseConfig,
} from "../packages/gateway/src/index.js";

const FIRE = instrumentId("FIRE/USD", "fire");
const BATCH = 8_000;
const HIGH_WATER = 200_000;

const fireCapabilities: VenueCapabilities = {
  orderTypes: [],
  timeInForce: [],
  postOnly: false,
  reduceOnly: false,
  amendOrder: false,
  cancelAllOrders: false,
  marketData: { trades: true, quotes: false, book: false, bars: false },
  bookSequenceNumbers: false,
  fetchFillsSince: false,
  balances: false,
  positions: false,
};

let gatewayRef: Gateway | undefined;

/** Emits trades in batches of 2000 per event-loop turn while the gateway's subscriber queues are short. */
class FirehoseAdapter implements ExchangeAdapter {
  readonly kind = "firehose";
  readonly capabilities = fireCapabilities;
  private readonly listed: Instrument;
  private running = false;
  private seq = 0;
  private readonly trades: Trade[];

  constructor(
    readonly venue: string,
    private readonly context: AdapterContext,
  ) {
    this.listed = defineInstrument({
      id: FIRE,
      kind: "spot",
      base: "FIRE",
      quote: "USD",
      priceIncrement: "0.01",
      sizeIncrement: "0.001",
    });
    this.trades = Array.from({ length: 64 }, (_, i) => ({
      type: "trade" as const,
      instrument: FIRE,
      price: Decimal.parse(`${100 + (i % 10)}.${String(i).padStart(2, "0")}`),
      size: Decimal.parse(`0.${String(i + 1).padStart(3, "0")}`),
      aggressor: i % 2 === 0 ? ("buy" as const) : ("sell" as const),
      tradeId: `t${i}`,
      tsEventNs: 0n,
      tsRecvNs: 0n,
    }));
  }

  async loadInstruments(): Promise<readonly Instrument[]> {
    return [this.listed];
  }
  instrument(): Instrument {
    return this.listed;
  }
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {
    this.running = false;
  }
  async subscribe(s: MarketSubscription): Promise<void> {
    if (s.channel !== "trades" || this.running) return;
    this.running = true;
    const pump = () => {
      if (!this.running) return;
      const depth = gatewayRef?.marketData.queueDepth() ?? 0;
      if (depth < HIGH_WATER && (gatewayRef?.marketData.subscriberCount() ?? 0) > 0) {
        const now = this.context.clock.now();
        for (let i = 0; i < BATCH; i++) {
          const t = this.trades[this.seq++ & 63]!;
          this.context.sink.onMarketEvent({ ...t, tsEventNs: now, tsRecvNs: now });
        }
      }
      setImmediate(pump);
    };
    setImmediate(pump);
  }
  async unsubscribe(s: MarketSubscription): Promise<void> {
    if (s.channel === "trades") this.running = false;
  }
  async submitOrder(): Promise<void> {}
  async amendOrder(): Promise<void> {}
  async cancelOrder(): Promise<void> {}
  async cancelAllOrders(): Promise<void> {}
  async fetchOpenOrders() {
    return [];
  }
  async fetchFills() {
    return [];
  }
  async fetchBalances() {
    return [];
  }
  async fetchPositions() {
    return [];
  }
}

const firehoseFactory: AdapterFactory<Record<string, never>> = {
  kind: "firehose",
  configSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  create: (venue, _config, context) => new FirehoseAdapter(venue, context),
};

export const BENCH_TOKEN = "bench-token-0123456789abcdef0123";

async function main(): Promise<void> {
  const registry: AdapterRegistry = defaultAdapterRegistry().register(firehoseFactory);
  const config = parseConfig(
    {
      listen: "127.0.0.1:0",
      logging: { level: "warn" },
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
                market: {
                  startPrice: "50000",
                  volatilityTicks: 0,
                  tradesPerSecond: 0,
                  updateIntervalMs: 1000,
                },
              },
            ],
            balances: { USDT: "100000000", BTC: "1000" },
          },
        },
        fire: { adapter: "firehose" },
      },
      accounts: { main: { venue: "sim" } },
      strategies: { bench: { token: BENCH_TOKEN } },
      marketData: { frameMaxEvents: 1000, queueMaxEvents: 1_000_000 },
    },
    { env: {}, file: "bench" },
  );
  const gateway = createGateway(config, { registry });
  gatewayRef = gateway;
  const addresses = await gateway.start();

  const floor = new Server();
  floor.addService(
    { getStatus: pb.AdminServiceService.getStatus },
    { getStatus: (_call: unknown, cb: (e: null, r: pb.GetStatusResponse) => void) => cb(null, emptyStatus) },
  );
  const floorPort = await new Promise<number>((resolve, reject) =>
    floor.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, port) =>
      e ? reject(e) : resolve(port),
    ),
  );
  process.stdout.write(`${JSON.stringify({ gateway: addresses.grpc, floor: `127.0.0.1:${floorPort}` })}\n`);
  process.on("SIGTERM", () => {
    floor.forceShutdown();
    gateway.stop().finally(() => process.exit(0));
  });
}

const emptyStatus: pb.GetStatusResponse = {
  version: "",
  startedAtNs: 0n,
  tradingState: 0,
  killSwitchEngaged: false,
  venues: [],
  auditAvailable: true,
  openOrders: 0,
  connectedStrategies: [],
};

await main();
