import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { SdkError } from "../errors/sdk-errors.js";
import { sdkVersion } from "./package-info.js";

/** Options of `scaffoldStrategyRepo`. */
export interface ScaffoldOptions {
  /** Version range of @openfloor/sdk in the new package.json. Default: `^` + this SDK's version. */
  readonly sdkRange?: string;
}

/**
 * Writes a new strategy repository into `dir` (which must not exist or be empty): package.json depending
 * on the published `@openfloor/sdk`, tsconfig.json, src/strategy.ts, a vitest test that runs the strategy
 * in a backtest, README.md and .gitignore. Returns the files written.
 */
export function scaffoldStrategyRepo(dir: string, options: ScaffoldOptions = {}): string[] {
  const root = resolve(dir);
  if (existsSync(root) && readdirSync(root).length > 0) {
    throw new SdkError("INVALID_ARGUMENT", `${dir} already exists and is not empty; pick a new name`, {
      context: { dir: root },
    });
  }
  const name =
    basename(root)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[._-]+/, "") || "my-strategy";
  const className = name
    .split(/[-._]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("")
    .replace(/^[0-9]/, "S$&");
  const files: Record<string, string> = {
    "package.json": `${JSON.stringify(
      {
        name,
        version: "0.1.0",
        private: true,
        type: "module",
        scripts: {
          test: "vitest run",
          backtest: "openfloor backtest src/strategy.ts",
          typecheck: "tsc --noEmit",
        },
        dependencies: { "@openfloor/sdk": options.sdkRange ?? `^${sdkVersion()}` },
        devDependencies: { "@types/node": "^24.0.0", typescript: "^5.9.3", vitest: "^3.2.7" },
        engines: { node: ">=22.22" },
      },
      null,
      2,
    )}\n`,
    "tsconfig.json": `${JSON.stringify(
      {
        compilerOptions: {
          target: "ES2023",
          lib: ["ES2023"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noUncheckedIndexedAccess: true,
          noImplicitOverride: true,
          skipLibCheck: true,
          noEmit: true,
          types: ["node"],
        },
        include: ["src", "test"],
      },
      null,
      2,
    )}\n`,
    "src/strategy.ts": strategyTemplate(className),
    "test/strategy.test.ts": testTemplate(className),
    "README.md": readmeTemplate(name, className),
    ".gitignore": "node_modules/\ndist/\n*.tgz\n",
  };
  mkdirSync(root, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, file, ".."), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return Object.keys(files);
}

function strategyTemplate(className: string): string {
  return `import { type Quote, Strategy } from "@openfloor/sdk";

const INSTRUMENT = "BTC/USDT:sim";

/**
 * Mean reversion on the mid price: buys when the mid falls well below its moving average, sells when it
 * rises well above it, and keeps the position within a limit. Runs unchanged in a backtest, on paper and live.
 */
export default class ${className} extends Strategy {
  private average: number | undefined;
  private quotes = 0;

  override onStart(): void {
    this.data.quotes(INSTRUMENT).subscribe((q) => this.onQuote(q));
    this.every("1m", () => this.record("average", this.average ?? 0));
  }

  private onQuote(q: Quote): void {
    const mid = (q.bidPrice.toNumber() + q.askPrice.toNumber()) / 2;
    this.average = this.average === undefined ? mid : this.average * 0.99 + mid * 0.01;
    if (++this.quotes % 20 !== 0) return;
    const position = this.positions.get(INSTRUMENT).quantity;
    const gap = (mid - this.average) / this.average;
    if (gap < -0.00002 && position.lt("0.05")) {
      this.guard(async () => {
        await this.orders.buy(INSTRUMENT, "0.01");
      });
    } else if (gap > 0.00002 && position.gt("-0.05")) {
      this.guard(async () => {
        await this.orders.sell(INSTRUMENT, "0.01");
      });
    }
  }

  override onError(error: unknown): void {
    this.log.error({ err: error }, "strategy callback failed");
  }
}

/** Defaults for \`openfloor backtest\` (flags override them): a synthetic BTC/USDT market for one hour. */
export const backtest = {
  data: "synthetic",
  from: "2024-01-01T00:00:00Z",
  to: "2024-01-01T01:00:00Z",
  seed: 1,
};
`;
}

function testTemplate(className: string): string {
  return `import { backtestStrategy } from "@openfloor/sdk/testing";
import { describe, expect, it } from "vitest";
import ${className} from "../src/strategy.js";

describe("${className}", () => {
  it("trades in a backtest on a synthetic market and leaves nothing open", async () => {
    const result = await backtestStrategy(new ${className}(), { seed: 1, to: "2024-01-01T00:30:00Z" });
    expect(result.events).toBeGreaterThan(1000);
    expect(result.fills.length).toBeGreaterThan(0);
    expect(result.ordersWith("rejected", "denied")).toHaveLength(0);
    expect(result.openOrders).toBe(0);
    expect(result.strategyErrorCount).toBe(0);
  });

  it("is deterministic: the same seed gives the same fills and PnL", async () => {
    const a = await backtestStrategy(new ${className}(), { seed: 7, to: "2024-01-01T00:10:00Z" });
    const b = await backtestStrategy(new ${className}(), { seed: 7, to: "2024-01-01T00:10:00Z" });
    expect(b.fills.map((f) => \`\${f.side} \${f.quantity}@\${f.price}\`)).toEqual(a.fills.map((f) => \`\${f.side} \${f.quantity}@\${f.price}\`));
    expect(b.netPnl).toBe(a.netPnl);
  });
});
`;
}

function readmeTemplate(name: string, className: string): string {
  return `# ${name}

A trading strategy (\`${className}\`) on the [openfloor](https://www.npmjs.com/package/@openfloor/sdk) Strategy SDK.

\`\`\`sh
npm install
npm test                      # runs the strategy in a backtest (vitest)
npx openfloor backtest src/strategy.ts --data synthetic --to 2024-01-01T06:00:00Z
npx openfloor backtest src/strategy.ts --data quotes.csv   # recorded data (CSV or JSONL, optionally .gz)
npx openfloor run src/strategy.ts --gateway 127.0.0.1:7400 --token $OPENFLOOR_TOKEN
\`\`\`

- \`src/strategy.ts\` — the strategy: market data as rxjs observables (\`this.data\`), orders (\`this.orders\`),
  positions (\`this.positions\`), timers (\`this.every\`) and \`this.record()\` for post-trade analysis.
- \`test/strategy.test.ts\` — runs it against the simulated venue with \`backtestStrategy\` from
  \`@openfloor/sdk/testing\` and asserts on its orders, fills and PnL.
`;
}
