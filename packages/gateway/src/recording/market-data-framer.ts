import {
  type EncodedRecord,
  formatInstrumentId,
  type MarketDataKind,
  type MarketEvent,
  marketDataBatchRecord,
} from "@openfloor/core";
import { encodeEntry } from "../market-data/frame-encoding.js";

/** Market events of one kind and instrument being framed into one batch record. */
interface Group {
  readonly kind: MarketDataKind;
  readonly key: string;
  readonly ts: number;
  readonly entries: Uint8Array[];
  bytes: number;
}

/**
 * Frames market events into batch records (`MarketDataFrame`, schema version 2) of at most
 * `maxEvents` events of one kind and instrument, in the order given per instrument. Events are
 * encoded by the gateway's direct market-event writer (the bytes ts-proto writes, several times
 * faster), and a frame is the concatenation of its events' entries.
 */
export class MarketDataFramer {
  private readonly groups = new Map<string, Group>();

  /** @param out where finished records are appended */
  constructor(
    private readonly maxEvents: number,
    private readonly topicPrefix: string,
    private readonly out: EncodedRecord[],
  ) {}

  add(kind: MarketDataKind, event: MarketEvent, timestampMs: number): void {
    const entry = encodeEntry(event);
    const key = formatInstrumentId(event.instrument);
    const id = kind + key;
    let group = this.groups.get(id);
    if (group === undefined) {
      group = { kind, key, ts: timestampMs, entries: [], bytes: 0 };
      this.groups.set(id, group);
    }
    group.entries.push(entry);
    group.bytes += entry.length;
    if (group.entries.length >= this.maxEvents) this.close(id, group);
  }

  /** Appends every partial batch. */
  finish(): void {
    for (const [id, group] of [...this.groups]) this.close(id, group);
  }

  private close(id: string, g: Group): void {
    this.groups.delete(id);
    this.out.push(
      marketDataBatchRecord(
        g.kind,
        g.key,
        concat(g.entries, g.bytes),
        g.entries.length,
        g.ts,
        this.topicPrefix,
      ),
    );
  }
}

function concat(entries: readonly Uint8Array[], bytes: number): Uint8Array {
  if (entries.length === 1) return entries[0]!;
  const out = Buffer.allocUnsafe(bytes);
  let o = 0;
  for (const e of entries) {
    out.set(e, o);
    o += e.length;
  }
  return out;
}
