import { type Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { pb } from "@openfloor/core";
import { InvalidOrder, NotConnected, type SdkError, TransportError } from "../../errors/sdk-errors.js";
import { sdkErrorOf } from "../gateway-errors.js";

/** Metadata key of the gateway's binary `openfloor.v1.ErrorDetail` trailer. */
export const ERROR_DETAIL_TRAILER = "openfloor-error-detail-bin";

function detailOf(metadata: Metadata | undefined): pb.ErrorDetail | undefined {
  const raw = metadata?.get(ERROR_DETAIL_TRAILER)[0];
  if (raw === undefined || typeof raw === "string") return undefined;
  try {
    return pb.ErrorDetail.decode(raw);
  } catch {
    return undefined;
  }
}

/** Statuses after which the gateway is gone (or going): the transport reconnects. */
export function isConnectionLoss(error: ServiceError): boolean {
  return error.code === status.UNAVAILABLE;
}

/**
 * The SDK's typed error for a failed gRPC call: the gateway's `ErrorDetail` trailer when it sent one
 * (code, message, field), else the gRPC status alone.
 */
export function sdkErrorOfServiceError(error: ServiceError, method: string): SdkError {
  const detail = detailOf(error.metadata);
  const message = detail?.message || error.details || error.message;
  if (error.code === status.UNAVAILABLE) {
    return new NotConnected("NOT_CONNECTED", `${method}: the gateway is not reachable (${message})`, {
      cause: error,
      context: { method, grpcStatus: error.code },
    });
  }
  if (detail !== undefined && detail.code !== "") {
    return sdkErrorOf(detail, error, { method });
  }
  const context = { method, grpcStatus: error.code };
  switch (error.code) {
    case status.INVALID_ARGUMENT:
      return new InvalidOrder("INVALID_ORDER", message, { cause: error, context });
    case status.PERMISSION_DENIED:
      return new TransportError("PERMISSION_DENIED", `${method}: ${message}`, { cause: error, context });
    case status.NOT_FOUND:
      return new TransportError("UNKNOWN_ORDER", `${method}: ${message}`, { cause: error, context });
    default:
      return new TransportError("TRANSPORT", `${method}: ${message}`, { cause: error, context });
  }
}
