import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numberArg as arg, rerunUnderSourceCondition } from "./lib/cli.js";
import { type Figure, percentile, summarize, writeResult } from "./lib/result.js";

rerunUnderSourceCondition(import.meta.url);

const EVENTS = arg("events", 600_000);
const FILLS = arg("fills", 100_000);
const DELAYS = arg("delays", 300);
const RUNS = arg("runs", 3);
const GOAL_EVENTS_PER_S = 200_000;

const core = await import("@openfloor/core");
const { startKafka } = await import("../packages/testkit/src/index.js");
const { KafkaSink } = await import("../packages/gateway/src/recording/kafka-sink.js");
const { Recorder } = await import("../packages/gateway/src/recording/recorder.js");
const { TopicConsumer } = await import("../packages/gateway/src/recording/topic-consumer.js");
const { recordOfMessage } = await import("../packages/gateway/src/recording/kafka-client.js");
const { Aggregator } = await import("../packages/gateway/src/aggregator/aggregator.js");
type RecorderT = import("../packages/gateway/src/recording/recorder.js").Recorder;

const { Decimal, defineInstrument, fillToProto, instrumentId, marketEventToProto, Money, decodeRecord } =
  core;
const VENUES = ["venue-a", "venue-b"];
const INSTRUMENTS = VENUES.map((venue) =>
  defineInstrument({
    id: instrumentId("BTC/USDT", venue),
    kind: "spot",
    base: "BTC",
    quote: "USDT",
    priceIncrement: "0.01",
    sizeIncrement: "0.001",
  }),
);
const SYMBOLS = Array.from({ length: 20 }, (_, i) => instrumentId(`S${i}/USDT`, "venue-a"));
const PRICE = Decimal.from("50000.01");
const SIZE = Decimal.from("0.125");

const kafka = await startKafka({
  jvmOptions: ["-Xms512m", "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20"],
});
const dirs: string[] = [];
const spill = async () => {
  const d = await mkdtemp(join(tmpdir(), "openfloor-bench-spill-"));
  dirs.push(d);
  return d;
};

async function recorderFor(prefix: string, partitions: number): Promise<RecorderT> {
  const sink = await KafkaSink.connect({ brokers: kafka.brokers, topics: { prefix, partitions } });
  return Recorder.open({
    sink,
    spillDir: await spill(),
    topicPrefix: prefix,
    queueCapacity: 131_072,
    maxBatch: 8192,
  });
}

/** Records `events` market events as fast as the recorder takes them (yielding when its queue is near full). */
async function recordingRun(run: number): Promise<{ perSecond: number; dropped: number }> {
  const recorder = await recorderFor(`bench-md-${run}.`, 6);
  const capacity = recorder.stats().queueCapacity;
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    const instrument = SYMBOLS[i % SYMBOLS.length]!;
    const ts = BigInt(i);
    if ((i & 1) === 0) {
      recorder.record(
        "trade",
        marketEventToProto({
          type: "trade",
          instrument,
          price: PRICE,
          size: SIZE,
          aggressor: "buy",
          tradeId: String(i),
          tsEventNs: ts,
          tsRecvNs: ts,
        }),
        1_700_000_000_000 + i,
      );
    } else {
      recorder.record(
        "quote",
        marketEventToProto({
          type: "quote",
          instrument,
          bidPrice: PRICE,
          bidSize: SIZE,
          askPrice: PRICE,
          askSize: SIZE,
          tsEventNs: ts,
          tsRecvNs: ts,
        }),
        1_700_000_000_000 + i,
      );
    }
    if ((i & 1023) === 0 && recorder.stats().queueDepth > capacity - 16_384) {
      while (recorder.stats().queueDepth > capacity / 2) await new Promise((r) => setImmediate(r));
    }
  }
  await recorder.flush(120_000);
  const seconds = (performance.now() - t0) / 1000;
  const stats = recorder.stats();
  await recorder.close();
  return { perSecond: stats.written / seconds, dropped: stats.dropped };
}

function fill(i: number, quantity = "0.001") {
  const venue = VENUES[i % 2]!;
  return fillToProto({
    fillId: `f-${i}`,
    clientOrderId: `c-${i}`,
    venueOrderId: `v-${i}`,
    instrument: instrumentId("BTC/USDT", venue),
    side: i % 3 === 0 ? "sell" : "buy",
    price: Decimal.fromUnits(5_000_000n + BigInt(i % 1000), 2),
    quantity: Decimal.from(quantity),
    fee: Money.of("0.01", "USDT"),
    liquidity: "taker",
    tsEventNs: BigInt(i),
    strategyId: `s${i % 4}`,
    account: `acct-${i % 8}`,
  });
}

/** Aggregator throughput: a fresh aggregator rebuilds from `FILLS` fills already on the topic. */
async function aggregatorRun(run: number): Promise<number> {
  const prefix = `bench-agg-${run}.`;
  const gateway = await recorderFor(prefix, 6);
  for (let i = 0; i < FILLS; i++) {
    gateway.record("fill", fill(i), 1_700_000_000_000 + i);
    if ((i & 1023) === 0)
      while (gateway.stats().queueDepth > 65_536) await new Promise((r) => setImmediate(r));
  }
  await gateway.flush(120_000);
  await gateway.close();
  const t0 = performance.now();
  const aggregator = await Aggregator.start({
    brokers: kafka.brokers,
    groupId: `${prefix}agg`,
    instruments: INSTRUMENTS,
    topics: { prefix, partitions: 6 },
  });
  await aggregator.whenReady();
  const seconds = (performance.now() - t0) / 1000;
  const applied = aggregator.stats().fillsApplied;
  await aggregator.stop();
  if (applied !== FILLS) throw new Error(`aggregator applied ${applied} of ${FILLS} fills`);
  return FILLS / seconds;
}

