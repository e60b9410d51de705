import {
  type Clock,
  fillToProto,
  type Instrument,
  type Logger,
  type MarketEvent,
  orderEventToProto,
  positionToProto,
} from "@openfloor/core";
import type { RecordingConfig } from "../config/load-config.js";
import type { ExecutionEngine } from "../execution/execution-engine.js";
import type { DataEngine } from "../market-data/data-engine.js";
import type { StrategyPortfolios } from "../portfolio/strategy-portfolios.js";
import { GlobalRiskListener, type GlobalRiskUpdate } from "./global-risk-listener.js";
import { describeError } from "./kafka-topics.js";
import { openRecorder, recordStrategyRecords } from "./open-recorder.js";
import { PerformancePublisher } from "./performance-publisher.js";
import type { Recorder } from "./recorder.js";
import { connectOrExplain } from "./recording-error.js";
import type { StrategyRecordBuffer } from "./strategy-record-buffer.js";

/** What `GatewayRecording.open` wires together. */
export interface GatewayRecordingDeps {
  /** The `recording` section, mode "kafka" or "local". */
  readonly config: RecordingConfig;
  /** Absolute data directory (`<dataDir>/recording`, `<dataDir>/recording-spill`). */
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly execution: ExecutionEngine;
  readonly portfolios: StrategyPortfolios;
  readonly records: StrategyRecordBuffer;
  readonly marketData: DataEngine;
  /** Called with each change of the aggregator's global trading state (Kafka with `globalRisk` only). */
  readonly onGlobalRisk: (update: GlobalRiskUpdate) => void;
}

/**
 * The gateway's recording: one `Recorder` (Kafka, or the local segment log) fed with the market
 * data the venues deliver, every order event and fill, each strategy's position after a fill, the
 * strategy records of the RecordingService and per-strategy performance snapshots; plus, with
 * Kafka, the `GlobalRiskListener` that applies the aggregator's halt / reducing-only state.
 * Nothing here waits on the sink: orders, fills and other records are encoded into the recorder's
 * queue as they happen, market events only enter its ring, and the pump frames and writes them.
 */
export class GatewayRecording {
  private readonly unsubscribe: (() => void)[] = [];
  private performance: PerformancePublisher | undefined;
  private cancelTick: (() => void) | undefined;
  private listener: GlobalRiskListener | undefined;
  private feed: { close(): void } | undefined;
  private closed = false;

  private constructor(
    readonly recorder: Recorder,
    private readonly deps: GatewayRecordingDeps,
  ) {}

  /**
   * Opens the recorder (creating Kafka topics when missing) and subscribes to the engines. Market
   * data is recorded through `onMarketEvent`, which the gateway calls from the venue sink.
   */
  static async open(deps: GatewayRecordingDeps): Promise<GatewayRecording> {
    const c = deps.config;
    const recorder = await openRecorder({
      dataDir: deps.dataDir,
      ...(c.mode === "kafka" ? { brokers: c.brokers } : {}),
      topics: c.topics,
      queueCapacity: c.queueSize,
      marketDataBatch: c.marketDataBatch,
      clientId: "openfloor-gateway",
      logger: deps.logger,
    });
    const recording = new GatewayRecording(recorder, deps);
    recording.subscribe();
    return recording;
  }

  /** Queues a market event for recording (no-op when market data is not recorded). */
  onMarketEvent(event: MarketEvent): void {
    if (this.deps.config.marketData) this.recorder.recordMarketEvent(event);
  }

  /**
   * Starts what needs the venues: market data of every instrument (when recorded), performance
   * snapshots and, with Kafka, the global risk listener (resolves once the state in force is read).
   */
  async start(instruments: readonly Instrument[]): Promise<void> {
    const c = this.deps.config;
    if (c.marketData && instruments.length > 0) this.subscribeAll(instruments);
    if (c.performanceIntervalMs > 0) this.startPerformance(instruments, c.performanceIntervalMs);
    if (c.mode === "kafka" && c.globalRisk) {
      this.listener = await connectOrExplain(c.brokers, () =>
        GlobalRiskListener.start({
          brokers: c.brokers,
          clientId: "openfloor-gateway-risk",
          topicPrefix: c.topics.prefix,
          logger: this.deps.logger,
          onState: (update) => this.deps.onGlobalRisk(update),
        }),
      );
    }
  }

  /** Stops listening and flushes the recorder (the spill log keeps whatever Kafka did not take). */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelTick?.();
    this.feed?.close();
    for (const u of this.unsubscribe) u();
    if (this.performance !== undefined) this.publishPerformance(this.performance);
    await this.listener?.close().catch((error: unknown) => {
      this.deps.logger.warn({ err: describeError(error) }, "global risk listener close failed");
    });
    await this.recorder.close(timeoutMs);
  }

  private subscribe(): void {
    const { execution, portfolios, records, clock } = this.deps;
    const recorder = this.recorder;
    this.unsubscribe.push(
      execution.onUpdate((update) => {
        const ms = clock.nowMs();
        if (update.kind === "fill") {
          recorder.record("fill", fillToProto(update.fill, clock.now()), ms);
          try {
            this.performance?.onFill(update.fill);
          } catch (error) {
            this.deps.logger.warn({ err: describeError(error) }, "fill not counted in performance");
          }
        } else {
          recorder.record("order-event", orderEventToProto(update.event, update.order, clock.now()), ms);
          this.performance?.onOrderEvent(update.strategyId, update.event.kind);
        }
      }),
      portfolios.onPosition((position) =>
        recorder.record("position", positionToProto(position), clock.nowMs()),
      ),
      recordStrategyRecords(records, recorder),
    );
  }

  /**
   * Keeps every instrument's trades, quotes and book streaming from the venues (they stream on
   * demand), so the recording has all of it and not only what strategies happen to subscribe.
   */
  private subscribeAll(instruments: readonly Instrument[]): void {
    this.feed = this.deps.marketData.subscribe(
      { instruments: instruments.map((i) => i.id), types: ["trade", "quote", "book"] },
      { write: () => true, onDrain: () => {}, close: () => {} },
    );
  }

  private startPerformance(instruments: readonly Instrument[], intervalMs: number): void {
    const { clock, config } = this.deps;
    const perf = new PerformancePublisher({
      clock,
      instruments,
      reportCurrency: config.reportCurrency,
      publish: () => {},
    });
    this.performance = perf;
    const tick = () => {
      this.publishPerformance(perf);
      this.cancelTick = clock.setTimer(intervalMs, tick);
    };
    this.cancelTick = clock.setTimer(intervalMs, tick);
  }

  /** Marks at the data engine's prices (not per event: that would tax the market data path), then records. */
  private publishPerformance(perf: PerformancePublisher): void {
    try {
      for (const instrument of this.deps.marketData.instruments()) {
        const mark = this.deps.marketData.markPrice(instrument.id);
        if (mark !== undefined) perf.mark(instrument.id, mark);
      }
      const ms = this.deps.clock.nowMs();
      for (const snapshot of perf.snapshots()) this.recorder.record("performance", snapshot, ms);
    } catch (error) {
      this.deps.logger.warn({ err: describeError(error) }, "performance snapshot failed");
    }
  }
}
