import { resolve } from "node:path";
import {
  AdapterConfigError,
  type AdapterRegistry,
  type ConnectionState,
  type ExchangeAdapter,
} from "@openfloor/adapters";
import {
  type Balance,
  type Clock,
  formatInstrumentId,
  LiveClock,
  type Logger,
  type Order,
  pb,
} from "@openfloor/core";
import { authenticate, requireAdmin } from "./auth/middleware.js";
import { type StrategyIdentity, StrategyTokens } from "./auth/strategy-tokens.js";
import { ConfigError } from "./config/config-error.js";
import { type GatewayConfig, loadConfig } from "./config/load-config.js";
import { formatListenAddress, type ListenAddress, type TradingStateName } from "./config/schema.js";
import type { ExecutionEngine } from "./execution/execution-engine.js";
import type { OrderJournal } from "./execution/order-journal.js";
import { createOrderPath } from "./execution/order-path.js";
import { DataEngine } from "./market-data/data-engine.js";
import { observeCalls } from "./metrics/call-metrics.js";
import { createGatewayLogger, type LogDestination, secretScrubber } from "./metrics/gateway-logger.js";
import { GatewayMetrics } from "./metrics/gateway-metrics.js";
import { MetricsServer } from "./metrics/metrics-server.js";
import { registerRecorderMetrics } from "./metrics/recorder-metrics.js";
import { StrategyPortfolios } from "./portfolio/strategy-portfolios.js";
import { GatewayRecording } from "./recording/gateway-recording.js";
import type { GlobalRiskUpdate } from "./recording/global-risk-listener.js";
import { recordingLogDir } from "./recording/record-replay.js";
import type { RecorderStats } from "./recording/recorder.js";
import { StrategyRecordBuffer } from "./recording/strategy-record-buffer.js";
import { recoverExecutionState } from "./recovery/recover.js";
import { type RiskEngine, stricterTradingState } from "./risk/risk-engine.js";
import { describeRiskLimits } from "./risk/risk-limits.js";
import { type AdminControl, adminService, tradingStateToProto } from "./server/admin-service.js";
import type { Middleware, PipelineOptions } from "./server/call-pipeline.js";
import { GrpcServer } from "./server/grpc-server.js";
import { marketDataService, marketDataServiceDefinition } from "./server/market-data-service.js";
import { OrdersService } from "./server/orders-service.js";
import { portfolioService } from "./server/portfolio-service.js";
import { recordingService } from "./server/recording-service.js";
import { GatewayError, type Scrubber } from "./server/status-map.js";
import { type AuditStorage, DeferredJournal, openAuditStorage } from "./storage/audit-storage.js";
import { defaultAdapterRegistry, ensureAdapterKinds } from "./venue-adapters.js";

/** Gateway version reported by AdminService.GetStatus. */
export const GATEWAY_VERSION = "0.1.0";

/** Options of `createGateway`. Everything has a default suitable for running the gateway as a process. */
export interface GatewayOptions {
  /** Logger. Default: pino to stdout at `config.logging.level`, with secrets redacted. */
  logger?: Logger;
  /** Where the default logger writes. Default: stdout. */
  logDestination?: LogDestination;
  /** Time source. Default: `new LiveClock()`. */
  clock?: Clock;
  /** Adapter kinds. Default: the simulated venue; ccxt is loaded when a venue uses it. */
  registry?: AdapterRegistry;
  /** Write-ahead journal of the OMS. Default: none (the audit store arrives with issue #8). */
  journal?: OrderJournal;
  /** Serve gRPC. Default true; false for a purely in-process gateway (SDK in-process transport). */
  grpc?: boolean;
  /** Config file `ReloadRiskLimits` re-reads. Default: the file the config came from, if any. */
  configPath?: string;
  /** Milliseconds `stop()` waits for calls in flight before cancelling them. Default 2000. */
  shutdownGraceMs?: number;
}

/** Where a started gateway listens. */
export interface GatewayAddresses {
  /** gRPC `host:port` (the real port when 0 was asked for); undefined when gRPC is off. */
  readonly grpc?: string;
  readonly metrics?: string;
}

