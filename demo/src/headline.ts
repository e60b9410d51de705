import type { StrategyMetrics } from "@openfloor/analytics";

/** The report's headline numbers as an aligned two-column table for the terminal. */
export function headline(m: StrategyMetrics): string {
  const pct = (x: number | null): string => (x === null ? "n/a" : `${(x * 100).toFixed(2)} %`);
  const num = (x: number | null, digits = 2): string => (x === null ? "n/a" : x.toFixed(digits));
  const ms = (x: number | null | undefined): string =>
    x === null || x === undefined ? "n/a" : `${x.toFixed(2)} ms`;
  const rows: [string, string][] = [
    ["net PnL", m.pnl.net],
    ["gross PnL", m.pnl.gross],
    ["fees", m.pnl.fees],
    ["max drawdown", `${m.returns.maxDrawdownAmount} (${pct(m.returns.maxDrawdown)})`],
    ["orders", String(m.execution.orders)],
    ["fills", String(m.activity.fills)],
    ["fill ratio", pct(m.execution.fillRatio)],
    ["traded notional", m.activity.tradedNotional],
    ["order → ack p50 / p99", `${ms(m.execution.orderToAck.p50Ms)} / ${ms(m.execution.orderToAck.p99Ms)}`],
    ["round trips (win rate)", `${m.trades.roundTrips} (${pct(m.trades.winRate)})`],
    ...m.execution.markouts
      .filter((k) => k.horizonMs > 0)
      .map((k): [string, string] => [
        `markout ${k.horizonMs / 1000} s`,
        k.bps === null ? "n/a" : `${num(k.bps)} bps`,
      ]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  if (m.warnings.length > 0) lines.push("", ...m.warnings.map((w) => `  note: ${w}`));
  return lines.join("\n");
}
