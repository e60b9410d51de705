import type { MarketEvent } from "../market/types.js";
import { marketEventFromProto } from "../proto-convert/market-data.js";
import { type DecodedRecord, decodeRecords, isMarketDataKind, type MarketDataKind } from "./topics.js";

const isMarketData = (d: DecodedRecord): d is Extract<DecodedRecord, { kind: MarketDataKind }> =>
  isMarketDataKind(d.kind);

/**
 * The market events a recorded message carries, as core events: one, every event of a market-data
 * batch, or none for the other kinds (orders, fills, positions, …). Errors as `decodeRecords`.
 * @example for (const event of marketEventsOfRecord(record.headers, record.value)) book.apply(event)
 */
export function marketEventsOfRecord(
  headers: Readonly<Record<string, string | undefined>>,
  value: Uint8Array,
): MarketEvent[] {
  const events: MarketEvent[] = [];
  for (const decoded of decodeRecords(headers, value)) {
    if (isMarketData(decoded)) events.push(marketEventFromProto(decoded.value));
  }
  return events;
}
