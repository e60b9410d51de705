import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { TestkitError } from "../errors.js";
import { delay, isNotFound, lastLines, runCommand, stripAnsi } from "../internal/process.js";

/** The Apache Kafka release the testkit runs. */
export const KAFKA_VERSION = "4.1.1";
const SCALA_VERSION = "2.13";
/** Kafka 4.x logs through slf4j 1.7 and log4j 2; this is the binding its own distribution ships. */
const LOG4J_VERSION = "2.24.3";
const MARKER = ".complete";
const FETCH_TIMEOUT_MS = 10 * 60_000;

export interface KafkaJarsOptions {
  /**
   * Directory holding the broker jars. Default: `$OPENFLOOR_KAFKA_CACHE`, else
   * `<repo>/.cache/kafka-4.1.1/libs` where `<repo>` is the nearest ancestor of the working directory
   * with a `.git` or `pnpm-workspace.yaml`. Example: `{ cacheDir: "/var/cache/kafka-libs" }`
   */
  cacheDir?: string;
  /** Maven executable used to fetch the jars. Default: `"mvn"`. */
  mavenCommand?: string;
}

/** Result of checking a jar cache; `problem` says what is wrong in words. */
export type KafkaCacheCheck = { ok: true; jars: string[] } | { ok: false; problem: string };

interface CacheMarker {
  kafkaVersion: string;
  fetchedAt: string;
  /** jar file name -> size in bytes */
  jars: Record<string, number>;
}

function findRepoRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git")) || existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    if (dirname(dir) === dir) return resolve(start);
  }
}

export function resolveKafkaCacheDir(cacheDir?: string): string {
  if (cacheDir) return resolve(cacheDir);
  const fromEnv = process.env.OPENFLOOR_KAFKA_CACHE;
  if (fromEnv) return resolve(fromEnv);
  return join(findRepoRoot(process.cwd()), ".cache", `kafka-${KAFKA_VERSION}`, "libs");
}

function pom(): string {
  const dependency = (group: string, artifact: string, version: string) =>
    `    <dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency>`;
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    "  <modelVersion>4.0.0</modelVersion>",
    "  <groupId>dev.openfloor.testkit</groupId>",
    "  <artifactId>kafka-broker-libs</artifactId>",
    `  <version>${KAFKA_VERSION}</version>`,
    "  <packaging>pom</packaging>",
    "  <dependencies>",
    dependency("org.apache.kafka", `kafka_${SCALA_VERSION}`, KAFKA_VERSION),
    dependency("org.apache.logging.log4j", "log4j-slf4j-impl", LOG4J_VERSION),
    "  </dependencies>",
    "</project>",
    "",
  ].join("\n");
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_DIRECTORY_SIGNATURE = 0x02014b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;

/**
 * True when the file ends in a zip end-of-central-directory record whose central directory is
 * where it says: what a truncated or half-written jar does not have.
 */
export async function isReadableZip(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size < 22) return false;
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLength);
    await handle.read(tail, 0, tailLength, size - tailLength);
    for (let at = tailLength - 22; at >= 0; at--) {
      if (tail.readUInt32LE(at) !== EOCD_SIGNATURE) continue;
      const eocdOffset = size - tailLength + at;
      const commentLength = tail.readUInt16LE(at + 20);
      if (eocdOffset + 22 + commentLength !== size) continue;
      const directorySize = tail.readUInt32LE(at + 12);
      const directoryOffset = tail.readUInt32LE(at + 16);
      if (directoryOffset === 0xffffffff)
        return at >= 20 && tail.readUInt32LE(at - 20) === ZIP64_LOCATOR_SIGNATURE;
      if (directoryOffset + directorySize !== eocdOffset) return false;
      if (directorySize === 0) return true;
      const signature = Buffer.alloc(4);
      await handle.read(signature, 0, 4, directoryOffset);
      return signature.readUInt32LE(0) === CENTRAL_DIRECTORY_SIGNATURE;
    }
    return false;
  } finally {
    await handle.close();
  }
}

async function readMarker(dir: string): Promise<CacheMarker | string> {
  let text: string;
  try {
    text = await readFile(join(dir, MARKER), "utf8");
  } catch {
    return `no ${MARKER} marker (never fetched, or a fetch was interrupted)`;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) throw new Error("not an object");
    const { kafkaVersion, fetchedAt, jars } = parsed as Record<string, unknown>;
    if (typeof kafkaVersion !== "string" || typeof jars !== "object" || jars === null)
      throw new Error("bad shape");
    const sizes: Record<string, number> = {};
    for (const [name, size] of Object.entries(jars)) {
      if (typeof size !== "number") throw new Error(`bad size for ${name}`);
      sizes[name] = size;
    }
    return { kafkaVersion, fetchedAt: String(fetchedAt), jars: sizes };
  } catch {
    return `${MARKER} marker is unreadable`;
  }
}

/** Checks a jar cache without touching the network: marker present, every jar it lists whole. */
export async function verifyKafkaCache(cacheDir: string): Promise<KafkaCacheCheck> {
  const marker = await readMarker(cacheDir);
  if (typeof marker === "string") return { ok: false, problem: marker };
  if (marker.kafkaVersion !== KAFKA_VERSION) {
    return { ok: false, problem: `cache holds Kafka ${marker.kafkaVersion}, not ${KAFKA_VERSION}` };
  }
  const jars = Object.keys(marker.jars).sort();
  if (jars.length === 0) return { ok: false, problem: `${MARKER} lists no jars` };
  for (const jar of jars) {
    const path = join(cacheDir, jar);
    const size = await stat(path).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined) return { ok: false, problem: `${jar} is missing` };
    if (size === 0) return { ok: false, problem: `${jar} is empty` };
    if (size !== marker.jars[jar]) {
      return {
        ok: false,
        problem: `${jar} has ${size} bytes, the fetch recorded ${marker.jars[jar]} (truncated?)`,
      };
    }
    if (!(await isReadableZip(path).catch(() => false))) {
      return { ok: false, problem: `${jar} is not a readable zip archive (truncated or corrupt)` };
    }
  }
  return { ok: true, jars };
}

