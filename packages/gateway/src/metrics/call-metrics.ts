import { status } from "@grpc/grpc-js";
import { isOpenfloorError } from "@openfloor/core";
import type { Middleware } from "../server/call-pipeline.js";
import { grpcStatusOf } from "../server/status-map.js";
import type { GatewayMetrics } from "./gateway-metrics.js";

/** Counts every call by method and status and times it (for streams: the setup). */
export function observeCalls(metrics: GatewayMetrics): Middleware {
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
      metrics.grpcCalls.inc({ method: ctx.method, code: "OK" });
    } catch (error) {
      const code = isOpenfloorError(error) ? grpcStatusOf(error.code) : status.INTERNAL;
      metrics.grpcCalls.inc({ method: ctx.method, code: status[code] ?? String(code) });
      throw error;
    } finally {
      metrics.grpcDuration.observe({ method: ctx.method }, Number(process.hrtime.bigint() - start) / 1e9);
    }
  };
}
