import { defineConfig } from "vitest/config";

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources in tests: no build step needed, and a
  // stale dist/ can never be what a test exercises. Vitest resolves through Vite's SSR settings.
  resolve: { conditions: ["@openfloor/source"] },
  ssr: { resolve: { conditions: ["@openfloor/source", "node"] } },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "examples/*/src/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "tests/**/*.test.ts",
      "demo/src/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "**/dist/**"],
    // Starts PostgreSQL and Kafka lazily, once per run, for the test files that ask for them.
    globalSetup: ["packages/testkit/src/vitest/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
