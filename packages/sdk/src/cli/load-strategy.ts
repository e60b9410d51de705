import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";
import { SdkError } from "../errors/sdk-errors.js";
import { Strategy } from "../strategy/strategy.js";

/** A strategy module as the CLI loads it: the default-exported class, and optional backtest defaults. */
export interface LoadedStrategy {
  readonly file: string;
  readonly create: () => Strategy;
  readonly name: string;
  /** The module's named export `backtest`, if any: defaults for `openfloor backtest` (instruments, venue, data, …). */
  readonly backtestDefaults: Readonly<Record<string, unknown>> | undefined;
}

type StrategyClass = new () => Strategy;

let registered = false;

function registerTypeScript(): void {
  if (registered) return;
  registered = true;
  register();
}

/**
 * Loads a strategy file written in TypeScript (or JavaScript) directly, with tsx, and finds its default
 * export: a subclass of `Strategy`. Anything else is an `INVALID_ARGUMENT` error naming the file.
 */
export async function loadStrategy(path: string): Promise<LoadedStrategy> {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new SdkError("INVALID_ARGUMENT", `strategy file ${path} does not exist`, { context: { file } });
  }
  // A global registration (not tsImport's private namespace): the strategy must share this process's
  // @openfloor/sdk and @openfloor/core modules, or its Decimals and Strategy class would be other copies.
  registerTypeScript();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new SdkError("INVALID_ARGUMENT", `cannot load strategy file ${path}: ${(error as Error).message}`, {
      cause: error,
      context: { file },
    });
  }
  const exported = mod.default;
  if (!isStrategyClass(exported)) {
    const found =
      exported === undefined
        ? "it has no default export"
        : `its default export is ${typeof exported === "function" ? `${exported.name || "a function"}, not a Strategy subclass` : `a ${typeof exported}`}`;
    throw new SdkError(
      "INVALID_ARGUMENT",
      `${path} must default-export a subclass of Strategy (export default class MyStrategy extends Strategy { … }); ${found}`,
      { context: { file, exports: Object.keys(mod) } },
    );
  }
  const defaults = mod.backtest;
  return {
    file,
    name: exported.name,
    create: () => new exported(),
    backtestDefaults:
      typeof defaults === "object" && defaults !== null ? (defaults as Record<string, unknown>) : undefined,
  };
}

/** A class whose prototype chain reaches `Strategy` (by identity, or by name for another copy of the SDK). */
function isStrategyClass(value: unknown): value is StrategyClass {
  if (typeof value !== "function") return false;
  if (value.prototype instanceof Strategy) return true;
  for (let p: unknown = Object.getPrototypeOf(value); typeof p === "function"; p = Object.getPrototypeOf(p)) {
    if (
      (p as { name: string }).name === "Strategy" &&
      typeof (p as { prototype: { attach?: unknown } }).prototype.attach === "function"
    ) {
      return true;
    }
  }
  return false;
}
