// The Python peers' virtual environment, bench/peers/.venv (gitignored): created on first use from the pinned
// bench/peers/requirements.txt with pip from PyPI. When Python or PyPI is not reachable the peers are skipped
// with the reason, and the openfloor figures are still measured.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const venv = join(here, ".venv");
const requirements = join(here, "requirements.txt");
/** Written after a successful install: the requirements it was made from. */
const stamp = join(venv, ".requirements-installed");

export type PythonEnv =
  | { readonly ok: true; readonly python: string; readonly versions: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly reason: string };

function run(cmd: string, args: readonly string[], timeoutMs: number): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 16 << 20 });
  return {
    ok: r.status === 0,
    output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`,
  };
}

/** The venv's python with the pinned peers installed, or why not. */
export function peerPython(): PythonEnv {
  const python = join(venv, "bin", "python");
  const wanted = readFileSync(requirements, "utf8");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== wanted) {
    const base = process.env.BENCH_PYTHON ?? "python3";
    const version = run(base, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], 10_000);
    if (!version.ok) return { ok: false, reason: `no ${base} on PATH (${version.output.trim()})` };
    if (!existsSync(python)) {
      console.log(`peers: creating ${venv} (Python ${version.output.trim()})`);
      const made = run(base, ["-m", "venv", venv], 120_000);
      if (!made.ok) return { ok: false, reason: `python3 -m venv failed: ${made.output.trim().slice(-500)}` };
    }
    console.log("peers: pip install -r bench/peers/requirements.txt (from PyPI)…");
    const pip = run(
      python,
      ["-m", "pip", "install", "--disable-pip-version-check", "-r", requirements],
      900_000,
    );
    if (!pip.ok) {
      return {
        ok: false,
        reason: `pip install of the pinned peers failed (PyPI unreachable?): ${pip.output.trim().split("\n").slice(-3).join(" ")}`,
      };
    }
    writeFileSync(stamp, wanted);
  }
  const probe = run(
    python,
    [
      "-c",
      "import json, sys, importlib.metadata as m; print(json.dumps({'python': sys.version.split()[0], **{p: m.version(p) for p in ['nautilus_trader', 'backtrader', 'pandas', 'numpy']}}))",
    ],
    60_000,
  );
  if (!probe.ok) return { ok: false, reason: `peer environment broken: ${probe.output.trim().slice(-500)}` };
  return { ok: true, python, versions: JSON.parse(probe.output.trim().split("\n").pop()!) };
}
