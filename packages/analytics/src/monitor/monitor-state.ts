import type { DecodedRecord, pb } from "@openfloor/core";
import { instrumentText, tradingStateText } from "../lake/flatten.js";
import { exact, exactNumber, exactText } from "../metrics/exact.js";

/**
 * Limits the monitor warns about, as in the gateway's risk config. Money limits are decimal text.
 * @example { maxGrossExposure: "100000", maxDailyLoss: "5000", maxOrdersPerSecond: 50 }
 */
export interface MonitorLimits {
  /** Per account: gross exposure from the risk topic. */
  readonly maxGrossExposure?: string;
  /** Per account: |net exposure| from the risk topic. */
  readonly maxNetExposure?: string;
  /** Per account: a loss (−daily PnL) from the risk topic. */
  readonly maxDailyLoss?: string;
  /** Per strategy: drawdown from the performance topic (or from its running PnL peak). */
  readonly maxDrawdown?: string;
  /** Per strategy: new orders per second over the rate window. */
  readonly maxOrdersPerSecond?: number;
}

export interface StrategyLive {
  readonly strategy: string;
  totalPnl: string;
  realizedPnl: string;
  unrealizedPnl: string;
  /** From the snapshot when it carries one, else peak PnL − PnL since the monitor started. */
  drawdown: string;
  grossExposure: string;
  fees: string;
  orders: number;
  fills: number;
  ordersPerSecond: number;
  currency: string;
  updatedMs: number;
  /** [ms, total PnL] for the sparkline; the last 600 snapshots. */
  history: [number, number][];
}

export interface PositionLive {
  readonly account: string;
  readonly instrument: string;
  readonly strategy: string;
  quantity: string;
  mark: string;
  unrealizedPnl: string;
  updatedMs: number;
}

export interface RiskLive {
  readonly account: string;
  tradingState: string;
  grossExposure: string;
  netExposure: string;
  dailyPnl: string;
  reason: string;
  updatedMs: number;
}

export interface Alert {
  readonly level: "near" | "breach";
  /** What it is about: `account:<id>` or `strategy:<id>`. */
  readonly subject: string;
  readonly limit: string;
  readonly message: string;
}

export interface MonitorSnapshot {
  readonly updatedMs: number;
  readonly records: number;
  readonly strategies: readonly StrategyLive[];
  readonly positions: readonly PositionLive[];
  readonly risk: readonly RiskLive[];
  readonly alerts: readonly Alert[];
  readonly nearFraction: number;
}

const m = (x: pb.Money | undefined): string => (x?.amount === undefined ? "0" : dec(x.amount));
const dec = (d: pb.Decimal | undefined): string => {
  if (d === undefined) return "0";
  const neg = d.mantissa < 0n;
  const digits = (neg ? -d.mantissa : d.mantissa).toString().padStart(d.scale + 1, "0");
  const cut = digits.length - d.scale;
  const text = d.scale === 0 ? digits : `${digits.slice(0, cut)}.${digits.slice(cut)}`;
  return exactText(exact(`${neg ? "-" : ""}${text}`));
};
const msOf = (ns: bigint, fallback: number): number => (ns === 0n ? fallback : Number(ns / 1_000_000n));

/**
 * Live state folded from the performance, positions, risk, order and fill topics. Pure bookkeeping;
 * `apply` returns whether anything shown changed.
 */
export class MonitorState {
  private readonly strategies = new Map<string, StrategyLive & { peak: bigint; orderTimes: number[] }>();
  private readonly positions = new Map<string, PositionLive>();
  private readonly risk = new Map<string, RiskLive>();
  private records = 0;
  private updatedMs = 0;

  constructor(
    private readonly options: {
      readonly strategy?: string;
      readonly limits?: MonitorLimits;
      readonly nearFraction?: number;
      readonly rateWindowMs?: number;
      readonly now?: () => number;
    } = {},
  ) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  private wanted(strategy: string): boolean {
    return this.options.strategy === undefined || this.options.strategy === strategy;
  }

  private strategy(id: string, currency = ""): StrategyLive & { peak: bigint; orderTimes: number[] } {
    let s = this.strategies.get(id);
    if (s === undefined) {
      s = {
        strategy: id,
        totalPnl: "0",
        realizedPnl: "0",
        unrealizedPnl: "0",
        drawdown: "0",
        grossExposure: "0",
        fees: "0",
        orders: 0,
        fills: 0,
        ordersPerSecond: 0,
        currency,
        updatedMs: 0,
        history: [],
        peak: 0n,
        orderTimes: [],
      };
      this.strategies.set(id, s);
    }
    return s;
  }

