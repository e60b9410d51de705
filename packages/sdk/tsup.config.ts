import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "backtest/index": "src/backtest/index.ts",
    "testing/index": "src/testing/index.ts",
    "transport/grpc/index": "src/transport/grpc/index.ts",
    "transport/in-process/index": "src/transport/in-process/index.ts",
    "cli/main": "src/cli/main.ts",
  },
  format: ["esm"],
  dts: {
    entry: {
      index: "src/index.ts",
      "backtest/index": "src/backtest/index.ts",
      "testing/index": "src/testing/index.ts",
      "transport/grpc/index": "src/transport/grpc/index.ts",
      "transport/in-process/index": "src/transport/in-process/index.ts",
    },
  },
  clean: true,
  sourcemap: true,
  target: "node22",
});
