import { groupDigits } from "../report/render-html.js";
import type { MonitorSnapshot } from "./monitor-state.js";

const ESC = "\x1b[";
const paint = (on: boolean, code: string, text: string) => (on ? `${ESC}${code}m${text}${ESC}0m` : text);

/** Moves the cursor home and clears the screen: the whole dashboard is redrawn each time. */
export const CLEAR = `${ESC}H${ESC}2J`;

const SPARK = "▁▂▃▄▅▆▇█";
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const visibleLength = (text: string): number => text.replace(ANSI, "").length;

function sparkline(values: readonly number[], width = 24): string {
  const v = values.slice(-width);
  if (v.length < 2) return "";
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return v
    .map((x) => SPARK[hi === lo ? 3 : Math.round(((x - lo) / (hi - lo)) * (SPARK.length - 1))])
    .join("");
}

function pad(text: string, width: number, right = false): string {
  const fill = " ".repeat(Math.max(0, width - visibleLength(text)));
  return right ? fill + text : text + fill;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], color: boolean): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i]!))));
  const line = (cells: readonly string[]) => cells.map((c, i) => pad(c, widths[i]!, i > 0)).join("  ");
  return [paint(color, "1", line(head)), ...rows.map(line)];
}

/** The dashboard as text: plain lines with ANSI colour when `color` is on. */
export function renderTerminal(
  s: MonitorSnapshot,
  options: { readonly color: boolean; readonly url?: string; readonly error?: string },
): string {
  const c = options.color;
  const signed = (x: string) => paint(c, x.startsWith("-") ? "31" : x === "0" ? "0" : "32", groupDigits(x));
  const lines: string[] = [];
  lines.push(
    `${paint(c, "1", "openfloor monitor")}  ${new Date(s.updatedMs || Date.now()).toISOString()}  ${s.records} records${options.url === undefined ? "" : `  web: ${options.url}`}`,
  );
  if (options.error !== undefined) lines.push(paint(c, "31", `source error: ${options.error}`));
  lines.push("");
  if (s.alerts.length === 0) lines.push(paint(c, "32", "no alerts"));
  for (const a of s.alerts)
    lines.push(
      `${paint(c, a.level === "breach" ? "41;97" : "43;30", ` ${a.level.toUpperCase()} `)} ${a.message}`,
    );
  lines.push("");
  lines.push(
    ...table(
      [
        "strategy",
        "PnL",
        "realized",
        "unrealized",
        "drawdown",
        "exposure",
        "fees",
        "orders/s",
        "orders",
        "fills",
        "trend",
      ],
      s.strategies.map((x) => [
        x.strategy,
        signed(x.totalPnl),
        signed(x.realizedPnl),
        signed(x.unrealizedPnl),
        groupDigits(x.drawdown),
        groupDigits(x.grossExposure),
        groupDigits(x.fees),
        x.ordersPerSecond.toFixed(1),
        String(x.orders),
        String(x.fills),
        sparkline(x.history.map((h) => h[1])),
      ]),
      c,
    ),
  );
  if (s.strategies.length === 0) lines.push("(no performance records yet)");
  lines.push("");
  lines.push(
    ...table(
      ["account", "state", "gross exposure", "net exposure", "daily PnL", "reason"],
      s.risk.map((r) => [
        r.account || "(global)",
        r.tradingState,
        groupDigits(r.grossExposure),
        groupDigits(r.netExposure),
        signed(r.dailyPnl),
        r.reason,
      ]),
      c,
    ),
  );
  lines.push("");
  lines.push(
    ...table(
      ["strategy", "account", "instrument", "position", "mark", "unrealized"],
      s.positions.map((p) => [
        p.strategy,
        p.account,
        p.instrument,
        groupDigits(p.quantity),
        groupDigits(p.mark),
        signed(p.unrealizedPnl),
      ]),
      c,
    ),
  );
  return `${lines.join("\n")}\n`;
}
