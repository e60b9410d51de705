import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { defaultConfig, parseConfig } from "./load-config.js";

const base = {
  venues: { sim: { adapter: "sim", config: {} } },
  strategies: { s: { token: "0123456789abcdef0123" } },
  storage: { mode: "none" },
};
const parse = (extra: Record<string, unknown>, env: Record<string, string> = {}) =>
  parseConfig({ ...base, ...extra }, { env, file: "gateway.yaml" });

describe("recording config", () => {
  it("is off without a section, local with one, Kafka with brokers (or KAFKA_BROKERS)", () => {
    expect(parse({}).recording.mode).toBe("off");
    expect(defaultConfig({ env: {} }).recording.mode).toBe("off");
    const local = parse({ recording: {} }).recording;
    expect(local).toMatchObject({
      mode: "local",
      dataDir: ".openfloor",
      marketDataBatch: 100,
      queueSize: 65536,
    });
    expect(parse({ recording: { brokers: "k1:9092, k2:9092" } }).recording).toMatchObject({
      mode: "kafka",
      brokers: ["k1:9092", "k2:9092"],
    });
    expect(parse({}, { KAFKA_BROKERS: "k:9092" }).recording).toMatchObject({
      mode: "kafka",
      brokers: ["k:9092"],
    });
    expect(parse({ recording: { mode: "off" } }, { KAFKA_BROKERS: "k:9092" }).recording.mode).toBe("off");
    expect(parse({ recording: { mode: "local", brokers: ["k:9092"] } }).recording.mode).toBe("local");
    expect(defaultConfig({ env: {}, recording: { mode: "auto" } }).recording.mode).toBe("local");
  });

  it("names the key of a bad recording setting", () => {
    expect(() => parse({ recording: { mode: "kafka" } })).toThrow(
      /gateway\.yaml: recording\.brokers: is required when recording\.mode is kafka/,
    );
    expect(() => parse({ recording: { brokers: ["nohost"] } })).toThrow(
      /recording\.brokers: expected brokers as host:port like "kafka-1:9092", got "nohost"/,
    );
    expect(() => parse({ recording: { marketDataBatch: 0 } })).toThrow(ConfigError);
    expect(() => parse({ recording: { topics: { retentionMs: { nope: 1 } } } })).toThrow(
      /recording\.topics\.retentionMs/,
    );
  });
});
