import { randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { silentLogger } from "@openfloor/core";
import { createGateway, type Gateway, loadAggregatorFile, loadConfig } from "@openfloor/gateway";
import { type OrderHandle, runStrategy, Strategy } from "@openfloor/sdk";
import { GrpcTransport } from "@openfloor/sdk/grpc";
import { useKafka, usePostgres } from "@openfloor/testkit/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { decodeMessages, readTopicToEnd } from "../../packages/gateway/src/recording/kafka.test-support.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const compose = parse(readFileSync(join(ROOT, "docker-compose.yml"), "utf8")) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; volumes?: string[] }>;
};
const gatewayYaml = readFileSync(join(ROOT, "deploy/gateway.yaml"), "utf8");

/** Environment variables deploy/gateway.yaml needs from outside: `${VAR}` without a default, and every tokenEnv. */
function requiredEnv(yaml: string): string[] {
  const interpolated = [...yaml.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]!);
  const tokenEnvs = [...yaml.matchAll(/tokenEnv:\s*([A-Z0-9_]+)/g)].map((m) => m[1]!);
  return [...new Set([...interpolated, ...tokenEnvs])];
}

class BuyOnce extends Strategy {
  order: Promise<OrderHandle> | undefined;
  override onStart(): void {
    this.order = this.orders.buy("BTC/USDT:sim", "0.001");
  }
}

describe("deploy/gateway.yaml, the config of docker-compose.yml", () => {
  it("is the file the compose gateway mounts, and compose provides every variable it needs", () => {
    const gateway = compose.services.gateway!;
    const mount = gateway.volumes?.find((v) => v.startsWith("./deploy/gateway.yaml:"));
    expect(mount).toBeDefined();
    const target = mount!.split(":")[1]!;
    expect(gateway.command).toEqual(["start", "--config", target]);
    const provided = Object.keys(gateway.environment ?? {});
    // storage.mode postgres needs DATABASE_URL; recording.mode kafka needs KAFKA_BROKERS.
    for (const name of [...requiredEnv(gatewayYaml), "DATABASE_URL", "KAFKA_BROKERS"]) {
      expect(provided, `docker-compose.yml gateway.environment lacks ${name}`).toContain(name);
    }
    const aggregator = compose.services.aggregator!;
    const limits = aggregator.volumes?.find((v) => v.startsWith("./deploy/global-limits.yaml:"));
    expect(aggregator.command).toContain(limits!.split(":")[1]!);
    expect(loadAggregatorFile(join(ROOT, "deploy/global-limits.yaml")).limits.maxGrossExposure).toBe(
      "2000000",
    );
  });

  describe("started against the test run's PostgreSQL and Kafka", () => {
    let gateway: Gateway | undefined;
    let database: string;
    let brokers: string[];
    const dataDir = mkdtempSync(join(tmpdir(), "openfloor-deploy-"));
    chmodSync(dataDir, 0o755);
    const prefix = `deploy-${randomUUID().slice(0, 8)}.`;
    const token = randomUUID().replaceAll("-", "");

    beforeAll(async () => {
      database = (await usePostgres()).url;
      brokers = [...(await useKafka()).brokers];
    });
    afterAll(async () => {
      await gateway?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("audits the order in PostgreSQL and records the fill to Kafka", async () => {
      const config = loadConfig(join(ROOT, "deploy/gateway.yaml"), {
        env: {
          DATABASE_URL: database,
          KAFKA_BROKERS: brokers.join(","),
          OPENFLOOR_LISTEN: "127.0.0.1:0",
          OPENFLOOR_METRICS_LISTEN: "127.0.0.1:0",
          OPENFLOOR_DATA_DIR: dataDir,
          OPENFLOOR_TOPIC_PREFIX: prefix,
          OPENFLOOR_GATEWAY_ID: `deploy-test-${token.slice(0, 6)}`,
          OPENFLOOR_STRATEGY_MM_1_TOKEN: token,
          OPENFLOOR_STRATEGY_OPS_TOKEN: `${token}-ops`,
        },
      });
      gateway = createGateway(config, { logger: silentLogger });
      const { grpc } = await gateway.start();

      const strategy = new BuyOnce({ id: "mm-1" });
      const running = await runStrategy(strategy, new GrpcTransport({ address: grpc!, token }));
      const order = await strategy.order!;
      await order.done;
      expect(order.status).toBe("filled");
      await running.stop();
      await gateway.stop();
      gateway = undefined;

      const pool = new pg.Pool({ connectionString: database });
      try {
        const { rows } = await pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM fills WHERE client_order_id = $1",
          [order.clientOrderId],
        );
        expect(Number(rows[0]!.n)).toBeGreaterThan(0);
      } finally {
        await pool.end();
      }

      const fills = decodeMessages(await readTopicToEnd(brokers, `${prefix}fills`))
        .filter((r) => r.kind === "fill")
        .map((r) => r.value as { clientOrderId: string });
      expect(fills.map((f) => f.clientOrderId)).toContain(order.clientOrderId);
    });
  });
});
