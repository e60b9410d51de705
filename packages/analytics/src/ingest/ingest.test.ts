import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeRecords, encodeMarketDataBatch, type pb, RECORD_HEADERS } from "@openfloor/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readCheckpoint } from "../lake/checkpoint.js";
import { listParts } from "../lake/lake-files.js";
import { LakeSession } from "../lake/lake-session.js";
import { asSourceRecord, fillRecord, ns, quoteRecord } from "../testing/records.js";
import { scenarioRecords } from "../testing/scenario.js";
import { ingest } from "./ingest.js";
import { iterableSource, type SourceRecord } from "./source.js";

let lake: string;
beforeEach(async () => {
  lake = await mkdtemp(join(tmpdir(), "of-lake-"));
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

const records = (): SourceRecord[] => scenarioRecords().map(asSourceRecord);

async function counts(): Promise<Record<string, number>> {
  const s = await LakeSession.open(lake);
  try {
    const out: Record<string, number> = {};
    for (const t of ["quote", "fill", "order_event", "strategy_record", "rejected"]) {
      const [row] = await s.rows<{ n: string }>(`SELECT count(*)::VARCHAR AS n FROM ${t}`);
      out[t] = Number(row!.n);
    }
    return out;
  } finally {
    s.close();
  }
}

describe("ingest into the Parquet lake", () => {
  it("writes one part per kind and UTC date with typed, exact columns", async () => {
    const result = await ingest({ lake, source: iterableSource("fixture", records) });
    expect(result.records).toBe(records().length);
    expect(result.rejected).toBe(0);
    const parts = await listParts(lake);
    const layout = parts.map((p) => p.path.slice(lake.length + 1)).sort();
    expect(layout).toContain("fill/date=2024-01-01/part-fixture-0000000000.parquet");
    expect(layout).toContain("fill/date=2024-01-02/part-fixture-0000000000.parquet");
    expect(layout).toContain("quote/date=2024-01-03/part-fixture-0000000000.parquet");
    expect(layout).toContain("order-event/date=2024-01-01/part-fixture-0000000000.parquet");
    expect(await counts()).toEqual({ quote: 12, fill: 5, order_event: 15, strategy_record: 7, rejected: 0 });

    const s = await LakeSession.open(lake);
    try {
      const types = await s.rows<{ column_name: string; column_type: string }>(
        "SELECT column_name, column_type FROM (DESCRIBE fill) WHERE column_name IN ('price', 'quantity', 'fee')",
      );
      expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
        price: "DECIMAL(38,9)",
        quantity: "DECIMAL(38,8)",
        fee: "DECIMAL(38,18)",
      });
      // exact: Σ price × quantity of alpha = 201 + 103 + 195.8 + 97
      const [row] = await s.rows<{ notional: string; mid: string }>(
        `SELECT (SELECT sum(price * quantity) FROM fill WHERE strategy_id = 'alpha')::VARCHAR AS notional,
                (SELECT mid FROM quote WHERE ts_event_ns = ${ns("2024-01-02T15:00:02.000Z")})::VARCHAR AS mid`,
      );
      expect(row).toEqual({ notional: "596.80000000000000000", mid: "97.2500000000" });
    } finally {
      s.close();
    }
  });

  it("is idempotent: a second run adds nothing, and an interrupted run resumes without duplicates", async () => {
    const all = records();
    // first run sees only the first 20 records (the source had not received the rest yet)
    const first = await ingest({
      lake,
      source: iterableSource("fixture", () => all.slice(0, 20)),
      batchRows: 7,
    });
    expect(first.records).toBe(20);
    expect((await readCheckpoint(lake, "fixture"))?.position).toBe(20);
    // the source grew; the next run resumes after record 20
    const second = await ingest({ lake, source: iterableSource("fixture", () => all), batchRows: 7 });
    expect(second.records).toBe(all.length - 20);
    const again = await ingest({ lake, source: iterableSource("fixture", () => all) });
    expect(again.records).toBe(0);
    expect(again.parts).toEqual([]);
    expect(await counts()).toEqual({ quote: 12, fill: 5, order_event: 15, strategy_record: 7, rejected: 0 });
  });

  it("removes parts a crashed run wrote after its last checkpoint, and never reads them", async () => {
    await ingest({ lake, source: iterableSource("fixture", records) });
    const cp = await readCheckpoint(lake, "fixture");
    expect(cp?.nextBatch).toBe(1);
    // a run that wrote batch 1's parts and died before its checkpoint
    const fill = (await listParts(lake)).find((p) => p.table === "fill")!;
    const orphan = fill.path.replace("0000000000", "0000000001");
    await copyFile(fill.path, orphan);
    await copyFile(fill.path, `${fill.path.replace("0000000000", "0000000002")}.tmp`);
    expect((await counts()).fill).toBe(5); // the reader ignores uncommitted batches
    const rerun = await ingest({ lake, source: iterableSource("fixture", records) });
    expect(rerun.removedUncommitted).toHaveLength(2);
    expect(await readdir(join(lake, "fill", "date=2024-01-01"))).toEqual(["part-fixture-0000000000.parquet"]);
  });

  it("sets aside undecodable and too-precise records with the reason, and keeps going", async () => {
    const good = fillRecord({
      fillId: "g",
      clientOrderId: "c",
      strategyId: "s",
      instrument: "BTC/USDT:sim",
      side: "buy",
      price: "100",
      quantity: "1",
      fee: "0",
      tsNs: ns("2024-02-01T00:00:00.000Z"),
    });
    const tooPrecise = quoteRecord("BTC/USDT:sim", "100.0000000001", "101", ns("2024-02-01T00:00:01.000Z"));
    const garbage: SourceRecord = {
      topic: "openfloor.fills",
      key: "k",
      headers: { [RECORD_HEADERS.kind]: "fill" },
      value: new Uint8Array([0xff, 0xff, 0xff]),
      timestampMs: Date.parse("2024-02-01T00:00:02.000Z"),
    };
    const result = await ingest({
      lake,
      source: iterableSource("mixed", () => [asSourceRecord(good), asSourceRecord(tooPrecise), garbage]),
    });
    expect(result.rejected).toBe(2);
    const s = await LakeSession.open(lake);
    try {
      const rows = await s.rows<{ kind: string; reason: string }>(
        "SELECT kind, reason FROM rejected ORDER BY timestamp_ms",
      );
      expect(rows[0]!.reason).toMatch(/precision: bid_price = 100.0000000001 has more than 9 decimal places/);
      expect(rows[1]!.kind).toBe("fill");
      expect(rows[1]!.reason).toMatch(/undecodable fill/);
      expect((await s.rows("SELECT * FROM fill")).length).toBe(1);
    } finally {
      s.close();
    }
  });

  it("expands a market-data batch record into its events, setting aside only a bad one", async () => {
    const batchLake = await mkdtemp(join(tmpdir(), "of-ingest-batch-"));
    const event = (bid: string, iso: string) => {
      const q = quoteRecord("ETH/USDT:sim", bid, "2001", ns(iso));
      return decodeRecords(q.headers, q.value)[0]!.value as pb.MarketEvent;
    };
    const batch = encodeMarketDataBatch(
      "quote",
      [
        event("1999", "2024-02-02T00:00:00.000Z"),
        event("1999.0000000001", "2024-02-02T00:00:00.001Z"),
        event("2000", "2024-02-02T00:00:00.002Z"),
      ],
      Date.parse("2024-02-02T00:00:00.002Z"),
    );
    try {
      const result = await ingest({
        lake: batchLake,
        source: iterableSource("batches", () => [asSourceRecord(batch)]),
      });
      expect(result).toMatchObject({ records: 1, events: 3, rejected: 1, rows: { quote: 2, _rejected: 1 } });
      const s = await LakeSession.open(batchLake);
      try {
        expect(await s.rows("SELECT bid_price::VARCHAR AS bid FROM quote ORDER BY ts_event_ns")).toEqual([
          { bid: "1999.000000000" },
          { bid: "2000.000000000" },
        ]);
        const [rej] = await s.rows<{ reason: string }>("SELECT reason FROM rejected");
        expect(rej!.reason).toMatch(/^event 2 of 3: precision: bid_price = 1999.0000000001/);
      } finally {
        s.close();
      }
    } finally {
      await rm(batchLake, { recursive: true, force: true });
    }
  });

  it("says which file is corrupt and that the lake is missing", async () => {
    await expect(LakeSession.open(join(lake, "nope"))).rejects.toMatchObject({ code: "LAKE_MISSING" });
  });
});