/** Writes the marker that declares `cacheDir` complete, listing every jar in it with its size. */
export async function writeKafkaCacheMarker(cacheDir: string): Promise<void> {
  const names = (await readdir(cacheDir)).filter((name) => name.endsWith(".jar")).sort();
  const jars: Record<string, number> = {};
  for (const name of names) jars[name] = (await stat(join(cacheDir, name))).size;
  const marker: CacheMarker = { kafkaVersion: KAFKA_VERSION, fetchedAt: new Date().toISOString(), jars };
  await writeFile(join(cacheDir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return typeof error === "object" && error !== null && "code" in error && error.code === "EPERM";
  }
}

/** A directory lock (mkdir is atomic) so parallel test runs do not fetch into one cache at once. */
async function withLock<T>(lockDir: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + FETCH_TIMEOUT_MS + 60_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, "pid"), String(process.pid));
      break;
    } catch (error) {
      if (!(typeof error === "object" && error !== null && "code" in error && error.code === "EEXIST"))
        throw error;
      const owner = Number(await readFile(join(lockDir, "pid"), "utf8").catch(() => "NaN"));
      const age =
        Date.now() -
        (await stat(lockDir).then(
          (s) => s.mtimeMs,
          () => Date.now(),
        ));
      const stale = Number.isInteger(owner) ? !isAlive(owner) : age > 60_000;
      if (stale || age > FETCH_TIMEOUT_MS) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new TestkitError(
          "START_TIMEOUT",
          `Timed out waiting for another process fetching Kafka jars (${lockDir})`,
        );
      }
      await delay(250);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function fetchInto(cacheDir: string, mavenCommand: string, why: string): Promise<void> {
  const staging = `${cacheDir}.staging-${process.pid}-${randomBytes(4).toString("hex")}`;
  await mkdir(staging, { recursive: true });
  try {
    await writeFile(join(staging, "pom.xml"), pom());
    const args = [
      "-q",
      "-B",
      "-Dstyle.color=never",
      "-f",
      join(staging, "pom.xml"),
      "dependency:copy-dependencies",
      `-DoutputDirectory=${staging}`,
      "-DincludeScope=runtime",
    ];
    let result: Awaited<ReturnType<typeof runCommand>>;
    try {
      result = await runCommand(mavenCommand, args, { cwd: staging, timeoutMs: FETCH_TIMEOUT_MS });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      throw new TestkitError(
        "MAVEN_MISSING",
        `The Kafka ${KAFKA_VERSION} broker jars are not in ${cacheDir} (${why}), and Maven ("${mavenCommand}") ` +
          "is not on PATH to fetch them from Maven Central. Install Maven 3 (Debian/Ubuntu: apt-get install maven), " +
          "or set OPENFLOOR_KAFKA_CACHE to a directory a machine with Maven has filled.",
        { cause: error },
      );
    }
    if (result.code !== 0) {
      throw new TestkitError(
        "KAFKA_FETCH_FAILED",
        `Fetching the Kafka ${KAFKA_VERSION} jars with "${mavenCommand} dependency:copy-dependencies" ` +
          `${result.timedOut ? `timed out after ${FETCH_TIMEOUT_MS / 1000} s` : `failed (exit ${result.code})`}. ` +
          `Maven needs to reach Maven Central (or the mirror in ~/.m2/settings.xml):\n${lastLines(stripAnsi(result.output), 25)}`,
      );
    }
    await writeKafkaCacheMarker(staging);
    const check = await verifyKafkaCache(staging);
    if (!check.ok) {
      throw new TestkitError(
        "KAFKA_CACHE_CORRUPT",
        `Maven fetched the Kafka jars, but ${check.problem} (in ${staging}).`,
      );
    }
    await rm(cacheDir, { recursive: true, force: true });
    await rename(staging, cacheDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Makes sure the Kafka broker jars are in the cache, fetching them with Maven on first use (or when
 * the cache is incomplete or corrupt), and returns the cache directory. Call it in CI to warm a cache.
 *
 * @example
 * const libs = await ensureKafkaJars(); // "<repo>/.cache/kafka-4.1.1/libs"
 */
export async function ensureKafkaJars(options: KafkaJarsOptions = {}): Promise<string> {
  const cacheDir = resolveKafkaCacheDir(options.cacheDir);
  const first = await verifyKafkaCache(cacheDir);
  if (first.ok) return cacheDir;
  await mkdir(dirname(cacheDir), { recursive: true });
  return withLock(`${cacheDir}.lock`, async () => {
    const again = await verifyKafkaCache(cacheDir);
    if (again.ok) return cacheDir;
    await fetchInto(cacheDir, options.mavenCommand ?? "mvn", again.problem);
    const fetched = await verifyKafkaCache(cacheDir);
    if (!fetched.ok) {
      throw new TestkitError(
        "KAFKA_CACHE_CORRUPT",
        `Kafka jar cache ${cacheDir} is unusable after a fetch: ${fetched.problem}.`,
      );
    }
    return cacheDir;
  });
}
