import {
  type Clock,
  ConversionRates,
  Decimal,
  type DecimalLike,
  decodeRecord,
  decodeRecords,
  type EncodedRecord,
  encodeRecord,
  type Fill,
  fillFromProto,
  formatInstrumentId,
  type Instrument,
  LiveClock,
  type Logger,
  Money,
  marketEventFromProto,
  type Position,
  type pb,
  positionFromProto,
  positionToProto,
  silentLogger,
} from "@openfloor/core";
import type { RecordMessage } from "../recording/kafka-client.js";
import { messageHeaders, recordOfMessage } from "../recording/kafka-client.js";
import { KafkaSink } from "../recording/kafka-sink.js";
import { describeError, type TopicSettings, topicName } from "../recording/kafka-topics.js";
import { AGGREGATOR_HEADERS, tradingStateToProto } from "../recording/risk-state.js";
import { TopicConsumer } from "../recording/topic-consumer.js";
import { readLatestByKey } from "../recording/topic-snapshot.js";
import type { TradingState } from "../risk/risk-engine.js";
import {
  evaluateLimits,
  type GlobalLimits,
  type PositionFigures,
  type RiskFigures,
  riskFigures,
} from "./global-limits.js";
import { PositionLedger } from "./position-ledger.js";

/** Options of `Aggregator.start` (and `runAggregator`). */
export interface AggregatorOptions {
  /** Bootstrap brokers. Example: `["kafka-1:9092"]` */
  brokers: readonly string[];
  /** Consumer group sharing the fills partitions. Default `"openfloor-aggregator"`. */
  groupId?: string;
  /**
   * Stable id of this aggregator in its group (static membership): restarted with the same id, it
   * takes its partitions back at once instead of after a session timeout. Default: none.
   */
  instanceId?: string;
  /** Instruments fills may refer to (a fill for another one is counted and skipped). */
  instruments: readonly Instrument[];
  /** Global limits; default none (positions and exposure are still published). */
  limits?: GlobalLimits;
  /** Currency of exposure, PnL and limits. Default `"USDT"`. */
  reportCurrency?: string;
  /** Conversion rates into the report currency. Example: `[{ from: "BTC", to: "USDT", price: "61000" }]` */
  rates?: readonly { readonly from: string; readonly to: string; readonly price: DecimalLike }[];
  /** Topic names and creation settings (missing topics are created). */
  topics?: TopicSettings;
  /** How often positions re-marked by market data and the risk states are re-published. Default 1000 ms. */
  publishIntervalMs?: number;
  /** Longest delay between a mark and re-checking the limits. Default 100 ms. */
  markCheckMs?: number;
  /** Group session timeout. Default 10 s. */
  sessionTimeoutMs?: number;
  /** How often the fills consumer is checked for partitions that stopped making progress. Default 10 s. */
  stallCheckMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Counters of an aggregator. */
export interface AggregatorStats {
  readonly fillsApplied: number;
  /** Fills seen before (same venue and fill id): redelivered or replayed, not counted again. */
  readonly duplicates: number;
  /** Fills for instruments not configured (skipped; a configuration error). */
  readonly unknownInstrument: number;
  /** Fills that could not be decoded or applied. */
  readonly invalid: number;
  readonly positionsPublished: number;
  readonly riskStatesPublished: number;
  /** Times the fills consumer was rebuilt because a partition stopped making progress. */
  readonly consumerRestarts: number;
  /** Fills partitions this aggregator owns, and which of those it has rebuilt up to their end. */
  readonly owned: readonly number[];
  readonly ready: readonly number[];
}

interface RemotePosition {
  readonly partition: number;
  readonly figures: PositionFigures | undefined;
}

const SEP = "\u0000";
const positionKey = (p: Position) =>
  `${p.account}${SEP}${formatInstrumentId(p.instrument.id)}${SEP}${p.strategyId}`;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The global position and risk aggregator: a consumer-group service over the fills topic of every
 * gateway. It keeps exact positions per account, instrument and strategy (core `Portfolio`), marks
 * them with market data (`md.quotes` mid, `md.trades` price), publishes them to the compacted
 * positions topic, computes exposure across venues and enforces the global limits by publishing a
 * global `RiskState` (account `""`) that every gateway's `GlobalRiskListener` obeys.
 *
 * Exactly once in effect, without committed offsets or transactions: the fills topic is the state's
 * changelog. The state of a fills partition is a function of that partition's records alone, fills
 * are de-duplicated by (venue, fill id), and whoever owns a partition rebuilds it from the
 * partition's start (after a start or a rebalance) before publishing anything from it. A crash at
 * any point therefore neither loses nor double-counts a fill: the next owner reads the same records
 * and reaches the same positions, and republishing a position to a compacted topic is idempotent.
 * Every position record carries the fills partition and offset it includes (headers
 * `of-fills-partition`, `of-fills-offset`). The cost is a start-up proportional to the fills kept,
 * which is why the fills topic is created with unlimited retention.
 *
 * Global figures sum the positions this instance owns (once rebuilt) with those the other
 * instances of the group publish (read back from the positions topic).
 */
export class Aggregator {
  private readonly ledger: PositionLedger;
  private readonly rates = new ConversionRates();
  private readonly reportCurrency: string;
  private readonly limits: GlobalLimits;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly prefix: string;
  private readonly topics: { fills: string; positions: string; risk: string; quotes: string; trades: string };
  private fills: TopicConsumer | undefined;
  private marketData: TopicConsumer | undefined;
  private positionsIn: TopicConsumer | undefined;
  private readonly owned = new Set<number>();
  /** Owned partitions being rebuilt, with the end offset to reach (undefined until known). */
  private readonly rebuilding = new Map<number, bigint | undefined>();
  private readonly ready = new Set<number>();
  private readonly remote = new Map<string, RemotePosition>();
  private remoteEnds: Map<number, bigint> | undefined;
  private readonly remoteProgress = new Map<number, bigint>();
  private readonly pending = new Map<string, { partition: number; position: Position }>();
  private readonly remarked = new Map<string, { partition: number; position: Position }>();
  private flushScheduled = false;
  private sendChain: Promise<void> = Promise.resolve();
  private markCheckArmed = false;
  private cancelTick: (() => void) | undefined;
  private stopped = false;
  private lastVerdict = "";
  private lastRisk: pb.RiskState | undefined;
  private day: string | undefined;
  private dayStartPnl = Decimal.ZERO;
  private lossLatched = false;
  private restored: { day: string; startPnl: Decimal; lossLatched: boolean } | undefined;
  private readonly riskListeners = new Set<(state: pb.RiskState) => void>();
  private readonly assignmentListeners = new Set<(owned: readonly number[]) => void>();
  private lastProgressCheck = 0;
  private lastOffsets = new Map<number, bigint>();
  private readyWaiters: (() => void)[] = [];
  private counts = {
    fillsApplied: 0,
    duplicates: 0,
    unknownInstrument: 0,
    invalid: 0,
    positionsPublished: 0,
    riskStatesPublished: 0,
    consumerRestarts: 0,
  };

