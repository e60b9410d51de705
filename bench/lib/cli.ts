import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CONDITION = "--conditions=@openfloor/source";

/**
 * Workspace packages resolve to their sources only under the `@openfloor/source` condition (`pnpm bench`
 * passes it). A benchmark run directly without it re-runs itself with it (keeping --expose-gc) and exits
 * with the child's status. Call it before the first dynamic import of a workspace package.
 */
export function rerunUnderSourceCondition(moduleUrl: string): void {
  if (process.execArgv.includes(CONDITION)) return;
  const r = spawnSync(
    process.execPath,
    [
      CONDITION,
      "--import",
      "tsx",
      ...process.execArgv.filter((a) => a === "--expose-gc"),
      fileURLToPath(moduleUrl),
      ...process.argv.slice(2),
    ],
    { stdio: "inherit" },
  );
  process.exit(r.status ?? 1);
}

/** The number after `--name` on the command line, or `fallback`. @example numberArg("runs", 5) */
export function numberArg(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** The word after `--name` on the command line, or `fallback`. @example stringArg("sink", "worker") */
export function stringArg(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}