/** What `stop()` found open, for the operator. */
export interface ShutdownReport {
  readonly openOrders: readonly {
    strategyId: string;
    clientOrderId: string;
    instrument: string;
    status: Order["status"];
  }[];
  readonly marketDataSubscribers: number;
  readonly bufferedRecords: number;
}

export interface VenueState {
  readonly adapter: string;
  connected: boolean;
  reconciled: boolean;
  detail: string;
}

/** A gateway assembled from a config: run it as a process (`start`) or use it in-process. */
export interface Gateway {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** The market data bus (subscribe in-process with a `FrameSink`). */
  readonly marketData: DataEngine;
  /** The OMS (submit, amend, cancel in-process with a `StrategyIdentity`). */
  readonly execution: ExecutionEngine;
  readonly risk: RiskEngine;
  readonly portfolios: StrategyPortfolios;
  /** Strategy records sent through RecordingService, for the recorder. */
  readonly records: StrategyRecordBuffer;
  /** The recorder's counters while recording is on and the gateway runs; undefined otherwise. */
  recorderStats(): RecorderStats | undefined;
  /** The aggregator's global trading state last applied (Kafka recording with `globalRisk`). */
  globalTradingState(): { readonly state: TradingStateName; readonly reason: string } | undefined;
  readonly venues: ReadonlyMap<string, ExchangeAdapter>;
  /** The strategy a token belongs to (constant-time), for in-process transports. */
  authenticate(token: string): StrategyIdentity | undefined;
  /** Connects venues, loads instruments, then serves gRPC and metrics. */
  start(): Promise<GatewayAddresses>;
  /** Stops serving (draining calls in flight), ends streams, disconnects venues; reports what is open. */
  stop(): Promise<ShutdownReport>;
  status(): pb.GetStatusResponse;
  /** Engages (or releases) the kill switch; engaging cancels every open order. */
  setKillSwitch(engaged: boolean, reason: string): Promise<{ engaged: boolean; canceled: number }>;
  setTradingState(state: TradingStateName, reason: string): TradingStateName;
  /** Re-reads risk limits from the config file; resolves with the summary now in force. */
  reloadRiskLimits(): Promise<string>;
}

/**
 * Builds a gateway from a validated config. Nothing connects until `start()`.
 * @example
 * const gateway = createGateway(defaultConfig({ listen: { host: "127.0.0.1", port: 0 } }));
 * const { grpc } = await gateway.start();
 */
export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  return new GatewayRuntime(config, options);
}

class GatewayRuntime implements Gateway {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly metrics = new GatewayMetrics();
  readonly marketData: DataEngine;
  readonly execution: ExecutionEngine;
  readonly risk: RiskEngine;
  readonly portfolios: StrategyPortfolios;
  readonly records: StrategyRecordBuffer;
  readonly venues = new Map<string, ExchangeAdapter>();

  private readonly clock: Clock;
  private readonly registry: AdapterRegistry;
  private readonly tokens: StrategyTokens;
  private readonly scrub: Scrubber;
  private readonly venueStates = new Map<string, VenueState>();
  private readonly riskListeners = new Set<(state: pb.RiskState) => void>();
  private readonly startedAtNs: bigint;
  private grpc: GrpcServer | undefined;
  private orders: OrdersService | undefined;
  private metricsServer: MetricsServer | undefined;
  private state: "new" | "starting" | "running" | "stopping" | "stopped" = "new";
  private readonly journal: OrderJournal | undefined;
  private readonly deferredJournal: DeferredJournal | undefined;
  private storage: AuditStorage | undefined;
  private recording: GatewayRecording | undefined;
  /** Trading state set by the config and AdminService; the state in force is the stricter of it and the global one. */
  private localTradingState: TradingStateName;
  private globalTrading: { state: TradingStateName; reason: string } | undefined;

