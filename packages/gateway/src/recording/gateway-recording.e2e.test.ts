import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Decimal,
  defineInstrument,
  type Fill,
  formatInstrumentId,
  type Instrument,
  instrumentId,
  type OrderRequest,
  readSegmentLog,
  silentLogger,
} from "@openfloor/core";
import { useKafka } from "@openfloor/testkit/vitest";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Aggregator } from "../aggregator/aggregator.js";
import { runRecordReplayCommand } from "../cli/recording-commands.js";
import { parseConfig } from "../config/load-config.js";
import { createGateway, type Gateway } from "../gateway.js";
import { decodeMessages, eventually, readTopicToEnd } from "./kafka.test-support.js";
import { recordingLogDir } from "./record-replay.js";
import { RecordingError } from "./recording-error.js";

const TOKEN = "e2e-token-0123456789abcdef";

function spot(venue: string): Instrument {
  return defineInstrument({
    id: instrumentId("BTC/USDT", venue),
    kind: "spot",
    base: "BTC",
    quote: "USDT",
    priceIncrement: "0.01",
    sizeIncrement: "0.0001",
  });
}

/** A gateway on its own simulated venue (synthetic BTC/USDT market), recording as asked. */
function gatewayOn(venue: string, recording: Record<string, unknown>): Gateway {
  const config = parseConfig(
    {
      listen: "127.0.0.1:0",
      venues: {
        [venue]: {
          adapter: "sim",
          config: {
            account: `acct-${venue}`,
            seed: venue.length,
            instruments: [
              {
                symbol: "BTC/USDT",
                base: "BTC",
                quote: "USDT",
                priceIncrement: "0.01",
                sizeIncrement: "0.0001",
                market: {
                  startPrice: "50000",
                  updateIntervalMs: 20,
                  volatilityTicks: 2,
                  tradesPerSecond: 50,
                  levelSize: "10",
                  sizeJitter: 0,
                },
              },
            ],
            balances: { USDT: "10000000", BTC: "100" },
          },
        },
      },
      accounts: { [`acct-${venue}`]: { venue } },
      strategies: { s1: { token: TOKEN } },
      storage: { mode: "none" },
      recording,
    },
    { env: {} },
  );
  return createGateway(config, { grpc: false, logger: silentLogger });
}

function marketBuy(gateway: Gateway, id: string, quantity: string): OrderRequest {
  const venue = Object.keys(gateway.config.venues)[0]!;
  return {
    clientOrderId: id,
    instrument: instrumentId("BTC/USDT", venue),
    side: "buy",
    type: "market",
    timeInForce: "IOC",
    quantity: Decimal.from(quantity),
    postOnly: false,
    reduceOnly: false,
    strategyId: "",
    account: "",
  };
}

const TERMINAL = new Set(["filled", "canceled", "expired", "rejected", "denied"]);

/** Submits a market buy and resolves with its fills once the order is done. */
async function buy(gateway: Gateway, id: string, quantity: string): Promise<Fill[]> {
  const who = gateway.authenticate(TOKEN)!;
  const fills: Fill[] = [];
  const done = new Promise<void>((resolve) => {
    const off = gateway.execution.onUpdate((u) => {
      if (u.order.clientOrderId !== id) return;
      if (u.kind === "fill") fills.push(u.fill);
      const got = fills.reduce((sum, f) => sum.add(f.quantity), Decimal.ZERO);
      if (TERMINAL.has(u.order.status) && got.eq(u.order.filledQuantity)) {
        off();
        resolve();
      }
    });
  });
  const order = await gateway.execution.submit(who, marketBuy(gateway, id, quantity));
  expect(order.status).not.toBe("denied");
  await done;
  return fills;
}

