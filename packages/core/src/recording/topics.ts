import { ProtocolError } from "../errors/protocol-error.js";
import {
  MarketDataFrame,
  MarketEvent,
  type MarketEvent as PbMarketEvent,
} from "../gen/openfloor/v1/market_data.js";
import {
  Fill,
  OrderEvent,
  type Fill as PbFill,
  type OrderEvent as PbOrderEvent,
} from "../gen/openfloor/v1/orders.js";
import {
  type PerformanceSnapshot as PbPerformanceSnapshot,
  type Position as PbPosition,
  type RiskState as PbRiskState,
  PerformanceSnapshot,
  Position,
  RiskState,
} from "../gen/openfloor/v1/portfolio.js";
import { type StrategyRecord as PbStrategyRecord, StrategyRecord } from "../gen/openfloor/v1/recording.js";

/**
 * Newest version of the record format (topic names, keys, headers, protobuf values) this code reads.
 * Consumers refuse a record whose `of-version` header is newer than they know. Version 1: one value
 * per record. Version 2 adds market-data batch records (`MARKET_DATA_BATCH_SCHEMA`); every other
 * record is still written as version 1.
 */
export const RECORD_SCHEMA_VERSION = 2;

/** Schema header of a market-data batch record: many events of one kind and instrument. */
export const MARKET_DATA_BATCH_SCHEMA = "openfloor.v1.MarketDataFrame";

/** What a record carries; one topic family per kind. */
export interface RecordValues {
  trade: PbMarketEvent;
  quote: PbMarketEvent;
  book: PbMarketEvent;
  bar: PbMarketEvent;
  "order-event": PbOrderEvent;
  fill: PbFill;
  position: PbPosition;
  "risk-state": PbRiskState;
  "strategy-record": PbStrategyRecord;
  performance: PbPerformanceSnapshot;
}
export type RecordKind = keyof RecordValues;

interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

/** How each kind is recorded. */
export interface TopicSpec {
  /** Topic name (prefixed with the deployment's prefix, default "openfloor."). */
  readonly topic: string;
  /** Fully qualified protobuf message of the value. */
  readonly schema: string;
  /** Market data may be dropped under back-pressure (counted); orders, fills and records never are. */
  readonly droppable: boolean;
  /** Compacted topics keep the latest value per key (positions, risk state). */
  readonly compacted: boolean;
  /** What the key is, for people reading the topic. */
  readonly keyedBy: string;
}

const md = (topic: string): TopicSpec => ({
  topic,
  schema: "openfloor.v1.MarketEvent",
  droppable: true,
  compacted: false,
  keyedBy: "instrument id (SYMBOL:venue)",
});

export const TOPICS: Readonly<Record<RecordKind, TopicSpec>> = {
  trade: md("md.trades"),
  quote: md("md.quotes"),
  book: md("md.book"),
  bar: md("md.bars"),
  "order-event": {
    topic: "orders",
    schema: "openfloor.v1.OrderEvent",
    droppable: false,
    compacted: false,
    keyedBy: "account",
  },
  fill: {
    topic: "fills",
    schema: "openfloor.v1.Fill",
    droppable: false,
    compacted: false,
    keyedBy: "account",
  },
  position: {
    topic: "positions",
    schema: "openfloor.v1.Position",
    droppable: false,
    compacted: true,
    keyedBy: "account|instrument id|strategy id",
  },
  "risk-state": {
    topic: "risk",
    schema: "openfloor.v1.RiskState",
    droppable: false,
    compacted: true,
    keyedBy: "account ('' = global)",
  },
  "strategy-record": {
    topic: "strategy-records",
    schema: "openfloor.v1.StrategyRecord",
    droppable: false,
    compacted: false,
    keyedBy: "strategy id",
  },
  performance: {
    topic: "performance",
    schema: "openfloor.v1.PerformanceSnapshot",
    droppable: false,
    compacted: false,
    keyedBy: "strategy id",
  },
};

