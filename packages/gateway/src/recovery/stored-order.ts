import { Decimal, type Order, type Reason } from "@openfloor/core";

/** Rebuilds an `Order` from the `order_json` the audit store keeps (canonical JSON: decimals and ns as strings). */
export function orderFromStoredJson(json: Record<string, unknown>): Order {
  const dec = (k: string): Decimal | undefined =>
    json[k] === undefined || json[k] === null ? undefined : Decimal.parse(String(json[k]));
  const big = (k: string): bigint | undefined =>
    json[k] === undefined || json[k] === null ? undefined : BigInt(String(json[k]));
  const instrument = json.instrument as { symbol: string; venue: string };
  const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
    (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
  return {
    clientOrderId: String(json.clientOrderId),
    instrument: { symbol: instrument.symbol, venue: instrument.venue },
    side: json.side as Order["side"],
    type: json.type as Order["type"],
    timeInForce: json.timeInForce as Order["timeInForce"],
    quantity: dec("quantity")!,
    ...optional("price", dec("price")),
    ...optional("triggerPrice", dec("triggerPrice")),
    postOnly: json.postOnly === true,
    reduceOnly: json.reduceOnly === true,
    ...optional("expireTimeNs", big("expireTimeNs")),
    strategyId: String(json.strategyId),
    account: String(json.account),
    status: json.status as Order["status"],
    ...optional("venueOrderId", json.venueOrderId === undefined ? undefined : String(json.venueOrderId)),
    filledQuantity: dec("filledQuantity") ?? Decimal.ZERO,
    ...optional("averageFillPrice", dec("averageFillPrice")),
    filledNotional: dec("filledNotional") ?? Decimal.ZERO,
    fillIds: (json.fillIds as string[] | undefined) ?? [],
    eventIds: (json.eventIds as string[] | undefined) ?? [],
    ...optional(
      "replacesClientOrderId",
      json.replacesClientOrderId === undefined ? undefined : String(json.replacesClientOrderId),
    ),
    overfilled: json.overfilled === true,
    ...optional("lastReason", json.lastReason as Reason | undefined),
    tsCreatedNs: big("tsCreatedNs") ?? 0n,
    tsUpdatedNs: big("tsUpdatedNs") ?? 0n,
  };
}
