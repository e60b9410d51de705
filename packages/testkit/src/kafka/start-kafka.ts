import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestkitError } from "../errors.js";
import { assertPortFree, freePort, LOOPBACK, portBusy } from "../internal/ports.js";
import { delay, hasExited, lastLines, runCommand, stopChild, tailFile } from "../internal/process.js";
import { type Supervision, supervise } from "../internal/supervisor.js";
import { type BrokerSettings, log4j2Properties, serverProperties } from "./broker-config.js";
import { ensureKafkaJars, KAFKA_VERSION } from "./jar-cache.js";
import { findJava } from "./java.js";
import { probeBrokers } from "./metadata-probe.js";

export interface KafkaOptions {
  /**
   * Client (PLAINTEXT) port on 127.0.0.1. A port that is taken fails with `PORT_BUSY`.
   * Default: a free port. Example: `{ port: 19092 }`
   */
  port?: number;
  /** KRaft controller port on 127.0.0.1. Default: a free port. */
  controllerPort?: number;
  /**
   * Where the broker jars are cached (fetched with Maven on first use).
   * Default: `$OPENFLOOR_KAFKA_CACHE`, else `<repo>/.cache/kafka-4.1.1/libs`.
   */
  cacheDir?: string;
  /**
   * `server.properties` entries on top of the testkit's single-node defaults.
   * Default: `{}`. Example: `{ "message.max.bytes": 10485760 }`
   */
  settings?: BrokerSettings;
  /**
   * JVM options of the broker. Default: `["-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20"]`.
   * Example: `{ jvmOptions: ["-Xmx1g", "-XX:+UseG1GC"] }`
   */
  jvmOptions?: string[];
  /** How long to wait for the broker to serve clients, not counting a first jar fetch. Default: `60_000`. */
  startTimeoutMs?: number;
}

/** Where to connect. Plain data: safe to pass between processes. */
export interface KafkaConnection {
  /** `["127.0.0.1:<port>"]`: what Kafka clients call bootstrap brokers. */
  brokers: string[];
  /** The same, comma-joined: `"127.0.0.1:<port>"`. */
  bootstrap: string;
}

/** A running single-node Kafka (KRaft) broker, owned by the caller. */
export interface KafkaBroker extends KafkaConnection {
  /** pid of the broker's JVM. */
  pid: number;
  port: number;
  controllerPort: number;
  /** The broker's log (log4j); the JVM's own stdout/stderr go to `stdout.log` next to it. */
  logFile: string;
  /** SIGTERM (controlled shutdown), SIGKILL after 20 s, then removes the broker's data. Idempotent. */
  stop(): Promise<void>;
  /**
   * Takes the broker down but keeps its data, ports and work directory, as an outage would:
   * SIGTERM (controlled shutdown), or SIGKILL with `{ kill: true }` (a crash). `restart()` brings it
   * back. Idempotent. Example: `await kafka.shutdown(); …; await kafka.restart();`
   */
  shutdown(options?: { kill?: boolean }): Promise<void>;
  /**
   * Starts the broker again on the same ports with the same data (shutting it down first if it is
   * running); resolves when it serves clients. `pid` is the new JVM's.
   */
  restart(): Promise<void>;
}

const DEFAULT_JVM_OPTIONS = ["-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20"];
/** Short-lived CLI tools start faster on the client compiler and a small serial-GC heap. */
const TOOL_JVM_OPTIONS = ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"];
const MAX_PORT_ATTEMPTS = 3;