  private constructor(
    private readonly options: AggregatorOptions,
    private readonly sink: KafkaSink,
  ) {
    this.reportCurrency = options.reportCurrency ?? "USDT";
    this.limits = options.limits ?? {};
    this.clock = options.clock ?? new LiveClock();
    this.logger = (options.logger ?? silentLogger).child({ component: "aggregator" });
    this.prefix = options.topics?.prefix ?? "openfloor.";
    this.ledger = new PositionLedger(options.instruments, this.reportCurrency);
    for (const r of options.rates ?? []) this.rates.set(r.from, r.to, r.price);
    this.topics = {
      fills: topicName("fill", this.prefix),
      positions: topicName("position", this.prefix),
      risk: topicName("risk-state", this.prefix),
      quotes: topicName("quote", this.prefix),
      trades: topicName("trade", this.prefix),
    };
  }

  /**
   * Creates missing topics, restores the day's PnL baseline from the risk topic, reads the positions
   * the group published, then joins the group on the fills topic and starts rebuilding.
   */
  static async start(options: AggregatorOptions): Promise<Aggregator> {
    const sink = await KafkaSink.connect({
      brokers: options.brokers,
      clientId: options.instanceId ?? "openfloor-aggregator",
      ...(options.topics === undefined ? {} : { topics: options.topics }),
    });
    const aggregator = new Aggregator(options, sink);
    try {
      await aggregator.connect();
    } catch (error) {
      await aggregator.kill();
      throw error;
    }
    return aggregator;
  }