describe("gateways recording to Kafka, with the global aggregator", () => {
  let brokers: string[];
  const cleanup: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    ({ brokers } = await useKafka());
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
  });

  it("aggregates both gateways' fills and a global exposure breach halts both within a second", async () => {
    const prefix = `e2e-${randomUUID().slice(0, 8)}.`;
    const dataDir = await mkdtemp(join(tmpdir(), "openfloor-e2e-rec-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const recording = {
      mode: "kafka",
      brokers,
      dataDir,
      performanceIntervalMs: 200,
      topics: { prefix, partitions: 3 },
    };
    const venues = ["venue-a", "venue-b"];
    const aggregator = await Aggregator.start({
      brokers,
      groupId: `${prefix}agg`,
      instruments: venues.map(spot),
      // 0.3 BTC is within the limit at ~50000, 0.5 BTC is not.
      limits: { maxGrossExposure: "20000", onExposureBreach: "halted" },
      topics: { prefix, partitions: 3 },
      publishIntervalMs: 200,
      markCheckMs: 20,
    });
    cleanup.push(() => aggregator.stop());
    await aggregator.whenReady();
    const gateways = venues.map((v) => gatewayOn(v, recording));
    for (const g of gateways) {
      cleanup.push(() => g.stop());
      await g.start();
    }
    const [a, b] = gateways as [Gateway, Gateway];
    expect(a.globalTradingState()?.state).toBe("active");

    const fills = [...(await buy(a, "a-1", "0.1")), ...(await buy(b, "b-1", "0.2"))];
    const expected = new Map<string, Decimal>();
    for (const f of fills) {
      const key = formatInstrumentId(f.instrument);
      expected.set(key, (expected.get(key) ?? Decimal.ZERO).add(f.quantity));
    }
    const aggregated = () => {
      const out = new Map<string, Decimal>();
      for (const p of aggregator.positions()) {
        if (p.strategyId !== "") continue;
        const key = formatInstrumentId(p.instrument.id);
        out.set(key, (out.get(key) ?? Decimal.ZERO).add(p.quantity));
      }
      return out;
    };
    const same = () =>
      [...expected].every(([k, q]) => aggregated().get(k)?.eq(q) === true) &&
      aggregated().size === expected.size;
    await eventually(same, "aggregated positions equal to the gateways' fills", 15_000);
    expect(aggregated().get("BTC/USDT:venue-a")?.eq("0.1")).toBe(true);
    expect(aggregated().get("BTC/USDT:venue-b")?.eq("0.2")).toBe(true);
    await eventually(() => aggregator.riskState() !== undefined, "a published global risk state", 15_000);
    expect(a.execution.tradingState).toBe("active");

    // Breach: 0.2 BTC more at venue A takes gross exposure past 20000 USDT.
    const halted = new Promise<number>((resolve) => {
      const off = aggregator.onRiskState((s) => {
        if (s.reason.includes("gross exposure")) {
          off();
          resolve(performance.now());
        }
      });
    });
    const more = await buy(a, "a-2", "0.2");
    const publishedAt = await halted;
    await eventually(
      () => a.execution.tradingState === "halted" && b.execution.tradingState === "halted",
      "both gateways halted",
      1000,
      5,
    );
    const applyMs = performance.now() - publishedAt;
    expect(applyMs).toBeLessThan(1000);
    expect(b.globalTradingState()?.reason).toMatch(/gross exposure .* exceeds the global limit 20000/);
    for (const g of gateways) {
      const order = await g.execution.submit(g.authenticate(TOKEN)!, marketBuy(g, "after-halt", "0.01"));
      expect(order.status).toBe("denied");
    }
    // An operator's "active" does not lift the global halt.
    expect(a.setTradingState("active", "operator")).toBe("halted");

    // Everything was recorded: market data (framed in batches), orders, fills, positions, performance.
    for (const g of gateways) await g.stop();
    const topic = (t: string) => readTopicToEnd(brokers, `${prefix}${t}`);
    const recordedFills = decodeMessages(await topic("fills"));
    expect(recordedFills.map((r) => r.kind === "fill" && r.value.fillId).sort()).toEqual(
      [...fills, ...more].map((f) => f.fillId).sort(),
    );
    const orderEvents = decodeMessages(await topic("orders"));
    expect(orderEvents.some((r) => r.kind === "order-event")).toBe(true);
    expect(decodeMessages(await topic("positions")).some((r) => r.kind === "position")).toBe(true);
    expect(decodeMessages(await topic("performance")).some((r) => r.kind === "performance")).toBe(true);
    const quotes = await topic("md.quotes");
    expect(decodeMessages(quotes).length).toBeGreaterThanOrEqual(quotes.length);
    const bookEvents = decodeMessages(await topic("md.book"));
    expect(bookEvents.length).toBeGreaterThan(0);
    const stats = a.recorderStats();
    expect(stats).toBeUndefined(); // stopped: the recorder is closed and released
    console.log(
      `global halt applied at both gateways ${applyMs.toFixed(0)} ms after the aggregator published it`,
    );
  }, 60_000);
});

