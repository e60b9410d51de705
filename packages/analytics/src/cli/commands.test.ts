import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runAnalyticsCli } from "./commands.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "of-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `openfloor-analytics …` in process and returns what it printed and its exit code. */
async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = 0;
  try {
    await runAnalyticsCli(["node", "openfloor-analytics", ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { stdout, stderr, code };
}

describe("openfloor-analytics", () => {
  it("writes a lake, its aggregates and a report from them; a second build has nothing to do", async () => {
    const lake = join(dir, "lake");
    const made = await cli("synthetic", "--lake", lake, "--quotes", "4000", "--fills", "400", "--days", "2");
    expect(made).toMatchObject({ code: 0, stderr: "" });
    expect(made.stdout).toMatch(/aggregates: 1 strategies in/);
    expect(await cli("aggregates", "--lake", lake)).toMatchObject({
      code: 0,
      stdout: "aggregates: current, nothing to do\n",
    });
    const base = ["--lake", lake, "--strategy", "bench", "--from", "2024-03-01", "--to", "2024-03-03"];
    const fast = await cli("report", ...base, "--out", join(dir, "fast.html"));
    expect(fast.code).toBe(0);
    expect(fast.stdout).toMatch(/net PnL -?\d/);
    expect(fast.stdout).not.toMatch(/note: computed from the raw lake/);
    const slow = await cli("report", ...base, "--out", join(dir, "slow.html"), "--no-aggregates");
    expect(slow.stdout.split("\n")[2]).toBe(fast.stdout.split("\n")[2]); // the same net PnL line
    const hourly = await cli("report", ...base, "--out", join(dir, "hourly.html"), "--period-ms", "3600000");
    expect(hourly.stdout).toMatch(
      /note: computed from the raw lake parts: periodMs is not a whole number of days/,
    );
  }, 120_000);

  it("says what is wrong with bad input, exits 2 and writes no report", async () => {
    const lake = join(dir, "lake2");
    await cli("synthetic", "--lake", lake, "--quotes", "2000", "--fills", "200", "--days", "1");
    const report = (...args: string[]) =>
      cli(
        "report",
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-02",
        "--out",
        join(dir, "bad", "r.html"),
        ...args,
      );
    expect(await report("--lake", join(dir, "missing"), "--strategy", "bench")).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^error \[LAKE_MISSING\]: no lake at .*missing/),
    });
    expect(await report("--lake", lake, "--strategy", "nobody")).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /^error \[NO_DATA\]: no fills, orders or records of strategy nobody .*strategies with fills then: bench/,
      ),
    });
    expect(
      await cli(
        "report",
        "--lake",
        lake,
        "--strategy",
        "bench",
        "--from",
        "2024-02-01",
        "--to",
        "2024-02-02",
        "--out",
        join(dir, "bad", "r.html"),
      ),
    ).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error \[NO_DATA\]/) });
    expect(await cli("ingest", "--lake", lake)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^error: say what to ingest/),
    });
    expect(existsSync(join(dir, "bad"))).toBe(false);
  }, 120_000);
});
