import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numberArg as arg, rerunUnderSourceCondition, stringArg } from "./lib/cli.js";
import { type Figure, percentile, summarize, writeResult } from "./lib/result.js";

rerunUnderSourceCondition(import.meta.url);

const EVENTS = arg("events", 600_000);
const FILLS = arg("fills", 100_000);
const DELAYS = arg("delays", 300);
const RUNS = arg("runs", 3);
const MD_BATCH = arg("md-batch", 100);
const LINGER_MS = arg("linger", 2);
const MAX_BATCH_BYTES = arg("batch-bytes", 1_048_576);
const COMPRESSION = stringArg("compression", "lz4");
/**
 * "kafka" (default), or "null": a sink that acknowledges after 3 ms and sends nothing, so a run measures
 * the recorder's own cost. The load phase measures both regardless.
 */
const SINK = stringArg("sink", "kafka");
const LOAD_RATE = arg("load-rate", 250_000);
const PHASE_SECONDS = arg("phase-seconds", 6);
/** Most market events handed over in one 1 ms packet (a feed that fell behind catches up in several). */
const MAX_PACKET = 4096;
const GOAL_EVENTS_PER_S = 200_000;
/** Comma-separated subset of: recording, load, aggregator, delay. */
const PHASES = new Set(stringArg("phases", "recording,load,aggregator,delay").split(","));
const runsOf = (phase: string) => (PHASES.has(phase) ? RUNS : 0);

const core = await import("@openfloor/core");
const { startKafka } = await import("../packages/testkit/src/index.js");
const { KafkaSink } = await import("../packages/gateway/src/recording/kafka-sink.js");
const { Recorder } = await import("../packages/gateway/src/recording/recorder.js");
const { TopicConsumer } = await import("../packages/gateway/src/recording/topic-consumer.js");
const { recordOfMessage } = await import("../packages/gateway/src/recording/kafka-client.js");
const { Aggregator } = await import("../packages/gateway/src/aggregator/aggregator.js");
const { createGateway } = await import("../packages/gateway/src/gateway.js");
const { parseConfig } = await import("../packages/gateway/src/config/load-config.js");
type RecorderT = import("../packages/gateway/src/recording/recorder.js").Recorder;
type RecordingSinkT = import("../packages/gateway/src/recording/recording-sink.js").RecordingSink;

const { Decimal, defineInstrument, fillToProto, instrumentId, Money, decodeRecord } = core;
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
/** How long each `sink.write` held the event loop before returning its promise (the producer's synchronous part), ms. */
const sendBlocking: number[] = [];
const spill = async () => {
  const d = await mkdtemp(join(tmpdir(), "openfloor-bench-spill-"));
  dirs.push(d);
  return d;
};

async function recorderFor(prefix: string, partitions: number, sinkKind = SINK): Promise<RecorderT> {
  const options = {
    brokers: kafka.brokers,
    topics: { prefix, partitions },
    compression: COMPRESSION as "lz4" | "none" | "gzip" | "snappy" | "zstd",
  };
  const sink: RecordingSinkT =
    sinkKind === "null"
      ? {
          kind: "kafka",
          // Acknowledged 3 ms later without going anywhere: what the recorder itself costs.
          write: () => new Promise<void>((resolve) => setTimeout(resolve, 3)),
          close: async () => {},
          releasesValues: true,
        }
      : await KafkaSink.connect(options);
  const write = sink.write.bind(sink);
  sink.write = (records) => {
    const t = performance.now();
    const written = write(records);
    sendBlocking.push(performance.now() - t);
    return written;
  };
  return Recorder.open({
    sink,
    spillDir: await spill(),
    topicPrefix: prefix,
    queueCapacity: 131_072,
    maxBatch: 8192,
    marketDataBatch: MD_BATCH,
    lingerMs: LINGER_MS,
    maxBatchBytes: MAX_BATCH_BYTES,
  });
}

type CoreMarketEvent = import("@openfloor/core").MarketEvent;

/** Market event `i` of the synthetic load: trades and quotes alternating over 20 instruments. */
function marketEvent(i: number): CoreMarketEvent {
  const instrument = SYMBOLS[i % SYMBOLS.length]!;
  const ts = BigInt(i);
  return (i & 1) === 0
    ? {
        type: "trade",
        instrument,
        price: PRICE,
        size: SIZE,
        aggressor: "buy",
        tradeId: String(i),
        tsEventNs: ts,
        tsRecvNs: ts,
      }
    : {
        type: "quote",
        instrument,
        bidPrice: PRICE,
        bidSize: SIZE,
        askPrice: PRICE,
        askSize: SIZE,
        tsEventNs: ts,
        tsRecvNs: ts,
      };
}