describe("a gateway without brokers", () => {
  let brokers: string[];
  beforeAll(async () => {
    ({ brokers } = await useKafka());
  });

  it("records to the local segment log in its data directory, and record replay forwards it once", async () => {
    const prefix = `local-${randomUUID().slice(0, 8)}.`;
    const dataDir = await mkdtemp(join(tmpdir(), "openfloor-e2e-local-"));
    try {
      const gateway = gatewayOn("venue-l", { dataDir, topics: { prefix } });
      expect(gateway.config.recording.mode).toBe("local");
      await gateway.start();
      const fills = await buy(gateway, "l-1", "0.05");
      await eventually(() => (gateway.recorderStats()?.written ?? 0) > 50, "market data recorded", 10_000);
      const metrics = await gateway.metrics.registry.metrics();
      expect(metrics).toMatch(/openfloor_recorder_written_total \d+/);
      expect(metrics).toMatch(/openfloor_recorder_queue_depth \d+/);
      expect(metrics).toMatch(/openfloor_recorder_lag_seconds /);
      expect(metrics).toMatch(/openfloor_recorder_spilled_total 0/);
      await gateway.stop();
      const logged = new Map<string, number>();
      for await (const { record } of readSegmentLog({ dir: recordingLogDir(dataDir) })) {
        logged.set(record.topic, (logged.get(record.topic) ?? 0) + 1);
      }
      expect(logged.get(`${prefix}fills`)).toBe(fills.length);
      expect(logged.get(`${prefix}orders`)).toBeGreaterThan(0);
      expect(logged.get(`${prefix}md.book`)).toBeGreaterThan(0);

      const out: string[] = [];
      const sink = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
      const total = [...logged.values()].reduce((x, y) => x + y, 0);
      expect(await runRecordReplayCommand({ from: dataDir, to: brokers.join(",") }, sink)).toBe(total);
      expect(out.join("")).toMatch(new RegExp(`${total.toLocaleString("en-US")} records forwarded`));
      expect(await runRecordReplayCommand({ from: dataDir, to: brokers.join(",") }, sink)).toBe(0);
      const kafkaFills = decodeMessages(await readTopicToEnd(brokers, `${prefix}fills`));
      expect(kafkaFills.map((r) => r.kind === "fill" && r.value.fillId)).toEqual(fills.map((f) => f.fillId));
      expect((await readTopicToEnd(brokers, `${prefix}md.book`)).length).toBe(logged.get(`${prefix}md.book`));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it("names the directory or the brokers when replay cannot start", async () => {
    await expect(
      runRecordReplayCommand({ from: "/nonexistent/openfloor", to: "127.0.0.1:9" }),
    ).rejects.toThrow(/--from \/nonexistent\/openfloor: no such directory/);
    const dataDir = await mkdtemp(join(tmpdir(), "openfloor-e2e-bad-"));
    try {
      const gateway = gatewayOn("venue-x", { dataDir, performanceIntervalMs: 0 });
      await gateway.start();
      await gateway.stop();
      const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
      const error = await runRecordReplayCommand({ from: dataDir, to: "127.0.0.1:9" }, quiet).catch((e) => e);
      expect(error).toBeInstanceOf(RecordingError);
      expect(error.code).toBe("KAFKA_UNAVAILABLE");
      expect(error.message).toMatch(/cannot reach the Kafka brokers 127\.0\.0\.1:9/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
