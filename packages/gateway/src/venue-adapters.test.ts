import { describe, expect, it } from "vitest";
import { defaultAdapterRegistry, ensureAdapterKinds } from "./venue-adapters.js";

describe("adapter kinds", () => {
  it("has the simulated venues and loads ccxt only when a venue asks for it", async () => {
    const registry = defaultAdapterRegistry();
    expect(registry.kinds()).toEqual(["sim", "sim-remote"]);
    await ensureAdapterKinds(registry, ["sim"], "gateway.yaml");
    expect(registry.kinds()).toEqual(["sim", "sim-remote"]);
    await ensureAdapterKinds(registry, ["sim", "ccxt"], "gateway.yaml");
    expect(registry.kinds()).toEqual(["ccxt", "sim", "sim-remote"]);
  }, 60_000);

  it("leaves unknown kinds for the caller to report with their key", async () => {
    const registry = defaultAdapterRegistry();
    await expect(ensureAdapterKinds(registry, ["nope"], "gateway.yaml")).resolves.toBeUndefined();
    expect(registry.kinds()).toEqual(["sim", "sim-remote"]);
  });
});
