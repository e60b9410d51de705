import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LakeSession } from "../lake/lake-session.js";
import { generateSyntheticLake } from "../testing/synthetic-lake.js";
import { resolveOptions } from "./options.js";
import { prepareFills } from "./pnl.js";

let lake: string;
beforeAll(async () => {
  lake = await mkdtemp(join(tmpdir(), "of-pnl-"));
  await generateSyntheticLake({ lake, quotes: 40_000, fills: 40_000, days: 2, signalEverySeconds: 3600 });
});
afterAll(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe("running sums per instrument", () => {
  it("streamed over the sorted fills, equal a window partitioned by instrument and ordered by time", async () => {
    const ctx = resolveOptions({ lake, strategy: "bench", from: "2024-03-01", to: "2024-03-03" });
    const s = await LakeSession.open(lake, { threads: 2 });
    try {
      expect(await prepareFills(s, ctx)).toHaveLength(4);
      const [row] = await s.rows<{ n: string; bad: string }>(`
        WITH w AS (
          SELECT iid, ts, SUM(CASE WHEN buy THEN quantity ELSE 0 END) OVER p AS cb, SUM(CASE WHEN buy THEN 0 ELSE quantity * price END) OVER p AS vs,
                 SUM(fee) OVER p AS cf, row_number() OVER p AS seq
          FROM sf WINDOW p AS (PARTITION BY iid ORDER BY ts, fh ROWS UNBOUNDED PRECEDING))
        SELECT count(*)::VARCHAR AS n,
               count(*) FILTER (WHERE w.cb <> c.cb OR w.vs <> c.vs OR w.cf <> c.cf OR w.ts <> c.ts)::VARCHAR AS bad
        FROM w JOIN sfc c USING (iid, seq)`);
      expect(row).toEqual({ n: "40000", bad: "0" });
    } finally {
      s.close();
    }
  });
});
