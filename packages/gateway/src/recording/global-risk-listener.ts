import { decodeRecord, type Logger, type pb, silentLogger } from "@openfloor/core";
import type { TradingState } from "../risk/risk-engine.js";
import type { KafkaConnectOptions, RecordMessage } from "./kafka-client.js";
import { recordOfMessage } from "./kafka-client.js";
import { describeError, topicName } from "./kafka-topics.js";
import { tradingStateFromProto } from "./risk-state.js";
import { TopicConsumer } from "./topic-consumer.js";

/** A trading state the aggregator asks gateways to apply. */
export interface GlobalRiskUpdate {
  /** `""` for the global state; an account for an account's. */
  readonly account: string;
  readonly tradingState: TradingState;
  /** Why (the limits breached), empty when active. */
  readonly reason: string;
  /** The full record. */
  readonly state: pb.RiskState;
}

/** Options of `GlobalRiskListener.start`. */
export interface GlobalRiskListenerOptions extends KafkaConnectOptions {
  /**
   * Called when the trading state (or its reason) of a watched account changes, first with the
   * state in force when the listener starts. Wire it to `ExecutionEngine.setTradingState`.
   * Example: `(u) => engine.setTradingState(u.tradingState, \`global risk: ${u.reason}\`)`
   */
  onState(update: GlobalRiskUpdate): void;
  /** Accounts to watch besides the global state `""`. Default: none. */
  accounts?: readonly string[];
  /** Topic prefix. Default `"openfloor."`. */
  topicPrefix?: string;
  logger?: Logger;
}

/**
 * The gateway side of the global limits: follows the compacted risk topic (from its start, so a
 * halt already in force applies as soon as the gateway is up) and calls `onState` with each change
 * of the global trading state the aggregator publishes. It reads every partition itself (no shared
 * group), survives broker restarts, and delivers a change within the consumer's fetch wait (100 ms)
 * of its publication.
 */
export class GlobalRiskListener {
  private readonly latestByAccount = new Map<string, GlobalRiskUpdate>();
  private readonly delivered = new Map<string, GlobalRiskUpdate>();
  /** Partitions still being read up to their end at start (undefined until the ends are known). */
  private catchingUp: Map<number, bigint> | undefined;
  /** Next offset per partition: a consumer rebuilt after an outage reads from the start again. */
  private readonly progress = new Map<number, bigint>();

  private constructor(
    private readonly options: GlobalRiskListenerOptions,
    private consumer: TopicConsumer | undefined,
  ) {}

  static async start(options: GlobalRiskListenerOptions): Promise<GlobalRiskListener> {
    const listener = new GlobalRiskListener(options, undefined);
    const watched = new Set(["", ...(options.accounts ?? [])]);
    const logger = (options.logger ?? silentLogger).child({ component: "global-risk-listener" });
    listener.consumer = await TopicConsumer.start({
      brokers: options.brokers,
      clientId: options.clientId ?? "openfloor-risk-listener",
      ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
      topics: [topicName("risk-state", options.topicPrefix)],
      mode: "earliest",
      logger,
      onMessage: (m) => {
        try {
          listener.onMessage(m, watched);
        } catch (error) {
          logger.error({ err: describeError(error) }, "risk state callback failed");
        }
      },
    });
    const ends = await listener.consumer.endOffsets(topicName("risk-state", options.topicPrefix));
    const remaining = new Map<number, bigint>();
    ends.forEach((end, partition) => {
      if (end > 0n) remaining.set(partition, end);
    });
    for (const [partition, end] of listener.progress) {
      if (remaining.has(partition) && end >= remaining.get(partition)!) remaining.delete(partition);
    }
    listener.catchingUp = remaining;
    listener.deliverIfCaughtUp();
    return listener;
  }

  /** Once the topic has been read to its end, delivers the latest state of each watched account. */
  private deliverIfCaughtUp(): void {
    if (this.catchingUp === undefined || this.catchingUp.size > 0) return;
    for (const update of this.latestByAccount.values()) this.deliver(update);
  }

  private deliver(update: GlobalRiskUpdate): void {
    const before = this.delivered.get(update.account);
    if (
      before !== undefined &&
      before.tradingState === update.tradingState &&
      before.reason === update.reason
    )
      return;
    this.delivered.set(update.account, update);
    this.options.onState(update);
  }

  /** The state last delivered for an account (`""`: global). */
  latest(account = ""): GlobalRiskUpdate | undefined {
    return this.delivered.get(account);
  }

  async close(): Promise<void> {
    await this.consumer?.close();
  }

  private onMessage(message: RecordMessage, watched: ReadonlySet<string>): void {
    if (message.offset < (this.progress.get(message.partition) ?? 0n)) return;
    this.progress.set(message.partition, message.offset + 1n);
    const catching = this.catchingUp;
    if (catching !== undefined && catching.size > 0) {
      const end = catching.get(message.partition);
      if (end !== undefined && message.offset + 1n >= end) catching.delete(message.partition);
    }
    this.take(message, watched);
    this.deliverIfCaughtUp();
  }

  private take(message: RecordMessage, watched: ReadonlySet<string>): void {
    if (!watched.has(message.key ?? "")) return;
    const record = recordOfMessage(message);
    if (record === undefined) return;
    const decoded = decodeRecord(record.headers, record.value);
    if (decoded.kind !== "risk-state") return;
    const tradingState = tradingStateFromProto(decoded.value.tradingState);
    if (tradingState === undefined) return;
    const account = decoded.value.account;
    this.latestByAccount.set(account, {
      account,
      tradingState,
      reason: decoded.value.reason,
      state: decoded.value,
    });
  }
}
