import { Metadata, type ServerWritableStream, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { parseBarInterval, pb } from "@openfloor/core";
import type { SlowConsumerPolicyName } from "../config/schema.js";
import type { DataEngine, MarketDataRequest } from "../market-data/data-engine.js";
import { encodeSubscribeResponse, entryOf } from "../market-data/frame-encoding.js";
import type { FrameSink, MarketEventType } from "../market-data/market-data-subscriber.js";
import { type CallContext, callerOf, type PipelineOptions, serverStream, unary } from "./call-pipeline.js";
import { instrumentToProto } from "./instrument-message.js";
import { enumField, instrumentField, invalidField } from "./request-fields.js";
import { GatewayError, toServiceError } from "./status-map.js";

/**
 * `MarketDataServiceService` with a pass-through serializer for Subscribe: frames are assembled as
 * wire bytes from events encoded once (see `encodeSubscribeResponse`). Clients see the ordinary
 * `SubscribeResponse` message.
 */
export const marketDataServiceDefinition = {
  ...pb.MarketDataServiceService,
  subscribe: {
    ...pb.MarketDataServiceService.subscribe,
    responseSerialize: (value: Buffer): Buffer => value,
  },
} as const;

const EVENT_TYPES: Readonly<Record<number, MarketEventType>> = {
  [pb.MarketEventType.MARKET_EVENT_TYPE_TRADE]: "trade",
  [pb.MarketEventType.MARKET_EVENT_TYPE_QUOTE]: "quote",
  [pb.MarketEventType.MARKET_EVENT_TYPE_BOOK]: "book",
  [pb.MarketEventType.MARKET_EVENT_TYPE_BAR]: "bar",
};

const MAX_INSTRUMENTS = 10_000;

/** The core subscription of a `SubscribeRequest`; problems are INVALID_ARGUMENT naming the field. */
export function marketDataRequestFromProto(req: pb.SubscribeRequest): MarketDataRequest {
  if (req.instruments.length === 0)
    throw invalidField("instruments", "is empty; name at least one instrument");
  if (req.instruments.length > MAX_INSTRUMENTS)
    throw invalidField("instruments", `has more than ${MAX_INSTRUMENTS} entries`);
  const instruments = req.instruments.map((id, i) => instrumentField(id, `instruments[${i}]`));
  const allowedTypes = Object.keys(EVENT_TYPES).map(Number) as pb.MarketEventType[];
  const types = req.eventTypes.map(
    (t, i) => EVENT_TYPES[enumField(t, allowedTypes, `eventTypes[${i}]`, "market event type")]!,
  );
  const barIntervals = req.barIntervals.map((interval, i) => {
    try {
      parseBarInterval(interval);
    } catch (error) {
      throw invalidField(
        `barIntervals[${i}]`,
        `is not a bar interval like "1m": ${JSON.stringify(interval.slice(0, 40))}`,
        error,
      );
    }
    return interval;
  });
  let policy: SlowConsumerPolicyName | undefined;
  switch (req.slowConsumerPolicy) {
    case pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_UNSPECIFIED:
      break;
    case pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_CONFLATE:
      policy = "conflate";
      break;
    case pb.SlowConsumerPolicy.SLOW_CONSUMER_POLICY_DISCONNECT:
      policy = "disconnect";
      break;
    default:
      throw invalidField("slowConsumerPolicy", `has unknown slow consumer policy ${req.slowConsumerPolicy}`);
  }
  return {
    instruments,
    types,
    depth: req.bookDepth,
    barIntervals,
    ...(policy ? { slowConsumerPolicy: policy } : {}),
  };
}

/** The HTTP/2 stream under a grpc-js server call (not public API; absent when grpc-js changes). */
interface Http2Buffer {
  readonly bufferSize?: number;
}

function http2StreamOf(call: object): Http2Buffer | undefined {
  const inner = (call as { call?: { stream?: Http2Buffer; nextCall?: { stream?: Http2Buffer } } }).call;
  return inner?.stream ?? inner?.nextCall?.stream;
}

/**
 * Writes frames to one gRPC Subscribe stream. grpc-js reports a write done once HTTP/2 has queued
 * it, also when the client's flow-control window is shut, so a stalled client would never push
 * back: the sink also watches the bytes the HTTP/2 stream holds and reports backpressure past
 * `maxBufferedBytes`, then checks every few milliseconds until half of it has gone out.
 */
class GrpcFrameSink implements FrameSink {
  private readonly http2: Http2Buffer | undefined;
  private drainListener: (() => void) | undefined;
  private polling = false;

  constructor(
    private readonly call: ServerWritableStream<pb.SubscribeRequest, Buffer>,
    private readonly pipeline: PipelineOptions,
    private readonly maxBufferedBytes: number,
  ) {
    this.http2 = http2StreamOf(call);
  }

  write(events: Parameters<FrameSink["write"]>[0], dropped: number, frameSequence: bigint): boolean {
    if (!this.call.writable) return true;
    const entries = new Array<Uint8Array>(events.length);
    for (let i = 0; i < events.length; i++) entries[i] = entryOf(events[i]!);
    const writable = this.call.write(encodeSubscribeResponse(frameSequence, entries, dropped));
    if (!writable) return false;
    if ((this.http2?.bufferSize ?? 0) > this.maxBufferedBytes) {
      this.pollForDrain();
      return false;
    }
    return true;
  }

  onDrain(listener: () => void): void {
    this.drainListener = listener;
    this.call.on("drain", listener);
  }

  private pollForDrain(): void {
    if (this.polling) return;
    this.polling = true;
    const check = () => {
      if (!this.call.writable) {
        this.polling = false;
        return;
      }
      if ((this.http2?.bufferSize ?? 0) <= this.maxBufferedBytes / 2) {
        this.polling = false;
        this.drainListener?.();
      } else {
        setTimeout(check, 5).unref();
      }
    };
    setTimeout(check, 5).unref();
  }

  close(error?: Error): void {
    if (this.call.cancelled || !this.call.writable) return;
    if (error === undefined) {
      this.call.end();
      return;
    }
    const reason =
      (error as { code?: unknown }).code === "SLOW_CONSUMER"
        ? new GatewayError("SLOW_CONSUMER", error.message)
        : new GatewayError("SHUTTING_DOWN", error.message);
    this.call.emit("error", toServiceError(reason, this.pipeline.scrub));
  }
}

export interface MarketDataServiceDeps {
  readonly data: DataEngine;
  /** Bytes a subscriber's HTTP/2 stream may hold unsent before it counts as pushing back. */
  readonly maxBufferedBytes: number;
  readonly pipeline: PipelineOptions;
}

/** MarketDataService: batched-frame subscriptions and the instrument list. */
export function marketDataService(deps: MarketDataServiceDeps): UntypedServiceImplementation {
  const p = deps.pipeline;
  return {
    subscribe: serverStream(
      "MarketDataService/Subscribe",
      p,
      (call: ServerWritableStream<pb.SubscribeRequest, Buffer>, ctx: CallContext) => {
        callerOf(ctx);
        const request = marketDataRequestFromProto(call.request);
        const subscriber = deps.data.subscribe(request, new GrpcFrameSink(call, p, deps.maxBufferedBytes));
        // Headers now: the client knows the subscription is live before the first frame.
        call.sendMetadata(new Metadata());
        const end = () => subscriber.close();
        call.on("cancelled", end);
        call.on("close", end);
        call.on("error", end);
      },
    ),
    listInstruments: unary(
      "MarketDataService/ListInstruments",
      p,
      (req: pb.ListInstrumentsRequest, ctx): pb.ListInstrumentsResponse => {
        callerOf(ctx);
        return {
          instruments: deps.data.instruments(req.venue === "" ? undefined : req.venue).map(instrumentToProto),
        };
      },
    ),
  };
}
