import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { instrumentId, type Quote, silentLogger } from "@openfloor/core";
import { createGateway, defaultConfig, type Gateway, type GatewayConfig } from "@openfloor/gateway";
import { useKafka } from "@openfloor/testkit/vitest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SdkError, TransportError } from "../errors/sdk-errors.js";
import { runStrategy } from "../strategy/runner.js";
import { GrpcTransport } from "../transport/grpc/grpc-transport.js";
import { BuyOnce, until } from "../transport/in-process/buy-once.test-support.js";
import { kafkaMarketData } from "./kafka-market-data.js";

const TOKEN = "kafka-md-test-token-0123456789abcdef";

describe("kafkaMarketData", () => {
  let brokers: string[];
  let dataDir: string;
  const cleanup: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    ({ brokers } = await useKafka());
    dataDir = await mkdtemp(join(tmpdir(), "openfloor-sdk-md-"));
  });
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A gateway on the sim venue that records its market data to Kafka under `prefix`. */
  async function recordingGateway(prefix: string): Promise<{ gateway: Gateway; address: string }> {
    const base = defaultConfig({
      token: TOKEN,
      listen: { host: "127.0.0.1", port: 0 },
      env: {},
      recording: { mode: "kafka", brokers, dataDir },
    });
    const config: GatewayConfig = {
      ...base,
      recording: {
        ...base.recording,
        marketDataBatch: 10,
        topics: { ...base.recording.topics, prefix, partitions: 2 },
      },
    };
    const gateway = createGateway(config, { logger: silentLogger, shutdownGraceMs: 100 });
    const { grpc } = await gateway.start();
    return { gateway, address: grpc ?? "" };
  }

  it("a strategy takes its quotes from the Kafka topics and trades through the gateway", async () => {
    const prefix = `sdk-md-${randomUUID().slice(0, 8)}.`;
    const { gateway, address } = await recordingGateway(prefix);
    cleanup.push(() => gateway.stop());
    // What the gateway publishes, to compare with what the strategy gets from Kafka.
    const published: Quote[] = [];
    const tap = gateway.marketData.subscribe(
      { instruments: [{ symbol: "BTC/USDT", venue: "sim" }], types: ["quote"], depth: 0, barIntervals: [] },
      {
        write: (events) => {
          for (const e of events) if (e.event.type === "quote") published.push(e.event);
          return true;
        },
        onDrain: () => undefined,
        close: () => undefined,
      },
    );
    cleanup.push(async () => tap.close());

    const transport = new GrpcTransport({ address, token: TOKEN });
    let gatewayFeeds = 0;
    const viaGateway = transport.marketData.bind(transport);
    transport.marketData = (s) => {
      gatewayFeeds++;
      return viaGateway(s);
    };
    const strategy = new BuyOnce({ id: "default" });
    const feed = kafkaMarketData({ brokers, topicPrefix: prefix });
    const running = await runStrategy(strategy, transport, { marketData: feed });
    cleanup.push(() => running.stop());

    await until(() => strategy.handles.length === 2, 30_000, "orders placed on the first Kafka quote");
    await strategy.handles[0]!.done;
    expect(strategy.handles[0]!.status).toBe("filled");
    await until(() => strategy.position() === "0.001", 5000, "the position");
    await until(() => strategy.quotes >= 20, 20_000, "more quotes from Kafka");
    expect(gatewayFeeds).toBe(0);
    // Every quote the strategy saw is one the gateway published, in the same order.
    const key = (q: Quote) => `${q.tsEventNs}:${q.bidPrice.toString()}:${q.askPrice.toString()}`;
    const seen = strategy.seenQuotes.map(key);
    const all = published.map(key);
    const start = all.indexOf(seen[0]!);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(all.slice(start, start + seen.length)).toEqual(seen);
    expect(strategy.errors).toEqual([]);
  }, 90_000);

  it("errors the subscription with a TransportError naming the brokers when none answers", async () => {
    const feed = kafkaMarketData({ brokers: "127.0.0.1:1", connectTimeoutMs: 500 });
    const error = await new Promise<unknown>((resolve) => {
      feed
        .marketData({ instrument: instrumentId("BTC/USDT", "sim"), channel: "quotes" })
        .subscribe({ error: resolve, complete: () => resolve(undefined) });
    });
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toContain("kafka://127.0.0.1:1");
    expect((error as Error).message).toContain("cannot reach the Kafka brokers");
    await feed.close();
  });

  it("refuses an empty broker list, naming the field", async () => {
    expect(() => kafkaMarketData({ brokers: " " })).toThrow(SdkError);
    expect(() => kafkaMarketData({ brokers: "" })).toThrow("kafkaMarketData: brokers is empty");
  });
});
