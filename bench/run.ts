// `pnpm bench`: runs every bench/*.bench.ts one after another (benchmarks must not share the two
// cores), then regenerates BENCHMARKS.md from bench/results/*.json.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const failed: string[] = [];
const started = Date.now();
for (const [i, file] of files.entries()) {
  console.log(`\n[${i + 1}/${files.length}] ${file}`);
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    ["--conditions=@openfloor/source", "--import", "tsx", "--expose-gc", join(here, file)],
    {
      stdio: "inherit",
      cwd: here,
      env: { ...process.env, NODE_ENV: "production" },
    },
  );
  console.log(
    `[${i + 1}/${files.length}] ${file} ${r.status === 0 ? "ok" : `FAILED (${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  if (r.status !== 0) failed.push(file);
}
const render = spawnSync(process.execPath, ["--import", "tsx", join(here, "render.ts")], {
  stdio: "inherit",
  cwd: here,
});
console.log(
  `\nbench: ${files.length - failed.length}/${files.length} ok in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
if (failed.length > 0 || render.status !== 0) {
  console.error(`bench: failed: ${failed.join(", ") || "render"}`);
  process.exit(1);
}
