import { formatInstrumentId } from "@openfloor/core";
import type { BacktestResult } from "../backtest/run-backtest.js";
import { count } from "./progress-bar.js";

/** A readable summary of a backtest: data span, throughput, orders, fills, PnL, fees, drawdown, positions. */
export function formatSummary(result: BacktestResult, title: string, data: string): string {
  const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString().replace(".000Z", "Z");
  const byStatus = new Map<string, number>();
  for (const o of result.orders) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
  const statuses = [...byStatus].map(([s, n]) => `${s} ${count(n)}`).join(", ");
  const maker = result.fills.filter((f) => f.liquidity === "maker").length;
  const pnl = result.pnl;
  const lines = [
    `Backtest of ${title}`,
    row("data", `${data}, ${iso(result.fromNs)} → ${iso(result.toNs)}`),
    row(
      "events",
      `${count(result.events)} in ${(result.wallTimeMs / 1000).toFixed(2)} s (${count(result.eventsPerSecond)} events/s)`,
    ),
    row("orders", `${count(result.orders.length)}${statuses === "" ? "" : ` (${statuses})`}`),
    row(
      "fills",
      `${count(result.fills.length)} (maker ${count(maker)}, taker ${count(result.fills.length - maker)})`,
    ),
    row(`PnL ${pnl.currency}`, `net ${pnl.net}  (realized ${pnl.realized}, unrealized ${pnl.unrealized})`),
    row("fees", `${pnl.fees} ${pnl.currency}`),
    row("max drawdown", `${result.maxDrawdown} ${pnl.currency}`),
  ];
  for (const other of result.pnlByCurrency.slice(1)) {
    lines.push(row(`PnL ${other.currency}`, `net ${other.net}  (fees ${other.fees})`));
  }
  for (const p of result.positions) {
    if (p.quantity.isZero()) continue;
    lines.push(
      row(
        "position",
        `${formatInstrumentId(p.instrument)} ${p.quantity} @ ${p.averageEntryPrice ?? "?"} (mark ${p.markPrice ?? "?"})`,
      ),
    );
  }
  if (result.openOrders > 0) lines.push(row("open orders", `${result.openOrders} left open`));
  if (result.strategyErrorCount > 0) {
    const first = result.strategyErrors[0];
    lines.push(
      row(
        "errors",
        `${count(result.strategyErrorCount)} in strategy callbacks; first: ${first instanceof Error ? first.message : String(first)}`,
      ),
    );
  }
  if (result.skipped.unknownInstrument > 0) {
    lines.push(
      row("skipped", `${count(result.skipped.unknownInstrument)} events of instruments not in the backtest`),
    );
  }
  if (result.skipped.outOfOrder > 0)
    lines.push(row("late", `${count(result.skipped.outOfOrder)} events out of time order`));
  return `${lines.join("\n")}\n`;
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(13)} ${value}`;
}
