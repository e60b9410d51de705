import type { StrategyMetrics } from "../metrics/types.js";
import { barChart, escapeXml as esc, lineChart } from "./svg-charts.js";

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#4b5563"];

/** Groups the integer digits of an exact decimal text: "-12345.678" → "-12,345.678". */
export function groupDigits(text: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (m === null) return text;
  return `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${m[3] ?? ""}`;
}

const money = (t: string | null | undefined): string =>
  t === null || t === undefined ? "–" : groupDigits(t);
const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? "–" : `${(x * 100).toFixed(2)}%`;
const fixed = (x: number | null | undefined, d = 2): string =>
  x === null || x === undefined ? "–" : x.toFixed(d);
const ms = (x: number | null | undefined): string => {
  if (x === null || x === undefined) return "–";
  if (x >= 60_000) return `${(x / 60_000).toFixed(1)} min`;
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`;
  return `${x.toFixed(x < 10 ? 2 : 1)} ms`;
};
const duration = (x: number | null | undefined): string => {
  if (x === null || x === undefined) return "–";
  const h = x / 3_600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)} d` : h >= 1 ? `${h.toFixed(1)} h` : ms(x);
};
const date = (msValue: number): string => new Date(msValue).toISOString().slice(0, 10);
const dateTime = (msValue: number): string => new Date(msValue).toISOString().slice(0, 16).replace("T", " ");
const compact = (y: number): string => {
  const a = Math.abs(y);
  if (a >= 1e9) return `${(y / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(y / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(y / 1e3).toFixed(1)}k`;
  return Number(y.toPrecision(4)).toString();
};