const CODECS: { readonly [K in RecordKind]: Codec<RecordValues[K]> } = {
  trade: MarketEvent,
  quote: MarketEvent,
  book: MarketEvent,
  bar: MarketEvent,
  "order-event": OrderEvent,
  fill: Fill,
  position: Position,
  "risk-state": RiskState,
  "strategy-record": StrategyRecord,
  performance: PerformanceSnapshot,
};

export const RECORD_KINDS = Object.keys(TOPICS) as RecordKind[];

/** Header names on every record. */
export const HEADERS = {
  kind: "of-kind",
  schema: "of-schema",
  version: "of-version",
  /** Events in a market-data batch record (absent on single-value records). */
  count: "of-count",
} as const;

/** The market-data kinds: droppable, keyed by instrument, batchable. */
export type MarketDataKind = "trade" | "quote" | "book" | "bar";

/** True for the market-data kinds (the ones `encodeMarketDataBatch` takes). */
export function isMarketDataKind(kind: RecordKind): kind is MarketDataKind {
  return kind === "trade" || kind === "quote" || kind === "book" || kind === "bar";
}

/** A record ready for Kafka or the local segment log. */
export interface EncodedRecord {
  readonly kind: RecordKind;
  readonly topic: string;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** Event time, ms since the epoch (the Kafka record timestamp). */
  readonly timestampMs: number;
  /** Events the record carries when it is a market-data batch (default 1). */
  readonly events?: number;
}

/** The key that keeps a kind's records in order: per instrument, account or strategy. */
export function recordKey<K extends RecordKind>(kind: K, value: RecordValues[K]): string {
  switch (kind) {
    case "trade":
    case "quote":
    case "book":
    case "bar": {
      const e = (value as PbMarketEvent).event;
      const id = e?.value.instrument;
      return id === undefined ? "" : `${id.symbol}:${id.venue}`;
    }
    case "order-event":
      return (value as PbOrderEvent).order?.account ?? "";
    case "fill":
      return (value as PbFill).account;
    case "position": {
      const p = value as PbPosition;
      return `${p.account}|${p.instrument?.symbol ?? ""}:${p.instrument?.venue ?? ""}|${p.strategyId}`;
    }
    case "risk-state":
      return (value as PbRiskState).account;
    case "strategy-record":
      return (value as PbStrategyRecord).strategyId;
    case "performance":
      return (value as PbPerformanceSnapshot).strategyId;
  }
  return "";
}

/** Encodes a record: protobuf value, ordering key, schema headers. */
export function encodeRecord<K extends RecordKind>(
  kind: K,
  value: RecordValues[K],
  timestampMs: number,
  topicPrefix = "openfloor.",
): EncodedRecord {
  const spec = TOPICS[kind];
  return {
    kind,
    topic: topicPrefix + spec.topic,
    key: recordKey(kind, value),
    value: CODECS[kind].encode(value).finish(),
    headers: {
      [HEADERS.kind]: kind,
      [HEADERS.schema]: spec.schema,
      // Single-value records are unchanged since version 1: older readers keep reading them.
      [HEADERS.version]: "1",
    },
    timestampMs,
  };
}

/** A decoded record of any kind, discriminated by `kind`. */
export type DecodedRecord = {
  [K in RecordKind]: { readonly kind: K; readonly value: RecordValues[K] };
}[RecordKind];

/**
 * Encodes market events of one kind and one instrument as a single batch record (schema version 2):
 * the value is a `MarketDataFrame` holding the events in order, the key is the instrument's as for a
 * single event, the `of-count` header says how many. Fewer, larger records are what lets the
 * recorder keep up with market data; `decodeRecords` expands a batch back into its events.
 * The caller keeps every event of a batch on one instrument (the key of the first is used).
 */
export function encodeMarketDataBatch(
  kind: MarketDataKind,
  values: readonly PbMarketEvent[],
  timestampMs: number,
  topicPrefix = "openfloor.",
): EncodedRecord {
  if (values.length === 0) throw new RangeError("a market-data batch needs at least one event");
  const frame = MarketDataFrame.encode({
    frameSequence: 0n,
    events: values as PbMarketEvent[],
    droppedEvents: 0n,
  }).finish();
  return marketDataBatchRecord(
    kind,
    recordKey(kind, values[0]!),
    frame,
    values.length,
    timestampMs,
    topicPrefix,
  );
}

