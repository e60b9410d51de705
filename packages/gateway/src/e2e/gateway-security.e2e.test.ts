import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config/config-error.js";
import {
  ADMIN_TOKEN,
  ALPHA_TOKEN,
  auth,
  BETA_TOKEN,
  call,
  callError,
  clientsFor,
  limitOrder,
  type RunningGateway,
  StreamReader,
  simVenueConfig,
  startTestGateway,
  testConfigInput,
} from "./grpc-harness.js";

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(): Record<"ca" | "serverKey" | "serverCert" | "clientKey" | "clientCert", string> {
  const dir = mkdtempSync(join(tmpdir(), "openfloor-tls-"));
  const p = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore", cwd: dir });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  run(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.pem"),
    "-days",
    "1",
    "-subj",
    "/CN=openfloor-test-ca",
  );
  writeFileSync(p("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  for (const who of ["server", "client"]) {
    run("req", ...ec, "-keyout", p(`${who}.key`), "-out", p(`${who}.csr`), "-subj", `/CN=${who}`);
    run(
      "x509",
      "-req",
      "-in",
      p(`${who}.csr`),
      "-CA",
      p("ca.pem"),
      "-CAkey",
      p("ca.key"),
      "-CAcreateserial",
      "-out",
      p(`${who}.pem`),
      "-days",
      "1",
      ...(who === "server" ? ["-extfile", p("server.ext")] : []),
    );
  }
  return {
    ca: p("ca.pem"),
    serverKey: p("server.key"),
    serverCert: p("server.pem"),
    clientKey: p("client.key"),
    clientCert: p("client.pem"),
  };
}

const openssl = hasOpenssl();
if (!openssl) console.warn("openssl not found: skipping the TLS and mutual TLS tests");

describe.skipIf(!openssl)("TLS and mutual TLS", () => {
  let certs: ReturnType<typeof makeCertificates>;
  beforeAll(() => {
    certs = makeCertificates();
  });

  it("serves over TLS", async () => {
    const gw = await startTestGateway(
      testConfigInput({ tls: { cert: certs.serverCert, key: certs.serverKey } }),
    );
    try {
      const c = clientsFor(gw.address, credentials.createSsl(readFileSync(certs.ca)));
      const res = await call(c.orders, c.orders.listOrders, { openOnly: false }, auth(ALPHA_TOKEN));
      expect(res.orders).toEqual([]);
      c.close();
      const plain = clientsFor(gw.address);
      const refused = await callError(
        plain.orders,
        plain.orders.listOrders,
        { openOnly: false },
        auth(ALPHA_TOKEN),
      );
      expect(refused.code).toBe(status.UNAVAILABLE);
      plain.close();
    } finally {
      await gw.stop();
    }
  });

  it("requires a client certificate from the configured CA with mutual TLS", async () => {
    const gw = await startTestGateway(
      testConfigInput({ tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca } }),
    );
    try {
      const ca = readFileSync(certs.ca);
      const withCert = clientsFor(
        gw.address,
        credentials.createSsl(ca, readFileSync(certs.clientKey), readFileSync(certs.clientCert)),
      );
      const ok = await call(
        withCert.orders,
        withCert.orders.listOrders,
        { openOnly: false },
        auth(ALPHA_TOKEN),
      );
      expect(ok.orders).toEqual([]);
      withCert.close();
      const without = clientsFor(gw.address, credentials.createSsl(ca));
      const refused = await callError(
        without.orders,
        without.orders.listOrders,
        { openOnly: false },
        auth(ALPHA_TOKEN),
      );
      expect(refused.code).toBe(status.UNAVAILABLE);
      without.close();
    } finally {
      await gw.stop();
    }
  });
});

describe("secrets", () => {
  const VENUE_SECRET = "venue-secret-7f3a9c1e5b";
  let gw: RunningGateway;

  beforeAll(async () => {
    gw = await startTestGateway(
      testConfigInput({
        venues: {
          sim: { adapter: "sim", config: simVenueConfig({ account: { fromEnv: "SIM_ACCOUNT_KEY" } }) },
        },
        logging: { level: "debug" },
      }),
      { env: { SIM_ACCOUNT_KEY: VENUE_SECRET } },
    );
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it("never shows a token or a venue secret in logs, errors or status", async () => {
    const c = clientsFor(gw.address);
    const updates = new StreamReader(c.orders.streamOrderUpdates({}, auth(ALPHA_TOKEN)));
    await updates.ready;
    await call(c.orders, c.orders.submitOrder, limitOrder("sec-1", "buy", "1", "95"), auth(ALPHA_TOKEN));
    await updates.next((m) => m.update?.$case === "event" && m.update.value.order?.clientOrderId === "sec-1");
    await callError(c.orders, c.orders.listOrders, { openOnly: false }, auth(`${ALPHA_TOKEN}x`));
    const st = await call(c.admin, c.admin.getStatus, {}, auth(ADMIN_TOKEN));
    // Anything that logs a secret, by key or inside a message, is redacted.
    gw.gateway.logger.info(
      { venue: { apiKey: VENUE_SECRET }, authorization: `Bearer ${BETA_TOKEN}` },
      `connecting with ${VENUE_SECRET}`,
    );
    gw.gateway.logger.error({ err: new Error(`venue refused key ${VENUE_SECRET}`) }, "venue error");
    updates.cancel();
    c.close();
    await gw.stop();

    const everything = gw.log.text + JSON.stringify(st, (_k, v) => (typeof v === "bigint" ? String(v) : v));
    expect(gw.log.lines.length).toBeGreaterThan(3);
    for (const secret of [VENUE_SECRET, ALPHA_TOKEN, BETA_TOKEN, ADMIN_TOKEN])
      expect(everything).not.toContain(secret);
    expect(gw.log.text).toContain("[REDACTED]");
  });

  it("keeps secrets out of config errors", async () => {
    const input = testConfigInput({
      venues: { sim: { adapter: "sim", config: simVenueConfig({ seed: { fromEnv: "SIM_ACCOUNT_KEY" } }) } },
    });
    const error = await startTestGateway(input, { env: { SIM_ACCOUNT_KEY: VENUE_SECRET } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/^\s*test\.yaml: venues\.sim\.config\.seed: /m);
    expect((error as ConfigError).message).not.toContain(VENUE_SECRET);
  });

  it("names an unknown adapter kind with its key", async () => {
    const error = await startTestGateway(testConfigInput({ venues: { sim: { adapter: "nope" } } })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe(
      'test.yaml: venues.sim.adapter: unknown adapter kind "nope"; available: sim, sim-remote',
    );
  });
});
