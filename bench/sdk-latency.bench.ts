// Tick-to-strategy latency of the SDK: from the moment the venue adapter hands a quote to the gateway
// (its `tsRecvNs` is overwritten with `process.hrtime.bigint()` there) to the strategy's quote callback,
// which reads the same monotonic clock. In-process: the gateway in this process. gRPC: the gateway in a
// second process (CLOCK_MONOTONIC is shared by the processes of one machine). The floor, measured in the
// same run: a bare grpc-js unary round trip to an empty method in that second process, and the same
// quote stream read by a bare grpc-js client (no SDK), which separates what the SDK adds from what the
// transport and the machine's scheduling cost.
//
// Plain script: node --conditions=@openfloor/source --import tsx bench/sdk-latency.bench.ts [--seconds 5] [--runs 3] [--interval-ms 2]

import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { credentials, Metadata } from "@grpc/grpc-js";
import { pb, type Quote, silentLogger } from "../packages/core/src/index.js";
import { parseConfig } from "../packages/gateway/src/index.js";
import { Strategy } from "../packages/sdk/src/index.js";
import { runStrategy } from "../packages/sdk/src/strategy/runner.js";
import { GrpcTransport } from "../packages/sdk/src/transport/grpc/index.js";
import { InProcessTransport } from "../packages/sdk/src/transport/in-process/index.js";
import type { Transport } from "../packages/sdk/src/transport/transport.js";
import { unaryFloorRoundTrips } from "./lib/grpc-floor.js";
import { percentile, summarize, writeResult } from "./lib/result.js";
import { LATENCY_TOKEN, latencyConfigInput, stampTicks } from "./sdk-latency-gateway.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = arg("seconds", 5);
const RUNS = arg("runs", 3);
const INTERVAL_MS = arg("interval-ms", 2);
const WARMUP_MS = 1000;
const UNARY = arg("unary", 3000);
const here = dirname(fileURLToPath(import.meta.url));

/** Records the age of every quote when its callback runs, in microseconds. */
class TickLatency extends Strategy {
  readonly samples: number[] = [];
  recording = false;
  override onStart(): void {
    this.data.quotes("BTC/USDT:sim").subscribe((q: Quote) => {
      const age = process.hrtime.bigint() - q.tsRecvNs;
      if (this.recording) this.samples.push(Number(age) / 1e3);
    });
  }
}

async function measure(transport: Transport): Promise<number[]> {
  const strategy = new TickLatency({ id: "bench" });
  const running = await runStrategy(strategy, transport);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  strategy.recording = true;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  strategy.recording = false;
  await running.stop();
  return strategy.samples;
}

async function inProcess(): Promise<number[]> {
  const config = parseConfig(latencyConfigInput(0, INTERVAL_MS), { env: {}, file: "bench" });
  const transport = new InProcessTransport({
    gateway: config,
    token: LATENCY_TOKEN,
    gatewayLogger: silentLogger,
  });
  const connect = transport.connect.bind(transport);
  transport.connect = async () => {
    await connect();
    stampTicks(transport.gateway);
  };
  return measure(transport);
}

async function startServer(): Promise<{ gateway: string; floor: string; stop(): void }> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@openfloor/source",
      "--import",
      "tsx",
      join(here, "sdk-latency-gateway.ts"),
      String(INTERVAL_MS),
    ],
    { stdio: ["ignore", "pipe", "inherit"], cwd: here, env: { ...process.env, NODE_ENV: "production" } },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`gateway process exited with ${code}`)));
  });
  return { ...(JSON.parse(line) as { gateway: string; floor: string }), stop: () => child.kill("SIGTERM") };
}

