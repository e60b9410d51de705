import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { scaffoldStrategyRepo } from "./scaffold.js";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "openfloor-new-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Asynchronous, so the test worker stays responsive to vitest while npm installs.
const exec = promisify(execFile);
const run = async (cmd: string, args: string[], cwd: string): Promise<string> =>
  (
    await exec(cmd, args, {
      cwd,
      encoding: "utf8",
      timeout: 480_000,
      maxBuffer: 64 << 20,
      env: {
        ...process.env,
        NODE_OPTIONS: "",
        NO_COLOR: "1",
        FORCE_COLOR: "0",
        npm_config_update_notifier: "false",
      },
    })
  ).stdout;

describe("`openfloor new` as a user gets it", () => {
  it("scaffolds a repo that installs the packed SDK, passes its own test, type-checks and runs `openfloor backtest`", async () => {
    // The packages as they would be published: built, then packed (workspace ranges become versions).
    await run(
      "pnpm",
      [
        "--filter",
        "@openfloor/core",
        "--filter",
        "@openfloor/adapters",
        "--filter",
        "@openfloor/sdk",
        "build",
      ],
      root,
    );
    for (const pkg of ["core", "adapters", "sdk"]) {
      await run("pnpm", ["pack", "--pack-destination", work], join(root, "packages", pkg));
    }
    const tarballs = readdirSync(work).filter((f) => f.endsWith(".tgz"));
    expect(tarballs).toHaveLength(3);
    const listing = await run(
      "tar",
      ["-tzf", join(work, tarballs.find((t) => t.startsWith("openfloor-sdk-"))!)],
      work,
    );
    for (const f of [
      "package/dist/cli/main.js",
      "package/dist/testing/index.d.ts",
      "package/dist/backtest/index.js",
    ]) {
      expect(listing).toContain(f);
    }
    expect(listing).not.toContain("package/src/");

    const app = join(work, "my-strategy");
    scaffoldStrategyRepo(app);
    // Instead of the registry's @openfloor packages, the tarballs (their other dependencies come from the registry).
    await run("npm", ["install", "--no-audit", "--no-fund", ...tarballs.map((t) => join(work, t))], app);

    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colors
    const test = (await run("npx", ["vitest", "run"], app)).replace(/\x1b\[[0-9;]*m/g, "");
    expect(test).toMatch(/Tests\s+2 passed/);
    await run("npx", ["tsc", "--noEmit"], app);
    const backtest = await run(
      "npx",
      ["openfloor", "backtest", "src/strategy.ts", "--to", "2024-01-01T00:10:00Z"],
      app,
    );
    expect(backtest).toContain("Backtest of MyStrategy (src/strategy.ts)");
    expect(backtest).toMatch(/fills\s+[1-9]/);
  }, 600_000);
});
