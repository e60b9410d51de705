// Runs strategy.py against a gateway started in-process (sim venue, synthetic market) over gRPC.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Decimal } from "@openfloor/core";
import { createGateway, type Gateway, parseConfig } from "@openfloor/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const python = join(here, ".venv", "bin", "python");
const TOKEN = "python-example-token-0123456789abcdef";

/** Runs strategy.py; resolves with its exit code and output (never rejects on a non-zero exit). */
async function strategy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(python, [join(here, "strategy.py"), ...args], {
      timeout: 30_000,
      env: { ...process.env, PYTHONUNBUFFERED: "1" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/**
 * The gateway's sim venue on a synthetic market deep enough at the touch (about 1 BTC a level) that a
 * 0.01 buy at the best ask fills at once: the test does not wait on the random walk.
 */
function gatewayConfig() {
  return parseConfig(
    {
      listen: "127.0.0.1:0",
      storage: { mode: "none" },
      logging: { level: "silent" },
      venues: {
        sim: {
          adapter: "sim",
          config: {
            account: "main",
            seed: 7,
            instruments: [
              {
                symbol: "BTC/USDT",
                base: "BTC",
                quote: "USDT",
                priceIncrement: "0.01",
                sizeIncrement: "0.0001",
                makerFee: "0.0002",
                takerFee: "0.0005",
                market: { startPrice: "50000", levelSize: "1", sizeJitter: 0.2, updateIntervalMs: 50 },
              },
            ],
            balances: { USDT: "1000000", BTC: "10" },
          },
        },
      },
      accounts: { main: { venue: "sim" } },
      strategies: { "python-example": { token: TOKEN, account: "main" } },
    },
    { env: {}, file: "python-strategy.test.yaml" },
  );
}

describe("python strategy over gRPC", () => {
  let gateway: Gateway;
  let address: string;

  beforeAll(async () => {
    // A clean clone has no venv and no stubs: setup.sh makes both (fast when they are already there,
    // and it regenerates the stubs so they always match proto/).
    await run(join(here, "setup.sh"), [], { timeout: 300_000 });
    expect(existsSync(python), "setup.sh created .venv").toBe(true);
    gateway = createGateway(gatewayConfig(), { logDestination: { write: () => undefined } });
    address = (await gateway.start()).grpc!;
  }, 320_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  it("subscribes, buys at the best ask, waits for the fill and prints its position", async () => {
    const out = await strategy(["--gateway", address, "--token", TOKEN, "--quantity", "0.01"]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^best ask \d+\.\d+$/m);
    expect(out.stdout).toMatch(/^fill sim-\S+: \d+\.\d+ @ \d+\.\d+, fee \d+\.\d+ USDT$/m);
    expect(out.stdout).toMatch(/^position BTC\/USDT:sim 0\.010*$/m);
    const result = JSON.parse(
      out.stdout
        .split("\n")
        .find((l) => l.startsWith("RESULT "))!
        .slice(7),
    ) as {
      clientOrderId: string;
      position: string;
      fills: { fillId: string; quantity: string }[];
    };
    expect(Decimal.from(result.position).eq("0.01")).toBe(true);
    // One fill at the best ask: the touch holds far more than 0.01.
    expect(result.fills).toHaveLength(1);
    expect(Decimal.from(result.fills[0]!.quantity).eq("0.01")).toBe(true);

    // The gateway has the order under the token's strategy, filled, with the same fills.
    const orders = gateway.execution.orders(gateway.authenticate(TOKEN)!);
    const order = orders.find((o) => o.clientOrderId === result.clientOrderId);
    expect(order?.status).toBe("filled");
    expect(order?.filledQuantity.eq("0.01")).toBe(true);
    expect(order?.side).toBe("buy");
    expect([...(order?.fillIds ?? [])].sort()).toEqual(result.fills.map((f) => f.fillId).sort());
  });

  it("is refused with UNAUTHENTICATED without the right token", async () => {
    const out = await strategy(["--gateway", address, "--token", "not-a-token-of-this-gateway"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/gateway error: UNAUTHENTICATED/);
  });
});