/**
 * The batch record of `count` market events already encoded as a `MarketDataFrame` (for writers
 * that build the frame bytes themselves, e.g. by concatenating cached `events` entries).
 * `key` is the instrument's record key (`SYMBOL:venue`).
 */
export function marketDataBatchRecord(
  kind: MarketDataKind,
  key: string,
  frame: Uint8Array,
  count: number,
  timestampMs: number,
  topicPrefix = "openfloor.",
): EncodedRecord {
  return {
    kind,
    topic: topicPrefix + TOPICS[kind].topic,
    key,
    value: frame,
    headers: {
      [HEADERS.kind]: kind,
      [HEADERS.schema]: MARKET_DATA_BATCH_SCHEMA,
      [HEADERS.version]: "2",
      [HEADERS.count]: String(count),
    },
    timestampMs,
    events: count,
  };
}

/** True when the headers are those of a market-data batch record. */
export function isBatchRecord(headers: Readonly<Record<string, string | undefined>>): boolean {
  return headers[HEADERS.schema] === MARKET_DATA_BATCH_SCHEMA;
}

function checkedKind(headers: Readonly<Record<string, string | undefined>>): RecordKind {
  const kind = headers[HEADERS.kind];
  if (kind === undefined || !(kind in TOPICS)) {
    throw ProtocolError.invalidField(
      `headers.${HEADERS.kind}`,
      `unknown record kind ${JSON.stringify(kind)}`,
    );
  }
  const version = Number(headers[HEADERS.version] ?? "1");
  if (!Number.isInteger(version) || version > RECORD_SCHEMA_VERSION) {
    throw ProtocolError.invalidField(
      `headers.${HEADERS.version}`,
      `record schema version ${headers[HEADERS.version]} is newer than this reader (${RECORD_SCHEMA_VERSION}); upgrade openfloor`,
    );
  }
  return kind as RecordKind;
}

/**
 * Decodes a single-value record from its headers and value bytes. Unknown kinds, a newer schema
 * version or undecodable bytes are a `ProtocolError` naming the header or the kind; so is a
 * market-data batch record (read those with `decodeRecords`).
 */
export function decodeRecord(
  headers: Readonly<Record<string, string | undefined>>,
  value: Uint8Array,
): DecodedRecord {
  const k = checkedKind(headers);
  if (isBatchRecord(headers)) {
    throw ProtocolError.invalidField(
      `headers.${HEADERS.schema}`,
      `a batch of ${headers[HEADERS.count] ?? "several"} ${k} events; read it with decodeRecords`,
    );
  }
  try {
    return { kind: k, value: CODECS[k].decode(value) } as DecodedRecord;
  } catch (e) {
    throw ProtocolError.invalidField("value", `undecodable ${k} record: ${(e as Error).message}`, e);
  }
}

/**
 * Decodes any record into the values it carries, in order: one for a single-value record, every
 * event of a market-data batch record. Errors as `decodeRecord`.
 * @example for (const { kind, value } of decodeRecords(record.headers, record.value)) ...
 */
export function decodeRecords(
  headers: Readonly<Record<string, string | undefined>>,
  value: Uint8Array,
): DecodedRecord[] {
  if (!isBatchRecord(headers)) return [decodeRecord(headers, value)];
  const k = checkedKind(headers);
  if (!isMarketDataKind(k)) {
    throw ProtocolError.invalidField(`headers.${HEADERS.schema}`, `a ${k} record cannot be a batch`);
  }
  let events: PbMarketEvent[];
  try {
    events = MarketDataFrame.decode(value).events;
  } catch (e) {
    throw ProtocolError.invalidField("value", `undecodable ${k} batch record: ${(e as Error).message}`, e);
  }
  return events.map((event) => ({ kind: k, value: event }) as DecodedRecord);
}
