import { InstrumentError } from "../errors/domain-errors.js";

/**
 * A venue-independent instrument id: the venue's unified symbol plus the venue name.
 * Text form `"BTC/USDT:binance"`; the venue is after the last `:` so ccxt-style perpetual symbols
 * such as `"BTC/USDT:USDT"` stay intact (`"BTC/USDT:USDT:bybit"`).
 */
export interface InstrumentId {
  readonly symbol: string;
  readonly venue: string;
}

const VENUE_RE = /^[a-z0-9][a-z0-9_.-]*$/i;

/** Builds an id, checking both parts. @example instrumentId("BTC/USDT", "binance") */
export function instrumentId(symbol: string, venue: string): InstrumentId {
  if (symbol.length === 0 || /\s/.test(symbol)) {
    throw new InstrumentError(
      "INSTRUMENT_ID_MALFORMED",
      `instrument symbol ${JSON.stringify(symbol)} is empty or has spaces`,
      {
        context: { symbol, venue },
      },
    );
  }
  if (!VENUE_RE.test(venue)) {
    throw new InstrumentError(
      "INSTRUMENT_ID_MALFORMED",
      `venue ${JSON.stringify(venue)} must be letters, digits, '_', '.' or '-'`,
      { context: { symbol, venue } },
    );
  }
  return { symbol, venue };
}

/** Parses `"SYMBOL:venue"`. @example parseInstrumentId("ETH/USDT:okx") */
export function parseInstrumentId(text: string): InstrumentId {
  const at = text.lastIndexOf(":");
  if (at <= 0 || at === text.length - 1) {
    throw new InstrumentError(
      "INSTRUMENT_ID_MALFORMED",
      `instrument id ${JSON.stringify(text)} must look like "BTC/USDT:binance" (symbol:venue)`,
      { context: { value: text } },
    );
  }
  return instrumentId(text.slice(0, at), text.slice(at + 1));
}

/** Formats as `"SYMBOL:venue"`; also the key to use in maps. */
export function formatInstrumentId(id: InstrumentId): string {
  return `${id.symbol}:${id.venue}`;
}

export function sameInstrument(a: InstrumentId, b: InstrumentId): boolean {
  return a.symbol === b.symbol && a.venue === b.venue;
}
