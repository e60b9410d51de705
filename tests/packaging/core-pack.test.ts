import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "openfloor-pack-"));
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 240_000 });

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("@openfloor/core as a published package", () => {
  it("packs, installs outside the workspace, imports at runtime and type-checks", () => {
    run("pnpm", ["--filter", "@openfloor/core", "build"], root);
    run("pnpm", ["pack", "--pack-destination", work], join(root, "packages/core"));
    const tarball = readdirSync(work).find((f) => f.startsWith("openfloor-core-") && f.endsWith(".tgz"));
    expect(tarball, "pnpm pack produced no tarball").toBeDefined();
    const listing = run("tar", ["-tzf", join(work, tarball!)], work);
    expect(listing).toContain("package/dist/index.js");
    expect(listing).toContain("package/dist/index.d.ts");
    expect(listing).not.toContain("package/src/");

    const app = join(work, "app");
    run("mkdir", ["-p", app], work);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", join(work, tarball!)], app);

    writeFileSync(
      join(app, "main.mjs"),
      [
        'import { Decimal, parseInstrumentId, pb } from "@openfloor/core";',
        'const sum = Decimal.from("0.1").add("0.2");',
        "const wire = pb.Decimal.encode(sum.toProto()).finish();",
        "const back = Decimal.fromProto(pb.Decimal.decode(wire));",
        'console.log(JSON.stringify({ sum: sum.toString(), back: back.toString(), id: parseInstrumentId("BTC/USDT:binance") }));',
      ].join("\n"),
    );
    const out = JSON.parse(run("node", ["main.mjs"], app));
    expect(out).toEqual({ sum: "0.3", back: "0.3", id: { symbol: "BTC/USDT", venue: "binance" } });

    writeFileSync(
      join(app, "check.ts"),
      [
        'import { Decimal, type Instrument, defineInstrument, instrumentId } from "@openfloor/core";',
        'const i: Instrument = defineInstrument({ id: instrumentId("BTC/USDT", "sim"), kind: "spot", base: "BTC", quote: "USDT", priceIncrement: "0.01", sizeIncrement: "0.001" });',
        "const d: Decimal = i.priceIncrement.mul(2);",
        "// @ts-expect-error a Decimal is not a number",
        "const n: number = d;",
        "void n;",
      ].join("\n"),
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2023",
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ["check.ts"],
      }),
    );
    run("node", [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], app);
  }, 300_000);
});
