import { OpenfloorError } from "@openfloor/core";

/**
 * A gateway config that cannot be used. The message names the file, the key and what is allowed,
 * e.g. `gateway.yaml: risk.maxOrderNotional: expected a decimal string like "10000", got 1e400`.
 */
export class ConfigError extends OpenfloorError<"CONFIG_INVALID" | "CONFIG_NOT_FOUND"> {
  /** One line per problem, each `file: key: why`. */
  get problems(): readonly string[] {
    const p = this.context.problems;
    return Array.isArray(p) ? p.map(String) : [this.message];
  }
}
