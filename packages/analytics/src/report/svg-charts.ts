// Inline SVG charts rendered to strings: no library, no network, no script needed to show them.

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color: string;
}

export interface LineChartOptions {
  readonly id: string;
  readonly title: string;
  readonly series: readonly Series[];
  readonly xFormat: (x: number) => string;
  readonly yFormat: (y: number) => string;
  /** Fill the area between the line and zero. Default false. */
  readonly area?: boolean;
  /** Draw a dot at every point (few points, e.g. markout horizons). Default false. */
  readonly dots?: boolean;
  /** Keep zero on the y axis. Default true. */
  readonly includeZero?: boolean;
  readonly width?: number;
  readonly height?: number;
}

export interface Bar {
  readonly label: string;
  readonly values: readonly number[];
}

export interface BarChartOptions {
  readonly id: string;
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly seriesNames: readonly string[];
  readonly colors: readonly string[];
  readonly yFormat: (y: number) => string;
  readonly width?: number;
  readonly height?: number;
}

const PAD = { left: 72, right: 16, top: 34, bottom: 40 };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 × 10^n. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0];
  if (min === max) {
    const d = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    min -= d;
    max += d;
  }
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  // Integer multiples of the step, so accumulated float error never prints zero as -2.78e-17.
  const tick = (k: number) => (k === 0 ? 0 : Number((k * step).toPrecision(12)));
  const out: number[] = [];
  let k = Math.floor(min / step);
  if (k * step > min) k--; // min / step can underflow to -0 for a tiny negative min
  for (; k * step <= max + step * 1e-9; k++) out.push(tick(k));
  if (out[out.length - 1]! < max) out.push(tick(k));
  return out;
}

const f2 = (n: number) => (Math.round(n * 100) / 100).toString();

function frame(
  id: string,
  title: string,
  width: number,
  height: number,
  body: string,
  legend: string,
): string {
  return `<svg class="chart" id="${escapeXml(id)}" data-chart="${escapeXml(id)}" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeXml(title)}" xmlns="http://www.w3.org/2000/svg">
<text class="title" x="${PAD.left}" y="20">${escapeXml(title)}</text>${legend}
${body}
</svg>`;
}

function empty(id: string, title: string, width: number, height: number, why: string): string {
  return `<svg class="chart empty" id="${escapeXml(id)}" data-chart="${escapeXml(id)}" data-empty="true" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeXml(title)}" xmlns="http://www.w3.org/2000/svg">
<text class="title" x="${PAD.left}" y="20">${escapeXml(title)}</text>
<text class="none" x="${width / 2}" y="${height / 2}" text-anchor="middle">${escapeXml(why)}</text>
</svg>`;
}

function legendOf(names: readonly string[], colors: readonly string[], width: number): string {
  if (names.length < 2) return "";
  let x = width - PAD.right;
  const items: string[] = [];
  for (let i = names.length - 1; i >= 0; i--) {
    const w = 18 + names[i]!.length * 7;
    x -= w;
    items.push(
      `<rect x="${x}" y="10" width="10" height="10" fill="${colors[i]}"/><text class="legend" x="${x + 14}" y="19">${escapeXml(names[i]!)}</text>`,
    );
  }
  return items.join("");
}