  apply(record: DecodedRecord, timestampMs: number): boolean {
    this.records++;
    switch (record.kind) {
      case "performance": {
        const p = record.value;
        if (!this.wanted(p.strategyId)) return false;
        const s = this.strategy(p.strategyId, p.totalPnl?.currency ?? "");
        const at = msOf(p.tsNs, timestampMs);
        if (at < s.updatedMs) return false;
        const total = exact(m(p.totalPnl));
        if (s.history.length === 0 || total > s.peak) s.peak = total;
        const snapshotDd = exact(m(p.drawdown));
        s.totalPnl = exactText(total);
        s.realizedPnl = m(p.realizedPnl);
        s.unrealizedPnl = m(p.unrealizedPnl);
        s.drawdown = exactText(
          snapshotDd !== 0n ? (snapshotDd < 0n ? -snapshotDd : snapshotDd) : s.peak - total,
        );
        s.grossExposure = m(p.grossExposure);
        s.fees = m(p.fees);
        s.orders = Number(p.orders);
        s.fills = Number(p.fills);
        s.currency = p.totalPnl?.currency || s.currency;
        s.updatedMs = at;
        s.history.push([at, exactNumber(total)]);
        if (s.history.length > 600) s.history.splice(0, s.history.length - 600);
        break;
      }
      case "position": {
        const p = record.value;
        if (!this.wanted(p.strategyId)) return false;
        const instrument = instrumentText(p.instrument);
        const key = `${p.account}|${instrument}|${p.strategyId}`;
        const quantity = dec(p.quantity);
        if (quantity === "0") this.positions.delete(key);
        else {
          this.positions.set(key, {
            account: p.account,
            instrument,
            strategy: p.strategyId,
            quantity,
            mark: dec(p.markPrice),
            unrealizedPnl: m(p.unrealizedPnl),
            updatedMs: msOf(p.tsNs, timestampMs),
          });
        }
        break;
      }
      case "risk-state": {
        const r = record.value;
        this.risk.set(r.account, {
          account: r.account,
          tradingState: tradingStateText(r.tradingState) || "unspecified",
          grossExposure: m(r.grossExposure),
          netExposure: m(r.netExposure),
          dailyPnl: m(r.dailyPnl),
          reason: r.reason,
          updatedMs: msOf(r.tsNs, timestampMs),
        });
        break;
      }
      case "order-event": {
        const o = record.value.order;
        if (o === undefined || !this.wanted(o.strategyId)) return false;
        // ORDER_EVENT_KIND_SUBMITTED: a new order went out
        if (record.value.kind !== 2) return false;
        const s = this.strategy(o.strategyId);
        s.orderTimes.push(msOf(record.value.tsEventNs, timestampMs));
        this.rates();
        break;
      }
      default:
        return false;
    }
    this.updatedMs = this.now;
    return true;
  }

  /** Recomputes order rates over the window (call on a timer too, so rates fall when orders stop). */
  rates(): void {
    const window = this.options.rateWindowMs ?? 10_000;
    const since = this.now - window;
    for (const s of this.strategies.values()) {
      const first = s.orderTimes.findIndex((t) => t >= since);
      s.orderTimes.splice(0, first === -1 ? s.orderTimes.length : first);
      s.ordersPerSecond = s.orderTimes.length / (window / 1000);
    }
  }

  alerts(): Alert[] {
    const limits = this.options.limits ?? {};
    const near = this.options.nearFraction ?? 0.8;
    const out: Alert[] = [];
    const check = (subject: string, name: string, value: number, limit: number | undefined, what: string) => {
      if (limit === undefined || !(limit > 0)) return;
      const share = value / limit;
      if (share >= 1)
        out.push({
          level: "breach",
          subject,
          limit: name,
          message: `${subject} ${what} ${value} is at or over its limit ${limit}`,
        });
      else if (share >= near)
        out.push({
          level: "near",
          subject,
          limit: name,
          message: `${subject} ${what} ${value} is ${Math.round(share * 100)}% of its limit ${limit}`,
        });
    };
    const lim = (x: string | undefined) => (x === undefined ? undefined : Number(x));
    for (const r of this.risk.values()) {
      const subject = `account:${r.account || "global"}`;
      if (r.tradingState === "halted" || r.tradingState === "reducing-only") {
        out.push({
          level: "breach",
          subject,
          limit: "tradingState",
          message: `${subject} is ${r.tradingState}${r.reason === "" ? "" : `: ${r.reason}`}`,
        });
      }
      check(
        subject,
        "maxGrossExposure",
        Number(r.grossExposure),
        lim(limits.maxGrossExposure),
        "gross exposure",
      );
      check(
        subject,
        "maxNetExposure",
        Math.abs(Number(r.netExposure)),
        lim(limits.maxNetExposure),
        "|net exposure|",
      );
      check(subject, "maxDailyLoss", -Number(r.dailyPnl), lim(limits.maxDailyLoss), "daily loss");
    }
    for (const s of this.strategies.values()) {
      const subject = `strategy:${s.strategy}`;
      check(subject, "maxDrawdown", Number(s.drawdown), lim(limits.maxDrawdown), "drawdown");
      check(subject, "maxOrdersPerSecond", s.ordersPerSecond, limits.maxOrdersPerSecond, "orders/s");
    }
    return out;
  }

  snapshot(): MonitorSnapshot {
    const strip = ({
      peak: _p,
      orderTimes: _o,
      ...s
    }: StrategyLive & { peak: bigint; orderTimes: number[] }): StrategyLive => ({
      ...s,
      history: [...s.history],
    });
    return {
      updatedMs: this.updatedMs,
      records: this.records,
      strategies: [...this.strategies.values()]
        .map(strip)
        .sort((a, b) => a.strategy.localeCompare(b.strategy)),
      positions: [...this.positions.values()].sort((a, b) =>
        `${a.strategy}${a.instrument}`.localeCompare(`${b.strategy}${b.instrument}`),
      ),
      risk: [...this.risk.values()].sort((a, b) => a.account.localeCompare(b.account)),
      alerts: this.alerts(),
      nearFraction: this.options.nearFraction ?? 0.8,
    };
  }
}
