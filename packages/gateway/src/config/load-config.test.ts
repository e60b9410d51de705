import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { defaultConfig, loadConfig } from "./load-config.js";

const TOKEN = "alpha-token-0123456789abcdef";

function writeConfig(text: string, name = "gateway.yaml"): string {
  const dir = mkdtempSync(join(tmpdir(), "openfloor-config-"));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const BASE = `
venues:
  sim:
    adapter: sim
strategies:
  alpha:
    token: ${TOKEN}
`;

describe("loadConfig", () => {
  it("loads a minimal file with defaults", () => {
    const config = loadConfig(writeConfig(BASE), { env: {} });
    expect(config.listen).toEqual({ host: "127.0.0.1", port: 7400 });
    expect(config.strategies).toEqual([
      { id: "alpha", token: TOKEN, account: "sim", cancelOnDisconnect: false, admin: false },
    ]);
    expect(config.accounts).toEqual({ sim: { venue: "sim" } });
    expect(config.secrets).toContain(TOKEN);
  });

  it("names the file, the key and what is allowed for a non-finite risk limit", () => {
    const error = errorOf(() =>
      loadConfig(writeConfig(`${BASE}risk:\n  maxOrderNotional: 1e400\n`), { env: {} }),
    );
    expect(error.message).toBe(
      'gateway.yaml:9: risk.maxOrderNotional: expected a decimal string like "10000", got 1e400',
    );
  });

  it("passes risk limits through the risk engine's parser and names its key", () => {
    const error = errorOf(() =>
      loadConfig(writeConfig(`${BASE}risk:\n  maxOrderQuantity: "-1"\n`), { env: {} }),
    );
    expect(error.message).toMatch(/^gateway\.yaml:9: risk\.maxOrderQuantity: must be positive/);
    const unknown = errorOf(() => loadConfig(writeConfig(`${BASE}risk:\n  maxBananas: 3\n`), { env: {} }));
    expect(unknown.message).toContain("risk.maxBananas: unknown risk limit; allowed:");
  });

  it("reports every problem with its key", () => {
    const error = errorOf(() =>
      loadConfig(
        writeConfig(
          `listen: nowhere\nvenues: {}\nstrategies:\n  s1: { account: ghost }\nbogus: 1\n`,
          "gw.yaml",
        ),
        { env: {} },
      ),
    );
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gw\.yaml:5: bogus: unknown key; allowed: listen, tls, /),
        expect.stringMatching(/gw\.yaml:1: listen: expected host:port like "127\.0\.0\.1:7400", got nowhere/),
      ]),
    );
  });

  it("resolves tokens from env and files, $-brace interpolation and OPENFLOOR_* overrides", () => {
    const dir = mkdtempSync(join(tmpdir(), "openfloor-config-"));
    writeFileSync(join(dir, "beta.token"), "beta-token-from-file-000000\n");
    const path = join(dir, "gateway.yaml");
    writeFileSync(
      path,
      `venues:\n  sim:\n    adapter: sim\n    config:\n      apiKey: \${SIM_KEY}\n      secret: { fromEnv: SIM_SECRET }\n` +
        `strategies:\n  alpha: { tokenEnv: ALPHA_TOKEN }\n  beta: { tokenFile: beta.token }\n  gamma: { token: gamma-token-0000000000000 }\n`,
    );
    const config = loadConfig(path, {
      env: {
        SIM_KEY: "key-123456",
        SIM_SECRET: "secret-abcdef",
        ALPHA_TOKEN: "alpha-token-from-env-00000",
        OPENFLOOR_LISTEN: "127.0.0.1:0",
        OPENFLOOR_STRATEGY_GAMMA_TOKEN: "gamma-token-overridden-0000",
      },
    });
    expect(config.listen.port).toBe(0);
    expect(config.venues.sim?.config).toEqual({ apiKey: "key-123456", secret: "secret-abcdef" });
    expect(config.strategies.map((s) => s.token)).toEqual([
      "alpha-token-from-env-00000",
      "beta-token-from-file-000000",
      "gamma-token-overridden-0000",
    ]);
    expect(config.secrets).toEqual(
      expect.arrayContaining([
        "key-123456",
        "secret-abcdef",
        "alpha-token-from-env-00000",
        "beta-token-from-file-000000",
      ]),
    );
  });

  it("names an unset environment variable", () => {
    const error = errorOf(() =>
      loadConfig(
        writeConfig(`venues:\n  sim:\n    adapter: sim\nstrategies:\n  alpha: { tokenEnv: NOPE }\n`),
        { env: {} },
      ),
    );
    expect(error.message).toContain(
      "gateway.yaml:5: strategies.alpha.tokenEnv: environment variable NOPE is not set",
    );
  });

  it("refuses duplicate tokens and unknown accounts", () => {
    const error = errorOf(() =>
      loadConfig(
        writeConfig(
          `venues:\n  sim: { adapter: sim }\naccounts:\n  a: { venue: sim }\n  b: { venue: mars }\n` +
            `strategies:\n  s1: { token: ${TOKEN}, account: a }\n  s2: { token: ${TOKEN}, account: c }\n`,
        ),
        { env: {} },
      ),
    );
    expect(error.message).toContain('accounts.b.venue: unknown venue "mars"');
    expect(error.message).toContain("strategies.s2.token: the same token is already used by strategy s1");
    expect(error.message).toContain('strategies.s2.account: unknown account "c"');
  });

  it("names a YAML syntax error's line", () => {
    const error = errorOf(() => loadConfig(writeConfig("venues:\n  sim: [unclosed\n"), { env: {} }));
    expect(error.message).toMatch(/^gateway\.yaml:\d+:\d+: /);
  });

  it("names a missing file", () => {
    const error = errorOf(() => loadConfig("/nonexistent/gateway.yaml"));
    expect(error.code).toBe("CONFIG_NOT_FOUND");
    expect(error.message).toContain("/nonexistent/gateway.yaml");
  });
});

describe("defaultConfig", () => {
  it("is the simulated venue with one generated admin token", () => {
    const config = defaultConfig({ env: {}, listen: { host: "127.0.0.1", port: 0 } });
    expect(Object.keys(config.venues)).toEqual(["sim"]);
    expect(config.venues.sim?.adapter).toBe("sim");
    expect(config.strategies).toHaveLength(1);
    expect(config.strategies[0]?.admin).toBe(true);
    expect(config.devToken).toMatch(/^[0-9a-f]{64}$/);
    expect(config.listen).toEqual({ host: "127.0.0.1", port: 0 });
  });
});