  constructor(
    config: GatewayConfig,
    private readonly options: GatewayOptions,
  ) {
    this.config = config;
    this.clock = options.clock ?? new LiveClock();
    this.startedAtNs = this.clock.now();
    this.scrub = secretScrubber(config.secrets);
    this.logger =
      options.logger ??
      createGatewayLogger({
        level: config.logging.level,
        secrets: config.secrets,
        ...(options.logDestination ? { destination: options.logDestination } : {}),
      });
    this.registry = options.registry ?? defaultAdapterRegistry();
    this.deferredJournal =
      options.journal === undefined && config.storage.mode !== "none" ? new DeferredJournal() : undefined;
    this.journal = options.journal ?? this.deferredJournal;
    this.tokens = new StrategyTokens(
      config.strategies.map((s) => ({
        strategyId: s.id,
        account: s.account,
        admin: s.admin,
        cancelOnDisconnect: s.cancelOnDisconnect,
        token: s.token,
      })),
    );
    this.marketData = new DataEngine({
      logger: this.logger.child({ component: "data-engine" }),
      metrics: this.metrics,
      frameMaxEvents: config.marketData.frameMaxEvents,
      queueMaxEvents: config.marketData.queueMaxEvents,
      slowConsumerPolicy: config.marketData.slowConsumerPolicy,
    });
    const path = createOrderPath({
      clock: this.clock,
      logger: this.logger,
      venues: this.venues,
      limits: config.risk,
      marks: (id) => {
        const mid = this.marketData.mid(id);
        return mid === undefined ? undefined : { mid };
      },
      ...(this.journal ? { journal: this.journal } : {}),
    });
    this.execution = path.execution;
    this.risk = path.risk;
    this.portfolios = new StrategyPortfolios({
      logger: this.logger,
      instrument: (id) => this.marketData.instrument(id),
      markPrice: (id) => this.marketData.markPrice(id),
    });
    this.execution.onUpdate((update) => {
      if (update.kind === "fill") this.portfolios.applyFill(update.fill);
    });
    this.records = new StrategyRecordBuffer(config.recording.bufferSize, (error) =>
      this.logger.error({ err: error }, "strategy record listener failed"),
    );
    this.metrics.setSources({
      queueDepth: () => this.marketData.queueDepth(),
      subscribers: () => this.marketData.subscriberCount(),
      openOrders: () => this.execution.openOrderCount(),
      recordingBufferDepth: () => this.records.length,
      marketEventCounts: () => this.marketData.receivedCounts(),
      auditAvailable: () => ((this.journal?.isAvailable() ?? true) ? 1 : 0),
      auditQueueDepth: () => this.storage?.store.stats.queued ?? 0,
      unreconciledVenues: () => this.execution.unreconciledVenues().length,
    });
    registerRecorderMetrics(this.metrics.registry, {
      stats: () => this.recording?.recorder.stats(),
      globalTradingState: () => this.globalTrading?.state,
    });
    this.localTradingState = config.tradingState;
    if (config.tradingState !== "active") this.execution.setTradingState(config.tradingState, "config");
  }

  recorderStats(): RecorderStats | undefined {
    return this.recording?.recorder.stats();
  }

  globalTradingState(): { readonly state: TradingStateName; readonly reason: string } | undefined {
    return this.globalTrading === undefined ? undefined : { ...this.globalTrading };
  }

  authenticate(token: string): StrategyIdentity | undefined {
    return this.tokens.verify(token);
  }

  async start(): Promise<GatewayAddresses> {
    if (this.state !== "new")
      throw new GatewayError("FAILED_PRECONDITION", `gateway is ${this.state}; start it once`);
    this.state = "starting";
    try {
      if (this.deferredJournal !== undefined) {
        this.storage = await openAuditStorage(this.config.storage, {
          logger: this.logger.child({ component: "audit" }),
          baseDir: this.config.baseDir,
        });
        if (this.storage !== undefined) {
          this.deferredJournal.attach(this.storage.store);
          this.logger.info(
            { auditStore: this.storage.description },
            `audit store: ${this.storage.description}`,
          );
          // New orders wait for reconciliation with every venue.
          for (const venue of Object.keys(this.config.venues)) this.execution.markUnreconciled(venue);
        }
      }
      if (this.config.recording.mode !== "off") await this.openRecording();
      await this.connectVenues();
      if (this.storage !== undefined) await this.recover(this.storage);
      await this.recording?.start(this.marketData.instruments());
      if (this.config.killSwitch) await this.execution.engageKillSwitch("config: killSwitch is true");
      const addresses: { grpc?: string; metrics?: string } = {};
      if (this.options.grpc ?? true)
        addresses.grpc = formatListenAddress(await this.serveGrpc(this.config.listen));
      if (this.config.metrics.listen !== undefined) {
        this.metricsServer = new MetricsServer(this.metrics.registry);
        addresses.metrics = formatListenAddress(await this.metricsServer.start(this.config.metrics.listen));
      }
      this.grpc?.setServing(true);
      this.state = "running";
      this.logger.info(
        {
          grpc: addresses.grpc,
          metrics: addresses.metrics,
          venues: [...this.venues.keys()],
          strategies: this.tokens.strategyIds(),
          config: this.config.source,
        },
        "gateway started",
      );
      return addresses;
    } catch (error) {
      this.state = "stopping";
      await this.teardown();
      this.state = "stopped";
      throw error;
    }
  }

