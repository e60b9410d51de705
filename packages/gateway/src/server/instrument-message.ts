import type { Instrument, pb } from "@openfloor/core";

/** The protobuf `Instrument` of a core instrument; kind-specific terms go to `attributesJson`. */
export function instrumentToProto(instrument: Instrument): pb.Instrument {
  const attributes: Record<string, unknown> = {};
  if (instrument.expiry !== undefined) attributes.expiryNs = instrument.expiry.toString();
  if (instrument.option !== undefined) {
    attributes.option = { strike: instrument.option.strike.toString(), right: instrument.option.right };
  }
  if (instrument.deliveryPeriod !== undefined) {
    const d = instrument.deliveryPeriod;
    attributes.deliveryPeriod = { startNs: d.start.toString(), endNs: d.end.toString(), profile: d.profile };
  }
  if (instrument.sessions !== undefined) attributes.sessions = instrument.sessions;
  return {
    id: { symbol: instrument.id.symbol, venue: instrument.id.venue },
    kind: instrument.kind,
    baseCurrency: instrument.base,
    quoteCurrency: instrument.quote,
    settlementCurrency: instrument.settlement,
    priceIncrement: instrument.priceIncrement.toProto(),
    sizeIncrement: instrument.sizeIncrement.toProto(),
    minSize: instrument.minSize.toProto(),
    minNotional: instrument.minNotional.toProto(),
    multiplier: instrument.multiplier.toProto(),
    inverse: instrument.inverse,
    makerFee: instrument.makerFee.toProto(),
    takerFee: instrument.takerFee.toProto(),
    attributesJson: Object.keys(attributes).length === 0 ? "" : JSON.stringify(attributes),
  };
}
