#!/usr/bin/env node
// Entry point of the `openfloor-analytics` command (from source: `tsx --conditions=@openfloor/source src/cli/main.ts report …`).
import { runAnalyticsCli } from "./commands.js";

await runAnalyticsCli();
