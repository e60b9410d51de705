#!/usr/bin/env node
// The `openfloor` command: see `openfloor --help`.
import { runCli } from "./program.js";

process.exitCode = await runCli(process.argv, { stdout: process.stdout, stderr: process.stderr });
