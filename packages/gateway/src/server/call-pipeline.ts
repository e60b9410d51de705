import type {
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerReadableStream,
  ServerWritableStream,
} from "@grpc/grpc-js";
import type { StrategyIdentity } from "../auth/strategy-tokens.js";
import { GatewayError, type Scrubber, toServiceError } from "./status-map.js";

/** What a middleware and a handler know about the call in flight. */
export interface CallContext {
  /** `Service/Method`, e.g. `OrdersService/SubmitOrder`. */
  readonly method: string;
  readonly metadata: Metadata;
  readonly peer: string;
  /** Set by the `authenticate` middleware. */
  strategy?: StrategyIdentity;
}

/** A cross-cutting step around every call (auth, metrics, logging). Call `next()` to go on. */
export type Middleware = (ctx: CallContext, next: () => Promise<void>) => Promise<void>;

/** The caller's identity; throws UNAUTHENTICATED when no `authenticate` middleware ran. */
export function callerOf(ctx: CallContext): StrategyIdentity {
  if (ctx.strategy === undefined) {
    throw new GatewayError("UNAUTHENTICATED", "this call needs a strategy token");
  }
  return ctx.strategy;
}

function run(middlewares: readonly Middleware[], ctx: CallContext, last: () => Promise<void>): Promise<void> {
  const step = (i: number): Promise<void> => {
    const mw = middlewares[i];
    return mw === undefined ? last() : mw(ctx, () => step(i + 1));
  };
  return step(0);
}

export interface PipelineOptions {
  readonly middlewares: readonly Middleware[];
  readonly scrub: Scrubber;
}

/** Adapts an async handler to grpc-js, running the middlewares first and mapping errors to status. */
export function unary<Req, Res>(
  method: string,
  options: PipelineOptions,
  handler: (request: Req, ctx: CallContext) => Promise<Res> | Res,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const ctx: CallContext = { method, metadata: call.metadata, peer: call.getPeer() };
    let response: Res | undefined;
    run(options.middlewares, ctx, async () => {
      response = await handler(call.request, ctx);
    }).then(
      () => callback(null, response),
      (error: unknown) => callback(toServiceError(error, options.scrub)),
    );
  };
}

/**
 * Server stream: the handler sets the stream up and returns; it ends the stream itself. An error
 * thrown before or during setup ends the call with the mapped status.
 */
export function serverStream<Req, Res>(
  method: string,
  options: PipelineOptions,
  handler: (call: ServerWritableStream<Req, Res>, ctx: CallContext) => Promise<void> | void,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const ctx: CallContext = { method, metadata: call.metadata, peer: call.getPeer() };
    run(options.middlewares, ctx, async () => {
      await handler(call, ctx);
    }).catch((error: unknown) => failStream(call, error, options.scrub));
  };
}

/** Ends a server stream with the status `error` maps to. */
export function failStream<Req, Res>(
  call: ServerWritableStream<Req, Res>,
  error: unknown,
  scrub: Scrubber,
): void {
  if (call.cancelled || call.destroyed) return;
  call.emit("error", toServiceError(error, scrub));
}

export function clientStream<Req, Res>(
  method: string,
  options: PipelineOptions,
  handler: (call: ServerReadableStream<Req, Res>, ctx: CallContext) => Promise<Res>,
): handleClientStreamingCall<Req, Res> {
  return (call, callback) => {
    const ctx: CallContext = { method, metadata: call.metadata, peer: call.getPeer() };
    let response: Res | undefined;
    run(options.middlewares, ctx, async () => {
      response = await handler(call, ctx);
    }).then(
      () => callback(null, response),
      (error: unknown) => {
        callback(toServiceError(error, options.scrub));
        // Stop reading a stream whose answer is already sent.
        call.destroy();
      },
    );
  };
}