/**
 * Records `events` market events as fast as the recorder takes them (yielding when its queue is near
 * full), through `recordMarketEvent` as the gateway does (core -> protobuf conversion in the pump).
 */
async function recordingRun(
  run: number,
): Promise<{ perSecond: number; dropped: number; cpuUsPerEvent: number }> {
  const recorder = await recorderFor(`bench-md-${run}.`, 6);
  const capacity = recorder.stats().queueCapacity;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    recorder.recordMarketEvent(marketEvent(i), 1_700_000_000_000 + i);
    if ((i & 1023) === 0 && recorder.stats().queueDepth > capacity - 16_384) {
      while (recorder.stats().queueDepth > capacity / 2) await new Promise((r) => setImmediate(r));
    }
  }
  await recorder.flush(120_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stats = recorder.stats();
  await recorder.close();
  return {
    perSecond: stats.written / seconds,
    dropped: stats.dropped,
    cpuUsPerEvent: (cpu.user + cpu.system) / stats.written,
  };
}

const TOKEN = "bench-token-0123456789abcdef";

/** An in-process gateway on a quiet simulated venue (no synthetic market, 0.5 ms each way): orders only. */
async function orderGateway() {
  const config = parseConfig(
    {
      listen: "127.0.0.1:0",
      venues: {
        sim: {
          adapter: "sim",
          config: {
            account: "main",
            synthetic: false,
            // A venue hop through the event loop, as a network round trip is: work queued in the
            // process (market data, the recorder's pump) then delays the accept, which is what is measured.
            latency: { fixedMs: 0.5, jitterMs: 0 },
            instruments: [
              {
                symbol: "BTC/USDT",
                base: "BTC",
                quote: "USDT",
                priceIncrement: "0.01",
                sizeIncrement: "0.001",
              },
            ],
            balances: { USDT: "100000000", BTC: "100" },
          },
        },
      },
      accounts: { main: { venue: "sim" } },
      strategies: { s: { token: TOKEN } },
      storage: { mode: "none" },
      logging: { level: "silent" },
    },
    { env: {} },
  );
  const gateway = createGateway(config, { grpc: false, logger: core.silentLogger });
  await gateway.start();
  return gateway;
}

/**
 * One phase of the order round trip under market data load: a generator feeds `LOAD_RATE` market
 * events/s into the gateway's data engine (and, with a recorder, into it too, as the venue sink does)
 * while limit orders go one at a time from `submit` to the venue's accept. Returns the round trips
 * (ms), the events offered and the recorder's counters.
 */
