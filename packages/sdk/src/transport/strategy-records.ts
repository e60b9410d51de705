import { Decimal } from "@openfloor/core";
import type { RecordValue } from "./transport.js";

/** A recorded value as the gateway keeps it: a number, an exact decimal, or JSON text. */
export type RecordPayload =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "decimal"; readonly value: Decimal }
  | { readonly kind: "json"; readonly value: string };

/** How a `record()` value travels: numbers as numbers, `{ decimal }` exactly, anything else as JSON. */
export function recordPayloadOf(value: RecordValue["value"]): RecordPayload {
  if (typeof value === "number") return { kind: "number", value };
  if (typeof value === "string") return { kind: "json", value: JSON.stringify(value) };
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === "decimal" && typeof value.decimal === "string") {
    return { kind: "decimal", value: Decimal.from(value.decimal) };
  }
  return {
    kind: "json",
    value: JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
  };
}
