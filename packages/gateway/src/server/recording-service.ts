import type { ServerReadableStream } from "@grpc/grpc-js";
import type { pb } from "@openfloor/core";
import type { GatewayMetrics } from "../metrics/gateway-metrics.js";
import type { StrategyRecord, StrategyRecordBuffer } from "../recording/strategy-record-buffer.js";
import { type CallContext, callerOf, clientStream, type PipelineOptions } from "./call-pipeline.js";
import { decimalField, invalidField, requireId } from "./request-fields.js";
import { GatewayError, type Scrubber } from "./status-map.js";

const MAX_JSON_LENGTH = 64 * 1024;
const MAX_RECORDS_PER_REQUEST = 10_000;

/** Checks and converts one batch; a bad record fails the whole call naming `records[i].field`. */
export function strategyRecordsFromProto(
  req: pb.RecordRequest,
  strategyId: string,
  nowNs: bigint,
  scrub: Scrubber,
): StrategyRecord[] {
  if (req.records.length > MAX_RECORDS_PER_REQUEST) {
    throw invalidField("records", `has more than ${MAX_RECORDS_PER_REQUEST} entries; send smaller batches`);
  }
  return req.records.map((r, i): StrategyRecord => {
    const at = `records[${i}]`;
    if (r.strategyId !== "" && r.strategyId !== strategyId) {
      throw new GatewayError(
        "PERMISSION_DENIED",
        `${at}.strategyId: a strategy records only under its own id`,
        {
          context: { field: `${at}.strategyId` },
        },
      );
    }
    const name = scrub(requireId(r.name, `${at}.name`));
    const tsNs = r.tsNs === 0n ? nowNs : r.tsNs;
    if (tsNs < 0n) throw invalidField(`${at}.tsNs`, "must not be negative");
    const v = r.value;
    if (v === undefined) throw invalidField(`${at}.value`, "is missing: set number, decimal or json");
    switch (v.$case) {
      case "number":
        if (!Number.isFinite(v.value)) throw invalidField(`${at}.number`, "must be finite");
        return { strategyId, name, tsNs, value: { kind: "number", value: v.value } };
      case "decimal":
        return {
          strategyId,
          name,
          tsNs,
          value: { kind: "decimal", value: decimalField(v.value, `${at}.decimal`) },
        };
      case "json":
        if (v.value.length > MAX_JSON_LENGTH)
          throw invalidField(`${at}.json`, `is longer than ${MAX_JSON_LENGTH} characters`);
        try {
          JSON.parse(v.value);
        } catch {
          throw invalidField(`${at}.json`, "is not valid JSON");
        }
        return { strategyId, name, tsNs, value: { kind: "json", value: scrub(v.value) } };
      default:
        throw invalidField(`${at}.value`, "is missing: set number, decimal or json");
    }
  });
}

export interface RecordingServiceDeps {
  readonly buffer: StrategyRecordBuffer;
  readonly metrics: GatewayMetrics;
  readonly now: () => bigint;
  readonly pipeline: PipelineOptions;
}

/** RecordingService: strategies stream their internals into the bounded record buffer. */
export function recordingService(deps: RecordingServiceDeps): pb.RecordingServiceServer {
  return {
    record: clientStream(
      "RecordingService/Record",
      deps.pipeline,
      (call: ServerReadableStream<pb.RecordRequest, pb.RecordResponse>, ctx: CallContext) => {
        const who = callerOf(ctx);
        return new Promise<pb.RecordResponse>((resolve, reject) => {
          let accepted = 0n;
          let failed = false;
          call.on("data", (req: pb.RecordRequest) => {
            if (failed) return;
            try {
              const records = strategyRecordsFromProto(req, who.strategyId, deps.now(), deps.pipeline.scrub);
              const evictedBefore = deps.buffer.evicted;
              deps.buffer.append(records);
              const evicted = deps.buffer.evicted - evictedBefore;
              if (evicted > 0) deps.metrics.recordsDropped.inc(evicted);
              deps.metrics.recordsAccepted.inc(records.length);
              accepted += BigInt(records.length);
            } catch (error) {
              failed = true;
              reject(error);
            }
          });
          call.on("end", () => {
            if (!failed) resolve({ accepted });
          });
          call.on("error", (error) => {
            if (!failed) {
              failed = true;
              reject(error);
            }
          });
        });
      },
    ),
  };
}
