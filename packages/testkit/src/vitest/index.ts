import { inject } from "vitest";
import { isTestkitErrorCode, TestkitError } from "../errors.js";
import type { KafkaConnection } from "../kafka/start-kafka.js";
import type { PostgresConnection } from "../postgres/start-postgres.js";
import type { ControlError, PostgresRequest } from "./control-server.js";
import { TESTKIT_URL_KEY } from "./provided-context.js";

export interface UsePostgresOptions {
  /**
   * Give this caller its own database (`CREATE DATABASE test_<random>`) on the shared server, so
   * test files cannot see each other's tables. `false` returns the server's `postgres` database.
   * Default: `true`. Example: `await usePostgres({ freshDatabase: false })`
   */
  freshDatabase?: boolean;
}

async function ask<T>(service: string, body: object): Promise<T> {
  const base = inject(TESTKIT_URL_KEY);
  if (!base) {
    throw new TestkitError(
      "SETUP_MISSING",
      `use${service === "kafka" ? "Kafka" : "Postgres"}() needs the testkit's vitest global setup: add ` +
        `globalSetup: ["@openfloor/testkit/vitest/global-setup"] to the test config.`,
    );
  }
  const response = await fetch(`${base}/${service}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const payload: unknown = await response.json();
  if (!response.ok) {
    const { error } = payload as ControlError;
    throw new TestkitError(isTestkitErrorCode(error.code) ? error.code : "START_FAILED", error.message);
  }
  return payload as T;
}

/**
 * The run's shared PostgreSQL server (started on first use, stopped when the run ends), by default
 * with a database of the caller's own. Call it in `beforeAll`.
 *
 * @example
 * const db = await usePostgres();
 * const client = new Client({ connectionString: db.url });
 */
export function usePostgres(options: UsePostgresOptions = {}): Promise<PostgresConnection> {
  return ask<PostgresConnection>("postgres", {
    freshDatabase: options.freshDatabase ?? true,
  } satisfies PostgresRequest);
}

/**
 * The run's shared Kafka broker (started on first use, stopped when the run ends). Topics are shared
 * across test files: give yours unique names. Call it in `beforeAll`.
 *
 * @example
 * const { brokers } = await useKafka();
 * const producer = new Producer({ clientId: "test", bootstrapBrokers: brokers });
 */
export function useKafka(): Promise<KafkaConnection> {
  return ask<KafkaConnection>("kafka", {});
}

export type { KafkaConnection, PostgresConnection };