  stats(): AggregatorStats {
    return {
      ...this.counts,
      owned: [...this.owned].sort((a, b) => a - b),
      ready: [...this.ready].sort((a, b) => a - b),
    };
  }

  /** Positions of the partitions this aggregator owns and has rebuilt (account-level and per strategy). */
  positions(): Position[] {
    const out: Position[] = [];
    for (const p of [...this.ready].sort((a, b) => a - b)) out.push(...this.ledger.partition(p).positions());
    return out;
  }

  /** The global risk state last published (undefined before the first). */
  riskState(): pb.RiskState | undefined {
    return this.lastRisk;
  }

  /** Called with every global risk state published. Returns the unsubscribe function. */
  onRiskState(listener: (state: pb.RiskState) => void): () => void {
    this.riskListeners.add(listener);
    return () => this.riskListeners.delete(listener);
  }

  /** Called with the fills partitions this aggregator owns after each rebalance. Returns the unsubscribe function. */
  onAssignment(listener: (owned: readonly number[]) => void): () => void {
    this.assignmentListeners.add(listener);
    return () => this.assignmentListeners.delete(listener);
  }

  /** Resolves when every owned partition has been rebuilt up to the end it had when assigned. */
  whenReady(): Promise<void> {
    if (this.isReady()) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Publishes what is pending, leaves the group and closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTick?.();
    await Promise.all([this.fills?.close(), this.marketData?.close(), this.positionsIn?.close()]);
    this.flushPending();
    await this.sendChain.catch(() => {});
    await this.sink.close();
  }

  /** Stops at once: nothing pending is published, nothing is committed (as if the process died). */
  async kill(): Promise<void> {
    this.stopped = true;
    this.cancelTick?.();
    this.pending.clear();
    await Promise.all([
      this.fills?.close(true),
      this.marketData?.close(true),
      this.positionsIn?.close(true),
      this.sink.close(),
    ]);
  }

