import { createHash, timingSafeEqual } from "node:crypto";

/** Who is calling: the strategy its token identifies, and the account its orders default to. */
export interface StrategyIdentity {
  readonly strategyId: string;
  readonly account: string;
  /** May call the AdminService. */
  readonly admin: boolean;
  readonly cancelOnDisconnect: boolean;
}

interface Entry {
  readonly digest: Buffer;
  readonly identity: StrategyIdentity;
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/**
 * Maps bearer tokens to strategies. Tokens are compared as SHA-256 digests with `timingSafeEqual`,
 * every entry checked, so neither the length nor the position of a match leaks through timing.
 */
export class StrategyTokens {
  private readonly entries: Entry[];

  constructor(strategies: readonly (StrategyIdentity & { readonly token: string })[]) {
    this.entries = strategies.map(({ token, ...identity }) => ({ digest: digest(token), identity }));
  }

  /** The strategy `token` belongs to, or undefined. */
  verify(token: string): StrategyIdentity | undefined {
    const presented = digest(token);
    let found: StrategyIdentity | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.identity;
    }
    return found;
  }

  strategyIds(): string[] {
    return this.entries.map((e) => e.identity.strategyId);
  }
}

/** Extracts the token from an `authorization: Bearer <token>` header value. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
