import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LiveClock, silentLogger } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { AdapterConfigError, AdapterRegistry } from "../contract/registry.js";
import { VenueEmulator } from "../emulator/index.js";
import { CcxtAdapter } from "./adapter.js";
import { ccxtAdapterConfigSchema, resolveCredentials } from "./config.js";
import { ccxtAdapterFactory } from "./factory.js";
import { AwaitingSink, rejectionOf } from "./test-support.js";

const context = () => ({ clock: new LiveClock(), sink: new AwaitingSink(), logger: silentLogger });

describe("ccxt adapter config", () => {
  it("fills defaults", () => {
    const c = ccxtAdapterConfigSchema.parse({ exchange: "binance" });
    expect(c.transport).toBe("auto");
    expect(c.quotes).toBe("book");
    expect(c.reconnect).toEqual({ initialDelayMs: 250, maxDelayMs: 30_000, jitter: 0.3 });
    expect(c.sandbox).toBe(false);
  });

  it("the registry reports the wrong key and why", () => {
    const registry = new AdapterRegistry().register(ccxtAdapterFactory);
    const bad = () =>
      registry.create(
        "ccxt",
        "binance",
        { exchange: "binance", transport: "carrier-pigeon", apiKey: "x" },
        context(),
      );
    expect(bad).toThrow(AdapterConfigError);
    expect(bad).toThrow(/venues\.binance\.transport/);
    expect(bad).toThrow(/apiKey/);
  });

  it("creates a ccxt adapter through the registry", () => {
    const adapter = new AdapterRegistry()
      .register(ccxtAdapterFactory)
      .create("ccxt", "bybit", { exchange: "bybit" }, context());
    expect(adapter).toBeInstanceOf(CcxtAdapter);
    expect(adapter.kind).toBe("ccxt");
    expect(adapter.venue).toBe("bybit");
  });

  it("an unknown ccxt exchange id names the key", () => {
    const make = () =>
      new CcxtAdapter("x", ccxtAdapterConfigSchema.parse({ exchange: "no-such-exchange" }), context());
    expect(make).toThrow(/venues\.x\.exchange: ccxt has no exchange "no-such-exchange"/);
  });

  it("credentials come from named environment variables; a missing one names the key, not a value", () => {
    const credentials = { apiKeyEnv: "K_VAR", secretEnv: "S_VAR" };
    expect(resolveCredentials("binance", credentials, { K_VAR: "key-value", S_VAR: "secret-value" })).toEqual(
      {
        apiKey: "key-value",
        secret: "secret-value",
      },
    );
    const missing = () => resolveCredentials("binance", credentials, { K_VAR: "key-value" });
    expect(missing).toThrow(AdapterConfigError);
    expect(missing).toThrow("venues.binance.credentials.secretEnv: environment variable S_VAR is not set");
    try {
      missing();
    } catch (e) {
      expect(JSON.stringify((e as AdapterConfigError).context)).not.toContain("key-value");
    }
  });

  it("credentials from secret files are trimmed; an unreadable file names the key", () => {
    const dir = mkdtempSync(join(tmpdir(), "ccxt-secrets-"));
    writeFileSync(join(dir, "key"), "file-key\n");
    writeFileSync(join(dir, "secret"), "file-secret\n");
    expect(
      resolveCredentials("okx", { apiKeyFile: join(dir, "key"), secretFile: join(dir, "secret") }, {}),
    ).toEqual({ apiKey: "file-key", secret: "file-secret" });
    expect(() => resolveCredentials("okx", { passwordFile: join(dir, "nope") }, {})).toThrow(
      /venues\.okx\.credentials\.passwordFile: cannot read/,
    );
  });

  it("a configured symbol the venue does not list names its index", async () => {
    const venue = await VenueEmulator.start();
    try {
      const adapter = new CcxtAdapter(
        "binance",
        ccxtAdapterConfigSchema.parse({
          exchange: "binance",
          urls: venue.ccxtUrls("binance"),
          symbols: ["BTC/USDT", "NOPE/USDT"],
        }),
        context(),
      );
      const error = await rejectionOf(adapter.loadInstruments());
      expect(error).toBeInstanceOf(AdapterConfigError);
      expect((error as Error).message).toContain(
        'venues.binance.symbols[1]: binance has no market "NOPE/USDT"',
      );
      await adapter.disconnect();
    } finally {
      await venue.stop();
    }
  });
});
