import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { AnalyticsError, invalidArgument } from "../errors.js";
import { computeMetrics } from "../metrics/compute-metrics.js";
import type { MetricsOptions } from "../metrics/options.js";
import type { StrategyMetrics } from "../metrics/types.js";
import { renderHtml } from "./render-html.js";

/**
 * Options of `buildReport`: the metrics options plus where to write.
 * @example { lake: "./lake", strategy: "mm", from: "2024-01-01", to: "2024-02-01", out: "report.html" }
 */
export interface ReportOptions extends MetricsOptions {
  /** Path of the HTML report; the same numbers go next to it as JSON (`report.html` → `report.json`). */
  readonly out: string;
  /** Page title. Default "openfloor report: <strategy>". */
  readonly title?: string;
}

/** The report as written. */
export interface ReportResult {
  readonly html: string;
  readonly json: string;
  readonly metrics: StrategyMetrics;
}

/** The JSON file next to the report: the metrics plus what wrote them. */
export interface ReportDocument {
  readonly kind: "openfloor.analytics.report";
  readonly version: 1;
  readonly generatedAt: string;
  /** Always true in a written report: an incomplete report is never written. */
  readonly complete: true;
  readonly metrics: StrategyMetrics;
}

export function jsonPathOf(out: string): string {
  return /\.html?$/i.test(out) ? out.replace(/\.html?$/i, ".json") : `${out}.json`;
}

/**
 * Computes the metrics and writes a self-contained HTML report (inline SVG charts, no network needed)
 * and the same numbers as JSON. Both files appear together or not at all: they are written under
 * temporary names and renamed only once everything succeeded, so a failure (missing lake, corrupt
 * Parquet, empty period, no fills) leaves no partial report behind and throws a typed `AnalyticsError`.
 * @example await buildReport({ lake: "./lake", strategy: "mm", from: "2024-01-01", to: "2024-02-01", out: "report.html" })
 */
export async function buildReport(options: ReportOptions): Promise<ReportResult> {
  if (typeof options.out !== "string" || options.out === "")
    throw invalidArgument("out", "is required (a path ending in .html)");
  const html = resolve(options.out);
  const json = jsonPathOf(html);
  const metrics = await computeMetrics(options);
  const doc: ReportDocument = {
    kind: "openfloor.analytics.report",
    version: 1,
    generatedAt: new Date().toISOString(),
    complete: true,
    metrics,
  };
  const jsonText = `${JSON.stringify(doc, null, 2)}\n`;
  const page = renderHtml(metrics, jsonText, options.title ?? `openfloor report: ${metrics.strategy}`);
  const suffix = `.tmp-${process.pid}`;
  try {
    await mkdir(dirname(html), { recursive: true });
    await writeFile(html + suffix, page);
    await writeFile(json + suffix, jsonText);
    await rename(json + suffix, json);
    await rename(html + suffix, html);
  } catch (e) {
    await rm(html + suffix, { force: true });
    await rm(json + suffix, { force: true });
    throw new AnalyticsError("WRITE_FAILED", `cannot write the report to ${html}: ${(e as Error).message}`, {
      cause: e,
      context: { file: html },
    });
  }
  return { html, json, metrics };
}
