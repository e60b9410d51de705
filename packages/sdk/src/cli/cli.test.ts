import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CSV_HEADER, csvRow } from "../backtest/data/csv.js";
import { quote, trade } from "../backtest/test-support.js";
import { liveTransport, marketDataFeed } from "./transports.js";

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

/** Starts the CLI and resolves once `ready` matches its stdout; `stop()` sends SIGTERM and waits for the exit. */
async function cliLive(ready: RegExp, ...args: string[]) {
  const child = spawn(process.execPath, ["--conditions=@openfloor/source", "--import", tsx, main, ...args], {
    cwd: work,
    env: { ...process.env, OPENFLOOR_GATEWAY: "", OPENFLOOR_TOKEN: "" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 45_000;
  while (!ready.test(stdout)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the CLI did not get ready (exit ${child.exitCode}):\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    output: () => ({ stdout, stderr }),
    stop: async () => {
      child.kill("SIGTERM");
      const code = await exited;
      return { code, stdout, stderr };
    },
  };
}

const liveStrategy = `import { Strategy } from "@openfloor/sdk";

export default class BuyAndHold extends Strategy {
  override onStart(): void {
    let bought = false;
    this.data.quotes("BTC/USDT:sim").subscribe(() => {
      if (bought) return;
      bought = true;
      this.guard(async () => {
        const handle = await this.orders.buy("BTC/USDT:sim", "0.001");
        await handle.done;
        console.log("position " + this.positions.get("BTC/USDT:sim").quantity.normalize().toString());
      });
    });
  }
}
`;

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
    expect(() => marketDataFeed("redis://10.0.0.5:6379")).toThrow(
      "--market-data redis://10.0.0.5:6379: expected kafka://host:port",
    );
    expect(() => marketDataFeed("kafka://a:9092?from=yesterday")).toThrow("from must be latest or earliest");
    expect(marketDataFeed("kafka://a:9092,b:9092?prefix=prod.").name).toBe("kafka://a:9092,b:9092");
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

  it("`run --in-process` runs the strategy next to an embedded gateway (sim venue) until SIGTERM", async () => {
    writeFileSync(join(work, "hold.ts"), liveStrategy);
    const run = await cliLive(/position 0\.001/, "run", "hold.ts", "--in-process");
    const r = await run.stop();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("position 0.001");
    expect(r.stderr).toContain("strategy started");
  }, 60_000);

  it("`run --in-process --config gateway.yaml` embeds the configured gateway", async () => {
    writeFileSync(join(work, "hold.ts"), liveStrategy);
    writeFileSync(
      join(work, "gateway.yaml"),
      [
        "listen: 127.0.0.1:0",
        "venues:",
        "  sim:",
        "    adapter: sim",
        "    config:",
        "      account: main",
        "      instruments:",
        "        - { symbol: BTC/USDT, base: BTC, quote: USDT, priceIncrement: '0.01', sizeIncrement: '0.0001', market: { startPrice: '30000' } }",
        "      balances: { USDT: '100000' }",
        "accounts:",
        "  main:",
        "    venue: sim",
        "strategies:",
        "  holder:",
        "    token: holder-token-0123456789abcdef0123456789",
        "storage:",
        "  mode: none",
        "",
      ].join("\n"),
    );
    const run = await cliLive(
      /position 0\.001/,
      "run",
      "hold.ts",
      "--in-process",
      "--config",
      "gateway.yaml",
    );
    const r = await run.stop();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("strategy started");
    const bad = cli("run", "hold.ts", "--config", "gateway.yaml");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--config <gateway.yaml> configures an embedded gateway: add --in-process");
    const missing = cli("run", "hold.ts", "--in-process", "--config", "nope.yaml");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("nope.yaml: cannot read the config file");
  }, 90_000);

  it("mounts the analytics commands: `openfloor synthetic` then `openfloor report` write a report", () => {
    const help = cli("--help");
    for (const c of ["report", "monitor", "ingest", "tax-lots"]) expect(help.stdout).toContain(c);
    const lake = cli("synthetic", "--lake", "lake", "--quotes", "2000", "--fills", "200", "--days", "2");
    expect(lake.stderr).toBe("");
    expect(lake.code).toBe(0);
    const r = cli(
      "report",
      "--lake",
      "lake",
      "--strategy",
      "bench",
      "--from",
      "2024-03-01",
      "--to",
      "2024-03-03",
      "--out",
      "report.html",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/net PnL -?\d/);
    expect(readFileSync(join(work, "report.html"), "utf8")).toContain("<html");
    const lots = cli("tax-lots", "--lake", "lake", "--out", "lots.csv");
    expect(lots.code).toBe(0);
    expect(readFileSync(join(work, "lots.csv"), "utf8").split("\n").length).toBeGreaterThan(1);
    expect(cli("report", "--lake", "lake").stderr).toContain(
      "required option '--strategy <id>' not specified",
    );
  }, 90_000);
});
