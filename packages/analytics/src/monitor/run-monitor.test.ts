import { mkdtemp, rm } from "node:fs/promises";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { SegmentLogWriter } from "@openfloor/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { orderEventRecord, performanceRecord, positionRecord, riskRecord } from "../testing/records.js";
import type { MonitorSnapshot } from "./monitor-state.js";
import { type MonitorHandle, runMonitor } from "./run-monitor.js";

let dir: string;
let log: SegmentLogWriter;
let monitor: MonitorHandle | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "of-monitor-"));
  log = await SegmentLogWriter.open({ dir, sync: false, syncIntervalMs: 0 });
});
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** Reads Server-Sent Events from `url` and resolves with the first state that satisfies `until`. */
function nextState(
  url: string,
  until: (s: MonitorSnapshot) => boolean,
  timeoutMs = 15_000,
): Promise<{ states: number; state: MonitorSnapshot }> {
  return new Promise((resolve, reject) => {
    let states = 0;
    let buffer = "";
    const req = get(url, (res) => {
      expect(res.headers["content-type"]).toBe("text/event-stream");
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (!/^event: state$/m.test(event) || data === undefined) continue;
          states++;
          const state = JSON.parse(data) as MonitorSnapshot;
          if (until(state)) {
            clearTimeout(timer);
            req.destroy();
            resolve({ states, state });
          }
        }
      });
    });
    req.on("error", () => {});
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no matching state within ${timeoutMs} ms (${states} states seen)`));
    }, timeoutMs);
  });
}

describe("runMonitor on a local segment log", () => {
  it("pushes live updates over Server-Sent Events as records are appended, and alerts near a limit", async () => {
    const terminal = new PassThrough();
    let screen = "";
    terminal.on("data", (b: Buffer) => {
      screen += b.toString();
    });
    monitor = await runMonitor({
      source: { logDir: dir },
      port: 0,
      terminal,
      refreshMs: 50,
      limits: { maxGrossExposure: "1000", maxDrawdown: "50" },
    });
    const events = `${monitor.url}events`;
    // the first event is the state as it is: nothing yet
    const first = await nextState(events, () => true);
    expect(first.state.strategies).toEqual([]);

    const waiting = nextState(events, (s) => s.strategies[0]?.totalPnl === "12.5");
    log.append(
      performanceRecord({
        strategyId: "alpha",
        totalPnl: "12.5",
        realizedPnl: "10",
        unrealizedPnl: "2.5",
        grossExposure: "300",
        orders: 3,
        fills: 2,
        tsNs: nowNs(),
      }),
    );
    log.append(positionRecord("alpha", "BTC/USDT:sim", "0.5", "60000", "2.5", nowNs()));
    await log.flush();
    const updated = await waiting;
    expect(updated.state.strategies[0]).toMatchObject({
      strategy: "alpha",
      totalPnl: "12.5",
      realizedPnl: "10",
      orders: 3,
    });

    // PnL falls 60 from its peak of 12.5 (drawdown limit 50) and exposure reaches 85% of 1000
    const alerted = nextState(events, (s) => s.alerts.length >= 2 && s.positions.length === 1);
    log.append(
      performanceRecord({
        strategyId: "alpha",
        totalPnl: "-47.5",
        grossExposure: "850",
        tsNs: nowNs() + 1000n,
      }),
    );
    log.append(riskRecord("acc", "active", "850", "-47.5", nowNs()));
    log.append(
      orderEventRecord(
        {
          clientOrderId: "x",
          strategyId: "alpha",
          instrument: "BTC/USDT:sim",
          side: "buy",
          quantity: "1",
          createdNs: nowNs(),
        },
        "submitted",
        nowNs(),
        "submitted",
      ),
    );
    await log.flush();
    const { state } = await alerted;
    expect(state.alerts).toEqual([
      expect.objectContaining({ level: "near", subject: "account:acc", limit: "maxGrossExposure" }),
      expect.objectContaining({ level: "breach", subject: "strategy:alpha", limit: "maxDrawdown" }),
    ]);
    expect(state.strategies[0]).toMatchObject({ drawdown: "60" });
    expect(state.strategies[0]!.ordersPerSecond).toBeCloseTo(0.1, 9);

    // the terminal dashboard redrew with the same numbers
    await new Promise((r) => setTimeout(r, 150));
    expect(screen).toContain("\x1b[H\x1b[2J");
    const lastScreen = screen.slice(screen.lastIndexOf("\x1b[H\x1b[2J"));
    expect(lastScreen).toMatch(/alpha\s+-47\.5/);
    expect(lastScreen).toContain("NEAR");
    expect(lastScreen).toContain("account:acc gross exposure 850 is 85% of its limit 1000");

    // the page is self-contained and subscribes to the events
    const html = await new Promise<string>((resolve) =>
      get(monitor!.url!, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve(body));
      }),
    );
    expect(html).toContain("new EventSource('events')");
    expect(html).not.toMatch(/<script[^>]+src=/);
  }, 30_000);
});