  private async connect(): Promise<void> {
    const connect = {
      brokers: this.options.brokers,
      clientId: this.options.instanceId ?? "openfloor-aggregator",
    };
    const risk = (await readLatestByKey(connect, this.topics.risk)).get("");
    if (risk !== undefined) {
      const h = messageHeaders(risk);
      const day = h[AGGREGATOR_HEADERS.day];
      const start = h[AGGREGATOR_HEADERS.dayStartPnl];
      if (day !== undefined && start !== undefined) {
        this.restored = {
          day,
          startPnl: Decimal.from(start),
          lossLatched: h[AGGREGATOR_HEADERS.lossLatched] === "1",
        };
      }
    }
    this.positionsIn = await TopicConsumer.start({
      ...connect,
      topics: [this.topics.positions],
      mode: "earliest",
      logger: this.logger,
      onMessage: (m) => this.onRemotePosition(m),
    });
    const ends = await this.positionsIn.endOffsets(this.topics.positions);
    const remoteEnds = new Map<number, bigint>();
    ends.forEach((end, partition) => {
      if (end > (this.remoteProgress.get(partition) ?? 0n)) remoteEnds.set(partition, end);
    });
    this.remoteEnds = remoteEnds;
    this.marketData = await TopicConsumer.start({
      ...connect,
      topics: [this.topics.quotes, this.topics.trades],
      mode: "latest",
      logger: this.logger,
      onMessage: (m) => this.onMarketData(m),
    });
    this.fills = await TopicConsumer.start({
      ...connect,
      topics: [this.topics.fills],
      groupId: this.options.groupId ?? "openfloor-aggregator",
      ...(this.options.instanceId === undefined ? {} : { groupInstanceId: this.options.instanceId }),
      ...(this.options.sessionTimeoutMs === undefined
        ? {}
        : { sessionTimeoutMs: this.options.sessionTimeoutMs }),
      mode: "earliest",
      logger: this.logger,
      onMessage: (m) => this.onFill(m),
      onAssignment: (assigned) => this.assigned(assigned.get(this.topics.fills) ?? []),
      resumeFrom: () =>
        this.ledger.partitionIds().map((partition) => ({
          topic: this.topics.fills,
          partition,
          offset: this.ledger.partition(partition).nextOffset,
        })),
    });
    this.requestTargets();
    this.scheduleTick();
  }

  private assigned(partitions: readonly number[]): void {
    if (this.stopped) return;
    const now = new Set(partitions);
    for (const p of [...this.owned]) {
      if (now.has(p)) continue;
      // Revoked: keep the ledger (this process's reading position in it is kept too), stop publishing it.
      this.owned.delete(p);
      this.ready.delete(p);
      this.rebuilding.delete(p);
    }
    const added = partitions.filter((p) => !this.owned.has(p));
    for (const p of added) {
      this.owned.add(p);
      this.rebuilding.set(p, undefined);
    }
    const owned = [...this.owned].sort((a, b) => a - b);
    for (const listener of this.assignmentListeners) listener(owned);
    if (added.length === 0) {
      this.checkReady();
      return;
    }
    this.logger.info({ added, owned: [...this.owned] }, "fills partitions assigned; rebuilding them");
    this.requestTargets();
  }

  /** Asks for the end offsets the partitions being rebuilt must reach (once the consumer is up). */
  private requestTargets(): void {
    const fills = this.fills;
    if (fills === undefined || this.stopped) return;
    const waiting = [...this.rebuilding].filter(([, target]) => target === undefined).map(([p]) => p);
    if (waiting.length === 0) return;
    void fills
      .endOffsets(this.topics.fills)
      .then((ends) => {
        for (const p of waiting) {
          if (!this.rebuilding.has(p) || this.rebuilding.get(p) !== undefined) continue;
          this.rebuilding.set(p, ends[p] ?? 0n);
          this.maybeReady(p);
        }
      })
      .catch((error: unknown) => {
        this.logger.error({ err: describeError(error) }, "could not read the fills end offsets; retrying");
        setTimeout(() => this.requestTargets(), 500);
      });
  }

  private maybeReady(partition: number): void {
    const target = this.rebuilding.get(partition);
    if (target === undefined || this.ledger.partition(partition).nextOffset < target) return;
    this.rebuilding.delete(partition);
    this.ready.add(partition);
    for (const position of this.ledger.partition(partition).positions()) {
      this.pending.set(positionKey(position), { partition, position });
    }
    this.scheduleFlush();
    this.checkReady();
  }

  private isReady(): boolean {
    return this.rebuilding.size === 0 && this.fills !== undefined;
  }

  private checkReady(): void {
    if (!this.isReady()) return;
    for (const w of this.readyWaiters.splice(0)) w();
  }

