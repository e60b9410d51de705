import { join } from "node:path";
import { TestkitError } from "../errors.js";
import { isNotFound, lastLines, runCommand } from "../internal/process.js";

/** Kafka 4.x brokers need Java 17 or newer. */
export const MIN_JAVA_MAJOR = 17;

export interface JavaRuntime {
  /** What to spawn: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` from PATH. */
  command: string;
  /** Feature release, e.g. 17 or 21 (8 for "1.8.0_x"). */
  major: number;
}

const INSTALL_HINT =
  `Install a Java ${MIN_JAVA_MAJOR}+ runtime (Debian/Ubuntu: apt-get install openjdk-${MIN_JAVA_MAJOR}-jre-headless; ` +
  "macOS: brew install openjdk@17) and put it on PATH or set JAVA_HOME.";

export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

/** Finds the Java runtime Kafka will run on (`java -version`), failing clearly when it is absent or too old. */
export async function findJava(): Promise<JavaRuntime> {
  const javaHome = process.env.JAVA_HOME;
  const command = javaHome ? join(javaHome, "bin", "java") : "java";
  const where = javaHome ? `${command} (from JAVA_HOME)` : "`java` on PATH";
  let output: string;
  try {
    const result = await runCommand(command, ["-version"], { timeoutMs: 30_000 });
    output = result.output;
    if (result.code !== 0) {
      throw new TestkitError(
        "JAVA_MISSING",
        `Kafka needs Java ${MIN_JAVA_MAJOR}+, but "${command} -version" failed:\n${lastLines(output, 10)}\n${INSTALL_HINT}`,
      );
    }
  } catch (error) {
    if (isNotFound(error)) {
      throw new TestkitError(
        "JAVA_MISSING",
        `Kafka needs Java ${MIN_JAVA_MAJOR}+, but there is no ${where}. ${INSTALL_HINT}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const major = parseJavaMajor(output);
  if (major === undefined || major < MIN_JAVA_MAJOR) {
    throw new TestkitError(
      "JAVA_TOO_OLD",
      `Kafka needs Java ${MIN_JAVA_MAJOR}+, but ${where} is ${major === undefined ? "of an unknown version" : `Java ${major}`}:\n` +
        `${lastLines(output, 3)}\n${INSTALL_HINT}`,
    );
  }
  return { command, major };
}
