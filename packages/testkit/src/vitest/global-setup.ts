import type { TestProject } from "vitest/node";
import { startControlServer } from "./control-server.js";
import { TESTKIT_URL_KEY } from "./provided-context.js";

/**
 * vitest global setup: `globalSetup: ["@openfloor/testkit/vitest/global-setup"]`. Starts nothing
 * but a small loopback control server; PostgreSQL and Kafka start on the first `usePostgres()` /
 * `useKafka()` of the run, once, and stop at teardown, whether the tests passed or not.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const control = await startControlServer();
  project.provide(TESTKIT_URL_KEY, control.url);
  return () => control.close();
}
