import { OpenfloorError } from "./openfloor-error.js";

/**
 * A protobuf message that does not make a valid openfloor value: a required field missing, an
 * unspecified enum, a number out of range. `context.field` names the field, e.g. `"trade.aggressor"`,
 * so a gRPC service can answer INVALID_ARGUMENT naming it.
 *
 * @example throw ProtocolError.invalidField("trade.instrument", "is missing")
 */
export class ProtocolError extends OpenfloorError<"PROTO_INVALID"> {
  /** A PROTO_INVALID error about `field`; the message is `"<field> <why>"`. */
  static invalidField(field: string, why: string, cause?: unknown): ProtocolError {
    return new ProtocolError("PROTO_INVALID", `${field} ${why}`, {
      context: { field },
      ...(cause === undefined ? {} : { cause }),
    });
  }

  /** The path of the offending field, when the error names one. */
  get field(): string | undefined {
    const field = this.context.field;
    return typeof field === "string" ? field : undefined;
  }
}