/** 22-character base64url of a random UUID: the form `kafka-storage random-uuid` prints. */
function randomClusterId(): string {
  // The storage tool's argument parser takes an id starting with "-" for an option: draw again.
  for (;;) {
    const id = Buffer.from(randomUUID().replaceAll("-", ""), "hex").toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

async function logTails(workDir: string): Promise<string> {
  const server = await tailFile(join(workDir, "server.log"), 30);
  const stdout = await tailFile(join(workDir, "stdout.log"), 15);
  return (
    [server && `server.log:\n${server}`, stdout && `stdout.log:\n${stdout}`].filter(Boolean).join("\n") ||
    "(no output)"
  );
}

/** `busyPort` is set when the broker exited because it could not bind a listener. */
type Readiness = { kind: "ready" } | { kind: "exited"; busyPort: number | undefined } | { kind: "timeout" };

async function waitReady(
  child: ChildProcess,
  port: number,
  deadline: number,
  workDir: string,
): Promise<Readiness> {
  let pause = 100;
  while (Date.now() < deadline) {
    if (hasExited(child)) {
      const logs = `${await readFile(join(workDir, "server.log"), "utf8").catch(() => "")}${await readFile(join(workDir, "stdout.log"), "utf8").catch(() => "")}`;
      const bind = /failed to bind to [^\s:]+:(\d+)/i.exec(logs);
      const busyPort = bind ? Number(bind[1]) : /Address already in use/.test(logs) ? port : undefined;
      return { kind: "exited", busyPort };
    }
    const brokers = await probeBrokers(LOOPBACK, port, 2_000).catch(() => []);
    if (brokers.some((broker) => broker.port === port)) return { kind: "ready" };
    await delay(pause);
    pause = Math.min(pause * 1.5, 1_000);
  }
  return { kind: "timeout" };
}

/**
 * Starts a real single-node Apache Kafka 4.1 broker (KRaft, no ZooKeeper) on loopback ports, on
 * the machine's Java 17+. The first call fetches the broker jars from Maven Central with `mvn` into a
 * cache; later calls start in a few seconds. The broker dies with this process, even on SIGKILL.
 *
 * @example
 * const kafka = await startKafka();
 * const producer = new Producer({ clientId: "t", bootstrapBrokers: kafka.brokers });
 * // ...
 * await kafka.stop();
 */
export async function startKafka(options: KafkaOptions = {}): Promise<KafkaBroker> {
  const java = await findJava();
  const libs = await ensureKafkaJars({ cacheDir: options.cacheDir });
  if (options.port !== undefined) await assertPortFree(options.port, "Kafka");
  if (options.controllerPort !== undefined) await assertPortFree(options.controllerPort, "Kafka controller");
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const classpath = join(libs, "*");

  const workDir = await mkdtemp(join(tmpdir(), "openfloor-kafka-"));
  const propertiesFile = join(workDir, "server.properties");
  const log4jFile = join(workDir, "log4j2.properties");
  const logFile = join(workDir, "server.log");
  const dataDir = join(workDir, "data");
  let supervision: Supervision | undefined;
  const logging = `-Dlog4j2.configurationFile=${log4jFile}`;
  const launch = async (): Promise<ChildProcess> => {
    const stdout = await open(join(workDir, "stdout.log"), "a");
    let child: ChildProcess;
    try {
      child = spawn(
        java.command,
        [
          ...(options.jvmOptions ?? DEFAULT_JVM_OPTIONS),
          "-Djava.awt.headless=true",
          logging,
          "-cp",
          classpath,
          "kafka.Kafka",
          propertiesFile,
        ],
        { cwd: workDir, detached: true, stdio: ["ignore", stdout.fd, stdout.fd] },
      );
    } finally {
      await stdout.close();
    }
    child.on("error", () => {});
    return child;
  };
  try {
    await writeFile(log4jFile, log4j2Properties(logFile));
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      let controllerPort = options.controllerPort ?? (await freePort());
      while (controllerPort === port) controllerPort = await freePort();
      await rm(dataDir, { recursive: true, force: true });
      await writeFile(propertiesFile, serverProperties({ port, controllerPort, dataDir }, options.settings));

      const format = await runCommand(
        java.command,
        [
          ...TOOL_JVM_OPTIONS,
          logging,
          "-cp",
          classpath,
          "kafka.tools.StorageTool",
          "format",
          "-t",
          randomClusterId(),
          "-c",
          propertiesFile,
        ],
        { cwd: workDir, timeoutMs: 60_000 },
      );
      if (format.code !== 0) {
        throw new TestkitError(
          "START_FAILED",
          `Formatting the Kafka storage failed (exit ${format.code}):\n${lastLines(format.output, 20)}`,
        );
      }

      const child = await launch();
      supervision = supervise({ name: "Kafka", child, stopSignal: "SIGTERM", graceMs: 20_000, workDir });
      child.unref();

      const readiness = await waitReady(child, port, deadline, workDir);
      if (readiness.kind === "ready") {
        const broker = `${LOOPBACK}:${port}`;
        let current: { child: ChildProcess; supervision: Supervision } | undefined = { child, supervision };
        let stopped = false;
        const shutdown = async (shutdownOptions: { kill?: boolean } = {}): Promise<void> => {
          const running = current;
          if (running === undefined) return;
          current = undefined;
          running.supervision.release();
          await stopChild(running.child, shutdownOptions.kill === true ? "SIGKILL" : "SIGTERM", 20_000);
        };
        const handle: KafkaBroker = {
          brokers: [broker],
          bootstrap: broker,
          pid: child.pid ?? 0,
          port,
          controllerPort,
          logFile,
          stop: async () => {
            if (stopped) return;
            stopped = true;
            if (current !== undefined) await current.supervision.stop();
            else await rm(workDir, { recursive: true, force: true, maxRetries: 3 });
            current = undefined;
          },
          shutdown,
          restart: async () => {
            if (stopped)
              throw new TestkitError("START_FAILED", "Kafka was stopped (its data removed); start a new one");
            await shutdown();
            const next = await launch();
            const nextSupervision = supervise({
              name: "Kafka",
              child: next,
              stopSignal: "SIGTERM",
              graceMs: 20_000,
              workDir,
            });
            next.unref();
            current = { child: next, supervision: nextSupervision };
            handle.pid = next.pid ?? 0;
            const again = await waitReady(next, port, Date.now() + timeoutMs, workDir);
            if (again.kind !== "ready") {
              throw new TestkitError(
                again.kind === "timeout" ? "START_TIMEOUT" : "START_FAILED",
                `Kafka ${KAFKA_VERSION} did not come back on port ${port}.\n${await logTails(workDir)}`,
              );
            }
          },
        };
        return handle;
      }
      if (readiness.kind === "timeout") {
        throw new TestkitError(
          "START_TIMEOUT",
          `Kafka ${KAFKA_VERSION} did not serve clients on port ${port} within ${timeoutMs} ms.\n${await logTails(workDir)}`,
        );
      }
      const { busyPort } = readiness;
      if (busyPort !== undefined && (busyPort === options.port || busyPort === options.controllerPort)) {
        throw portBusy(busyPort, "Kafka", new Error(await logTails(workDir)));
      }
      if (busyPort === undefined || attempt >= MAX_PORT_ATTEMPTS) {
        throw new TestkitError(
          "START_FAILED",
          `Kafka ${KAFKA_VERSION} exited during start-up.\n${await logTails(workDir)}`,
        );
      }
      // Another process took a port between our probe and the bind: try new ones.
      supervision.release();
      supervision = undefined;
    }
  } catch (error) {
    if (supervision) await supervision.stop();
    else await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}