  private onFill(message: RecordMessage): void {
    if (this.stopped) return;
    let fill: Fill;
    try {
      const record = recordOfMessage(message);
      if (record === undefined) throw new Error("no record kind header");
      const decoded = decodeRecord(record.headers, record.value);
      if (decoded.kind !== "fill") throw new Error(`a ${decoded.kind} record on the fills topic`);
      fill = fillFromProto(decoded.value);
    } catch (error) {
      this.counts.invalid++;
      this.logger.error(
        { err: describeError(error), partition: message.partition, offset: message.offset.toString() },
        "undecodable fill skipped",
      );
      this.ledger.partition(message.partition).nextOffset = message.offset + 1n;
      this.maybeReady(message.partition);
      return;
    }
    const outcome = this.ledger.apply(message.partition, message.offset, fill);
    switch (outcome.kind) {
      case "applied":
        this.counts.fillsApplied++;
        if (this.ready.has(message.partition)) {
          for (const position of outcome.positions) {
            this.pending.set(positionKey(position), { partition: message.partition, position });
          }
          this.scheduleFlush();
        }
        break;
      case "duplicate":
        this.counts.duplicates++;
        break;
      case "unknown-instrument":
        this.counts.unknownInstrument++;
        this.logger.error(
          { fillId: fill.fillId, instrument: formatInstrumentId(fill.instrument) },
          "fill for an instrument the aggregator was not given: skipped",
        );
        break;
      case "invalid":
        this.counts.invalid++;
        this.logger.error(
          { err: describeError(outcome.error), fillId: fill.fillId },
          "fill cannot be applied",
        );
        break;
      case "old":
        break;
    }
    if (this.rebuilding.has(message.partition)) this.maybeReady(message.partition);
  }

  private onMarketData(message: RecordMessage): void {
    if (this.stopped) return;
    let events: ReturnType<typeof marketEventFromProto>[];
    try {
      const record = recordOfMessage(message);
      if (record === undefined) return;
      events = [];
      // One event, or a batch of one instrument's events: the last of each kind is the mark.
      for (const decoded of decodeRecords(record.headers, record.value)) {
        if (decoded.kind === "quote" || decoded.kind === "trade")
          events.push(marketEventFromProto(decoded.value));
      }
    } catch {
      return;
    }
    for (const event of events) {
      let price: Decimal;
      if (event.type === "trade") price = event.price;
      else if (event.type === "quote") {
        if (!event.bidPrice.isPositive() || !event.askPrice.isPositive()) continue;
        const scale = Math.min(18, Math.max(event.bidPrice.scale, event.askPrice.scale) + 1);
        price = event.bidPrice.add(event.askPrice).div(2, { scale });
      } else continue;
      for (const { partition, position } of this.ledger.mark(event.instrument, price, event.tsEventNs)) {
        if (this.ready.has(partition)) this.remarked.set(positionKey(position), { partition, position });
      }
    }
    if (!this.markCheckArmed) {
      this.markCheckArmed = true;
      this.clock.setTimer(this.options.markCheckMs ?? 100, () => {
        this.markCheckArmed = false;
        if (!this.stopped) this.evaluateRisk(false);
      });
    }
  }