async function loadPhase(
  gateway: Awaited<ReturnType<typeof orderGateway>>,
  recorder: RecorderT | undefined,
  phase: string,
  phaseSeconds = PHASE_SECONDS,
): Promise<{
  samples: number[];
  offered: number;
  written: number;
  dropped: number;
  seconds: number;
  loopP99: number;
  sendP99: number;
}> {
  sendBlocking.length = 0;
  const { monitorEventLoopDelay } = await import("node:perf_hooks");
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const who = gateway.authenticate(TOKEN)!;
  const btc = instrumentId("BTC/USDT", "sim");
  let offered = 0;
  const t0 = performance.now();
  // The feed arrives as a venue's does, in packets: every millisecond the events due by then (about
  // LOAD_RATE / 1000), handed over in one go. Between packets the event loop is idle, as a gateway's is
  // between reads from its sockets.
  const packet = () => {
    const due = Math.floor(((performance.now() - t0) / 1000) * LOAD_RATE);
    const n = Math.min(due - offered, MAX_PACKET);
    for (let k = 0; k < n; k++, offered++) {
      const event = marketEvent(offered);
      gateway.marketData.onMarketEvent(event);
      recorder?.recordMarketEvent(event);
    }
  };
  const feed = setInterval(packet, 1);
  const samples: number[] = [];
  const accepted = new Map<string, () => void>();
  const off = gateway.execution.onUpdate((u) => {
    if (u.kind === "event" && u.event.kind === "accepted") accepted.get(u.order.clientOrderId)?.();
  });
  const end = t0 + phaseSeconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const id = `${phase}-${i}`;
    const seen = new Promise<void>((resolve) => accepted.set(id, resolve));
    const s0 = performance.now();
    await gateway.execution.submit(who, {
      clientOrderId: id,
      instrument: btc,
      side: "buy",
      type: "limit",
      timeInForce: "GTC",
      quantity: Decimal.from("0.001"),
      price: Decimal.from("40000"),
      postOnly: false,
      reduceOnly: false,
      strategyId: "",
      account: "",
    });
    await seen;
    if (i >= 20) samples.push(performance.now() - s0);
    accepted.delete(id);
    await gateway.execution.cancel(who, id).catch(() => {});
    await new Promise((r) => setImmediate(r));
  }
  clearInterval(feed);
  off();
  const seconds = (performance.now() - t0) / 1000;
  if (recorder !== undefined) await recorder.flush(120_000);
  const stats = recorder?.stats();
  loop.disable();
  return {
    samples,
    offered,
    written: stats?.written ?? 0,
    dropped: stats?.dropped ?? 0,
    seconds,
    loopP99: loop.percentile(99) / 1e6,
    sendP99: sendBlocking.length > 0 ? percentile(sendBlocking, 99) : 0,
  };
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
  // The order round trip first: the max-rate runs below leave the broker and the kernel flushing
  // hundreds of MB of log for a while, which would disturb whichever phase came next.
  if (runsOf("load") > 0) {
    // Warm-up, not measured: a gateway records for hours, so its code is compiled and its heap sized.
    const gateway = await orderGateway();
    await loadPhase(gateway, undefined, "warm-base", 2);
    const recorder = await recorderFor("bench-warm.", 6);
    await loadPhase(gateway, recorder, "warm-rec", 3);
    await recorder.close();
    await gateway.stop();
  }
  const baseP99: number[] = [];
  const recP99: number[] = [];
  const baseP50: number[] = [];
  const recP50: number[] = [];
  const baseLoop: number[] = [];
  const recLoop: number[] = [];
  const sendP99: number[] = [];
  const nullP99: number[] = [];
  const sustained: number[] = [];
  let loadDropped = 0;
  for (let r = 0; r < runsOf("load"); r++) {
    const gateway = await orderGateway();
    const without = await loadPhase(gateway, undefined, `base-${r}`);
    const nullRecorder = await recorderFor(`bench-null-${r}.`, 6, "null");
    const alone = await loadPhase(gateway, nullRecorder, `null-${r}`);
    await nullRecorder.close();
    const recorder = await recorderFor(`bench-load-${r}.`, 6);
    const withRec = await loadPhase(gateway, recorder, `rec-${r}`);
    await recorder.close();
    await gateway.stop();
    baseP99.push(percentile(without.samples, 99));
    recP99.push(percentile(withRec.samples, 99));
    nullP99.push(percentile(alone.samples, 99));
    baseP50.push(percentile(without.samples, 50));
    recP50.push(percentile(withRec.samples, 50));
    baseLoop.push(without.loopP99);
    recLoop.push(withRec.loopP99);
    sendP99.push(withRec.sendP99);
    sustained.push(withRec.written / withRec.seconds);
    loadDropped += withRec.dropped;
    const q = (xs: number[]) => [50, 90, 99, 99.9].map((k) => percentile(xs, k).toFixed(2)).join("/");
    console.log(
      `  round trip p50/p90/p99/p99.9 ${q(without.samples)} ms without, ${q(withRec.samples)} ms with recording, p99 ${percentile(alone.samples, 99).toFixed(2)} ms with the recorder on a null sink; event loop delay p99 ${without.loopP99.toFixed(2)} / ${withRec.loopP99.toFixed(2)} ms; producer send blocking p99 ${withRec.sendP99.toFixed(2)} ms`,
    );
    console.log(
      `order round trip run ${r + 1}: p99 ${baseP99[r]!.toFixed(3)} ms without recording (${Math.round(without.offered / without.seconds).toLocaleString("en-US")} md events/s into the gateway), ` +
        `${recP99[r]!.toFixed(3)} ms while recording ${Math.round(sustained[r]!).toLocaleString("en-US")} events/s (${withRec.dropped} dropped; ${withRec.samples.length} orders)`,
    );
  }
  const rates: number[] = [];
  const cpuPerEvent: number[] = [];
  let dropped = 0;
  for (let r = 0; r < runsOf("recording"); r++) {
    const { perSecond, dropped: d, cpuUsPerEvent } = await recordingRun(r);
    rates.push(perSecond);
    cpuPerEvent.push(cpuUsPerEvent);
    dropped += d;
    console.log(
      `recording run ${r + 1}: ${Math.round(perSecond).toLocaleString("en-US")} events/s, ${cpuUsPerEvent.toFixed(2)} µs CPU per event, ${d} dropped`,
    );
  }
  const aggregatorRates: number[] = [];
  for (let r = 0; r < runsOf("aggregator"); r++) {
    aggregatorRates.push(await aggregatorRun(r));
    console.log(
      `aggregator run ${r + 1}: ${Math.round(aggregatorRates[r]!).toLocaleString("en-US")} fills/s`,
    );
  }
  const p50: number[] = [];
  const p99: number[] = [];
  for (let r = 0; r < runsOf("delay"); r++) {
    const samples = await delayRun(r);
    p50.push(percentile(samples, 50));
    p99.push(percentile(samples, 99));
    console.log(`end-to-end run ${r + 1}: p50 ${p50[r]!.toFixed(2)} ms, p99 ${p99[r]!.toFixed(2)} ms`);
  }
  const figures: Record<string, Figure> = {
    "market data recorded": summarize(rates, "events/s", { goal: GOAL_EVENTS_PER_S, higherIsBetter: true }),
    "recorder CPU per market event": summarize(cpuPerEvent, "µs", { higherIsBetter: false }),
    "market data recorded under order load": summarize(sustained, "events/s", {
      goal: GOAL_EVENTS_PER_S,
      higherIsBetter: true,
    }),
    "order round trip p50, no recording": summarize(baseP50, "ms", { higherIsBetter: false }),
    "order round trip p50, recording": summarize(recP50, "ms", { higherIsBetter: false }),
    "order round trip p99, no recording": summarize(baseP99, "ms", { higherIsBetter: false }),
    "order round trip p99, recording": summarize(recP99, "ms", { higherIsBetter: false }),
    "order round trip p99 change with recording": summarize(
      recP99.map((p, i) => (p / baseP99[i]! - 1) * 100),
      "%",
      { goal: 10, higherIsBetter: false },
    ),
    "order round trip p99, recorder on a null sink": summarize(nullP99, "ms", { higherIsBetter: false }),
    "order round trip p99 change, recorder on a null sink": summarize(
      nullP99.map((p, i) => (p / baseP99[i]! - 1) * 100),
      "%",
      { higherIsBetter: false },
    ),
    "event loop delay p99, no recording": summarize(baseLoop, "ms", { higherIsBetter: false }),
    "event loop delay p99, recording": summarize(recLoop, "ms", { higherIsBetter: false }),
    "producer send, synchronous part p99": summarize(sendP99, "ms", { higherIsBetter: false }),
    "aggregator throughput (rebuild)": summarize(aggregatorRates, "fills/s", { higherIsBetter: true }),
    "fill -> global position p50": summarize(p50, "ms", { higherIsBetter: false }),
    "fill -> global position p99": summarize(p99, "ms", { higherIsBetter: false }),
  };
  if (PHASES.size < 4) {
    console.log("--phases given: a partial run, results not written");
  } else
    writeResult({
      name: "kafka-recording",
      title: "Kafka recording and the global position aggregator (local broker)",
      figures,
      notes: [
        `Single-node Kafka 4.1.1 (KRaft, testkit) on the same machine; idempotent producer (acks=all), lz4, 6 partitions; ${EVENTS.toLocaleString("en-US")} events per run, ${dropped} dropped in all runs.`,
        `Market data is framed ${MD_BATCH} events of one kind and instrument per Kafka record (schema version 2, \`encodeMarketDataBatch\`; readers expand it with \`decodeRecords\`); orders, fills and other records stay one per record. --md-batch 1 measures one record per event.`,
        "Recording rate counts events acknowledged by the broker, from the first recordMarketEvent() to the last acknowledgement, core -> protobuf conversion included. CPU per event is this process's user+system time over the run (the broker's excluded): the figure least disturbed by a busy machine.",
        `Order round trip: an in-process gateway (sim venue, no synthetic market) takes limit orders one at a time, submit -> venue accept (0.5 ms simulated latency each way), for ${PHASE_SECONDS} s (after a 5 s warm-up that is not measured) while a feed hands its data engine ${LOAD_RATE.toLocaleString("en-US")} market events/s in 1 ms packets (the loop idles between packets, as a gateway's does between socket reads; until 2026-11-25 a busy-polling generator kept the loop at 100 % and the baseline p99 near 5 ms); first without a recorder, then in the same run with one recording that market data to Kafka as the gateway's venue sink does (${loadDropped} events dropped in all runs). The p99 change is the recording phase against the one without. Between the two, a third phase runs the same recorder on a null sink (each write acknowledged 3 ms later, nothing sent): the recorder's own share (ring, framing, queue), against the producer's and the broker's. Event loop delay: perf_hooks.monitorEventLoopDelay over each phase. Producer send, synchronous part: how long each KafkaSink.write (the @platformatic/kafka producer building, compressing and checksumming the request) held the event loop before returning.`,
        `Aggregator throughput: a fresh aggregator rebuilding ${FILLS.toLocaleString("en-US")} fills (decode, de-duplicate, exact FIFO positions per account and per strategy) from the fills topic.`,
        `End-to-end: ${DELAYS} sequential fills, each from Recorder.record at a gateway to the updated account position read back from the positions topic (recorder linger 2 ms, consumer fetch wait 100 ms).`,
      ],
    });
} finally {
  await kafka.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}
process.exit(0);
