// Gateway over loopback gRPC, gateway in a second process (bench/gateway-grpc-server.ts):
//  - order round trip: SubmitOrder sent -> sim venue acks -> the strategy sees the ack on its
//    StreamOrderUpdates stream; p50/p99 (goal p50 < 1 ms); floor: a bare grpc-js unary round trip
//  - market-data fan-out from one firehose venue to 1, 5, 10, 25 and 50 subscribers (each its own HTTP/2
//    connection, as separate strategy processes would have), batched frames: events/s in total and per
//    subscriber, and the delay from the venue adapter to the subscriber (p50/p99), at saturation and paced;
//    floor: grpc-js alone streaming pre-encoded frames of the same size to the same number of subscribers
// Plain script: npx tsx bench/gateway-grpc.bench.ts [--orders 3000] [--unary 5000] [--seconds 3]
//   [--runs 3] [--subscribers 1,5,10,25,50] [--ladder-seconds 1.5] [--paced-rate 5000] [--durable-orders 500]
// BENCH_QUICK=1: fewer orders, shorter measurements, subscribers 1,10,50.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import {
  type ClientReadableStream,
  credentials,
  Metadata,
  makeGenericClientConstructor,
} from "@grpc/grpc-js";
import { pb } from "../packages/core/src/index.js";
import { numberArg as arg } from "./lib/cli.js";
import { unaryFloorRoundTrips } from "./lib/grpc-floor.js";
import { type Figure, percentile, summarize, writeResult } from "./lib/result.js";

const BENCH_TOKEN = "bench-token-0123456789abcdef0123";
const QUICK = process.env.BENCH_QUICK === "1";
const ORDERS = arg("orders", QUICK ? 1000 : 3000);
const UNARY = arg("unary", QUICK ? 1000 : 5000);
const SECONDS = arg("seconds", QUICK ? 1 : 3);
const RUNS = arg("runs", 3);
const LADDER_SECONDS = arg("ladder-seconds", QUICK ? 1 : 1.5);
const DURABLE_ORDERS = arg("durable-orders", QUICK ? 200 : 500);
const PACED_RATE = arg("paced-rate", 5000);
const subscribersArg = process.argv.indexOf("--subscribers");
const LADDER = (subscribersArg >= 0 ? process.argv[subscribersArg + 1]! : QUICK ? "1,10,50" : "1,5,10,25,50")
  .split(",")
  .map(Number);
const here = dirname(fileURLToPath(import.meta.url));
const INVOCATION = Date.now().toString(36);

async function startServer(
  env: Record<string, string> = {},
): Promise<{ gateway: string; floor: string; stop(): void }> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      "--conditions=@openfloor/source",
      "--import",
      "tsx",
      join(here, "gateway-grpc-server.ts"),
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      cwd: here,
      env: { ...process.env, NODE_ENV: "production", ...env },
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`gateway process exited with ${code}`)));
  });
  const addresses = JSON.parse(line) as { gateway: string; floor: string };
  return { ...addresses, stop: () => child.kill("SIGTERM") };
}

/**
 * A market data client's receive window: 64 KiB (the HTTP/2 default) caps one stream at about one frame per
 * round trip. A local subchannel pool gives every subscriber its own connection, like separate processes.
 */
const CLIENT_OPTIONS = {
  "grpc-node.flow_control_window": 8 * 1024 * 1024,
  "grpc.use_local_subchannel_pool": 1,
};

const md = new Metadata();
md.set("authorization", `Bearer ${BENCH_TOKEN}`);

