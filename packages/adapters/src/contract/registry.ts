import { OpenfloorError } from "@openfloor/core";
import type { z } from "zod";
import type { AdapterContext, ExchangeAdapter } from "./adapter.js";

/** Config problems name the key and why, e.g. `venues.binance.apiKey: Required`. */
export class AdapterConfigError extends OpenfloorError<"ADAPTER_CONFIG_INVALID" | "ADAPTER_UNKNOWN"> {}

/**
 * Makes adapters of one kind. Registered explicitly with an `AdapterRegistry` (nothing registers
 * itself on import); the config schema is checked before `create` is called.
 */
export interface AdapterFactory<Config = unknown> {
  /** Adapter kind, e.g. "sim" or "ccxt". */
  readonly kind: string;
  readonly configSchema: z.ZodType<Config>;
  create(venue: string, config: Config, context: AdapterContext): ExchangeAdapter;
}

/** Adapter factories by kind. */
export class AdapterRegistry {
  private readonly factories = new Map<string, AdapterFactory<unknown>>();

  register<C>(factory: AdapterFactory<C>): this {
    if (this.factories.has(factory.kind)) {
      throw new AdapterConfigError("ADAPTER_UNKNOWN", `adapter kind ${factory.kind} is already registered`, {
        context: { kind: factory.kind },
      });
    }
    this.factories.set(factory.kind, factory as AdapterFactory<unknown>);
    return this;
  }

  kinds(): string[] {
    return [...this.factories.keys()].sort();
  }

  /**
   * Validates `rawConfig` against the factory's schema and creates the adapter.
   * @param where prefix for error paths, e.g. "venues.binance" or "gateway.yaml: venues.binance"
   */
  create(
    kind: string,
    venue: string,
    rawConfig: unknown,
    context: AdapterContext,
    where = `venues.${venue}`,
  ): ExchangeAdapter {
    const factory = this.factories.get(kind);
    if (factory === undefined) {
      throw new AdapterConfigError(
        "ADAPTER_UNKNOWN",
        `${where}.adapter: unknown adapter kind ${JSON.stringify(kind)}; registered: ${this.kinds().join(", ") || "none"}`,
        { context: { kind, venue } },
      );
    }
    const parsed = factory.configSchema.safeParse(rawConfig ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => {
        const path = [where, ...i.path.map(String)].join(".");
        return `${path}: ${i.message}`;
      });
      throw new AdapterConfigError(
        "ADAPTER_CONFIG_INVALID",
        `invalid ${kind} adapter config:\n  ${problems.join("\n  ")}`,
        {
          context: { kind, venue, problems },
        },
      );
    }
    return factory.create(venue, parsed.data, context);
  }
}