  async stop(): Promise<ShutdownReport> {
    if (this.state === "stopped" || this.state === "stopping" || this.state === "new") {
      this.state = "stopped";
      return this.report();
    }
    this.state = "stopping";
    this.logger.info({}, "gateway stopping: draining calls");
    const report = this.report();
    await this.teardown();
    this.state = "stopped";
    this.logger.info(
      {
        openOrders: report.openOrders.length,
        orders: report.openOrders.map(
          (o) => `${o.strategyId}/${o.clientOrderId} ${o.instrument} ${o.status}`,
        ),
        marketDataSubscribers: report.marketDataSubscribers,
        bufferedRecords: report.bufferedRecords,
      },
      report.openOrders.length === 0
        ? "gateway stopped; no open orders"
        : "gateway stopped; orders left open at venues",
    );
    return report;
  }

  status(): pb.GetStatusResponse {
    return {
      version: GATEWAY_VERSION,
      startedAtNs: this.startedAtNs,
      tradingState: tradingStateToProto(this.execution.tradingState),
      killSwitchEngaged: this.execution.killSwitchEngaged,
      venues: [...this.venueStates].map(([venue, s]) => ({
        venue,
        adapter: s.adapter,
        connected: s.connected,
        reconciled: s.reconciled,
        detail: this.scrub(s.detail),
      })),
      auditAvailable: this.journal?.isAvailable() ?? true,
      openOrders: this.execution.openOrderCount(),
      connectedStrategies: this.orders?.connectedStrategies() ?? [],
    };
  }

  async setKillSwitch(engaged: boolean, reason: string): Promise<{ engaged: boolean; canceled: number }> {
    let canceled = 0;
    if (engaged) canceled = (await this.execution.engageKillSwitch(reason)).canceled;
    else this.execution.releaseKillSwitch(reason);
    this.publishRiskState(reason);
    return { engaged: this.execution.killSwitchEngaged, canceled };
  }

  setTradingState(state: TradingStateName, reason: string): TradingStateName {
    this.localTradingState = state;
    this.applyTradingState(reason);
    return this.execution.tradingState;
  }

  /** Puts the stricter of the local and the global trading state in force. */
  private applyTradingState(reason: string): void {
    const global = this.globalTrading;
    const strictest =
      global === undefined
        ? this.localTradingState
        : stricterTradingState(this.localTradingState, global.state);
    const why =
      strictest === this.localTradingState || global === undefined ? reason : `global risk: ${global.reason}`;
    this.execution.setTradingState(strictest, why);
    this.publishRiskState(why);
  }

  private onGlobalRisk(update: GlobalRiskUpdate): void {
    if (update.account !== "") return;
    this.globalTrading = { state: update.tradingState, reason: update.reason };
    this.logger.warn(
      { state: update.tradingState, reason: update.reason },
      "global trading state from the aggregator",
    );
    this.applyTradingState(
      `global risk: ${update.tradingState}${update.reason ? ` (${update.reason})` : ""}`,
    );
  }

  private async openRecording(): Promise<void> {
    const base = this.config.baseDir;
    const dataDir = resolve(base, this.config.recording.dataDir);
    this.recording = await GatewayRecording.open({
      config: this.config.recording,
      dataDir,
      clock: this.clock,
      logger: this.logger.child({ component: "recording" }),
      execution: this.execution,
      portfolios: this.portfolios,
      records: this.records,
      marketData: this.marketData,
      onGlobalRisk: (update) => this.onGlobalRisk(update),
    });
    const sink =
      this.config.recording.mode === "kafka"
        ? `Kafka ${this.config.recording.brokers.join(",")}`
        : recordingLogDir(dataDir);
    this.logger.info({ recording: this.config.recording.mode, to: sink }, `recording to ${sink}`);
  }

