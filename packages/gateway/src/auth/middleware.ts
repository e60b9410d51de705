import type { CallContext, Middleware } from "../server/call-pipeline.js";
import { GatewayError } from "../server/status-map.js";
import { bearerToken, type StrategyTokens } from "./strategy-tokens.js";

/**
 * Requires `authorization: Bearer <token>` metadata naming a configured strategy; sets
 * `ctx.strategy`. No token or an unknown one ends the call with UNAUTHENTICATED.
 */
export function authenticate(
  tokens: StrategyTokens,
  onFailure?: (ctx: CallContext, why: string) => void,
): Middleware {
  return async (ctx, next) => {
    const header = ctx.metadata.get("authorization")[0];
    const token = bearerToken(typeof header === "string" ? header : undefined);
    if (token === undefined) {
      onFailure?.(ctx, "missing");
      throw new GatewayError("UNAUTHENTICATED", "missing `authorization: Bearer <token>` metadata");
    }
    const identity = tokens.verify(token);
    if (identity === undefined) {
      onFailure?.(ctx, "unknown-token");
      throw new GatewayError("UNAUTHENTICATED", "the token does not belong to any configured strategy");
    }
    ctx.strategy = identity;
    await next();
  };
}

/** Lets only strategies configured with `admin: true` through; others get PERMISSION_DENIED. */
export function requireAdmin(): Middleware {
  return async (ctx, next) => {
    if (ctx.strategy?.admin !== true) {
      throw new GatewayError(
        "PERMISSION_DENIED",
        `strategy ${ctx.strategy?.strategyId ?? "?"} may not call ${ctx.method}`,
      );
    }
    await next();
  };
}
