// The gateway side of bench/gateway-grpc.bench.ts, run in its own process: a gateway with the
// simulated venue (order round trips) and a "firehose" venue that emits trades as fast as the
// gateway drains them (market-data fan-out), plus a bare grpc-js server with an empty unary method
// and a server stream of pre-encoded frames (the floors). Prints one JSON line with the addresses, then
// serves until killed. BENCH_FIREHOSE_RATE paces the firehose (events/s) for delay measurements;
// BENCH_AUDIT=embedded gives the gateway its embedded PostgreSQL audit store (durable order path).

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Server, ServerCredentials, type ServerWritableStream } from "@grpc/grpc-js";
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
  marketEventToProto,
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
/** Events per market-data frame, in the gateway's config and in the floor's frames. */
const FRAME_EVENTS = 1000;
const BATCH = 8_000;
const HIGH_WATER = 200_000;
/** Events per second the firehose emits; 0 (default) emits as fast as the gateway drains them. */
const RATE = Number(process.env.BENCH_FIREHOSE_RATE ?? 0);
/** The gateway's audit store: "none" (default) or "embedded" (PostgreSQL). */
const AUDIT = process.env.BENCH_AUDIT ?? "none";

/** Nanoseconds since the epoch from the high-resolution timer (comparable across processes on one machine). */
function epochNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

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

/**
 * Emits trades in batches of BATCH per event-loop turn while the gateway's subscriber queues are short, or at
 * BENCH_FIREHOSE_RATE events per second.
 */
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
    const emit = (n: number) => {
      // Stamped with the wall clock at sub-microsecond resolution, so a client process can measure the delay.
      const now = epochNs();
      for (let i = 0; i < n; i++) {
        const t = this.trades[this.seq++ & 63]!;
        this.context.sink.onMarketEvent({ ...t, tsEventNs: now, tsRecvNs: now });
      }
    };
    if (RATE > 0) {
      // Paced: RATE events per second in, emitted every millisecond or so as they fall due.
      const t0 = performance.now();
      let sent = 0;
      const pump = () => {
        if (!this.running) return;
        const due = Math.floor(((performance.now() - t0) / 1000) * RATE) - sent;
        if (due > 0 && (gatewayRef?.marketData.subscriberCount() ?? 0) > 0) emit(due);
        sent += Math.max(0, due);
        setTimeout(pump, 1);
      };
      setTimeout(pump, 1);
      return;
    }
    const pump = () => {
      if (!this.running) return;
      const depth = gatewayRef?.marketData.queueDepth() ?? 0;
      if (depth < HIGH_WATER && (gatewayRef?.marketData.subscriberCount() ?? 0) > 0) emit(BATCH);
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
      marketData: { frameMaxEvents: FRAME_EVENTS, queueMaxEvents: 1_000_000 },
      // "none" by default: the fan-out and the bare order path without the Postgres write-ahead;
      // BENCH_AUDIT=embedded measures the durable path (an embedded PostgreSQL, fsync on).
      storage:
        AUDIT === "embedded"
          ? {
              mode: "embedded",
              dataDir: join(dirname(fileURLToPath(import.meta.url)), "data", "gateway-grpc-postgres"),
            }
          : { mode: "none" },
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
  // The fan-out floor: grpc-js alone streaming one pre-encoded frame of FRAME_EVENTS trades over and over to
  // each subscriber, as fast as its flow control lets it (no bus, no per-subscriber queue, no encoding).
  const frame = Buffer.from(
    pb.SubscribeResponse.encode({
      frame: {
        frameSequence: 1n,
        events: Array.from({ length: FRAME_EVENTS }, (_, i) =>
          marketEventToProto({
            type: "trade",
            instrument: FIRE,
            price: Decimal.parse(`${100 + (i % 10)}.${String(i % 64).padStart(2, "0")}`),
            size: Decimal.parse(`0.${String((i % 64) + 1).padStart(3, "0")}`),
            aggressor: i % 2 === 0 ? "buy" : "sell",
            tradeId: `t${i % 64}`,
            tsEventNs: 0n,
            tsRecvNs: 0n,
          }),
        ),
        droppedEvents: 0n,
      },
    }).finish(),
  );
  floor.addService(
    { subscribe: { ...pb.MarketDataServiceService.subscribe, responseSerialize: (b: Buffer) => b } },
    {
      subscribe: (call: ServerWritableStream<unknown, Buffer>) => {
        let open = true;
        call.on("cancelled", () => {
          open = false;
        });
        call.on("error", () => {
          open = false;
        });
        const pump = () => {
          while (open && call.write(frame));
          if (open) call.once("drain", pump);
        };
        pump();
      },
    },
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
