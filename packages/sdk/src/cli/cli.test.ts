import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CSV_HEADER, csvRow } from "../backtest/data/csv.js";
import { quote, trade } from "../backtest/test-support.js";
import { liveTransport } from "./transports.js";

const sdkRoot = fileURLToPath(new URL("../..", import.meta.url));
const main = join(sdkRoot, "src/cli/main.ts");
const tsx = pathToFileURL(createRequire(join(sdkRoot, "package.json")).resolve("tsx")).href;
const work = mkdtempSync(join(tmpdir(), "openfloor-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The strategy files import "@openfloor/sdk" as a user's would: link it to this package's sources.
mkdirSync(join(work, "node_modules/@openfloor"), { recursive: true });
symlinkSync(sdkRoot, join(work, "node_modules/@openfloor/sdk"), "dir");
writeFileSync(
  join(work, "package.json"),
  JSON.stringify({ name: "cli-test", private: true, type: "module" }),
);

/** Runs the CLI from source (TypeScript through tsx), as `openfloor …` would run. */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--conditions=@openfloor/source", "--import", tsx, main, ...args], {
    cwd: work,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, OPENFLOOR_GATEWAY: "", OPENFLOOR_TOKEN: "" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const strategy = `import { Strategy } from "@openfloor/sdk";

export default class Dipper extends Strategy {
  private n = 0;
  override onStart(): void {
    this.data.quotes("BTC/USDT:sim").subscribe((q) => {
      if (++this.n % 10 !== 0) return;
      this.guard(async () => {
        await (this.n % 20 === 0 ? this.orders.sell("BTC/USDT:sim", "0.1") : this.orders.buy("BTC/USDT:sim", "0.1"));
      });
    });
  }
}

export const backtest = {
  instruments: [{ symbol: "BTC/USDT", base: "BTC", quote: "USDT", priceIncrement: "0.01", sizeIncrement: "0.0001", takerFee: "0.001" }],
};
`;

describe("openfloor CLI", () => {
  it("backtests a TypeScript strategy on a small data file and prints a summary", () => {
    writeFileSync(join(work, "dipper.ts"), strategy);
    const events = [];
    for (let ms = 0; ms < 10_000; ms += 50) {
      events.push(quote(ms, "100.00", "100.02"));
      if (ms % 1000 === 0) events.push(trade(ms, "100.01", "0.3", "buy"));
    }
    writeFileSync(join(work, "btc.csv"), `${CSV_HEADER}\n${events.map((e) => csvRow(e)).join("")}`);
    const r = cli("backtest", "dipper.ts", "--data", "btc.csv", "--json", "out.json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Backtest of Dipper (dipper.ts)");
    expect(r.stdout).toMatch(/events\s+210 in/);
    expect(r.stdout).toMatch(/orders\s+20 \(filled 20\)/);
    expect(r.stdout).toMatch(/fills\s+20 \(maker 0, taker 20\)/);
    expect(r.stdout).toMatch(/fees\s+0\.2\d+ USDT/);
    expect(r.stdout).toContain("max drawdown");
    const json = JSON.parse(readFileSync(join(work, "out.json"), "utf8")) as {
      fills: unknown[];
      pnl: { net: string };
    };
    expect(json.fills).toHaveLength(20);
    // The same run again: the same PnL to the last unit.
    const again = cli("backtest", "dipper.ts", "--data", "btc.csv", "--json", "out2.json");
    expect(again.code).toBe(0);
    const json2 = JSON.parse(readFileSync(join(work, "out2.json"), "utf8")) as { pnl: { net: string } };
    expect(json2.pnl.net).toBe(json.pnl.net);
  }, 60_000);

  it("backtests on synthetic data with --from/--to/--seed", () => {
    writeFileSync(join(work, "dipper.ts"), strategy.replace(/export const backtest[\s\S]*$/, ""));
    const r = cli(
      "backtest",
      "dipper.ts",
      "--data",
      "synthetic",
      "--from",
      "2024-03-01T00:00:00Z",
      "--to",
      "2024-03-01T00:05:00Z",
      "--seed",
      "4",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("synthetic, 2024-03-01T00:00:00Z → 2024-03-01T00:05:00Z");
    expect(r.stdout).toMatch(/fills\s+[1-9]/);
  }, 60_000);

  it("names the file when it has no default-exported Strategy subclass", () => {
    writeFileSync(join(work, "plain.ts"), "export const answer = 42;\n");
    const r = cli("backtest", "plain.ts");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("plain.ts must default-export a subclass of Strategy");
    writeFileSync(join(work, "other.ts"), "export default class NotAStrategy {}\n");
    expect(cli("backtest", "other.ts").stderr).toContain(
      "its default export is NotAStrategy, not a Strategy subclass",
    );
    expect(cli("backtest", "missing.ts").stderr).toContain("strategy file missing.ts does not exist");
  }, 60_000);

  it("`run` fails with one clear line when the gateway is not there; an unknown transport is named", () => {
    writeFileSync(join(work, "dipper.ts"), strategy);
    const r = cli("run", "dipper.ts", "--gateway", "127.0.0.1:1", "--token", "t");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^openfloor: .+\n$/);
    expect(() => liveTransport("carrier-pigeon")).toThrow(
      "the carrier-pigeon transport is not available in this version of @openfloor/sdk",
    );
  }, 60_000);

  it("scaffolds a strategy repository with `new`", () => {
    const r = cli("new", "my-strategy");
    expect(r.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(work, "my-strategy/package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const version = (JSON.parse(readFileSync(join(sdkRoot, "package.json"), "utf8")) as { version: string })
      .version;
    expect(pkg.dependencies["@openfloor/sdk"]).toBe(`^${version}`);
    for (const f of ["tsconfig.json", "src/strategy.ts", "test/strategy.test.ts", "README.md"]) {
      expect(readFileSync(join(work, "my-strategy", f), "utf8").length).toBeGreaterThan(0);
    }
    expect(cli("new", "my-strategy").stderr).toContain("already exists and is not empty");
  }, 60_000);
});
