#!/usr/bin/env node
// Entry point of the `openfloor-gateway` command (also runnable from source: `tsx src/cli/main.ts start`).
import { runGatewayCli } from "./gateway-cli.js";

await runGatewayCli();
