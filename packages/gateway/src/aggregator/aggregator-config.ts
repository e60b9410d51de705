import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { defineInstrument, type Instrument, instrumentId } from "@openfloor/core";
import { parse } from "yaml";
import { z } from "zod";
import { ConfigError } from "../config/config-error.js";
import type { AggregatorOptions } from "./aggregator.js";

const decimal = z.union([z.string(), z.number()]).transform(String);

const instrumentSchema = z
  .object({
    symbol: z.string().min(1),
    venue: z.string().min(1),
    kind: z.enum(["spot", "perpetual", "future", "option"]).default("spot"),
    base: z.string().min(1),
    quote: z.string().min(1),
    priceIncrement: decimal,
    sizeIncrement: decimal,
    multiplier: decimal.optional(),
    inverse: z.boolean().optional(),
  })
  .strict();

/** The aggregator's limits file (`openfloor-gateway aggregator --limits aggregator.yaml`). */
export const aggregatorFileSchema = z
  .object({
    /** Kafka brokers; `--brokers` and KAFKA_BROKERS take precedence. */
    brokers: z.array(z.string()).optional(),
    /** Consumer group of the aggregator instances. Default "openfloor-aggregator". */
    groupId: z.string().min(1).optional(),
    /** Static member id of this instance. */
    instanceId: z.string().min(1).optional(),
    /** Currency of exposure, PnL and limits. Default "USDT". */
    reportCurrency: z.string().min(1).optional(),
    /** Conversion rates into the report currency, e.g. `[{ from: BTC, to: USDT, price: "61000" }]`. */
    rates: z.array(z.object({ from: z.string(), to: z.string(), price: decimal }).strict()).optional(),
    /** Instruments fills may refer to; default the development sim venue's BTC/USDT and ETH/USDT. */
    instruments: z.array(instrumentSchema).optional(),
    limits: z
      .object({
        /** Largest gross exposure across gateways, in the report currency. */
        maxGrossExposure: decimal.optional(),
        /** Largest loss in one UTC day; reaching it halts trading until the day ends. */
        maxDailyLoss: decimal.optional(),
        /** State set while gross exposure is over the limit. Default "reducing-only". */
        onExposureBreach: z.enum(["reducing-only", "halted"]).optional(),
      })
      .strict()
      .default({}),
    /** Topic prefix. Default "openfloor.". */
    topicPrefix: z.string().optional(),
  })
  .strict();

export type AggregatorFile = z.output<typeof aggregatorFileSchema>;

/** The instruments of the development defaults (`openfloor-gateway start` without a config). */
export function devInstruments(venue = "sim"): Instrument[] {
  return [
    { symbol: "BTC/USDT", base: "BTC", priceIncrement: "0.01", sizeIncrement: "0.0001" },
    { symbol: "ETH/USDT", base: "ETH", priceIncrement: "0.01", sizeIncrement: "0.001" },
  ].map((i) =>
    defineInstrument({
      id: instrumentId(i.symbol, venue),
      kind: "spot",
      base: i.base,
      quote: "USDT",
      priceIncrement: i.priceIncrement,
      sizeIncrement: i.sizeIncrement,
    }),
  );
}

/** Reads and validates an aggregator file; errors name the file and the key. */
export function loadAggregatorFile(path: string): AggregatorFile {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === undefined ? "CONFIG_INVALID" : "CONFIG_NOT_FOUND",
      `${path}: ${code === undefined ? (error as Error).message : `cannot read the file (${code})`}`,
      { context: { file: path } },
    );
  }
  const parsed = aggregatorFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `${basename(path)}: ${i.path.map(String).join(".") || "(top level)"}: ${i.message}`,
    );
    throw new ConfigError("CONFIG_INVALID", lines.join("\n"), { context: { file: path, problems: lines } });
  }
  return parsed.data;
}

/** Aggregator options from a file (or none) and the brokers. Instrument errors name the instrument. */
export function aggregatorOptionsOf(
  file: AggregatorFile,
  brokers: readonly string[],
): Omit<AggregatorOptions, "logger" | "clock"> {
  const instruments =
    file.instruments?.map((i) =>
      defineInstrument({
        id: instrumentId(i.symbol, i.venue),
        kind: i.kind,
        base: i.base,
        quote: i.quote,
        priceIncrement: i.priceIncrement,
        sizeIncrement: i.sizeIncrement,
        ...(i.multiplier === undefined ? {} : { multiplier: i.multiplier }),
        ...(i.inverse === undefined ? {} : { inverse: i.inverse }),
      }),
    ) ?? devInstruments();
  return {
    brokers,
    instruments,
    limits: file.limits,
    ...(file.groupId === undefined ? {} : { groupId: file.groupId }),
    ...(file.instanceId === undefined ? {} : { instanceId: file.instanceId }),
    ...(file.reportCurrency === undefined ? {} : { reportCurrency: file.reportCurrency }),
    ...(file.rates === undefined ? {} : { rates: file.rates }),
    ...(file.topicPrefix === undefined ? {} : { topics: { prefix: file.topicPrefix } }),
  };
}
