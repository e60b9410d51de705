import { Counter, Gauge, type Registry } from "prom-client";
import type { TradingStateName } from "../config/schema.js";
import type { RecorderStats } from "../recording/recorder.js";
import { TRADING_STATE_SEVERITY } from "../risk/risk-engine.js";

/** What the recording metrics read when scraped. */
export interface RecorderMetricSources {
  /** The recorder's counters; undefined while recording is off. */
  stats(): RecorderStats | undefined;
  /** The aggregator's global trading state last applied; undefined when none was received. */
  globalTradingState(): TradingStateName | undefined;
}

/**
 * Registers the recorder's Prometheus metrics: queue depth, lag, records written, market data
 * dropped (by kind), records spilled, forwarded and lost, sink failures, and the global trading
 * state. Every value is read from `sources` when scraped; nothing is counted on the hot path.
 */
export function registerRecorderMetrics(registry: Registry, sources: RecorderMetricSources): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (s: RecorderStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const s = sources.stats();
        this.set(s === undefined ? 0 : read(s));
      },
    });
  const counter = (name: string, help: string, read: (s: RecorderStats) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        const s = sources.stats();
        this.reset();
        if (s !== undefined) this.inc(read(s));
      },
    });
  gauge(
    "openfloor_recorder_queue_depth",
    "Records and market events queued for the recording sink",
    (s) => s.queueDepth,
  );
  gauge("openfloor_recorder_queue_capacity", "Records the recorder's queue holds", (s) => s.queueCapacity);
  gauge(
    "openfloor_recorder_lag_seconds",
    "Age of the oldest record not yet written to the sink (queued or spilled)",
    (s) => s.lagMs / 1000,
  );
  gauge("openfloor_recorder_spilling", "1 while records spill to the local log (sink slow or down)", (s) =>
    s.mode === "spilling" ? 1 : 0,
  );
  counter(
    "openfloor_recorder_recorded_total",
    "Records accepted by the recorder (market events count one each)",
    (s) => s.recorded,
  );
  counter(
    "openfloor_recorder_written_total",
    "Records (market events) the sink acknowledged",
    (s) => s.written,
  );
  counter("openfloor_recorder_spilled_total", "Records written to the spill log", (s) => s.spilled);
  counter("openfloor_recorder_forwarded_total", "Spilled records forwarded to the sink", (s) => s.forwarded);
  counter("openfloor_recorder_sink_failures_total", "Failed sink writes and forwards", (s) => s.sinkFailures);
  counter(
    "openfloor_recorder_lost_total",
    "Records that must not be dropped but could not be kept",
    (s) => s.lost,
  );
  new Counter({
    name: "openfloor_recorder_dropped_total",
    help: "Market events dropped by the recorder (queue full or sink failed), by kind",
    labelNames: ["kind"],
    registers,
    collect() {
      this.reset();
      const s = sources.stats();
      if (s === undefined) return;
      for (const [kind, n] of Object.entries(s.droppedByKind)) this.inc({ kind }, n ?? 0);
    },
  });
  new Gauge({
    name: "openfloor_global_trading_state",
    help: "The aggregator's global trading state applied: 0 active, 1 reducing-only, 2 halted, -1 none received",
    registers,
    collect() {
      const state = sources.globalTradingState();
      this.set(state === undefined ? -1 : TRADING_STATE_SEVERITY[state]);
    },
  });
}
