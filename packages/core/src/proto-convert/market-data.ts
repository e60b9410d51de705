import { ProtocolError } from "../errors/protocol-error.js";
import {
  type Decimal as PbDecimal,
  type InstrumentId as PbInstrumentId,
  Side,
} from "../gen/openfloor/v1/common.js";
import type {
  Bar as PbBar,
  BookDelta as PbBookDelta,
  BookLevel as PbBookLevel,
  BookSnapshot as PbBookSnapshot,
  MarketEvent as PbMarketEvent,
  Quote as PbQuote,
  Trade as PbTrade,
} from "../gen/openfloor/v1/market_data.js";
import { type InstrumentId, instrumentId } from "../instruments/instrument-id.js";
import type { Bar, BookDelta, BookLevel, BookSnapshot, MarketEvent, Quote, Trade } from "../market/types.js";
import { Decimal } from "../numbers/decimal.js";
import type { OrderSide } from "../orders/types.js";

// Lossless conversion between core market events and their protobuf messages. Reading a message
// checks it: a missing or malformed field is a ProtocolError naming the field's path.

/** A core market event as the protobuf `MarketEvent` (oneof `event`). */
export function marketEventToProto(event: MarketEvent): PbMarketEvent {
  switch (event.type) {
    case "trade":
      return { event: { $case: "trade", value: tradeToProto(event) } };
    case "quote":
      return { event: { $case: "quote", value: quoteToProto(event) } };
    case "book-snapshot":
      return { event: { $case: "bookSnapshot", value: bookSnapshotToProto(event) } };
    case "book-delta":
      return { event: { $case: "bookDelta", value: bookDeltaToProto(event) } };
    case "bar":
      return { event: { $case: "bar", value: barToProto(event) } };
  }
}

/** The core event of a protobuf `MarketEvent`; an empty oneof or a bad field is a ProtocolError. */
export function marketEventFromProto(message: PbMarketEvent): MarketEvent {
  const event = message.event;
  if (event === undefined) throw ProtocolError.invalidField("event", "is not set");
  switch (event.$case) {
    case "trade":
      return tradeFromProto(event.value, "trade");
    case "quote":
      return quoteFromProto(event.value, "quote");
    case "bookSnapshot":
      return bookSnapshotFromProto(event.value, "bookSnapshot");
    case "bookDelta":
      return bookDeltaFromProto(event.value, "bookDelta");
    case "bar":
      return barFromProto(event.value, "bar");
  }
}

export function tradeToProto(trade: Trade): PbTrade {
  return {
    instrument: instrumentToProto(trade.instrument),
    price: trade.price.toProto(),
    size: trade.size.toProto(),
    aggressor: trade.aggressor === "buy" ? Side.SIDE_BUY : Side.SIDE_SELL,
    tradeId: trade.tradeId,
    tsEventNs: trade.tsEventNs,
    tsRecvNs: trade.tsRecvNs,
  };
}

/** @param path field path used in errors. Default: "trade". */
export function tradeFromProto(message: PbTrade, path = "trade"): Trade {
  return {
    type: "trade",
    instrument: instrumentFromProto(message.instrument, `${path}.instrument`),
    price: decimalFromProto(message.price, `${path}.price`),
    size: sizeFromProto(message.size, `${path}.size`),
    aggressor: sideFromProto(message.aggressor, `${path}.aggressor`),
    tradeId: message.tradeId,
    tsEventNs: message.tsEventNs,
    tsRecvNs: message.tsRecvNs,
  };
}

export function quoteToProto(quote: Quote): PbQuote {
  return {
    instrument: instrumentToProto(quote.instrument),
    bidPrice: quote.bidPrice.toProto(),
    bidSize: quote.bidSize.toProto(),
    askPrice: quote.askPrice.toProto(),
    askSize: quote.askSize.toProto(),
    tsEventNs: quote.tsEventNs,
    tsRecvNs: quote.tsRecvNs,
  };
}

/** @param path field path used in errors. Default: "quote". */
export function quoteFromProto(message: PbQuote, path = "quote"): Quote {
  return {
    type: "quote",
    instrument: instrumentFromProto(message.instrument, `${path}.instrument`),
    bidPrice: decimalFromProto(message.bidPrice, `${path}.bidPrice`),
    bidSize: sizeFromProto(message.bidSize, `${path}.bidSize`),
    askPrice: decimalFromProto(message.askPrice, `${path}.askPrice`),
    askSize: sizeFromProto(message.askSize, `${path}.askSize`),
    tsEventNs: message.tsEventNs,
    tsRecvNs: message.tsRecvNs,
  };
}

export function bookSnapshotToProto(snapshot: BookSnapshot): PbBookSnapshot {
  return {
    instrument: instrumentToProto(snapshot.instrument),
    bids: snapshot.bids.map(levelToProto),
    asks: snapshot.asks.map(levelToProto),
    sequence: snapshot.sequence,
    tsEventNs: snapshot.tsEventNs,
    tsRecvNs: snapshot.tsRecvNs,
  };
}

