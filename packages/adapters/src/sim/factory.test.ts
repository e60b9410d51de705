import { LiveClock, silentLogger } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import type { VenueEventSink } from "../contract/adapter.js";
import { AdapterConfigError, AdapterRegistry } from "../contract/registry.js";
import { SimAdapter } from "./adapter.js";
import { simAdapterFactory } from "./factory.js";
import { remoteSimAdapterFactory } from "./server/factory.js";
import { RemoteSimAdapter } from "./server/remote-adapter.js";
import { conformanceConfig } from "./test-helpers.js";

const sink: VenueEventSink = { onMarketEvent: () => {}, onOrderEvent: () => {} };
const context = { clock: new LiveClock(), sink, logger: silentLogger };
const registry = () => new AdapterRegistry().register(simAdapterFactory).register(remoteSimAdapterFactory);

describe("sim adapter factories", () => {
  it("create a sim adapter from config, with instruments named after the venue", async () => {
    const adapter = registry().create("sim", "paper", conformanceConfig, context);
    expect(adapter).toBeInstanceOf(SimAdapter);
    expect(adapter.kind).toBe("sim");
    const [btc] = await adapter.loadInstruments();
    expect(btc?.id).toEqual({ symbol: "BTC/USDT", venue: "paper" });
    expect(btc?.takerFee.toString()).toBe("0.0007");
  });

  it("create a sim-remote adapter", () => {
    const adapter = registry().create("sim-remote", "sim", { url: "http://127.0.0.1:7070" }, context);
    expect(adapter).toBeInstanceOf(RemoteSimAdapter);
    expect(adapter.kind).toBe("sim-remote");
  });

  it("name the wrong key and why", () => {
    const bad = {
      ...conformanceConfig,
      seed: "seven",
      lattency: {},
      instruments: [{ ...conformanceConfig.instruments[0]!, priceIncrement: "one cent" }],
    };
    let error: unknown;
    try {
      registry().create("sim", "paper", bad, context, "gateway.yaml: venues.paper");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AdapterConfigError);
    const message = String((error as Error).message);
    expect(message).toContain(
      'gateway.yaml: venues.paper.instruments.0.priceIncrement: expected a decimal number such as "0.01", got "one cent"',
    );
    expect(message).toContain("gateway.yaml: venues.paper.seed:");
    expect(message).toMatch(/lattency/);
    expect(() => registry().create("sim-remote", "sim", { url: "ftp://x" }, context)).toThrow(
      /venues\.sim\.url/,
    );
  });
});
