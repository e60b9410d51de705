import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { status as grpcStatus } from "@grpc/grpc-js";
import { pb } from "@openfloor/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALPHA_TOKEN,
  auth,
  BTC,
  type Clients,
  clientsFor,
  ETH,
  type RunningGateway,
  StreamReader,
  simVenueConfig,
  startTestGateway,
  testConfigInput,
} from "./grpc-harness.js";

const subscribe = (policy: pb.SlowConsumerPolicy): pb.SubscribeRequest => ({
  instruments: [BTC, ETH],
  eventTypes: [],
  bookDepth: 0,
  barIntervals: [],
  slowConsumerPolicy: policy,
});

describe("slow market data consumers", () => {
  let gw: RunningGateway;
  let c: Clients;

  beforeAll(async () => {
    // One event per frame and a tiny queue, so a client that stops reading is found slow quickly.
    const busy = simVenueConfig();
    const instruments = busy.instruments as Record<string, unknown>[];
    instruments[1] = {
      ...instruments[1],
      market: {
        startPrice: "50",
        depthLevels: 20,
        levelSize: "2",
        volatilityTicks: 3,
        sizeChangeProbability: 1,
        tradesPerSecond: 5000,
        updateIntervalMs: 1,
      },
    };
    gw = await startTestGateway(
      testConfigInput({
        venues: { sim: { adapter: "sim", config: busy } },
        marketData: { frameMaxEvents: 4, queueMaxEvents: 64, maxBufferedBytes: 4096 },
      }),
    );
    c = clientsFor(gw.address);
  });

  afterAll(async () => {
    c?.close();
    await gw?.stop();
  });

  /** A subscriber in a child process, stopped with SIGSTOP once it has received its first frame. */
  async function stoppedSubscriber(
    policy: pb.SlowConsumerPolicy,
  ): Promise<{ child: ChildProcess; lines: StreamReaderLike }> {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL("./slow-subscriber.fixture.mjs", import.meta.url))],
      {
        env: {
          ...process.env,
          ADDRESS: gw.address,
          TOKEN: ALPHA_TOKEN,
          REQUEST: Buffer.from(pb.SubscribeRequest.encode(subscribe(policy)).finish()).toString("base64"),
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const lines = lineReader(child);
    await lines.next((l) => l.startsWith("frame"));
    child.kill("SIGSTOP");
    return { child, lines };
  }

  /** Resolves once the gateway counted a slow consumer handled with `action`. */
  async function slowConsumerSeen(action: "conflate" | "disconnect", before: number): Promise<void> {
    while ((await slowConsumerCount(action)) <= before) await new Promise((r) => setTimeout(r, 10));
  }

  async function slowConsumerCount(action: "conflate" | "disconnect"): Promise<number> {
    return (
      (await gw.gateway.metrics.slowConsumers.get()).values.find((v) => v.labels.action === action)?.value ??
      0
    );
  }

  it("ends a stalled DISCONNECT subscriber with RESOURCE_EXHAUSTED while a reading one keeps flowing", async () => {
    const healthy = new StreamReader(
      c.marketData.subscribe(
        subscribe(pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_CONFLATE),
        auth(ALPHA_TOKEN),
      ),
    );
    const before = await slowConsumerCount("disconnect");
    const { child, lines } = await stoppedSubscriber(pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_DISCONNECT);
    try {
      await slowConsumerSeen("disconnect", before);
      // The healthy subscriber still gets fresh frames after the other was dropped.
      const seq = (await healthy.next()).frame?.frameSequence ?? 0n;
      await healthy.next((m) => (m.frame?.frameSequence ?? 0n) > seq + 5n);
      // The status follows the frames already sent: the stopped client sees it once it runs again.
      child.kill("SIGCONT");
      const status = await lines.next((l) => l.startsWith("status"), 15_000);
      expect(status).toMatch(new RegExp(`^status ${grpcStatus.RESOURCE_EXHAUSTED} slow consumer`));
    } finally {
      healthy.cancel();
      child.kill("SIGKILL");
    }
  }, 30_000);

  it("conflates a stalled CONFLATE subscriber and reports what it dropped when it reads again", async () => {
    const before = await slowConsumerCount("conflate");
    const { child, lines } = await stoppedSubscriber(pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_CONFLATE);
    try {
      await slowConsumerSeen("conflate", before);
      child.kill("SIGCONT");
      const frame = await lines.next((l) => /^frame [1-9]/.test(l), 15_000);
      expect(Number(frame.split(" ")[1])).toBeGreaterThan(0);
    } finally {
      child.kill("SIGKILL");
    }
  }, 30_000);
});

interface StreamReaderLike {
  next(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
}

/** Lines of a child's stdout; `next` resolves with the first buffered or future line that matches. */
function lineReader(child: ChildProcess): StreamReaderLike {
  const lines: string[] = [];
  const waiters: { predicate: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const i = waiters.findIndex((w) => w.predicate(line));
    if (i >= 0) waiters.splice(i, 1)[0]?.resolve(line);
    else lines.push(line);
  });
  return {
    next(predicate, timeoutMs = 10_000) {
      const i = lines.findIndex(predicate);
      if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error("no matching line from the subscriber process")),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
}