/** End-to-end: one fill at a time, from `record` at a gateway to its position on the positions topic. */
async function delayRun(run: number): Promise<number[]> {
  const prefix = `bench-e2e-${run}.`;
  const gateway = await recorderFor(prefix, 3);
  const aggregator = await Aggregator.start({
    brokers: kafka.brokers,
    groupId: `${prefix}agg`,
    instruments: INSTRUMENTS,
    topics: { prefix, partitions: 3 },
  });
  await aggregator.whenReady();
  let waiting: { fillId: string; resolve: () => void } | undefined;
  const watcher = await TopicConsumer.start({
    brokers: kafka.brokers,
    topics: [`${prefix}positions`],
    mode: "latest",
    onMessage: (m) => {
      const w = waiting;
      if (w === undefined) return;
      const record = recordOfMessage(m);
      if (record === undefined) return;
      const decoded = decodeRecord(record.headers, record.value);
      // The account-level position of the fill's account: its quantity tells which fill it includes.
      if (
        decoded.kind === "position" &&
        decoded.value.strategyId === "" &&
        decoded.value.account === "e2e" &&
        record.headers["of-fills-offset"] !== undefined
      ) {
        if (Decimal.fromProto(decoded.value.quantity).toString() === w.fillId) w.resolve();
      }
    },
  });
  const samples: number[] = [];
  for (let i = 1; i <= DELAYS; i++) {
    const qty = Decimal.fromUnits(BigInt(i), 3);
    const expected = Decimal.fromUnits(BigInt((i * (i + 1)) / 2), 3).toString();
    const seen = new Promise<void>((resolve) => {
      waiting = { fillId: expected, resolve };
    });
    const t0 = performance.now();
    gateway.record(
      "fill",
      fillToProto({
        fillId: `e-${i}`,
        clientOrderId: `c-${i}`,
        venueOrderId: `v-${i}`,
        instrument: INSTRUMENTS[0]!.id,
        side: "buy",
        price: PRICE,
        quantity: qty,
        fee: Money.of("0", "USDT"),
        liquidity: "maker",
        tsEventNs: BigInt(i),
        strategyId: "s",
        account: "e2e",
      }),
      1_700_000_000_000 + i,
    );
    await seen;
    samples.push(performance.now() - t0);
  }
  await watcher.close();
  await aggregator.stop();
  await gateway.close();
  return samples;
}

try {
  const rates: number[] = [];
  let dropped = 0;
  for (let r = 0; r < RUNS; r++) {
    const { perSecond, dropped: d } = await recordingRun(r);
    rates.push(perSecond);
    dropped += d;
    console.log(
      `recording run ${r + 1}: ${Math.round(perSecond).toLocaleString("en-US")} events/s, ${d} dropped`,
    );
  }
  const aggregatorRates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    aggregatorRates.push(await aggregatorRun(r));
    console.log(
      `aggregator run ${r + 1}: ${Math.round(aggregatorRates[r]!).toLocaleString("en-US")} fills/s`,
    );
  }
  const p50: number[] = [];
  const p99: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const samples = await delayRun(r);
    p50.push(percentile(samples, 50));
    p99.push(percentile(samples, 99));
    console.log(`end-to-end run ${r + 1}: p50 ${p50[r]!.toFixed(2)} ms, p99 ${p99[r]!.toFixed(2)} ms`);
  }
  const figures: Record<string, Figure> = {
    "market data recorded": summarize(rates, "events/s", { goal: GOAL_EVENTS_PER_S, higherIsBetter: true }),
    "aggregator throughput (rebuild)": summarize(aggregatorRates, "fills/s", { higherIsBetter: true }),
    "fill -> global position p50": summarize(p50, "ms", { higherIsBetter: false }),
    "fill -> global position p99": summarize(p99, "ms", { higherIsBetter: false }),
  };
  writeResult({
    name: "kafka-recording",
    title: "Kafka recording and the global position aggregator (local broker)",
    figures,
    notes: [
      `Single-node Kafka 4.1.1 (KRaft, testkit) on the same machine; idempotent producer (acks=all), lz4, 6 partitions; ${EVENTS.toLocaleString("en-US")} events per run, ${dropped} dropped in all runs.`,
      "Recording rate counts events acknowledged by the broker, from the first record() to the last acknowledgement, core -> protobuf conversion included.",
      `Aggregator throughput: a fresh aggregator rebuilding ${FILLS.toLocaleString("en-US")} fills (decode, de-duplicate, exact FIFO positions per account and per strategy) from the fills topic.`,
      `End-to-end: ${DELAYS} sequential fills, each from Recorder.record at a gateway to the updated account position read back from the positions topic (recorder linger 2 ms, consumer fetch wait 100 ms).`,
      "Not measured here: the order round trip p99 with and without recording in the same run (the issue's second recording criterion).",
    ],
  });
} finally {
  await kafka.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}
process.exit(0);
