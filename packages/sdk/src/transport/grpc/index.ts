// @openfloor/sdk/grpc — run a strategy against a gateway sidecar over gRPC.

export type { GrpcReconnectOptions, GrpcTlsOptions, GrpcTransportOptions } from "./grpc-transport.js";
export { GrpcTransport } from "./grpc-transport.js";
