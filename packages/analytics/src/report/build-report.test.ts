import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../ingest/ingest.js";
import { iterableSource } from "../ingest/source.js";
import { listParts } from "../lake/lake-files.js";
import { asSourceRecord } from "../testing/records.js";
import { scenarioRecords } from "../testing/scenario.js";
import { buildReport, type ReportDocument } from "./build-report.js";

const run = promisify(execFile);
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) =>
  existsSync(p),
);

let dir: string;
let lake: string;
const base = { strategy: "alpha", from: "2024-01-01", to: "2024-01-04", capital: "100" } as const;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "of-report-"));
  lake = join(dir, "lake");
  await ingest({ lake, source: iterableSource("fixture", () => scenarioRecords().map(asSourceRecord)) });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("buildReport", () => {
  it("writes a self-contained HTML report and the same numbers as JSON", async () => {
    const out = join(dir, "out", "alpha.html");
    const r = await buildReport({ lake, ...base, out });
    expect(r.json).toBe(join(dir, "out", "alpha.json"));
    const html = await readFile(out, "utf8");
    const doc = JSON.parse(await readFile(r.json, "utf8")) as ReportDocument;
    expect(doc).toMatchObject({
      kind: "openfloor.analytics.report",
      complete: true,
      metrics: { pnl: { net: "0.2" } },
    });
    expect(html).toContain("<svg");
    // nothing to fetch: no external script, stylesheet, image or font
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const id of ["equity", "drawdown", "pnl-by-instrument", "latency", "markouts", "internal-0"]) {
      expect(html).toContain(`id="${id}"`);
    }
    // the embedded JSON is the JSON file
    const embedded = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(embedded)).toEqual(doc);
  });

  it.skipIf(CHROMIUM === undefined)(
    "renders in headless Chromium with every chart drawn",
    async () => {
      const out = join(dir, "chromium.html");
      await buildReport({ lake, ...base, out });
      const profile = await mkdtemp(join(tmpdir(), "of-chromium-"));
      try {
        const { stdout } = await run(
          CHROMIUM!,
          [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            `--user-data-dir=${profile}`,
            "--dump-dom",
            `file://${out}`,
          ],
          { timeout: 90_000, maxBuffer: 32 * 1024 * 1024 },
        );
        const body = /<body[^>]*>/.exec(stdout)![0];
        const charts = Number(/data-charts="(\d+)"/.exec(body)?.[1]);
        expect(charts).toBe(7); // equity, drawdown, by instrument, by period, latency, markouts, one internal
        // the page's script ran in the browser and found marks in every chart
        expect(body).toContain(`data-charts-rendered="${charts}"`);
        const svgs = stdout.match(/<svg class="chart"[\s\S]*?<\/svg>/g) ?? [];
        expect(svgs).toHaveLength(charts);
        for (const svg of svgs) {
          expect(svg).toContain('data-rendered="true"');
          const ds = [...svg.matchAll(/<path[^>]* d="([^"]*)"/g)].map((m) => m[1]!);
          expect(ds.length).toBeGreaterThan(0);
          expect(ds.every((d) => /^M[\d.-]+,[\d.-]+/.test(d))).toBe(true);
        }
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it("refuses bad input with a clear message and writes nothing", async () => {
    const out = join(dir, "bad", "r.html");
    await expect(buildReport({ lake: join(dir, "nope"), ...base, out })).rejects.toMatchObject({
      code: "LAKE_MISSING",
      message: expect.stringMatching(/no lake at .*nope/),
    });
    await expect(
      buildReport({ lake, ...base, from: "2025-01-01", to: "2025-01-02", out }),
    ).rejects.toMatchObject({
      code: "NO_DATA",
    });
    await expect(buildReport({ lake, ...base, strategy: "gamma", out })).rejects.toMatchObject({
      code: "NO_FILLS",
    });
    expect(existsSync(join(dir, "bad"))).toBe(false);
  });

  it("names a corrupt Parquet file instead of reporting without it", async () => {
    const copy = join(dir, "corrupt-lake");
    await ingest({
      lake: copy,
      source: iterableSource("fixture", () => scenarioRecords().map(asSourceRecord)),
    });
    const fill = (await listParts(copy)).find((p) => p.table === "fill" && p.path.includes("2024-01-02"))!;
    await writeFile(fill.path, "PAR1 this is not parquet");
    const out = join(dir, "corrupt", "r.html");
    await expect(buildReport({ lake: copy, ...base, out })).rejects.toMatchObject({
      code: "LAKE_CORRUPT",
      context: { file: fill.path, table: "fill" },
    });
    expect(existsSync(join(dir, "corrupt")) ? await readdir(join(dir, "corrupt")) : []).toEqual([]);
  });
});
