import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "sim/index": "src/sim/index.ts",
    "testing/index": "src/testing/index.ts",
    "ccxt/index": "src/ccxt/index.ts",
  },
  // The conformance kit runs inside the user's vitest.
  external: ["vitest"],
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node22",
});
