import { createHash } from "node:crypto";
import { OpenfloorError } from "@openfloor/core";
import type pg from "pg";
import { MIGRATIONS, type Migration } from "./migrations.js";

/** A migration problem: a checksum that changed, or a failed statement (with the version named). */
export class MigrationError extends OpenfloorError<"MIGRATION_FAILED" | "MIGRATION_CHANGED"> {}

// Any fixed number: every openfloor gateway takes the same advisory lock while migrating.
const MIGRATION_LOCK = 7_400_001;

function checksum(m: Migration): string {
  return createHash("sha256").update(m.sql).digest("hex");
}

/**
 * Applies the migrations not yet applied, all in one transaction under an advisory lock, so two
 * gateways starting together do not race and a failure leaves the schema as it was. Idempotent.
 * Returns the versions it applied.
 */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version int PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = new Map<number, string>();
    for (const row of (
      await client.query<{ version: number; checksum: string }>(
        "SELECT version, checksum FROM schema_migrations",
      )
    ).rows) {
      applied.set(row.version, row.checksum);
    }
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      const sum = checksum(m);
      const seen = applied.get(m.version);
      if (seen !== undefined) {
        if (seen !== sum) {
          throw new MigrationError(
            "MIGRATION_CHANGED",
            `migration ${m.version} (${m.name}) was changed after it was applied; add a new migration instead`,
            { context: { version: m.version } },
          );
        }
        continue;
      }
      try {
        await client.query(m.sql);
      } catch (e) {
        throw new MigrationError(
          "MIGRATION_FAILED",
          `migration ${m.version} (${m.name}) failed: ${(e as Error).message}`,
          {
            cause: e,
            context: { version: m.version },
          },
        );
      }
      await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
        m.version,
        m.name,
        sum,
      ]);
      done.push(m.version);
    }
    await client.query("COMMIT");
    return done;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
