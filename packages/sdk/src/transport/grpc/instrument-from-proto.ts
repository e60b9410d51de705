import {
  Decimal,
  defineInstrument,
  type Instrument,
  type InstrumentKind,
  type InstrumentSpec,
  instrumentId,
  type pb,
} from "@openfloor/core";
import { TransportError } from "../../errors/sdk-errors.js";

const KINDS = new Set<InstrumentKind>([
  "spot",
  "perpetual",
  "future",
  "option",
  "equity",
  "etf",
  "power_future",
]);

interface Attributes {
  expiryNs?: string;
  option?: { strike: string; right: "call" | "put" };
  deliveryPeriod?: { startNs: string; endNs: string; profile: string };
  sessions?: InstrumentSpec["sessions"];
}

function bad(field: string, why: string, cause?: unknown): TransportError {
  return new TransportError("TRANSPORT", `ListInstruments: instrument ${field} ${why}`, {
    cause,
    context: { field },
  });
}

function decimal(value: pb.Decimal | undefined): Decimal | undefined {
  return value === undefined ? undefined : Decimal.fromProto(value);
}

/** The core instrument of a `ListInstruments` entry (kind-specific terms come from `attributesJson`). */
export function instrumentFromProto(message: pb.Instrument): Instrument {
  if (message.id === undefined) throw bad("id", "is missing");
  const kind = message.kind as InstrumentKind;
  if (!KINDS.has(kind)) throw bad("kind", `is unknown: ${JSON.stringify(message.kind)}`);
  let attributes: Attributes = {};
  if (message.attributesJson !== "") {
    try {
      attributes = JSON.parse(message.attributesJson) as Attributes;
    } catch (e) {
      throw bad("attributesJson", "is not JSON", e);
    }
  }
  const priceIncrement = decimal(message.priceIncrement);
  const sizeIncrement = decimal(message.sizeIncrement);
  if (priceIncrement === undefined) throw bad("priceIncrement", "is missing");
  if (sizeIncrement === undefined) throw bad("sizeIncrement", "is missing");
  const optional = <K extends keyof InstrumentSpec>(key: K, value: InstrumentSpec[K] | undefined) =>
    value === undefined ? {} : { [key]: value };
  return defineInstrument({
    id: instrumentId(message.id.symbol, message.id.venue),
    kind,
    base: message.baseCurrency,
    quote: message.quoteCurrency,
    ...optional("settlement", message.settlementCurrency === "" ? undefined : message.settlementCurrency),
    priceIncrement,
    sizeIncrement,
    ...optional("minSize", decimal(message.minSize)),
    ...optional("minNotional", decimal(message.minNotional)),
    ...optional("multiplier", decimal(message.multiplier)),
    inverse: message.inverse,
    ...optional("makerFee", decimal(message.makerFee)),
    ...optional("takerFee", decimal(message.takerFee)),
    ...optional("expiry", attributes.expiryNs === undefined ? undefined : BigInt(attributes.expiryNs)),
    ...optional("option", attributes.option),
    ...optional(
      "deliveryPeriod",
      attributes.deliveryPeriod === undefined
        ? undefined
        : {
            start: BigInt(attributes.deliveryPeriod.startNs),
            end: BigInt(attributes.deliveryPeriod.endNs),
            profile: attributes.deliveryPeriod.profile,
          },
    ),
    ...optional("sessions", attributes.sessions),
  });
}
