import { randomUUID } from "node:crypto";
import { instrumentId, Money, type pb } from "@openfloor/core";
import { useKafka } from "@openfloor/testkit/vitest";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { fillProto, quoteProto } from "../recording/fixtures.test-support.js";
import { GlobalRiskListener, type GlobalRiskUpdate } from "../recording/global-risk-listener.js";
import type { Recorder } from "../recording/recorder.js";
import { Aggregator } from "./aggregator.js";
import {
  expectedGross,
  expectedPositions,
  gatewayRecorder,
  Inbox,
  PositionsWatcher,
  rng,
  spot,
  streamFill,
} from "./aggregator.test-support.js";

const VENUES = ["venue-a", "venue-b"] as const;
const INSTRUMENTS = VENUES.map(spot);

describe("Aggregator over two gateways' fills", () => {
  let brokers: string[];
  const cleanup: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    ({ brokers } = await useKafka());
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
  });

  async function setup(prefix: string) {
    // One recorder per gateway, each on its own venue.
    const gateways: Recorder[] = [];
    for (let g = 0; g < VENUES.length; g++) {
      const r = await gatewayRecorder(brokers, prefix);
      gateways.push(r);
      cleanup.push(() => r.close());
    }
    const watcher = await PositionsWatcher.start(brokers, `${prefix}positions`);
    cleanup.push(() => watcher.close());
    const sent: pb.Fill[] = [];
    const random = rng(7);
    let next = 0;
    /** Records `n` more fills through the gateway of their venue; every 7th is recorded twice. */
    const record = (n: number) => {
      for (let k = 0; k < n; k++, next++) {
        const fill = streamFill(next, VENUES, random);
        const gateway = gateways[next % VENUES.length]!;
        gateway.record("fill", fill, 1_700_000_000_000 + next);
        sent.push(fill);
        if (next % 7 === 3) {
          gateway.record("fill", fill, 1_700_000_000_000 + next);
          sent.push(fill);
        }
      }
    };
    const flush = () => Promise.all(gateways.map((g) => g.flush()));
    const start = async (instanceId: string) => {
      const a = await Aggregator.start({
        brokers,
        groupId: `${prefix}agg`,
        instanceId,
        instruments: INSTRUMENTS,
        topics: { prefix, partitions: 3 },
        publishIntervalMs: 200,
      });
      cleanup.push(() => a.stop());
      return a;
    };
    return { gateways, watcher, sent, record, flush, start };
  }

  it("publishes positions equal to the sum of each venue's fills, exactly, duplicates counted once", async () => {
    const prefix = `agg-${randomUUID().slice(0, 8)}.`;
    const t = await setup(prefix);
    const aggregator = await t.start("agg-1");
    t.record(300);
    await t.flush();
    const expected = expectedPositions(t.sent, INSTRUMENTS);
    await t.watcher.until(() => t.watcher.matches(expected), "the aggregated positions");
    // Account-level, per strategy, on both venues; every fill once.
    expect(expected.size).toBe(3 * 2 + 3 * 2 * 2);
    const stats = aggregator.stats();
    expect(stats.fillsApplied).toBe(300);
    expect(stats.duplicates).toBe(t.sent.length - 300);
    expect(stats.ready).toEqual([0, 1, 2]);
    // Each record says which fills it includes.
    const one = t.watcher.latest.get("acct-0|BTC/USDT:venue-a|");
    expect(one?.headers["of-fills-partition"]).toMatch(/^[0-2]$/);
    expect(Number(one?.headers["of-fills-offset"])).toBeGreaterThan(0);
  });

  it("killed mid-stream without any commit and restarted, it loses and double-counts nothing", async () => {
    const prefix = `kill-${randomUUID().slice(0, 8)}.`;
    const t = await setup(prefix);
    const first = await t.start("agg-kill");
    t.record(200);
    await t.flush();
    // Kill it while it is still working through the stream: some fills applied, some published, some unread.
    await t.watcher.until(() => t.watcher.latest.size > 0, "the first published position");
    t.record(100);
    await first.kill();
    expect(first.stats().fillsApplied).toBeLessThan(300);
    t.record(150);
    await t.flush();
    const second = await t.start("agg-kill");
    await second.whenReady();
    const expected = expectedPositions(t.sent, INSTRUMENTS);
    await t.watcher.until(() => t.watcher.matches(expected), "positions after the restart");
    expect(second.stats().fillsApplied).toBe(450);
    expect(second.stats().duplicates).toBe(t.sent.length - 450);
    for (const p of second.positions()) {
      const e = expected.get(
        `${p.account}|${p.instrument.id.symbol}:${p.instrument.id.venue}|${p.strategyId}`,
      );
      expect(p.quantity.eq(e!.quantity)).toBe(true);
      expect(p.realizedPnl.eq(e!.realized)).toBe(true);
    }
  });

  it("a rebalance (a second instance joins, then the first leaves) keeps positions and global exposure exact", async () => {
    const prefix = `rebal-${randomUUID().slice(0, 8)}.`;
    const t = await setup(prefix);
    const a = await t.start("agg-a");
    t.record(120);
    await t.flush();
    const b = await t.start("agg-b");
    const globalAtB = new Inbox<pb.RiskState>();
    b.onRiskState((state) => globalAtB.push(state));
    t.record(120);
    await t.flush();
    await b.whenReady();
    const expected = expectedPositions(t.sent, INSTRUMENTS);
    await t.watcher.until(() => t.watcher.matches(expected), "positions after the join");
    expect(a.stats().owned.length).toBeGreaterThan(0);
    expect(b.stats().owned.length).toBeGreaterThan(0);
    expect(a.stats().owned.length + b.stats().owned.length).toBe(3);
    // B's global exposure adds the positions A publishes to its own: the whole book, exactly.
    const gross = expectedGross(t.sent, INSTRUMENTS);
    await globalAtB.until(
      (s) => Money.fromProto(s.grossExposure).amount.eq(gross),
      `global gross ${gross} at B`,
    );
    const ownedByB = new Inbox<readonly number[]>();
    b.onAssignment((owned) => ownedByB.push(owned));
    await a.stop();
    await ownedByB.until((owned) => owned.length === 3, "B to own every partition");
    t.record(120);
    await t.flush();
    await b.whenReady();
    const after = expectedPositions(t.sent, INSTRUMENTS);
    await t.watcher.until(() => t.watcher.matches(after), "positions after the leave");
    expect(b.stats().owned).toEqual([0, 1, 2]);
  });

  it("a global limit breach publishes a halt that the listeners of both gateways receive within a second", async () => {
    const prefix = `limit-${randomUUID().slice(0, 8)}.`;
    const t = await setup(prefix);
    type Received = { update: GlobalRiskUpdate; at: number };
    const received = [new Inbox<Received>(), new Inbox<Received>()];
    for (const gateway of [0, 1]) {
      const listener = await GlobalRiskListener.start({
        brokers,
        topicPrefix: prefix,
        onState: (update) => received[gateway]!.push({ update, at: performance.now() }),
      });
      cleanup.push(() => listener.close());
    }
    const aggregator = await Aggregator.start({
      brokers,
      groupId: `${prefix}agg`,
      instruments: INSTRUMENTS,
      topics: { prefix, partitions: 3 },
      limits: { maxGrossExposure: "100000", maxDailyLoss: "500", onExposureBreach: "halted" },
      publishIntervalMs: 200,
    });
    cleanup.push(() => aggregator.stop());
    const published = new Inbox<{ state: pb.RiskState; at: number }>();
    aggregator.onRiskState((state) => published.push({ state, at: performance.now() }));
    await aggregator.whenReady();
    const [g0, g1] = t.gateways as [Recorder, Recorder];
    const md = await gatewayRecorder(brokers, prefix);
    cleanup.push(() => md.close());
    // 1 BTC long on each venue at 40,000: gross 80,000, within the limit.
    g0.record("fill", fillOf("venue-a", "x1", "1"), 1);
    g1.record("fill", fillOf("venue-b", "x2", "1"), 1);
    await t.flush();
    await Promise.all(
      received.map((r) => r.until((x) => x.update.tradingState === "active", "active at both gateways")),
    );
    // A third BTC on venue-a: gross 120,000 across venues > 100,000 — neither venue alone is over.
    g0.record("fill", fillOf("venue-a", "x3", "1"), 2);
    await t.flush();
    await Promise.all(
      received.map((r) => r.until((x) => x.update.tradingState === "halted", "a halt at both gateways")),
    );
    const halt = published.items.find((p) => p.state.tradingState === 3)!;
    expect(halt.state.reason).toMatch(/gross exposure 120000 USDT exceeds the global limit 100000/);
    for (const r of received) expect(r.last()!.at - halt.at).toBeLessThan(1000);
    // Selling two back brings exposure within the limit: trading resumes.
    g0.record("fill", fillOf("venue-a", "x4", "2", "sell"), 3);
    await t.flush();
    await Promise.all(
      received.map((r) => r.until((x) => x.update.tradingState === "active", "active again")),
    );
    // The price falls 600 USDT on 1 BTC (via quotes): daily loss 600 ≥ 500 halts for the day.
    md.record("quote", quoteProto(INSTRUMENTS[1]!.id, "39399.99", "39400.01"), 4);
    await md.flush();
    await Promise.all(
      received.map((r) => r.until((x) => x.update.tradingState === "halted", "a loss halt at both gateways")),
    );
    expect(received[0]!.last()!.update.reason).toMatch(/daily loss .* reached the global limit 500/);
  });
});

function fillOf(venue: string, id: string, quantity: string, side: "buy" | "sell" = "buy"): pb.Fill {
  return fillProto({
    id,
    account: "acct-1",
    instrument: instrumentId("BTC/USDT", venue),
    side,
    price: "40000",
    quantity,
    fee: "0",
  });
}
