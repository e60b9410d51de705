import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LakeSession } from "../lake/lake-session.js";
import { duckType, LAKE_TABLES } from "../lake/schema.js";
import { generateSyntheticLake } from "./synthetic-lake.js";

let lake: string;
beforeAll(async () => {
  lake = await mkdtemp(join(tmpdir(), "of-synth-"));
});
afterAll(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe("synthetic lake (DuckDB generators)", () => {
  it("writes the lake's exact column types and is the same on every run", async () => {
    const counts = await generateSyntheticLake({
      lake,
      quotes: 800,
      fills: 80,
      days: 2,
      signalEverySeconds: 3600,
    });
    expect(counts).toEqual({ quote: 800, fill: 80, "order-event": 80, "strategy-record": 48 });
    const s = await LakeSession.open(lake);
    try {
      for (const name of ["quote", "fill", "order-event", "strategy-record"] as const) {
        const t = LAKE_TABLES[name];
        const cols = await s.rows<{ column_name: string; column_type: string }>(`DESCRIBE "${t.view}"`);
        expect(cols.map((c) => `${c.column_name} ${c.column_type}`)).toEqual(
          t.columns.map((c) => `${c.name} ${duckType(c.type)}`),
        );
      }
      const [first] = await s.rows<{ h: string }>(
        "SELECT sum(hash(fill_id, price, quantity, ts_event_ns))::VARCHAR AS h FROM fill",
      );
      const again = await mkdtemp(join(tmpdir(), "of-synth-"));
      await generateSyntheticLake({ lake: again, quotes: 800, fills: 80, days: 2, signalEverySeconds: 3600 });
      const s2 = await LakeSession.open(again);
      const [second] = await s2.rows<{ h: string }>(
        "SELECT sum(hash(fill_id, price, quantity, ts_event_ns))::VARCHAR AS h FROM fill",
      );
      s2.close();
      await rm(again, { recursive: true, force: true });
      expect(second).toEqual(first);
    } finally {
      s.close();
    }
  });
});
