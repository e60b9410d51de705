// Gateway over loopback gRPC, gateway in a second process (bench/gateway-grpc-server.ts):
//  - order round trip: SubmitOrder sent -> sim venue acks -> the strategy sees the ack on its
//    StreamOrderUpdates stream; p50/p99 (goal p50 < 1 ms)
//  - market-data fan-out to 1 and 10 subscribers, batched frames, events/s (goal >= 500k/s to one)
//  - the floor: a bare grpc-js unary round trip to an empty method, same run, same process layout
// Plain script: npx tsx bench/gateway-grpc.bench.ts [--orders 3000] [--unary 5000] [--seconds 3]
import { spawn } from "node:child_process";
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
import { percentile, summarize, writeResult } from "./lib/result.js";

const BENCH_TOKEN = "bench-token-0123456789abcdef0123";
const ORDERS = arg("orders", 3000);
const UNARY = arg("unary", 5000);
const SECONDS = arg("seconds", 3);
const RUNS = arg("runs", 3);
const here = dirname(fileURLToPath(import.meta.url));

async function startServer(): Promise<{ gateway: string; floor: string; stop(): void }> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      "--conditions=@openfloor/source",
      "--import",
      "tsx",
      join(here, "gateway-grpc-server.ts"),
    ],
    { stdio: ["ignore", "pipe", "inherit"], cwd: here, env: { ...process.env, NODE_ENV: "production" } },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`gateway process exited with ${code}`)));
  });
  const addresses = JSON.parse(line) as { gateway: string; floor: string };
  return { ...addresses, stop: () => child.kill("SIGTERM") };
}

/** A market data client's receive window: 64 KiB (the HTTP/2 default) caps one stream at about one frame per round trip. */
const CLIENT_OPTIONS = { "grpc-node.flow_control_window": 8 * 1024 * 1024 };

const md = new Metadata();
md.set("authorization", `Bearer ${BENCH_TOKEN}`);

async function floorRoundTrip(address: string): Promise<number[]> {
  const Floor = makeGenericClientConstructor({ getStatus: pb.AdminServiceService.getStatus }, "Floor");
  const client = new Floor(address, credentials.createInsecure()) as unknown as {
    getStatus(req: pb.GetStatusRequest, cb: (e: Error | null) => void): void;
    close(): void;
  };
  const once = () =>
    new Promise<void>((resolve, reject) => client.getStatus({}, (e) => (e ? reject(e) : resolve())));
  for (let i = 0; i < 500; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < UNARY; i++) {
    const t0 = process.hrtime.bigint();
    await once();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  client.close();
  return samples;
}

async function orderRoundTrip(address: string, run: number): Promise<number[]> {
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
      const clientOrderId = `r${run}-${i}`;
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
  for (let i = 0; i < 300; i++) await submit(-i - 1);
  const samples: number[] = [];
  for (let i = 0; i < ORDERS; i++) samples.push(await submit(i));
  stream.cancel();
  orders.close();
  return samples;
}

/** Counts a frame's events by walking its wire fields, without decoding the events. */
function countEvents(bytes: Buffer): { events: number; dropped: number } {
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
  while (i < bytes.length) {
    const tag = bytes[i++]!;
    if (tag === 0x12) {
      const [len, next] = varint(i);
      i = next + len;
      events++;
    } else {
      const [v, next] = varint(i);
      if (tag === 0x18) dropped = v;
      i = next;
    }
  }
  return { events, dropped };
}

const RawMarketData = makeGenericClientConstructor(
  { subscribe: { ...pb.MarketDataServiceService.subscribe, responseDeserialize: (b: Buffer) => b } },
  "RawMarketData",
);

async function fanOut(
  address: string,
  subscribers: number,
  decode: boolean,
): Promise<{ perSubscriber: number; total: number; dropped: number; eventsPerFrame: number }> {
  if (!decode) return fanOutRaw(address, subscribers);
  const clients = Array.from(
    { length: subscribers },
    () => new pb.MarketDataServiceClient(address, credentials.createInsecure(), CLIENT_OPTIONS),
  );
  let events = 0;
  let frames = 0;
  let dropped = 0;
  let counting = false;
  const streams: ClientReadableStream<pb.SubscribeResponse>[] = clients.map((client) => {
    const s = client.subscribe(
      {
        instruments: [{ symbol: "FIRE/USD", venue: "fire" }],
        eventTypes: [pb.MarketEventType.MARKET_EVENT_TYPE_TRADE],
        bookDepth: 0,
        barIntervals: [],
        slowConsumerPolicy: pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_CONFLATE,
      },
      md,
    );
    s.on("data", (m: pb.SubscribeResponse) => {
      if (!counting) return;
      events += m.frame?.events.length ?? 0;
      dropped += Number(m.frame?.droppedEvents ?? 0n);
      frames++;
    });
    s.on("error", () => {});
    return s;
  });
  await new Promise((r) => setTimeout(r, 1000));
  counting = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  counting = false;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const s of streams) s.cancel();
  for (const c of clients) c.close();
  await new Promise((r) => setTimeout(r, 300));
  return {
    perSubscriber: events / seconds / subscribers,
    total: events / seconds,
    dropped,
    eventsPerFrame: frames ? events / frames : 0,
  };
}