  private onRemotePosition(message: RecordMessage): void {
    // A consumer rebuilt after an outage reads from the start again: skip what was seen.
    if (message.offset < (this.remoteProgress.get(message.partition) ?? 0n)) return;
    this.remoteProgress.set(message.partition, message.offset + 1n);
    const ends = this.remoteEnds;
    if (ends !== undefined) {
      const end = ends.get(message.partition);
      if (end !== undefined && message.offset + 1n >= end) ends.delete(message.partition);
    }
    const partition = Number(messageHeaders(message)[AGGREGATOR_HEADERS.fillsPartition] ?? "-1");
    let figures: PositionFigures | undefined;
    try {
      const record = recordOfMessage(message);
      if (record === undefined) return;
      const decoded = decodeRecord(record.headers, record.value);
      if (decoded.kind !== "position" || decoded.value.strategyId !== "") return;
      const snapshot = positionFromProto(decoded.value);
      const instrument = this.ledger.instrument(snapshot.instrument);
      if (instrument !== undefined) {
        figures = {
          account: snapshot.account,
          instrument,
          quantity: snapshot.quantity,
          markPrice: snapshot.markPrice,
          pnl: snapshot.realizedPnl.amount.add(snapshot.unrealizedPnl.amount),
          fees: snapshot.fees,
        };
      }
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, "unreadable position record skipped");
      return;
    }
    this.remote.set(message.key ?? "", { partition: Number.isInteger(partition) ? partition : -1, figures });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushPending();
    });
  }

  private positionRecord(partition: number, position: Position, tsMs: number): EncodedRecord {
    const record = encodeRecord("position", positionToProto(position.snapshot()), tsMs, this.prefix);
    return {
      ...record,
      headers: {
        ...record.headers,
        [AGGREGATOR_HEADERS.fillsPartition]: String(partition),
        [AGGREGATOR_HEADERS.fillsOffset]: this.ledger.partition(partition).nextOffset.toString(),
      },
    };
  }

  private flushPending(): void {
    if (this.pending.size === 0) return;
    const now = this.clock.nowMs();
    const records: EncodedRecord[] = [];
    for (const { partition, position } of this.pending.values()) {
      if (this.ready.has(partition)) records.push(this.positionRecord(partition, position, now));
    }
    this.pending.clear();
    if (records.length === 0) return;
    this.send(records, () => {
      this.counts.positionsPublished += records.length;
    });
    this.evaluateRisk(false);
  }

  private send(records: readonly EncodedRecord[], done: () => void): void {
    this.sendChain = this.sendChain
      .then(() => this.sink.write(records))
      .then(done, (error: unknown) => {
        if (!this.stopped) this.logger.error({ err: describeError(error) }, "publishing failed");
      });
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    this.cancelTick = this.clock.setTimer(this.options.publishIntervalMs ?? 1000, () => {
      if (this.stopped) return;
      if (this.remarked.size > 0) {
        for (const [key, entry] of this.remarked) this.pending.set(key, entry);
        this.remarked.clear();
        this.flushPending();
      }
      this.evaluateRisk(true);
      this.checkProgress();
      this.scheduleTick();
    });
  }

  /**
   * Every `stallCheckMs`: an owned partition with records left to read that has not moved since the
   * last check means a stuck fetch; the consumer is rebuilt and resumes where the ledger stands.
   */
  private checkProgress(): void {
    const every = this.options.stallCheckMs ?? 10_000;
    const now = this.clock.nowMs();
    if (now - this.lastProgressCheck < every || this.fills === undefined) return;
    this.lastProgressCheck = now;
    const before = this.lastOffsets;
    const current = new Map<number, bigint>();
    for (const p of this.owned) current.set(p, this.ledger.partition(p).nextOffset);
    this.lastOffsets = current;
    void this.fills
      .endOffsets(this.topics.fills)
      .then((ends) => {
        const stuck = [...current]
          .filter(([p, at]) => (ends[p] ?? 0n) > at && before.get(p) === at)
          .map(([p]) => p);
        if (stuck.length === 0 || this.stopped) return;
        this.counts.consumerRestarts++;
        this.logger.warn({ partitions: stuck }, "fills partitions made no progress; rebuilding the consumer");
        void this.fills?.restart();
      })
      .catch(() => {});
  }

  /** The figures the limits see: owned rebuilt partitions from memory, the rest as the group published them. */
  private figures(): RiskFigures {
    const all: PositionFigures[] = [];
    for (const p of this.ready) {
      for (const position of this.ledger.partition(p).byAccount.positions()) {
        all.push({
          account: position.account,
          instrument: position.instrument,
          quantity: position.quantity,
          markPrice: position.markPrice,
          pnl: position.realizedPnl.add(position.unrealizedPnl()),
          fees: [...position.fees].map(([currency, amount]) => Money.of(amount, currency)),
        });
      }
    }
    for (const r of this.remote.values()) {
      if (r.figures !== undefined && !this.ready.has(r.partition)) all.push(r.figures);
    }
    return riskFigures(all, this.rates, this.reportCurrency);
  }

  private evaluateRisk(periodic: boolean): void {
    if (this.stopped || !this.isReady() || (this.remoteEnds?.size ?? 1) > 0) return;
    let figures: RiskFigures;
    try {
      figures = this.figures();
    } catch (error) {
      this.logger.error({ err: describeError(error) }, "exposure cannot be computed");
      return;
    }
    const nowMs = this.clock.nowMs();
    const today = utcDay(nowMs);
    if (this.day !== today) {
      this.day = today;
      const restored = this.restored?.day === today ? this.restored : undefined;
      this.dayStartPnl = restored?.startPnl ?? figures.total.pnl;
      this.lossLatched = restored?.lossLatched ?? false;
    }
    const dailyPnl = figures.total.pnl.sub(this.dayStartPnl);
    const verdict = evaluateLimits(
      figures.total,
      dailyPnl,
      this.limits,
      this.reportCurrency,
      this.lossLatched,
    );
    this.lossLatched = verdict.lossBreached;
    const reason = verdict.reasons.join("; ");
    const key = `${verdict.state}|${reason}`;
    const changed = key !== this.lastVerdict;
    if (!changed && !periodic) return;
    if (changed) {
      this.logger.warn({ state: verdict.state, reason }, "global trading state");
    }
    this.lastVerdict = key;
    const cur = this.reportCurrency;
    const state: pb.RiskState = {
      account: "",
      tradingState: tradingStateToProto(verdict.state),
      grossExposure: Money.of(figures.total.gross, cur).toProto(),
      netExposure: Money.of(figures.total.net, cur).toProto(),
      dailyPnl: Money.of(dailyPnl, cur).toProto(),
      reason,
      tsNs: this.clock.now(),
    };
    const records: EncodedRecord[] = [this.riskRecord(state, nowMs, true)];
    if (periodic) {
      for (const [account, f] of figures.byAccount) {
        records.push(
          this.riskRecord(
            {
              account,
              tradingState: state.tradingState,
              grossExposure: Money.of(f.gross, cur).toProto(),
              netExposure: Money.of(f.net, cur).toProto(),
              dailyPnl: undefined,
              reason,
              tsNs: state.tsNs,
            },
            nowMs,
            false,
          ),
        );
      }
    }
    this.lastRisk = state;
    this.send(records, () => {
      this.counts.riskStatesPublished += records.length;
    });
    for (const listener of this.riskListeners) listener(state);
  }

  private riskRecord(state: pb.RiskState, nowMs: number, global: boolean): EncodedRecord {
    const record = encodeRecord("risk-state", state, nowMs, this.prefix);
    if (!global) return record;
    return {
      ...record,
      headers: {
        ...record.headers,
        [AGGREGATOR_HEADERS.day]: this.day ?? "",
        [AGGREGATOR_HEADERS.dayStartPnl]: this.dayStartPnl.toString(),
        [AGGREGATOR_HEADERS.lossLatched]: this.lossLatched ? "1" : "0",
      },
    };
  }
}

/** The trading state of a global risk state (for logs and tests). */
export type { TradingState };

/**
 * Starts the aggregator service (`openfloor-gateway aggregator`); stop it with `stop()` on
 * SIGINT/SIGTERM. See `Aggregator`.
 *
 * @example
 * const aggregator = await runAggregator({ brokers, groupId: "agg", instruments, limits: { maxGrossExposure: "1000000" } });
 */
export async function runAggregator(options: AggregatorOptions): Promise<Aggregator> {
  const aggregator = await Aggregator.start(options);
  (options.logger ?? silentLogger).info(
    { groupId: options.groupId ?? "openfloor-aggregator", instanceId: options.instanceId },
    "aggregator started",
  );
  return aggregator;
}