async function orderRoundTrip(address: string, run: number, count = ORDERS, warmUp = 300): Promise<number[]> {
  const orders = new pb.OrdersServiceClient(address, credentials.createInsecure());
  const stream = orders.streamOrderUpdates({}, md);
  await new Promise<void>((resolve) => stream.once("metadata", () => resolve()));
  const waiting = new Map<string, () => void>();
  stream.on("data", (m: pb.StreamOrderUpdatesResponse) => {
    if (m.update?.$case !== "event") return;
    const kind = m.update.value.kind;
    if (
      kind === pb.OrderEventKind.ORDER_EVENT_KIND_SUBMITTED ||
      kind === pb.OrderEventKind.ORDER_EVENT_KIND_FILLED
    )
      return;
    const id = m.update.value.order?.clientOrderId ?? "";
    waiting.get(id)?.();
    waiting.delete(id);
  });
  stream.on("error", () => {});
  const submit = (i: number) =>
    new Promise<number>((resolve, reject) => {
      // Unique across bench invocations: the durable gateway's audit store outlives a run.
      const clientOrderId = `r${INVOCATION}-${run}-${i}`;
      const t0 = process.hrtime.bigint();
      waiting.set(clientOrderId, () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
      // IOC far below the market: accepted, then canceled unfilled, so nothing piles up at the venue.
      orders.submitOrder(
        {
          clientOrderId,
          instrument: { symbol: "BTC/USDT", venue: "sim" },
          side: pb.Side.SIDE_BUY,
          type: pb.OrderType.ORDER_TYPE_LIMIT,
          timeInForce: pb.TimeInForce.TIME_IN_FORCE_IOC,
          quantity: { mantissa: 1n, scale: 3 },
          price: { mantissa: 4000000n, scale: 2 },
          triggerPrice: undefined,
          postOnly: false,
          reduceOnly: false,
          expireTimeNs: 0n,
          account: "",
        },
        md,
        (e) => {
          if (e) reject(e);
        },
      );
    });
  for (let i = 0; i < warmUp; i++) await submit(-i - 1);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await submit(i));
  stream.cancel();
  orders.close();
  return samples;
}

/** Nanoseconds since the epoch as a double (the server stamps events the same way; ~0.25 µs resolution). */
const epochNs = () => (performance.timeOrigin + performance.now()) * 1e6;

/**
 * Walks a SubscribeResponse's wire fields without decoding the events: the frame's event count, its
 * dropped-events counter and the venue timestamp (Trade.ts_event_ns) of its first, oldest, event.
 */