function row(label: string, value: string, hint = ""): string {
  return `<tr><th>${esc(label)}</th><td>${esc(value)}</td><td class="hint">${esc(hint)}</td></tr>`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table class="grid"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** The charts of a report, in page order. */
export function renderCharts(m: StrategyMetrics): string[] {
  const dayOrTime = m.settings.periodMs >= 86_400_000 ? date : dateTime;
  const charts = [
    lineChart({
      id: "equity",
      title: `Equity (capital ${money(m.settings.capital)} + net PnL)`,
      series: [
        { name: "equity", points: m.equity.map((e) => [e.at.ms, Number(e.equity)]), color: COLORS[0]! },
      ],
      xFormat: dayOrTime,
      yFormat: compact,
      includeZero: false,
    }),
    lineChart({
      id: "drawdown",
      title: "Drawdown from the running peak (%)",
      series: [
        { name: "drawdown", points: m.equity.map((e) => [e.at.ms, e.drawdown * 100]), color: COLORS[1]! },
      ],
      xFormat: dayOrTime,
      yFormat: (y) => `${Number(y.toPrecision(3))}%`,
      area: true,
    }),
    barChart({
      id: "pnl-by-instrument",
      title: "PnL by instrument (gross, net of fees)",
      bars: m.byInstrument.map((b) => ({
        label: b.instrument,
        values: [Number(b.pnlGross), Number(b.pnlNet)],
      })),
      seriesNames: ["gross", "net"],
      colors: [COLORS[0]!, COLORS[2]!],
      yFormat: compact,
    }),
    barChart({
      id: "pnl-by-period",
      title: "Net PnL per period",
      bars: periodTotals(m).map((p) => ({ label: dayOrTime(p.ms), values: [p.net] })),
      seriesNames: ["net PnL"],
      colors: [COLORS[2]!],
      yFormat: compact,
    }),
    barChart({
      id: "latency",
      title: "Latency from order to acknowledgement and to first fill (orders per bin, ms)",
      bars: m.execution.latencyHistogram.map((h) => ({ label: compact(h.fromMs), values: [h.ack, h.fill] })),
      seriesNames: ["order → ack", "order → fill"],
      colors: [COLORS[3]!, COLORS[4]!],
      yFormat: compact,
    }),
    lineChart({
      id: "markouts",
      title: "Markout after the fill (bps, positive = price moved our way)",
      series: [
        {
          name: "markout",
          points: m.execution.markouts.filter((x) => x.bps !== null).map((x) => [x.horizonMs / 1000, x.bps!]),
          color: COLORS[5]!,
        },
      ],
      xFormat: (x) => `${Number(x.toPrecision(3))} s`,
      yFormat: (y) => `${Number(y.toPrecision(3))}`,
      dots: true,
    }),
  ];
  m.internals.forEach((s, i) => {
    charts.push(
      lineChart({
        id: `internal-${i}`,
        title: `Internal: ${s.name} (${s.count} values recorded)`,
        series: [
          {
            name: s.name,
            points: s.points.map((p) => [p.ms, p.value]),
            color: COLORS[(i + 6) % COLORS.length]!,
          },
        ],
        xFormat: dayOrTime,
        yFormat: (y) => `${Number(y.toPrecision(4))}`,
        includeZero: false,
      }),
    );
  });
  return charts;
}

function periodTotals(m: StrategyMetrics): { ms: number; net: number }[] {
  const by = new Map<number, number>();
  for (const p of m.periods) by.set(p.start.ms, (by.get(p.start.ms) ?? 0) + Number(p.pnlNet));
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([k, net]) => ({ ms: k, net }));
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:#4b5563;margin:0 0 16px}
.warn{background:#fef3c7;border:1px solid #f59e0b;border-radius:6px;padding:8px 12px;margin:12px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:10px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 12px}
.card b{display:block;font-size:18px}.card span{color:#6b7280;font-size:12px}
table{border-collapse:collapse;background:#fff;width:100%}
table.kv th{text-align:left;font-weight:500;width:34%}table.kv td.hint{color:#6b7280;font-size:12px}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:right}table.kv th,table.kv td{text-align:left}
table.grid th{background:#f3f4f6}
.chart{background:#fff;border:1px solid #e5e7eb;border-radius:8px;margin:8px 0}
.chart .title{font-weight:600;font-size:13px;fill:#111827}.chart .tick,.chart .legend{font-size:11px;fill:#4b5563}
.chart .grid{stroke:#e5e7eb}.chart .zero{stroke:#9ca3af}.chart .line{stroke-width:1.8}.chart .none{fill:#9ca3af}
footer{color:#6b7280;font-size:12px;margin-top:32px}
`;

// Runs when the page is opened: counts the charts that drew marks, so a headless browser (or a person
// with the console) can check the report rendered; the charts themselves need no script.
const CHECK = `
(function(){var c=document.querySelectorAll('svg.chart'),n=0;
for(var i=0;i<c.length;i++){var ok=false,p=c[i].querySelectorAll('path,circle');
for(var j=0;j<p.length;j++){var d=p[j].getAttribute('d');if(p[j].tagName==='circle'||(d&&d.length>2)){ok=true;break;}}
if(ok){n++;c[i].setAttribute('data-rendered','true');}}
document.body.setAttribute('data-charts',String(c.length));document.body.setAttribute('data-charts-rendered',String(n));})();
`;

/** The whole report as one self-contained HTML page (inline CSS, inline SVG, the numbers as JSON). */
export function renderHtml(m: StrategyMetrics, json: string, title: string): string {
  const r = m.returns;
  const e = m.execution;
  const t = m.trades;
  const a = m.activity;
  const markouts = e.markouts.map((x) => `${x.horizonMs / 1000} s ${fixed(x.bps)} bps`).join(", ");
  const cards = [
    ["Net PnL", money(m.pnl.net)],
    ["Gross PnL", money(m.pnl.gross)],
    ["Fees", money(m.pnl.fees)],
    ["Return", pct(r.totalReturn)],
    ["Sharpe", fixed(r.sharpe)],
    ["Max drawdown", pct(r.maxDrawdown)],
    ["Win rate", pct(t.winRate)],
    ["Fills", String(a.fills)],
  ];
  const headline = [
    row("Net PnL", money(m.pnl.net), "gross − fees"),
    row("Gross PnL", money(m.pnl.gross), "realized + change of unrealized"),
    row(
      "Realized PnL (gross / net)",
      `${money(m.pnl.realizedGross)} / ${money(m.pnl.realizedNet)}`,
      "FIFO lots closed in the period",
    ),
    row("Unrealized PnL at the end", money(m.pnl.unrealizedGross), "open lots at the last mark"),
    row("Fees", money(m.pnl.fees)),
    row(
      "Total return",
      pct(r.totalReturn),
      `on capital ${money(m.settings.capital)} (${m.settings.capitalSource})`,
    ),
    row("Annualized return (CAGR)", pct(r.annualizedReturn), `${m.settings.periodsPerYear} periods a year`),
    row("Annualized volatility", pct(r.annualizedVolatility)),
    row("Sharpe", fixed(r.sharpe), `risk-free ${pct(m.settings.riskFreeRate)} a year`),
    row("Sortino", fixed(r.sortino)),
    row("Calmar", fixed(r.calmar)),
    row(
      "Max drawdown",
      `${pct(r.maxDrawdown)} (${money(r.maxDrawdownAmount)})`,
      `lasted ${r.maxDrawdownPeriods} periods (${duration(r.maxDrawdownMs)})${r.drawdownRecovered ? "" : ", not recovered"}`,
    ),
    row("Round trips (won / lost)", `${t.roundTrips} (${t.wins} / ${t.losses})`, "flat → position → flat"),
    row("Win rate", pct(t.winRate)),
    row("Profit factor", fixed(t.profitFactor), "Σ wins / |Σ losses|"),
    row("Average win / loss", `${money(t.averageWin)} / ${money(t.averageLoss)}`),
    row("Expectancy", money(t.expectancy), "mean net PnL per round trip"),
    row("Average holding time", duration(t.averageHoldingMs)),
    row("Traded notional", money(a.tradedNotional)),
    row("Turnover", fixed(a.turnover), "traded notional / capital"),
    row(
      "Gross exposure (average / max)",
      `${money(a.averageGrossExposure)} / ${money(a.maxGrossExposure)}`,
      "at period ends",
    ),
    row("Time in market", pct(a.timeInMarket), "period ends with a position"),
    row("Orders (with fills)", `${e.orders} (${e.ordersWithFills})`),
    row("Fill ratio", pct(e.fillRatio), "mean filled / ordered quantity per order"),
    row(
      "Slippage vs arrival mid",
      `${fixed(e.slippageVsArrival.bps)} bps (${money(e.slippageVsArrival.cost)})`,
      `${e.slippageVsArrival.fills} fills; positive = cost`,
    ),
    row(
      "Slippage vs decision price",
      `${fixed(e.slippageVsDecision.bps)} bps (${money(e.slippageVsDecision.cost)})`,
      `${e.slippageVsDecision.fills} fills with a "${m.settings.decisionPriceName}" record`,
    ),
    row(
      "Order → ack (p50 / p90 / p99)",
      `${ms(e.orderToAck.p50Ms)} / ${ms(e.orderToAck.p90Ms)} / ${ms(e.orderToAck.p99Ms)}`,
      `${e.orderToAck.count} orders`,
    ),
    row(
      "Order → first fill (p50 / p90 / p99)",
      `${ms(e.orderToFill.p50Ms)} / ${ms(e.orderToFill.p90Ms)} / ${ms(e.orderToFill.p99Ms)}`,
      `${e.orderToFill.count} orders`,
    ),
    row("Markouts", markouts || "–", "mid after the fill vs fill price, signed by side"),
  ].join("");
  const instruments = table(
    [
      "instrument",
      "net PnL",
      "gross PnL",
      "realized",
      "unrealized",
      "fees",
      "notional",
      "fills",
      "position",
      "fill ratio",
    ],
    m.byInstrument.map((b) => [
      b.instrument,
      money(b.pnlNet),
      money(b.pnlGross),
      money(b.realizedGross),
      money(b.unrealizedGross),
      money(b.fees),
      money(b.tradedNotional),
      String(b.fills),
      money(b.position),
      pct(b.fillRatio),
    ]),
  );
  const maxRows = 400;
  const periods = table(
    [
      "period",
      "instrument",
      "position",
      "mark",
      "realized",
      "unrealized",
      "fees",
      "net PnL",
      "notional",
      "fills",
    ],
    m.periods
      .slice(0, maxRows)
      .map((p) => [
        dateTime(p.start.ms),
        p.instrument,
        money(p.position),
        `${money(p.mark)}${p.markSource === "fill" ? " (fill)" : ""}`,
        money(p.realizedGross),
        money(p.unrealizedGross),
        money(p.fees),
        money(p.pnlNet),
        money(p.tradedNotional),
        String(p.fills),
      ]),
  );
  const internals =
    m.internals.length === 0
      ? "<p>No numeric internals were recorded in the period.</p>"
      : table(
          ["internal", "values", "at fills", "mean at buys", "mean at sells"],
          m.internals.map((s) => [
            s.name,
            String(s.count),
            String(s.atFills.count),
            fixed(s.atFills.meanAtBuys, 4),
            fixed(s.atFills.meanAtSells, 4),
          ]),
        );
  const charts = renderCharts(m);
  const warnings = m.warnings.map((w) => `<div class="warn">⚠ ${esc(w)}</div>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body data-report="openfloor" data-strategy="${esc(m.strategy)}">
<main>
<h1>${esc(title)}</h1>
<p class="sub">Strategy <b>${esc(m.strategy)}</b> · ${esc(m.from.iso)} to ${esc(m.to.iso)} · periods of ${duration(m.settings.periodMs)}</p>
${warnings}
<div class="cards">${cards.map(([k, v]) => `<div class="card"><span>${esc(k!)}</span><b>${esc(v!)}</b></div>`).join("")}</div>
<h2>Headline</h2><table class="kv">${headline}</table>
<h2>Charts</h2>
${charts.join("\n")}
<h2>By instrument</h2>${instruments}
<h2>Strategy internals at fills</h2>${internals}
<h2>Per period and instrument</h2>${periods}${m.periods.length > maxRows ? `<p>${m.periods.length - maxRows} more rows in the JSON.</p>` : ""}
<footer>Money is exact (decimal); ratios are floats. Formulas: @openfloor/analytics README. Generated ${esc(new Date().toISOString())}.</footer>
</main>
<script type="application/json" id="report-data">${json.replace(/</g, "\\u003c")}</script>
<script>${CHECK}</script>
</body></html>
`;
}
