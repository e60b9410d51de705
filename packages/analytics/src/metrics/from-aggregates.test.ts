import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAggregates } from "../aggregates/build-aggregates.js";
import { ingest } from "../ingest/ingest.js";
import { iterableSource } from "../ingest/source.js";
import {
  asSourceRecord,
  fillRecord,
  ns,
  type OrderSpec,
  orderEventRecord,
  quoteRecord,
  strategyJson,
} from "../testing/records.js";
import { BTC, order, scenarioRecords } from "../testing/scenario.js";
import { computeMetrics } from "./compute-metrics.js";
import type { MetricsOptions, MetricsPlan } from "./options.js";
import type { StrategyMetrics } from "./types.js";

let lake: string;

beforeAll(async () => {
  lake = await mkdtemp(join(tmpdir(), "of-aggregates-"));
  await ingest({ lake, source: iterableSource("fixture", () => scenarioRecords().map(asSourceRecord)) });
});
afterAll(async () => {
  await rm(lake, { recursive: true, force: true });
});

/** Equal, numbers to 12 significant digits (sums of floats added in another order). */
function expectSame(a: unknown, b: unknown, path = "metrics"): void {
  if (typeof a === "number" && typeof b === "number") {
    expect(Math.abs(a - b), `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a)));
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    expect(a.length, `${path}.length`).toBe(b.length);
    for (const [i, x] of a.entries()) expectSame(x, b[i], `${path}[${i}]`);
    return;
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    expect(Object.keys(a).sort(), `${path} keys`).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(a)) expectSame((a as never)[k], (b as never)[k], `${path}.${k}`);
    return;
  }
  expect(a, path).toEqual(b);
}

async function both(o: Omit<MetricsOptions, "lake">): Promise<{
  agg: StrategyMetrics;
  raw: StrategyMetrics;
  plan: MetricsPlan | undefined;
}> {
  let plan: MetricsPlan | undefined;
  const agg = await computeMetrics({ lake, ...o, onPlan: (p) => (plan = p) });
  const raw = await computeMetrics({ lake, ...o, useAggregates: false });
  return { agg, raw, plan };
}

describe("metrics from the aggregates equal the metrics from the raw lake", () => {
  const cases: [string, Omit<MetricsOptions, "lake">][] = [
    ["the fixture's period", { strategy: "alpha", from: "2024-01-01", to: "2024-01-04", capital: "100" }],
    ["default capital", { strategy: "alpha", from: "2024-01-01", to: "2024-01-04" }],
    ["a period ending between the days", { strategy: "alpha", from: "2024-01-01", to: "2024-01-02" }],
    ["a period starting with a position", { strategy: "alpha", from: "2024-01-02", to: "2024-01-05" }],
    [
      "two-day periods, risk-free rate",
      {
        strategy: "alpha",
        from: "2024-01-01",
        to: "2024-01-06",
        periodMs: 2 * 86_400_000,
        riskFreeRate: 0.04,
      },
    ],
    [
      "a subset of the horizons",
      { strategy: "alpha", from: "2024-01-01", to: "2024-01-04", markoutHorizonsMs: [1000, 60_000] },
    ],
    ["the other strategy", { strategy: "beta", from: "2024-01-01", to: "2024-01-04" }],
  ];
  for (const [name, o] of cases) {
    it(name, async () => {
      const { agg, raw, plan } = await both(o);
      expect(plan).toEqual({ source: "aggregates" });
      expectSame(agg, raw);
    });
  }

  it("reads the raw lake when the aggregates cannot answer exactly, and says why", async () => {
    const plans: MetricsPlan[] = [];
    const onPlan = (p: MetricsPlan) => plans.push(p);
    const base = { lake, strategy: "alpha", onPlan } as const;
    await computeMetrics({ ...base, from: "2024-01-01T06:00:00Z", to: "2024-01-04" });
    await computeMetrics({ ...base, from: "2024-01-01", to: "2024-01-04", periodMs: 3_600_000 });
    await computeMetrics({ ...base, from: "2024-01-01", to: "2024-01-04", markoutHorizonsMs: [5000] });
    expect(plans.map((p) => p.source)).toEqual(["lake", "lake", "lake"]);
    expect(plans.map((p) => (p.source === "lake" ? p.reason : ""))).toEqual([
      "the period does not start and end at midnight UTC",
      "periodMs is not a whole number of days",
      "markout horizons other than the aggregated ones",
    ]);
  });

  it("a quote ingested later makes the aggregates stale until they are rebuilt", async () => {
    const later = await mkdtemp(join(tmpdir(), "of-aggregates-stale-"));
    try {
      await ingest({
        lake: later,
        source: iterableSource("fixture", () => scenarioRecords().map(asSourceRecord)),
      });
      const extra = quoteRecord(BTC, "90", "91", 1_704_103_200_500_000_000n); // 2024-01-01T10:00:00.5Z
      await ingest({
        lake: later,
        source: iterableSource("late", () => [asSourceRecord(extra)]),
        aggregates: false,
      });
      const plans: MetricsPlan[] = [];
      const o = {
        lake: later,
        strategy: "alpha",
        from: "2024-01-01",
        to: "2024-01-04",
        onPlan: (p: MetricsPlan) => plans.push(p),
      };
      const stale = await computeMetrics(o);
      expect(plans[0]).toMatchObject({ source: "lake" });
      expect((await buildAggregates({ lake: later })).built).toBe(true);
      expect((await buildAggregates({ lake: later })).built).toBe(false);
      const fresh = await computeMetrics(o);
      expect(plans[1]).toEqual({ source: "aggregates" });
      expectSame(fresh, stale);
    } finally {
      await rm(later, { recursive: true, force: true });
    }
  });

  it("an order filled across midnight counts only the fills before the period's end", async () => {
    const edge = await mkdtemp(join(tmpdir(), "of-aggregates-edge-"));
    const GAP = "GAP/USDT:sim";
    const o = order("s1", "buy", "2", "2024-01-01T23:59:59.900Z");
    const g: OrderSpec = {
      clientOrderId: "g1",
      strategyId: "gap",
      instrument: GAP,
      side: "buy",
      quantity: "1",
      createdNs: ns("2024-01-05T12:00:00.000Z"),
    };
    const fill = (id: string, spec: OrderSpec, iso: string, price: string, quantity: string) =>
      fillRecord({
        fillId: id,
        clientOrderId: spec.clientOrderId,
        strategyId: spec.strategyId,
        instrument: spec.instrument,
        side: spec.side,
        price,
        quantity,
        fee: "0.01",
        tsNs: ns(iso),
      });
    const extra = [
      orderEventRecord(o, "accepted", o.createdNs + 2_000_000n, "accepted"),
      fill("s1a", o, "2024-01-01T23:59:59.950Z", "102.9", "1"),
      fill("s1b", o, "2024-01-02T00:00:00.100Z", "103", "1"),
      quoteRecord(GAP, "9", "11", ns("2024-01-01T00:00:00.000Z")),
      orderEventRecord(g, "accepted", g.createdNs + 1_000_000n, "accepted"),
      fill("g1", g, "2024-01-05T12:00:00.010Z", "10", "1"),
    ];
    try {
      await ingest({
        lake: edge,
        source: iterableSource("fixture", () => [...scenarioRecords(), ...extra].map(asSourceRecord)),
      });
      const plans: MetricsPlan[] = [];
      const onPlan = (p: MetricsPlan) => plans.push(p);
      for (const to of ["2024-01-02", "2024-01-03"]) {
        const opts = { lake: edge, strategy: "alpha", from: "2024-01-01", to };
        const agg = await computeMetrics({ ...opts, onPlan });
        expectSame(agg, await computeMetrics({ ...opts, useAggregates: false }));
      }
      expect(plans).toEqual([{ source: "aggregates" }, { source: "aggregates" }]);
      // GAP's only quote is four days before its fill: outside a two-day lookback the raw lake has none
      const gap = { lake: edge, strategy: "gap", from: "2024-01-05", to: "2024-01-06", markLookbackDays: 2 };
      const viaPlan = await computeMetrics({ ...gap, onPlan });
      expect(plans[2]).toEqual({
        source: "lake",
        reason: "a markout join reaches before the lookback window",
      });
      expectSame(viaPlan, await computeMetrics({ ...gap, useAggregates: false }));
      expect(viaPlan.execution.markouts.every((m) => m.amount === null)).toBe(true);
    } finally {
      await rm(edge, { recursive: true, force: true });
    }
  });

  it("a damaged aggregate file is never read: the numbers come from the raw lake", async () => {
    const damaged = await mkdtemp(join(tmpdir(), "of-aggregates-damaged-"));
    try {
      await ingest({
        lake: damaged,
        source: iterableSource("fixture", () => scenarioRecords().map(asSourceRecord)),
      });
      const file = join(damaged, "_aggregates", "fill-day-s0.parquet");
      await writeFile(file, "PAR1 not parquet PAR1");
      const plans: MetricsPlan[] = [];
      const o = { lake: damaged, strategy: "alpha", from: "2024-01-01", to: "2024-01-04" };
      const m = await computeMetrics({ ...o, onPlan: (p) => plans.push(p) });
      expect(plans[0]).toMatchObject({
        source: "lake",
        reason: expect.stringMatching(/^the aggregates are not readable/),
      });
      expectSame(m, await computeMetrics({ ...o, useAggregates: false }));
      expect((await buildAggregates({ lake: damaged, force: true })).built).toBe(true);
      await computeMetrics({ ...o, onPlan: (p) => plans.push(p) });
      expect(plans[1]).toEqual({ source: "aggregates" });
    } finally {
      await rm(damaged, { recursive: true, force: true });
    }
  });

  it("built incrementally, batch after batch, they equal a build from scratch and the raw lake", async () => {
    const inc = await mkdtemp(join(tmpdir(), "of-aggregates-inc-"));
    const o = order("s1", "buy", "2", "2024-01-01T23:59:59.900Z");
    const fill = (id: string, iso: string, price: string) =>
      fillRecord({
        fillId: id,
        clientOrderId: "s1",
        strategyId: "alpha",
        instrument: BTC,
        side: "buy",
        price,
        quantity: "1",
        fee: "0.01",
        tsNs: ns(iso),
      });
    const all = [
      ...scenarioRecords(),
      orderEventRecord(o, "accepted", o.createdNs + 2_000_000n, "accepted"),
      fill("s1a", "2024-01-01T23:59:59.950Z", "102.9"),
      fill("s1b", "2024-01-02T00:00:00.100Z", "103"),
    ];
    // late: o1's decision price (JSON, by order id) and o5's cancel arrive with the last batch
    const late = (r: (typeof all)[number]) =>
      (r.kind === "strategy-record" && Buffer.from(r.value).includes(Buffer.from("o1"))) ||
      (r.kind === "order-event" && Buffer.from(r.value).includes(Buffer.from("o5-canceled")));
    const day2 = Date.parse("2024-01-02T00:00:00Z");
    const noon2 = Date.parse("2024-01-02T12:00:00Z");
    const batches = [
      all.filter((r) => !late(r) && r.timestampMs < day2),
      all.filter((r) => !late(r) && r.timestampMs >= day2 && r.timestampMs < noon2),
      [
        ...all.filter((r) => !late(r) && r.timestampMs >= noon2),
        strategyJson("alpha", "note", { x: 1 }, ns("2024-01-03T00:00:00Z")),
      ],
      all.filter(late),
    ];
    const fromDays: (number | null)[] = [];
    try {
      for (const [i, batch] of batches.entries()) {
        const r = await ingest({
          lake: inc,
          source: iterableSource(`b${i}`, () => batch.map(asSourceRecord)),
        });
        fromDays.push(r.aggregates?.fromDay ?? null);
      }
      // batch 2 and 3 continue from the day before their first; the late ones reach back to o1's day
      expect(
        fromDays.map((d) => (d === null ? null : new Date(d * 86_400_000).toISOString().slice(0, 10))),
      ).toEqual([null, "2024-01-01", "2024-01-01", "2023-12-31"]);
      const incremental = await aggregateRows(inc);
      for (const [, o2] of [
        ["whole", { strategy: "alpha", from: "2024-01-01", to: "2024-01-04" }],
        ["day 2", { strategy: "alpha", from: "2024-01-02", to: "2024-01-03" }],
        ["to midnight", { strategy: "alpha", from: "2024-01-01", to: "2024-01-02" }],
        ["beta", { strategy: "beta", from: "2024-01-01", to: "2024-01-04" }],
      ] as const) {
        const plans: MetricsPlan[] = [];
        const agg = await computeMetrics({ lake: inc, ...o2, onPlan: (p) => plans.push(p) });
        expect(plans).toEqual([{ source: "aggregates" }]);
        expectSame(agg, await computeMetrics({ lake: inc, ...o2, useAggregates: false }));
      }
      expect((await buildAggregates({ lake: inc, force: true })).fromDay).toBeNull();
      expectSame(incremental, await aggregateRows(inc));
    } finally {
      await rm(inc, { recursive: true, force: true });
    }
  });

  it("continues open lots, open round trips and running sums across days built apart", async () => {
    const inc = await mkdtemp(join(tmpdir(), "of-aggregates-carry-"));
    const leg = (id: string, side: "buy" | "sell", quantity: string, iso: string, price: string) => {
      const spec = order(id, side, quantity, iso);
      return [
        orderEventRecord(spec, "accepted", spec.createdNs + 3_000_000n, "accepted"),
        fillRecord({
          fillId: `f-${id}`,
          clientOrderId: id,
          strategyId: "alpha",
          instrument: BTC,
          side,
          price,
          quantity,
          fee: "0.05",
          tsNs: spec.createdNs + 40_000_000n,
        }),
        quoteRecord(
          BTC,
          String(Number(price) - 0.5),
          String(Number(price) + 0.5),
          spec.createdNs + 500_000_000n,
        ),
      ];
    };
    // an order resting for days: filled once on day 4 and again on day 8
    const gtc = order("gtc", "buy", "2", "2024-01-04T10:30:00Z");
    const gtcFill = (n: number, iso: string) =>
      fillRecord({
        fillId: `f-gtc-${n}`,
        clientOrderId: "gtc",
        strategyId: "alpha",
        instrument: BTC,
        side: "buy",
        price: "98.5",
        quantity: "1",
        fee: "0.02",
        tsNs: ns(iso),
      });
    const batches = [
      [
        ...scenarioRecords(),
        orderEventRecord(gtc, "accepted", gtc.createdNs + 2_000_000n, "accepted"),
        gtcFill(1, "2024-01-04T10:30:01Z"),
        ...leg("d4a", "buy", "3", "2024-01-04T10:00:00Z", "98"),
        ...leg("d4b", "buy", "1", "2024-01-04T11:00:00Z", "99"),
      ],
      [
        ...leg("d6a", "sell", "1", "2024-01-06T10:00:00Z", "101"),
        ...leg("d6b", "buy", "2", "2024-01-06T12:00:00Z", "100"),
      ],
      [
        gtcFill(2, "2024-01-08T09:00:00Z"),
        ...leg("d8a", "sell", "8", "2024-01-08T10:00:00Z", "102"),
        ...leg("d8b", "sell", "1", "2024-01-08T11:00:00Z", "103"),
      ],
      [...leg("d10a", "buy", "2", "2024-01-10T10:00:00Z", "101")],
    ];
    try {
      const fromDays: (string | null)[] = [];
      for (const [i, batch] of batches.entries()) {
        const r = await ingest({
          lake: inc,
          source: iterableSource(`c${i}`, () => batch.map(asSourceRecord)),
        });
        const d = r.aggregates?.fromDay ?? null;
        fromDays.push(d === null ? null : new Date(d * 86_400_000).toISOString().slice(0, 10));
      }
      expect(fromDays).toEqual([null, "2024-01-05", "2024-01-07", "2024-01-09"]);
      const incremental = await aggregateRows(inc);
      for (const [from, to] of [
        ["2024-01-01", "2024-01-11"],
        ["2024-01-04", "2024-01-05"],
        ["2024-01-04", "2024-01-08"],
        ["2024-01-05", "2024-01-09"],
        ["2024-01-07", "2024-01-11"],
        ["2024-01-09", "2024-01-11"],
      ] as const) {
        const o2 = { lake: inc, strategy: "alpha", from, to };
        const plans: MetricsPlan[] = [];
        const agg = await computeMetrics({ ...o2, onPlan: (p) => plans.push(p) });
        expect(plans).toEqual([{ source: "aggregates" }]);
        expectSame(agg, await computeMetrics({ ...o2, useAggregates: false }));
      }
      expect((await buildAggregates({ lake: inc, force: true })).fromDay).toBeNull();
      expectSame(incremental, await aggregateRows(inc));
    } finally {
      await rm(inc, { recursive: true, force: true });
    }
  });

  it("a strategy with orders and no fills, and a corrupt part, are refused clearly; ingest keeps its data", async () => {
    const bad = await mkdtemp(join(tmpdir(), "of-aggregates-bad-"));
    const spec: OrderSpec = {
      clientOrderId: "d1",
      strategyId: "delta",
      instrument: BTC,
      side: "buy",
      quantity: "1",
      createdNs: ns("2024-01-02T10:00:00Z"),
    };
    try {
      await ingest({
        lake: bad,
        source: iterableSource("fixture", () =>
          [
            ...scenarioRecords(),
            orderEventRecord(spec, "accepted", spec.createdNs + 1_000_000n, "accepted"),
          ].map(asSourceRecord),
        ),
      });
      const plans: MetricsPlan[] = [];
      await expect(
        computeMetrics({
          lake: bad,
          strategy: "delta",
          from: "2024-01-01",
          to: "2024-01-04",
          onPlan: (p) => plans.push(p),
        }),
      ).rejects.toMatchObject({
        code: "NO_FILLS",
        message: expect.stringMatching(/strategy delta has 1 order events and 0 records but no fills/),
      });
      expect(plans).toEqual([{ source: "aggregates" }]);
      const part = (await readdir(join(bad, "fill", "date=2024-01-02")))[0]!;
      await writeFile(join(bad, "fill", "date=2024-01-02", part), "PAR1 this is not parquet");
      const more = await ingest({
        lake: bad,
        source: iterableSource("more", () => [
          asSourceRecord(quoteRecord(BTC, "96", "97", ns("2024-01-03T11:00:00Z"))),
        ]),
      });
      expect(more.records).toBe(1);
      expect(more.aggregates).toBeUndefined();
      expect(more.aggregatesError).toMatchObject({ code: "LAKE_CORRUPT", context: { table: "fill" } });
      await expect(
        computeMetrics({ lake: bad, strategy: "alpha", from: "2024-01-01", to: "2024-01-04" }),
      ).rejects.toMatchObject({ code: "LAKE_CORRUPT", message: expect.stringContaining(part) });
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});

/** Every aggregate file's rows, sorted, by file name. */
async function aggregateRows(lake: string): Promise<Record<string, unknown[]>> {
  const dir = join(lake, "_aggregates");
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    const out: Record<string, unknown[]> = {};
    for (const f of (await readdir(dir)).sort()) {
      const source = f.endsWith(".parquet")
        ? `read_parquet('${join(dir, f)}')`
        : !f.includes(".")
          ? `read_parquet('${join(dir, f, "*", "*.parquet")}', hive_partitioning = true)`
          : undefined;
      if (source === undefined) continue;
      if (!f.includes(".") && (await readdir(join(dir, f))).length === 0) {
        out[f] = []; // a partitioned table with no part yet
        continue;
      }
      out[f] = (await conn.runAndReadAll(`SELECT * FROM ${source} ORDER BY ALL`)).getRowObjectsJson();
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
