import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { headline } from "./headline.js";
import { runDemo } from "./run-demo.js";

describe("the one-command demo", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("trades, stops everything, and reports the same fills the gateway saw", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "openfloor-demo-"));
    dirs.push(dataDir);
    // Run as root, the embedded PostgreSQL drops to the "postgres" user, which must reach its data directory.
    await chmod(dataDir, 0o755);
    const progress: string[] = [];
    const steps: string[] = [];
    const result = await runDemo({
      durationMs: 6_000,
      dataDir,
      onProgress: (l) => progress.push(l),
      onStep: (l) => steps.push(l),
    });

    expect(progress.length).toBeGreaterThanOrEqual(5);
    expect(progress.at(-1)).toMatch(
      /^0:06 \/ 0:06 {2}orders \d+ {2}fills \d+ {2}position [+-][\d.]+ BTC {2}PnL [+-][\d.]+ USDT$/,
    );
    expect(result.tally.orders).toBeGreaterThan(0);
    expect(result.tally.fills).toBeGreaterThan(0);

    const m = result.report.metrics;
    expect(m.activity.fills).toBe(result.tally.fills);
    expect(m.execution.orders).toBe(result.tally.orders);
    const doc = JSON.parse(await readFile(result.report.json, "utf8"));
    expect(doc.complete).toBe(true);
    expect(await readFile(result.report.html, "utf8")).toContain("<svg");
    expect(headline(m)).toContain("net PnL");

    // Nothing left running: the embedded PostgreSQL removed its pid file on a clean stop.
    expect(existsSync(join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
  }, 120_000);
});
