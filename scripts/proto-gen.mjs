#!/usr/bin/env node
// Generates TypeScript from proto/ into packages/core/src/gen with buf + ts-proto.
// With --check, generates into a temporary directory and fails when the committed code differs.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const target = join(root, "packages/core/src/gen");
const check = process.argv.includes("--check");
const buf = join(root, "node_modules/.bin/buf");

function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out.sort();
}

function generate(outDir) {
  const tmpTemplate = join(mkdtempSync(join(tmpdir(), "openfloor-buf-")), "buf.gen.yaml");
  const template = readFileSync(join(root, "proto/buf.gen.yaml"), "utf8")
    .replace("../node_modules/.bin/protoc-gen-ts_proto", join(root, "node_modules/.bin/protoc-gen-ts_proto"))
    .replace("../packages/core/src/gen", outDir);
  writeFileSync(tmpTemplate, template);
  execFileSync(buf, ["generate", "--template", tmpTemplate], { cwd: join(root, "proto"), stdio: "inherit" });
  rmSync(join(tmpTemplate, ".."), { recursive: true, force: true });
}

if (!check) {
  rmSync(target, { recursive: true, force: true });
  generate(target);
  console.log(`proto:gen wrote ${listFiles(target).length} files to ${relative(root, target)}`);
} else {
  const scratch = mkdtempSync(join(tmpdir(), "openfloor-gen-"));
  try {
    generate(scratch);
    const fresh = listFiles(scratch).map((f) => relative(scratch, f));
    const committed = listFiles(target).map((f) => relative(target, f));
    const stale = [];
    for (const f of new Set([...fresh, ...committed])) {
      const a = fresh.includes(f) ? readFileSync(join(scratch, f), "utf8") : null;
      const b = committed.includes(f) ? readFileSync(join(target, f), "utf8") : null;
      if (a !== b) stale.push(f);
    }
    if (stale.length > 0) {
      console.error(`proto:check: generated code is stale in ${relative(root, target)}: ${stale.join(", ")}`);
      console.error("run `pnpm proto:gen` and commit the result");
      process.exit(1);
    }
    console.log(`proto:check: ${fresh.length} generated files are up to date`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    void cpSync;
  }
}