function readFrame(bytes: Buffer): { events: number; dropped: number; firstTsNs: number } {
  const varint = (at: number): [number, number] => {
    let v = 0;
    let shift = 0;
    let i = at;
    for (;;) {
      const b = bytes[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return [v, i];
      shift += 7;
    }
  };
  let [, i] = varint(1); // SubscribeResponse.frame: tag, length
  let events = 0;
  let dropped = 0;
  let firstTsNs = 0;
  while (i < bytes.length) {
    const tag = bytes[i++]!;
    if (tag === 0x12) {
      const [len, next] = varint(i);
      if (events === 0) firstTsNs = tradeTime(next, next + len);
      i = next + len;
      events++;
    } else {
      const [v, next] = varint(i);
      if (tag === 0x18) dropped = v;
      i = next;
    }
  }
  return { events, dropped, firstTsNs };

  /** MarketEvent { trade = 1 } -> Trade.ts_event_ns (field 6, varint); 0 when absent. */
  function tradeTime(from: number, to: number): number {
    if (bytes[from] !== 0x0a) return 0;
    const [len, start] = varint(from + 1);
    let j = start;
    const end = Math.min(to, start + len);
    while (j < end) {
      const tag = bytes[j++]!;
      const wire = tag & 7;
      if (wire === 2) {
        const [l, n] = varint(j);
        j = n + l;
      } else {
        const [v, n] = varint(j);
        if (tag === 0x30) return v;
        j = n;
      }
    }
    return 0;
  }
}

const RawMarketData = makeGenericClientConstructor(
  { subscribe: { ...pb.MarketDataServiceService.subscribe, responseDeserialize: (b: Buffer) => b } },
  "RawMarketData",
);

interface FanOut {
  /** Events per second over all subscribers. */
  total: number;
  /** Events per second of each subscriber. */
  perSubscriber: number[];
  dropped: number;
  eventsPerFrame: number;
  /** Delay of each frame's oldest event, venue adapter -> subscriber, ms (empty when the source has no times). */
  delaysMs: number[];
}

const subscribeRequest: pb.SubscribeRequest = {
  instruments: [{ symbol: "FIRE/USD", venue: "fire" }],
  eventTypes: [pb.MarketEventType.MARKET_EVENT_TYPE_TRADE],
  bookDepth: 0,
  barIntervals: [],
  slowConsumerPolicy: pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_CONFLATE,
};

/**
 * Subscribes `subscribers` streams (each its own connection), waits a second, then counts for `seconds`.
 * "decode" decodes every frame with ts-proto (what a strategy pays); otherwise events are counted on the wire.
 */
async function fanOut(
  address: string,
  subscribers: number,
  decode: boolean,
  seconds: number,
): Promise<FanOut> {
  const counts = new Array<number>(subscribers).fill(0);
  let frames = 0;
  let dropped = 0;
  let counting = false;
  const delaysMs: number[] = [];
  const clients: { close(): void }[] = [];
  const streams: ClientReadableStream<unknown>[] = [];
  for (let k = 0; k < subscribers; k++) {
    if (decode) {
      const client = new pb.MarketDataServiceClient(address, credentials.createInsecure(), CLIENT_OPTIONS);
      const s = client.subscribe(subscribeRequest, md);
      s.on("data", (m: pb.SubscribeResponse) => {
        if (!counting) return;
        counts[k]! += m.frame?.events.length ?? 0;
        dropped += Number(m.frame?.droppedEvents ?? 0n);
        frames++;
        const first = m.frame?.events[0]?.event;
        if (first?.$case === "trade" && first.value.tsEventNs > 0n)
          delaysMs.push((epochNs() - Number(first.value.tsEventNs)) / 1e6);
      });
      clients.push(client);
      streams.push(s);
    } else {
      const client = new RawMarketData(address, credentials.createInsecure(), CLIENT_OPTIONS) as unknown as {
        subscribe(req: pb.SubscribeRequest, md: Metadata): ClientReadableStream<Buffer>;
        close(): void;
      };
      const s = client.subscribe(subscribeRequest, md);
      s.on("data", (b: Buffer) => {
        if (!counting) return;
        const f = readFrame(b);
        counts[k]! += f.events;
        dropped += f.dropped;
        frames++;
        if (f.firstTsNs > 0) delaysMs.push((epochNs() - f.firstTsNs) / 1e6);
      });
      clients.push(client);
      streams.push(s);
    }
  }
  for (const s of streams) s.on("error", () => {});
  await new Promise((r) => setTimeout(r, 1000));
  counting = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  counting = false;
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const s of streams) s.cancel();
  for (const c of clients) c.close();
  await new Promise((r) => setTimeout(r, 300));
  const events = counts.reduce((a, b) => a + b, 0);
  return {
    total: events / elapsed,
    perSubscriber: counts.map((c) => c / elapsed),
    dropped,
    eventsPerFrame: frames ? events / frames : 0,
    delaysMs,
  };
}

const loadBefore = loadavg()[0] ?? 0;
const samples = new Map<string, number[]>();
const add = (key: string, v: number) => {
  const list = samples.get(key) ?? [];
  list.push(v);
  samples.set(key, list);
};
const notes: string[] = [];
const round = (n: number) => Math.round(n).toLocaleString("en-US");

