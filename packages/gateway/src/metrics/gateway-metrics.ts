import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

const LATENCY_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** Live values the gauges read when scraped (no bookkeeping on the hot path). */
export interface GaugeSources {
  queueDepth(): number;
  subscribers(): number;
  openOrders(): number;
  recordingBufferDepth(): number;
  /** Market events received per type since start (counted by the data engine without labels). */
  marketEventCounts(): Readonly<Record<string, number>>;
  /** 1 when the audit store takes writes (or there is none), 0 while it is down and orders are refused. */
  auditAvailable(): number;
  /** Audit records waiting for their group commit. */
  auditQueueDepth(): number;
  /** Venues not yet reconciled after a start or reconnect (orders to them are refused). */
  unreconciledVenues(): number;
}

/**
 * Every Prometheus metric of one gateway, in its own registry (so several gateways can share a
 * process, as in tests).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly grpcCalls: Counter<"method" | "code">;
  readonly grpcDuration: Histogram<"method">;
  readonly orderRoundTrip: Histogram;
  readonly tickToSend: Histogram;
  readonly marketEvents: Counter<"type">;
  readonly eventsSent: Counter;
  readonly framesSent: Counter;
  readonly eventsDropped: Counter<"reason">;
  readonly slowConsumers: Counter<"action">;
  readonly riskRejections: Counter<"reason">;
  readonly orderEvents: Counter<"kind">;
  readonly authFailures: Counter<"reason">;
  readonly recordsAccepted: Counter;
  readonly recordsDropped: Counter;
  private sources: GaugeSources = {
    queueDepth: () => 0,
    subscribers: () => 0,
    openOrders: () => 0,
    recordingBufferDepth: () => 0,
    marketEventCounts: () => ({}),
    auditAvailable: () => 1,
    auditQueueDepth: () => 0,
    unreconciledVenues: () => 0,
  };

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: "openfloor_" });
    this.grpcCalls = new Counter({
      name: "openfloor_grpc_calls_total",
      help: "gRPC calls finished, by method and status code",
      labelNames: ["method", "code"],
      registers,
    });
    this.grpcDuration = new Histogram({
      name: "openfloor_grpc_call_duration_seconds",
      help: "Time from a unary call's arrival to its answer",
      labelNames: ["method"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.orderRoundTrip = new Histogram({
      name: "openfloor_order_round_trip_seconds",
      help: "Time from SubmitOrder's arrival to the venue's accept (or reject) reaching the strategy",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.tickToSend = new Histogram({
      name: "openfloor_tick_to_send_seconds",
      help: "Time from a market event's arrival from the venue to the frame carrying it being written",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const counts = () => this.sources.marketEventCounts();
    this.marketEvents = new Counter({
      name: "openfloor_market_events_total",
      help: "Market events received from venues, by type",
      labelNames: ["type"],
      registers,
      collect() {
        this.reset();
        for (const [type, n] of Object.entries(counts())) this.inc({ type }, n);
      },
    });
    this.eventsSent = new Counter({
      name: "openfloor_market_events_sent_total",
      help: "Market events written to subscribers",
      registers,
    });
    this.framesSent = new Counter({
      name: "openfloor_market_frames_sent_total",
      help: "Market data frames written to subscribers",
      registers,
    });
    this.eventsDropped = new Counter({
      name: "openfloor_market_events_dropped_total",
      help: "Market events dropped for slow consumers, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.slowConsumers = new Counter({
      name: "openfloor_slow_consumers_total",
      help: "Subscribers found slow, by action taken (conflate or disconnect)",
      labelNames: ["action"],
      registers,
    });
    this.riskRejections = new Counter({
      name: "openfloor_risk_rejections_total",
      help: "Orders denied before reaching the venue, by reason code",
      labelNames: ["reason"],
      registers,
    });
    this.orderEvents = new Counter({
      name: "openfloor_order_events_total",
      help: "Order events, by kind",
      labelNames: ["kind"],
      registers,
    });
    this.authFailures = new Counter({
      name: "openfloor_auth_failures_total",
      help: "Calls refused for a missing or unknown token",
      labelNames: ["reason"],
      registers,
    });
    this.recordsAccepted = new Counter({
      name: "openfloor_strategy_records_total",
      help: "Strategy records accepted by the RecordingService",
      registers,
    });
    this.recordsDropped = new Counter({
      name: "openfloor_strategy_records_dropped_total",
      help: "Strategy records evicted from the full in-memory buffer before a listener took them",
      registers,
    });
    const sources = () => this.sources;
    new Gauge({
      name: "openfloor_market_queue_depth",
      help: "Market events queued for subscribers, summed over subscribers",
      registers,
      collect() {
        this.set(sources().queueDepth());
      },
    });
    new Gauge({
      name: "openfloor_market_subscribers",
      help: "Open market data subscriptions",
      registers,
      collect() {
        this.set(sources().subscribers());
      },
    });
    new Gauge({
      name: "openfloor_open_orders",
      help: "Orders open at venues",
      registers,
      collect() {
        this.set(sources().openOrders());
      },
    });
    new Gauge({
      name: "openfloor_audit_available",
      help: "1 when the Postgres audit store takes writes; 0 while it is down and new orders are refused",
      registers,
      collect() {
        this.set(sources().auditAvailable());
      },
    });
    new Gauge({
      name: "openfloor_audit_queue_depth",
      help: "Audit records waiting for their group commit",
      registers,
      collect() {
        this.set(sources().auditQueueDepth());
      },
    });
    new Gauge({
      name: "openfloor_unreconciled_venues",
      help: "Venues not yet reconciled after a start or reconnect (new orders to them are refused)",
      registers,
      collect() {
        this.set(sources().unreconciledVenues());
      },
    });
    new Gauge({
      name: "openfloor_recording_buffer_depth",
      help: "Strategy records held in the in-memory buffer",
      registers,
      collect() {
        this.set(sources().recordingBufferDepth());
      },
    });
  }

  /** Wires the gauges to the components they read. */
  setSources(sources: Partial<GaugeSources>): void {
    this.sources = { ...this.sources, ...sources };
  }
}
