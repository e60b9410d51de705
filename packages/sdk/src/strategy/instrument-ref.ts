import { type InstrumentId, parseInstrumentId } from "@openfloor/core";

/** An instrument as strategies name it: `"BTC/USDT:binance"` or an `InstrumentId`. */
export type InstrumentRef = string | InstrumentId;

export function toInstrumentId(ref: InstrumentRef): InstrumentId {
  return typeof ref === "string" ? parseInstrumentId(ref) : ref;
}