/** A line chart of one or more series over a numeric x axis (times in ms, horizons). */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 900;
  const height = o.height ?? 260;
  const all = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) return empty(o.id, o.title, width, height, "no data in the period");
  let xMin = Math.min(...all.map((p) => p[0]));
  let xMax = Math.max(...all.map((p) => p[0]));
  if (xMin === xMax) {
    xMin -= 1;
    xMax += 1;
  }
  const ys = all.map((p) => p[1]);
  const zeroIn = o.includeZero ?? true;
  const yTicks = niceTicks(
    Math.min(zeroIn ? 0 : Number.POSITIVE_INFINITY, ...ys),
    Math.max(zeroIn ? 0 : Number.NEGATIVE_INFINITY, ...ys),
  );
  const yMin = yTicks[0]!;
  const yMax = yTicks[yTicks.length - 1]!;
  const pw = width - PAD.left - PAD.right;
  const ph = height - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number) => PAD.top + ph - ((y - yMin) / (yMax - yMin || 1)) * ph;
  const grid = yTicks
    .map(
      (t) =>
        `<line class="grid" x1="${PAD.left}" x2="${width - PAD.right}" y1="${f2(sy(t))}" y2="${f2(sy(t))}"/><text class="tick" x="${PAD.left - 6}" y="${f2(sy(t) + 4)}" text-anchor="end">${escapeXml(o.yFormat(t))}</text>`,
    )
    .join("");
  const xTicks = Array.from({ length: 5 }, (_, i) => xMin + ((xMax - xMin) * i) / 4);
  const xAxis = xTicks
    .map(
      (t, i) =>
        `<text class="tick" x="${f2(sx(t))}" y="${height - PAD.bottom + 16}" text-anchor="${i === 0 ? "start" : i === 4 ? "end" : "middle"}">${escapeXml(o.xFormat(t))}</text>`,
    )
    .join("");
  const zero =
    yMin < 0 && yMax > 0
      ? `<line class="zero" x1="${PAD.left}" x2="${width - PAD.right}" y1="${f2(sy(0))}" y2="${f2(sy(0))}"/>`
      : "";
  const lines = o.series
    .map((s) => {
      const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
      if (pts.length === 0) return "";
      const d = pts.map(([x, y], i) => `${i === 0 ? "M" : "L"}${f2(sx(x))},${f2(sy(y))}`).join(" ");
      const areaPath = o.area
        ? `<path class="area" d="${d} L${f2(sx(pts[pts.length - 1]![0]))},${f2(sy(Math.max(yMin, Math.min(0, yMax))))} L${f2(sx(pts[0]![0]))},${f2(sy(Math.max(yMin, Math.min(0, yMax))))} Z" fill="${s.color}" fill-opacity="0.18"/>`
        : "";
      const dots = o.dots
        ? pts
            .map(
              ([x, y]) =>
                `<circle cx="${f2(sx(x))}" cy="${f2(sy(y))}" r="4" fill="${s.color}"><title>${escapeXml(`${s.name} ${o.xFormat(x)}: ${o.yFormat(y)}`)}</title></circle>`,
            )
            .join("")
        : "";
      return `${areaPath}<path class="line" data-series="${escapeXml(s.name)}" d="${d}" stroke="${s.color}" fill="none"/>${dots}`;
    })
    .join("");
  return frame(
    o.id,
    o.title,
    width,
    height,
    `${grid}${zero}${xAxis}${lines}`,
    legendOf(
      o.series.map((s) => s.name),
      o.series.map((s) => s.color),
      width,
    ),
  );
}

/** Vertical bars, one group per label, one bar per series; negative values hang below zero. */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 900;
  const height = o.height ?? 260;
  const values = o.bars.flatMap((b) => b.values).filter(Number.isFinite);
  if (o.bars.length === 0 || values.length === 0)
    return empty(o.id, o.title, width, height, "no data in the period");
  const yTicks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const yMin = yTicks[0]!;
  const yMax = yTicks[yTicks.length - 1]!;
  const pw = width - PAD.left - PAD.right;
  const ph = height - PAD.top - PAD.bottom;
  const sy = (y: number) => PAD.top + ph - ((y - yMin) / (yMax - yMin || 1)) * ph;
  const groupW = pw / o.bars.length;
  const barW = Math.max(1, (groupW * 0.8) / o.seriesNames.length);
  const grid = yTicks
    .map(
      (t) =>
        `<line class="grid" x1="${PAD.left}" x2="${width - PAD.right}" y1="${f2(sy(t))}" y2="${f2(sy(t))}"/><text class="tick" x="${PAD.left - 6}" y="${f2(sy(t) + 4)}" text-anchor="end">${escapeXml(o.yFormat(t))}</text>`,
    )
    .join("");
  const every = Math.max(1, Math.ceil(o.bars.length / 12));
  const bars = o.bars
    .map((b, i) => {
      const x0 = PAD.left + i * groupW + groupW * 0.1;
      const label =
        i % every === 0
          ? `<text class="tick" x="${f2(PAD.left + (i + 0.5) * groupW)}" y="${height - PAD.bottom + 16}" text-anchor="middle">${escapeXml(b.label)}</text>`
          : "";
      const rects = b.values
        .map((v, j) => {
          const y0 = sy(0);
          const y1 = sy(v);
          const x = x0 + j * barW;
          const h = Math.abs(y1 - y0);
          // a path (not a rect) so every drawn mark has a `d` to check
          return `<path class="bar" data-series="${escapeXml(o.seriesNames[j]!)}" d="M${f2(x)},${f2(Math.min(y0, y1))} h${f2(barW * 0.95)} v${f2(Math.max(h, 0.5))} h${f2(-barW * 0.95)} Z" fill="${o.colors[j]}"><title>${escapeXml(`${b.label} ${o.seriesNames[j]}: ${o.yFormat(v)}`)}</title></path>`;
        })
        .join("");
      return `${rects}${label}`;
    })
    .join("");
  const zero = `<line class="zero" x1="${PAD.left}" x2="${width - PAD.right}" y1="${f2(sy(0))}" y2="${f2(sy(0))}"/>`;
  return frame(
    o.id,
    o.title,
    width,
    height,
    `${grid}${bars}${zero}`,
    legendOf(o.seriesNames, o.colors, width),
  );
}
