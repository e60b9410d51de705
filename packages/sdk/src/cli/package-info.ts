import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The installed @openfloor/sdk's version, from its package.json (found upwards from this file, in src or dist). */
export function sdkVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "@openfloor/sdk" && pkg.version !== undefined) return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) return "0.0.0";
    dir = up;
  }
}