/** @param path field path used in errors. Default: "bookSnapshot". */
export function bookSnapshotFromProto(message: PbBookSnapshot, path = "bookSnapshot"): BookSnapshot {
  return {
    type: "book-snapshot",
    instrument: instrumentFromProto(message.instrument, `${path}.instrument`),
    bids: levelsFromProto(message.bids, `${path}.bids`),
    asks: levelsFromProto(message.asks, `${path}.asks`),
    sequence: message.sequence,
    tsEventNs: message.tsEventNs,
    tsRecvNs: message.tsRecvNs,
  };
}

export function bookDeltaToProto(delta: BookDelta): PbBookDelta {
  return {
    instrument: instrumentToProto(delta.instrument),
    bids: delta.bids.map(levelToProto),
    asks: delta.asks.map(levelToProto),
    firstSequence: delta.firstSequence,
    sequence: delta.sequence,
    tsEventNs: delta.tsEventNs,
    tsRecvNs: delta.tsRecvNs,
  };
}

/** @param path field path used in errors. Default: "bookDelta". */
export function bookDeltaFromProto(message: PbBookDelta, path = "bookDelta"): BookDelta {
  return {
    type: "book-delta",
    instrument: instrumentFromProto(message.instrument, `${path}.instrument`),
    bids: levelsFromProto(message.bids, `${path}.bids`),
    asks: levelsFromProto(message.asks, `${path}.asks`),
    firstSequence: message.firstSequence,
    sequence: message.sequence,
    tsEventNs: message.tsEventNs,
    tsRecvNs: message.tsRecvNs,
  };
}

export function barToProto(bar: Bar): PbBar {
  return {
    instrument: instrumentToProto(bar.instrument),
    interval: bar.interval,
    open: bar.open.toProto(),
    high: bar.high.toProto(),
    low: bar.low.toProto(),
    close: bar.close.toProto(),
    volume: bar.volume.toProto(),
    tsOpenNs: bar.tsOpenNs,
    tsCloseNs: bar.tsCloseNs,
  };
}

/** @param path field path used in errors. Default: "bar". */
export function barFromProto(message: PbBar, path = "bar"): Bar {
  if (message.interval.length === 0) throw ProtocolError.invalidField(`${path}.interval`, "is empty");
  return {
    type: "bar",
    instrument: instrumentFromProto(message.instrument, `${path}.instrument`),
    interval: message.interval,
    open: decimalFromProto(message.open, `${path}.open`),
    high: decimalFromProto(message.high, `${path}.high`),
    low: decimalFromProto(message.low, `${path}.low`),
    close: decimalFromProto(message.close, `${path}.close`),
    volume: sizeFromProto(message.volume, `${path}.volume`),
    tsOpenNs: message.tsOpenNs,
    tsCloseNs: message.tsCloseNs,
  };
}

function instrumentToProto(id: InstrumentId): PbInstrumentId {
  return { symbol: id.symbol, venue: id.venue };
}

function instrumentFromProto(message: PbInstrumentId | undefined, field: string): InstrumentId {
  if (message === undefined) throw ProtocolError.invalidField(field, "is missing");
  try {
    return instrumentId(message.symbol, message.venue);
  } catch (error) {
    throw ProtocolError.invalidField(field, `is malformed: ${(error as Error).message}`, error);
  }
}

function decimalFromProto(message: PbDecimal | undefined, field: string): Decimal {
  if (message === undefined) throw ProtocolError.invalidField(field, "is missing");
  try {
    return Decimal.fromProto(message);
  } catch (error) {
    throw ProtocolError.invalidField(field, `is not a valid decimal: ${(error as Error).message}`, error);
  }
}

function sizeFromProto(message: PbDecimal | undefined, field: string): Decimal {
  const size = decimalFromProto(message, field);
  if (size.isNegative())
    throw ProtocolError.invalidField(field, `must not be negative, got ${size.toString()}`);
  return size;
}

function sideFromProto(side: Side, field: string): OrderSide {
  if (side === Side.SIDE_BUY) return "buy";
  if (side === Side.SIDE_SELL) return "sell";
  throw ProtocolError.invalidField(field, `must be SIDE_BUY or SIDE_SELL, got ${side}`);
}

function levelToProto(level: BookLevel): PbBookLevel {
  return { price: level.price.toProto(), size: level.size.toProto() };
}

function levelsFromProto(levels: readonly PbBookLevel[], field: string): BookLevel[] {
  return levels.map((level, i) => ({
    price: decimalFromProto(level.price, `${field}[${i}].price`),
    size: sizeFromProto(level.size, `${field}[${i}].size`),
  }));
}
