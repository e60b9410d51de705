import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "openfloor-sidecar-"));
const TOKEN = "sidecar-test-token-0123456789abcdef";
let gateway: ChildProcess | undefined;

afterAll(() => {
  gateway?.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
});

// Asynchronous, so the test worker stays responsive to vitest while npm installs.
const exec = promisify(execFile);
const env = { ...process.env, NODE_OPTIONS: "", NO_COLOR: "1", npm_config_update_notifier: "false" };
const run = async (cmd: string, args: string[], cwd: string): Promise<string> =>
  (await exec(cmd, args, { cwd, encoding: "utf8", timeout: 480_000, maxBuffer: 64 << 20, env })).stdout;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

const STRATEGY = `
import { Strategy, runStrategy } from "@openfloor/sdk";
import { GrpcTransport } from "@openfloor/sdk/grpc";

class RestingBid extends Strategy {
  onStart() {
    const sub = this.data.quotes("BTC/USDT:sim").subscribe((q) => {
      sub.unsubscribe();
      const price = q.bidPrice.mul("0.99").roundToIncrement("0.01");
      this.record("bid", q.bidPrice);
      this.orders.buy("BTC/USDT:sim", "0.001", { price }).then((h) => {
        const t = setInterval(() => {
          if (h.status !== "accepted") return;
          clearInterval(t);
          console.log(JSON.stringify({ order: h.clientOrderId, status: h.status, type: h.order.type }));
          process.emit("strategy-done");
        }, 10);
      }, (e) => { console.log(JSON.stringify({ error: String(e) })); process.emit("strategy-done"); });
    });
  }
}

const transport = new GrpcTransport({ address: process.argv[2], token: process.argv[3] });
const running = await runStrategy(new RestingBid({ id: "alpha" }), transport);
await new Promise((r) => process.once("strategy-done", r));
const canceled = await transport.cancelAll();
await running.stop();
console.log(JSON.stringify({ canceled: canceled.length, status: transport.status$.value }));
`;

describe("@openfloor/sdk against a gateway sidecar, as published", () => {
  it("packs core, adapters, gateway and sdk, installs them outside the workspace and trades over gRPC", async () => {
    // The four the SDK needs, plus any other workspace package they depend on at run time.
    const packages = ["core", "adapters", "gateway", "sdk"];
    for (const p of [...packages]) {
      const manifest = JSON.parse(readFileSync(join(root, "packages", p, "package.json"), "utf8")) as {
        dependencies?: Record<string, string>;
      };
      for (const dep of Object.keys(manifest.dependencies ?? {})) {
        const name = dep.replace(/^@openfloor\//, "");
        if (dep.startsWith("@openfloor/") && !packages.includes(name)) packages.unshift(name);
      }
    }
    await run("pnpm", packages.flatMap((p) => ["--filter", `@openfloor/${p}`]).concat("build"), root);
    for (const p of packages)
      await run("pnpm", ["pack", "--pack-destination", work], join(root, "packages", p));
    const tarballs = readdirSync(work).filter((f) => f.endsWith(".tgz"));
    expect(tarballs).toHaveLength(packages.length);

    const app = join(work, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--ignore-scripts", ...tarballs.map((t) => join(work, t))],
      app,
    );

    const port = await freePort();
    // YAML is a superset of JSON.
    writeFileSync(
      join(app, "gateway.yaml"),
      JSON.stringify({
        listen: `127.0.0.1:${port}`,
        venues: {
          sim: {
            adapter: "sim",
            config: {
              account: "main",
              instruments: [
                {
                  symbol: "BTC/USDT",
                  base: "BTC",
                  quote: "USDT",
                  priceIncrement: "0.01",
                  sizeIncrement: "0.0001",
                  market: { startPrice: "50000" },
                },
              ],
              balances: { USDT: "1000000", BTC: "10" },
            },
          },
        },
        accounts: { main: { venue: "sim" } },
        // The SDK over gRPC is under test here, not the audit store (embedded PostgreSQL).
        storage: { mode: "none" },
        strategies: { alpha: { token: TOKEN } },
        logging: { level: "info" },
      }),
    );
    writeFileSync(join(app, "strategy.mjs"), STRATEGY);

    gateway = spawn(
      join(app, "node_modules/.bin/openfloor-gateway"),
      ["start", "--config", "gateway.yaml", "--listen", `127.0.0.1:${port}`],
      {
        cwd: app,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let log = "";
    gateway.stdout?.on("data", (d: Buffer) => {
      log += d.toString();
    });
    gateway.stderr?.on("data", (d: Buffer) => {
      log += d.toString();
    });
    const deadline = Date.now() + 30_000;
    while (!log.includes("gateway started")) {
      if (Date.now() > deadline || gateway.exitCode !== null)
        throw new Error(`the gateway did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const out = await run("node", ["strategy.mjs", `127.0.0.1:${port}`, TOKEN], app);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ status: "accepted", type: "limit" });
    expect(String(lines[0]?.order)).toMatch(/^alpha-/);
    expect(lines[1]).toEqual({ canceled: 1, status: "closed" });
  }, 900_000);
});
