import {
  type ClientOrderId,
  isOpenfloorError,
  OpenfloorError,
  OrderError,
  type Reason,
} from "@openfloor/core";

/** Lookups that fail: no such order for the caller, or the order is another strategy's. */
export class ExecutionError extends OpenfloorError<"ORDER_NOT_FOUND" | "PERMISSION_DENIED"> {}

export function invalidOrder(clientOrderId: ClientOrderId, field: string, why: string): OrderError {
  return new OrderError("ORDER_INVALID", `order ${JSON.stringify(clientOrderId)}: ${field} ${why}`, {
    context: { clientOrderId, field },
  });
}

export function orderNotFound(clientOrderId: ClientOrderId): ExecutionError {
  return new ExecutionError("ORDER_NOT_FOUND", `no order ${JSON.stringify(clientOrderId)}`, {
    context: { clientOrderId, field: "clientOrderId" },
  });
}

export function permissionDenied(message: string, field: string): ExecutionError {
  return new ExecutionError("PERMISSION_DENIED", message, { context: { field } });
}

/** A failed venue call as the reason of a `rejected`, `cancel-rejected` or `amend-rejected` event. */
export function venueReason(error: unknown): Reason {
  if (isOpenfloorError(error)) {
    const field = error.context.field;
    return typeof field === "string"
      ? { code: error.code, message: error.message, field }
      : { code: error.code, message: error.message };
  }
  return { code: "VENUE_ERROR", message: error instanceof Error ? error.message : String(error) };
}