  async reloadRiskLimits(): Promise<string> {
    const path =
      this.options.configPath ??
      (this.config.source === "built-in defaults" ? undefined : this.config.source);
    if (path === undefined) {
      throw new GatewayError(
        "FAILED_PRECONDITION",
        "the gateway runs on built-in defaults; there is no config file to reload",
      );
    }
    let summary: string;
    try {
      summary = this.risk.setLimits(loadConfig(path).risk);
    } catch (error) {
      if (error instanceof ConfigError) {
        throw new GatewayError("FAILED_PRECONDITION", `risk limits not reloaded: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
    this.logger.info({ summary }, "risk limits reloaded");
    return summary;
  }

  private publishRiskState(reason: string): void {
    const state: pb.RiskState = {
      account: "",
      tradingState: tradingStateToProto(this.execution.tradingState),
      grossExposure: undefined,
      netExposure: undefined,
      dailyPnl: undefined,
      reason: this.execution.killSwitchEngaged ? `kill switch: ${reason}` : reason,
      tsNs: this.clock.now(),
    };
    for (const listener of this.riskListeners) listener(state);
  }

  private report(): ShutdownReport {
    const openOrders: ShutdownReport["openOrders"][number][] = [];
    for (const s of this.config.strategies) {
      for (const order of this.execution.orders(
        { strategyId: s.id, account: s.account },
        { openOnly: true },
      )) {
        openOrders.push({
          strategyId: order.strategyId,
          clientOrderId: order.clientOrderId,
          instrument: formatInstrumentId(order.instrument),
          status: order.status,
        });
      }
    }
    return {
      openOrders,
      marketDataSubscribers: this.marketData.subscriberCount(),
      bufferedRecords: this.records.length,
    };
  }

  private async connectVenues(): Promise<void> {
    const file = this.config.source;
    const entries = Object.entries(this.config.venues);
    await ensureAdapterKinds(
      this.registry,
      entries.map(([, v]) => v.adapter),
      file,
    );
    for (const [venue, v] of entries) {
      if (!this.registry.kinds().includes(v.adapter)) {
        throw new ConfigError(
          "CONFIG_INVALID",
          `${file}: venues.${venue}.adapter: unknown adapter kind ${JSON.stringify(v.adapter)}; available: ${this.registry.kinds().join(", ")}`,
          { context: { file } },
        );
      }
      const state: VenueState = { adapter: v.adapter, connected: false, reconciled: false, detail: "" };
      this.venueStates.set(venue, state);
      const log = this.logger.child({ venue });
      const orderSink = this.execution.sinkFor(venue);
      let adapter: ExchangeAdapter;
      try {
        adapter = this.registry.create(
          v.adapter,
          venue,
          v.config,
          {
            clock: this.clock,
            logger: log,
            sink: {
              onMarketEvent: (event) => {
                this.marketData.onMarketEvent(event);
                this.recording?.onMarketEvent(event);
              },
              onOrderEvent: orderSink.onOrderEvent,
              onUnknownOrder: orderSink.onUnknownOrder,
              onConnectionState: (s: ConnectionState, detail?: string) => {
                state.connected = s === "connected";
                state.detail = detail ?? s;
                log.info(
                  { state: s, detail: detail === undefined ? undefined : this.scrub(detail) },
                  "venue connection",
                );
              },
              onError: (error) => log.warn({ err: error }, "venue stream error"),
            },
          },
          `${file}: venues.${venue}.config`,
        );
      } catch (error) {
        if (error instanceof AdapterConfigError) {
          throw new ConfigError("CONFIG_INVALID", this.scrub(error.message), { context: { file } });
        }
        throw error;
      }
      this.venues.set(venue, adapter);
      await adapter.connect();
      state.connected = true;
      state.reconciled = this.deferredJournal === undefined;
      await this.marketData.addVenue(adapter);
      log.info(
        { adapter: v.adapter, instruments: this.marketData.instruments(venue).length },
        "venue connected",
      );
    }
  }

  private async serveGrpc(address: ListenAddress): Promise<ListenAddress> {
    const grpc = new GrpcServer({
      logger: this.logger,
      ...(this.config.tls ? { tls: this.config.tls } : {}),
    });
    this.grpc = grpc;
    const base: Middleware[] = [
      observeCalls(this.metrics),
      authenticate(this.tokens, (ctx, why) => {
        this.metrics.authFailures.inc({ reason: why });
        this.logger.warn({ method: ctx.method, peer: ctx.peer, reason: why }, "unauthenticated call refused");
      }),
    ];
    const pipeline: PipelineOptions = { middlewares: base, scrub: this.scrub };
    const admin: PipelineOptions = { middlewares: [...base, requireAdmin()], scrub: this.scrub };
    this.orders = new OrdersService({
      execution: this.execution,
      clock: this.clock,
      logger: this.logger.child({ component: "orders-service" }),
      metrics: this.metrics,
      pipeline,
      accountsOf: () => [],
    });
    grpc.addService(
      marketDataServiceDefinition,
      marketDataService({
        data: this.marketData,
        pipeline,
        maxBufferedBytes: this.config.marketData.maxBufferedBytes,
      }),
    );
    grpc.addService(pb.OrdersServiceService, this.orders.implementation());
    grpc.addService(
      pb.PortfolioServiceService,
      portfolioService({
        portfolios: this.portfolios,
        balances: (account) => this.balances(account),
        onRiskState: (listener) => {
          this.riskListeners.add(listener);
          return () => this.riskListeners.delete(listener);
        },
        logger: this.logger,
        pipeline,
      }),
    );
    grpc.addService(
      pb.RecordingServiceService,
      recordingService({
        buffer: this.records,
        metrics: this.metrics,
        now: () => this.clock.now(),
        pipeline,
      }),
    );
    const control: AdminControl = {
      status: () => this.status(),
      setKillSwitch: (engaged, reason) => this.setKillSwitch(engaged, reason),
      setTradingState: (state, reason) => this.setTradingState(state, reason),
      reloadRiskLimits: () => this.reloadRiskLimits(),
    };
    grpc.addService(pb.AdminServiceService, adminService(control, admin));
    return grpc.bind(address);
  }

  private async balances(account: string): Promise<readonly Balance[]> {
    const venue = this.config.accounts[account]?.venue;
    const adapter = venue === undefined ? undefined : this.venues.get(venue);
    if (adapter?.capabilities.balances) {
      const now = this.clock.now();
      const balances = await adapter.fetchBalances();
      return balances.map((b) => ({
        account,
        currency: b.currency,
        total: b.total,
        free: b.free,
        locked: b.locked,
        tsNs: now,
      }));
    }
    return this.portfolios.balances(account);
  }

  private async teardown(): Promise<void> {
    this.grpc?.setServing(false);
    this.marketData.close(new Error("the gateway is shutting down"));
    this.orders?.close();
    if (this.grpc !== undefined) await this.grpc.shutdown(this.options.shutdownGraceMs ?? 2000);
    for (const [venue, adapter] of this.venues) {
      try {
        await adapter.disconnect();
      } catch (error) {
        this.logger.warn({ err: error, venue }, "venue disconnect failed");
      }
    }
    try {
      await this.recording?.close();
    } catch (error) {
      this.logger.warn({ err: error }, "recorder flush failed");
    }
    this.recording = undefined;
    await this.metricsServer?.stop();
    this.deferredJournal?.detach();
    await this.storage?.close();
    this.storage = undefined;
  }

  /** Reloads orders and fills from the audit store and reconciles each venue before orders are accepted. */
  private async recover(storage: AuditStorage): Promise<void> {
    const reports = await recoverExecutionState({
      pool: storage.pool,
      engine: this.execution,
      venues: this.venues,
      logger: this.logger,
      nowNs: () => this.clock.now(),
      unknownOrders: this.config.storage.unknownOrders,
      flush: () => storage.store.drain(),
    });
    for (const r of reports) {
      const state = this.venueStates.get(r.venue);
      if (state !== undefined) state.reconciled = true;
    }
  }
}

export { describeRiskLimits };
