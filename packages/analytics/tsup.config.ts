import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    cli: "src/cli/main.ts",
    commands: "src/cli/commands.ts",
    testing: "src/testing/index.ts",
  },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts", commands: "src/cli/commands.ts", testing: "src/testing/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "node22",
});