const server = await startServer();
try {
  for (let run = 0; run < RUNS; run++) {
    const floor = await unaryFloorRoundTrips(server.floor, UNARY);
    add("unaryFloorP50", percentile(floor, 50));
    add("unaryFloorP99", percentile(floor, 99));
    const rtt = await orderRoundTrip(server.gateway, run);
    add("orderRoundTripP50", percentile(rtt, 50));
    add("orderRoundTripP99", percentile(rtt, 99));
    const d1 = await fanOut(server.gateway, 1, true, SECONDS);
    add("fanOutOneSubscriberDecoded", d1.total);
    const d10 = await fanOut(server.gateway, 10, true, SECONDS);
    add("fanOutTenSubscribersEachDecoded", d10.total / 10);
    const line = [
      `run ${run + 1}: floor p50 ${percentile(floor, 50).toFixed(3)} ms, order rtt p50 ${percentile(rtt, 50).toFixed(3)} ms p99 ${percentile(rtt, 99).toFixed(3)} ms; decoded: 1 sub ${round(d1.total)} ev/s, 10 subs ${round(d10.total / 10)} ev/s each`,
    ];
    for (const n of LADDER) {
      const f = await fanOut(server.gateway, n, false, LADDER_SECONDS);
      const fl = await fanOut(server.floor, n, false, LADDER_SECONDS);
      add(`fanOut${n}.total`, f.total);
      add(`fanOut${n}.perSubscriber`, f.total / n);
      add(`fanOut${n}.slowestSubscriber`, Math.min(...f.perSubscriber));
      add(`fanOut${n}.saturatedDelayP99`, percentile(f.delaysMs, 99));
      add(`floor${n}.total`, fl.total);
      line.push(
        `${n} subs: ${round(f.total)} ev/s total (floor ${round(fl.total)}), ${round(f.total / n)} each (slowest ${round(Math.min(...f.perSubscriber))}), ${f.eventsPerFrame.toFixed(0)} ev/frame, ${f.dropped} conflated, delay at saturation p50 ${percentile(f.delaysMs, 50).toFixed(1)} ms p99 ${percentile(f.delaysMs, 99).toFixed(1)} ms`,
      );
    }
    notes.push(line.join("; "));
    console.log(notes[notes.length - 1]);
  }
} finally {
  server.stop();
}

// Paced: the venue emits PACED_RATE events/s, well under saturation, so the delay is the path's, not a queue's.
// This gateway also has its embedded PostgreSQL audit store: the durable order round trip.
const paced = await startServer({ BENCH_FIREHOSE_RATE: String(PACED_RATE), BENCH_AUDIT: "embedded" });
try {
  for (let run = 0; run < RUNS; run++) {
    const durable = await orderRoundTrip(paced.gateway, run, DURABLE_ORDERS, 50);
    add("orderRoundTripDurableP50", percentile(durable, 50));
    add("orderRoundTripDurableP99", percentile(durable, 99));
    const line: string[] = [
      `durable order rtt p50 ${percentile(durable, 50).toFixed(3)} ms p99 ${percentile(durable, 99).toFixed(3)} ms`,
    ];
    for (const n of LADDER) {
      const f = await fanOut(paced.gateway, n, false, LADDER_SECONDS);
      add(`paced${n}.delayP50`, percentile(f.delaysMs, 50));
      add(`paced${n}.delayP99`, percentile(f.delaysMs, 99));
      line.push(
        `${n} subs: ${round(f.total / n)} ev/s each, ${f.eventsPerFrame.toFixed(0)} ev/frame, delay p50 ${percentile(f.delaysMs, 50).toFixed(2)} ms p99 ${percentile(f.delaysMs, 99).toFixed(2)} ms`,
      );
    }
    notes.push(`paced run ${run + 1} (${PACED_RATE} ev/s in): ${line.join("; ")}`);
    console.log(notes[notes.length - 1]);
  }
} finally {
  paced.stop();
}

const fig = (key: string, unit: string, extra: Partial<Figure> = {}) =>
  summarize(samples.get(key)!, unit, extra);
