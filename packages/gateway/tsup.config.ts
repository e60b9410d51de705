import { cpSync } from "node:fs";
import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", cli: "src/cli/main.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "node22",
  // The .proto files ship with the package: gRPC reflection serves them.
  onSuccess: async () => {
    cpSync("../../proto/openfloor", "dist/proto/openfloor", { recursive: true });
  },
});
