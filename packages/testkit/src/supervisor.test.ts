import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";

const INDEX = new URL("./index.ts", import.meta.url).pathname;

/** Alive and not a zombie: a killed process whose parent is gone may linger as one until reaped. */
async function isRunning(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (status === undefined) return false;
  return !/^\d+ \(.*\) [ZX] /.test(status);
}

async function waitUntilGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await isRunning(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

interface Started {
  postgres: { pid: number; dataDir: string };
  kafka: { pid: number; logFile: string };
}

describe("a process that starts servers and dies", () => {
  let scratch: string | undefined;

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("takes PostgreSQL and Kafka with it, even on SIGKILL", async () => {
    scratch = await mkdtemp(join(tmpdir(), "openfloor-orphan-"));
    const script = join(scratch, "owner.mts");
    await writeFile(
      script,
      [
        `import { startKafka, startPostgres } from ${JSON.stringify(INDEX)};`,
        "const [postgres, kafka] = await Promise.all([startPostgres(), startKafka()]);",
        "console.log(JSON.stringify({ postgres: { pid: postgres.pid, dataDir: postgres.dataDir }, kafka: { pid: kafka.pid, logFile: kafka.logFile } }));",
        "setInterval(() => {}, 1_000);",
      ].join("\n"),
    );
    const owner = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise((resolve) => owner.once("exit", resolve));
    const lines = createInterface({ input: owner.stdout });
    let started: Started | undefined;
    for await (const line of lines) {
      if (line.startsWith("{")) {
        started = JSON.parse(line) as Started;
        break;
      }
    }
    expect(started).toBeDefined();
    if (!started) return;
    expect(await isRunning(started.postgres.pid)).toBe(true);
    expect(await isRunning(started.kafka.pid)).toBe(true);

    owner.kill("SIGKILL");
    await exited;

    expect(await waitUntilGone(started.postgres.pid, 15_000)).toBe(true);
    expect(await waitUntilGone(started.kafka.pid, 30_000)).toBe(true);
    // The watchdogs also remove the servers' temp directories.
    const removed = async (path: string) => {
      for (let tries = 0; tries < 50 && existsSync(path); tries++)
        await new Promise((r) => setTimeout(r, 100));
      return !existsSync(path);
    };
    expect(await removed(started.postgres.dataDir)).toBe(true);
    expect(await removed(started.kafka.logFile)).toBe(true);
  }, 120_000);
});