const median = (key: string) => fig(key, "").median;
const figures: Record<string, Figure> = {
  unaryFloorP50: fig("unaryFloorP50", "ms"),
  unaryFloorP99: fig("unaryFloorP99", "ms"),
  orderRoundTripP50: fig("orderRoundTripP50", "ms", {
    goal: 1,
    higherIsBetter: false,
    ratio: { against: "unaryFloorP50", value: median("orderRoundTripP50") / median("unaryFloorP50") },
  }),
  orderRoundTripP99: fig("orderRoundTripP99", "ms", {
    ratio: { against: "unaryFloorP99", value: median("orderRoundTripP99") / median("unaryFloorP99") },
  }),
  orderRoundTripDurableP50: fig("orderRoundTripDurableP50", "ms", {
    ratio: {
      against: "orderRoundTripP50",
      value: median("orderRoundTripDurableP50") / median("orderRoundTripP50"),
    },
  }),
  orderRoundTripDurableP99: fig("orderRoundTripDurableP99", "ms"),
  fanOutOneSubscriberDecoded: fig("fanOutOneSubscriberDecoded", "events/s"),
  fanOutTenSubscribersEachDecoded: fig("fanOutTenSubscribersEachDecoded", "events/s"),
};
for (const n of LADDER) {
  figures[`fanOut${n}.total`] = fig(`fanOut${n}.total`, "events/s", {
    ratio: { against: `floor${n}.total`, value: median(`fanOut${n}.total`) / median(`floor${n}.total`) },
  });
  figures[`fanOut${n}.perSubscriber`] = fig(
    `fanOut${n}.perSubscriber`,
    "events/s",
    n === 1 ? { goal: 500_000, higherIsBetter: true } : {},
  );
  figures[`fanOut${n}.slowestSubscriber`] = fig(`fanOut${n}.slowestSubscriber`, "events/s");
  figures[`fanOut${n}.saturatedDelayP99`] = fig(`fanOut${n}.saturatedDelayP99`, "ms", {
    higherIsBetter: false,
  });
  figures[`floor${n}.total`] = fig(`floor${n}.total`, "events/s");
}
for (const n of LADDER) {
  figures[`paced${n}.delayP50`] = fig(`paced${n}.delayP50`, "ms", { higherIsBetter: false });
  figures[`paced${n}.delayP99`] = fig(`paced${n}.delayP99`, "ms", { higherIsBetter: false });
}

writeResult({
  name: "gateway-grpc",
  title: "Gateway over loopback gRPC: order round trip and market-data fan-out to 1–50 subscribers",
  howMeasured:
    `Gateway (simulated venue + a "firehose" venue) in a second process, all subscribers in one client process, each on its own HTTP/2 connection; ${RUNS} runs. ` +
    `Order round trip: SubmitOrder sent -> sim venue accepts -> ack seen on StreamOrderUpdates, ${ORDERS} sequential IOC orders per run (${DURABLE_ORDERS} durable), gateway without an audit store (storage "none"); its floor is a bare grpc-js unary call to an empty method; "Durable" is the same with the gateway's embedded PostgreSQL audit store (write-ahead intent committed, fsync on, before the venue sees the order). ` +
    `Fan-out: trades from the firehose as fast as the gateway drains them, ${LADDER_SECONDS} s per measurement after 1 s warm-up, events counted by walking each frame's wire fields (what the gateway delivers); its floor is grpc-js alone streaming a pre-encoded frame of the same 1000 trades to as many subscribers. ` +
    `Delay: venue adapter timestamp of each frame's oldest event -> frame received, wall clocks of the two processes (performance.timeOrigin + now()); at saturation it is mostly queueing, paced (${PACED_RATE} events/s into the gateway) it is the path's own. "Decoded" figures decode every frame with ts-proto (client-bound).`,
  versions: { "@grpc/grpc-js": grpcVersion() },
  figures,
  notes: [
    "machine: 2 cores shared by the gateway process, the client process (all subscribers) and the synthetic venue; with 25 or 50 subscribers the one client process is a bottleneck of its own",
    `1-minute load average before ${loadBefore.toFixed(2)}, after ${(loadavg()[0] ?? 0).toFixed(2)} (other work on the machine skews every figure)`,
    ...notes,
  ],
});

function grpcVersion(): string {
  try {
    const pkg = createRequire(import.meta.url)("@grpc/grpc-js/package.json") as { version: string };
    return pkg.version;
  } catch {
    return "unknown";
  }
}
