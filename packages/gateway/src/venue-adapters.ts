import {
  type AdapterFactory,
  AdapterRegistry,
  remoteSimAdapterFactory,
  simAdapterFactory,
} from "@openfloor/adapters";
import { ConfigError } from "./config/config-error.js";

/** Adapter kinds loaded on demand, by module specifier and export name (kept off the default import graph). */
const LAZY_KINDS: Readonly<Record<string, { specifier: string; exportName: string }>> = {
  ccxt: { specifier: "@openfloor/adapters/ccxt", exportName: "ccxtAdapterFactory" },
};

/**
 * A registry with the simulated venue, in-process ("sim") and out of process ("sim-remote"); other
 * kinds (ccxt) are added by `ensureAdapterKinds` when configured.
 */
export function defaultAdapterRegistry(): AdapterRegistry {
  return new AdapterRegistry().register(simAdapterFactory).register(remoteSimAdapterFactory);
}

function isFactory(value: unknown): value is AdapterFactory<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === "string" &&
    typeof (value as { create?: unknown }).create === "function"
  );
}

/**
 * Registers the lazily loaded adapter kinds that `kinds` names and `registry` lacks (ccxt is a large
 * dependency: it is imported only when a venue uses it).
 */
export async function ensureAdapterKinds(
  registry: AdapterRegistry,
  kinds: Iterable<string>,
  file: string,
): Promise<void> {
  for (const kind of new Set(kinds)) {
    if (registry.kinds().includes(kind)) continue;
    const lazy = LAZY_KINDS[kind];
    if (lazy === undefined) continue;
    let module: unknown;
    try {
      module = await import(lazy.specifier);
    } catch (error) {
      throw new ConfigError(
        "CONFIG_INVALID",
        `${file}: adapter kind ${kind} could not be loaded from ${lazy.specifier}`,
        {
          cause: error,
          context: { kind },
        },
      );
    }
    const factory = (module as Record<string, unknown>)[lazy.exportName];
    if (!isFactory(factory)) {
      throw new ConfigError(
        "CONFIG_INVALID",
        `${file}: ${lazy.specifier} does not export ${lazy.exportName}`,
        {
          context: { kind },
        },
      );
    }
    registry.register(factory);
  }
}