async function fanOutRaw(
  address: string,
  subscribers: number,
): Promise<{ perSubscriber: number; total: number; dropped: number; eventsPerFrame: number }> {
  const clients = Array.from(
    { length: subscribers },
    () =>
      new RawMarketData(address, credentials.createInsecure(), CLIENT_OPTIONS) as unknown as {
        subscribe(req: pb.SubscribeRequest, md: Metadata): ClientReadableStream<Buffer>;
        close(): void;
      },
  );
  let events = 0;
  let frames = 0;
  let dropped = 0;
  let counting = false;
  const streams = clients.map((client) => {
    const s = client.subscribe(
      {
        instruments: [{ symbol: "FIRE/USD", venue: "fire" }],
        eventTypes: [pb.MarketEventType.MARKET_EVENT_TYPE_TRADE],
        bookDepth: 0,
        barIntervals: [],
        slowConsumerPolicy: pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_CONFLATE,
      },
      md,
    );
    s.on("data", (b: Buffer) => {
      if (!counting) return;
      const n = countEvents(b);
      events += n.events;
      dropped += n.dropped;
      frames++;
    });
    s.on("error", () => {});
    return s;
  });
  await new Promise((r) => setTimeout(r, 1000));
  counting = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  counting = false;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const s of streams) s.cancel();
  for (const c of clients) c.close();
  await new Promise((r) => setTimeout(r, 300));
  return {
    perSubscriber: events / seconds / subscribers,
    total: events / seconds,
    dropped,
    eventsPerFrame: frames ? events / frames : 0,
  };
}

const loadBefore = loadavg()[0] ?? 0;
const server = await startServer();
try {
  const floorP50: number[] = [];
  const floorP99: number[] = [];
  const rttP50: number[] = [];
  const rttP99: number[] = [];
  const one: number[] = [];
  const oneWire: number[] = [];
  const tenEach: number[] = [];
  const tenEachWire: number[] = [];
  const tenTotal: number[] = [];
  const notes: string[] = [];
  for (let run = 0; run < RUNS; run++) {
    const floor = await floorRoundTrip(server.floor);
    floorP50.push(percentile(floor, 50));
    floorP99.push(percentile(floor, 99));
    const rtt = await orderRoundTrip(server.gateway, run);
    rttP50.push(percentile(rtt, 50));
    rttP99.push(percentile(rtt, 99));
    const f1 = await fanOut(server.gateway, 1, true);
    one.push(f1.perSubscriber);
    const f1w = await fanOut(server.gateway, 1, false);
    oneWire.push(f1w.perSubscriber);
    const f10 = await fanOut(server.gateway, 10, true);
    tenEach.push(f10.perSubscriber);
    tenTotal.push(f10.total);
    const f10w = await fanOut(server.gateway, 10, false);
    tenEachWire.push(f10w.perSubscriber);
    notes.push(
      `run ${run + 1}: floor p50 ${percentile(floor, 50).toFixed(3)} ms, order rtt p50 ${percentile(rtt, 50).toFixed(3)} ms p99 ${percentile(rtt, 99).toFixed(3)} ms, ` +
        `1 sub ${Math.round(f1.perSubscriber)} ev/s (${f1.eventsPerFrame.toFixed(0)} ev/frame, ${f1.dropped} conflated), ` +
        `10 subs ${Math.round(f10.perSubscriber)} ev/s each (${f10.eventsPerFrame.toFixed(0)} ev/frame, ${f10.dropped} conflated); ` +
        `counted on the wire: 1 sub ${Math.round(f1w.perSubscriber)} ev/s, 10 subs ${Math.round(f10w.perSubscriber)} ev/s each`,
    );
    console.log(notes[notes.length - 1]);
  }
  const floorMedian = summarize(floorP50, "ms").median;
  writeResult({
    name: "gateway-grpc",
    title: "Gateway over loopback gRPC (gateway in a second process, simulated venue)",
    figures: {
      unaryFloorP50: summarize(floorP50, "ms"),
      unaryFloorP99: summarize(floorP99, "ms"),
      orderRoundTripP50: summarize(rttP50, "ms", {
        goal: 1,
        higherIsBetter: false,
        ratio: { against: "unaryFloorP50", value: summarize(rttP50, "ms").median / floorMedian },
      }),
      orderRoundTripP99: summarize(rttP99, "ms"),
      fanOutOneSubscriberDecoded: summarize(one, "events/s"),
      fanOutOneSubscriberWire: summarize(oneWire, "events/s", { goal: 500_000, higherIsBetter: true }),
      fanOutTenSubscribersEachDecoded: summarize(tenEach, "events/s"),
      fanOutTenSubscribersEachWire: summarize(tenEachWire, "events/s"),
      fanOutTenSubscribersTotal: summarize(tenTotal, "events/s"),
    },
    notes: [
      `order round trip: SubmitOrder sent -> sim venue accepts -> ack seen on StreamOrderUpdates; ${ORDERS} sequential IOC orders per run, ${RUNS} runs`,
      `fan-out: trades from a firehose venue, ${SECONDS} s per measurement, all subscribers in one client process; "Decoded" decodes every frame with ts-proto (client-bound), "Wire" counts events by walking the frame's fields (what the gateway delivers)`,
      "machine: 2 cores shared by the gateway process, the client process and the synthetic venue",
      `1-minute load average before ${loadBefore.toFixed(2)}, after ${(loadavg()[0] ?? 0).toFixed(2)} (other work on the machine skews every figure)`,
      ...notes,
    ],
  });
} finally {
  server.stop();
}