/** The gateway's quote stream read by a bare grpc-js client: tick age when its `data` event fires. */
async function rawStream(address: string): Promise<number[]> {
  const client = new pb.MarketDataServiceClient(address, credentials.createInsecure(), {
    "grpc-node.flow_control_window": 8 * 1024 * 1024,
  });
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${LATENCY_TOKEN}`);
  const samples: number[] = [];
  let recording = false;
  const call = client.subscribe(
    {
      instruments: [{ symbol: "BTC/USDT", venue: "sim" }],
      eventTypes: [pb.MarketEventType.MARKET_EVENT_TYPE_QUOTE],
      bookDepth: 0,
      barIntervals: [],
      slowConsumerPolicy: pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_UNSPECIFIED,
    },
    metadata,
  );
  call.on("data", (response: pb.SubscribeResponse) => {
    const now = process.hrtime.bigint();
    if (!recording) return;
    for (const e of response.frame?.events ?? []) {
      if (e.event?.$case === "quote") samples.push(Number(now - e.event.value.tsRecvNs) / 1e3);
    }
  });
  call.on("error", () => undefined);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  recording = true;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  recording = false;
  call.cancel();
  client.close();
  return samples;
}

async function main(): Promise<void> {
  const p50 = { inProcess: [] as number[], grpc: [] as number[], raw: [] as number[], floor: [] as number[] };
  const p99 = { inProcess: [] as number[], grpc: [] as number[], raw: [] as number[], floor: [] as number[] };
  let ticks = 0;
  for (let run = 0; run < RUNS; run++) {
    const local = await inProcess();
    const server = await startServer();
    let remote: number[];
    let raw: number[];
    let floor: number[];
    try {
      remote = await measure(new GrpcTransport({ address: server.gateway, token: LATENCY_TOKEN }));
      raw = await rawStream(server.gateway);
      floor = (await unaryFloorRoundTrips(server.floor, UNARY)).map((ms) => ms * 1e3);
    } finally {
      server.stop();
    }
    ticks += local.length + remote.length;
    for (const [key, s] of [
      ["inProcess", local],
      ["grpc", remote],
      ["raw", raw],
      ["floor", floor],
    ] as const) {
      p50[key].push(percentile(s, 50));
      p99[key].push(percentile(s, 99));
    }
    console.log(
      `run ${run + 1}: in-process p50 ${percentile(local, 50).toFixed(1)} µs p99 ${percentile(local, 99).toFixed(1)} µs (${local.length} ticks); ` +
        `gRPC p50 ${percentile(remote, 50).toFixed(1)} µs p99 ${percentile(remote, 99).toFixed(1)} µs (${remote.length} ticks); ` +
        `bare grpc-js stream p50 ${percentile(raw, 50).toFixed(1)} µs p99 ${percentile(raw, 99).toFixed(1)} µs; ` +
        `floor unary p50 ${percentile(floor, 50).toFixed(1)} µs p99 ${percentile(floor, 99).toFixed(1)} µs`,
    );
  }
  const floorP50 = summarize(p50.floor, "µs").median;
  writeResult({
    name: "sdk-latency",
    title: "SDK tick-to-strategy latency (adapter hand-off → strategy quote callback)",
    figures: {
      inProcessP50: summarize(p50.inProcess, "µs"),
      inProcessP99: summarize(p99.inProcess, "µs", { goal: 100, higherIsBetter: false }),
      grpcP50: summarize(p50.grpc, "µs", {
        ratio: { against: "unaryFloorP50", value: summarize(p50.grpc, "µs").median / floorP50 },
      }),
      grpcP99: summarize(p99.grpc, "µs", { goal: 1000, higherIsBetter: false }),
      bareGrpcStreamP50: summarize(p50.raw, "µs"),
      bareGrpcStreamP99: summarize(p99.raw, "µs"),
      unaryFloorP50: summarize(p50.floor, "µs"),
      unaryFloorP99: summarize(p99.floor, "µs"),
    },
    notes: [
      `${RUNS} runs of ${SECONDS} s after ${WARMUP_MS} ms warm-up; one instrument quoting every ${INTERVAL_MS} ms; ${ticks} ticks measured`,
      "the gRPC gateway runs in a second process; the floor is a bare grpc-js unary round trip (request and response), the stream is one way",
      "bare grpc-js stream: the same quote stream read by a plain grpc-js client without the SDK (tick age at its data event), measured right after the SDK in each run; the SDK's share is the difference",
    ],
  });
}

await main();
