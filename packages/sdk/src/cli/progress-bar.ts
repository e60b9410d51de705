import type { BacktestProgress } from "../backtest/run-backtest.js";

const WIDTH = 30;

/** A one-line progress bar for a terminal: share of the run, events, events/s and simulated time. */
export class ProgressBar {
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream) {}

  update(p: BacktestProgress): void {
    const fraction = p.fraction ?? 0;
    const filled = Math.round(fraction * WIDTH);
    const bar = `${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}`;
    const pct = p.fraction === undefined ? "   ?  " : `${(fraction * 100).toFixed(1).padStart(5)}%`;
    const time = new Date(Number(p.simTimeNs / 1_000_000n)).toISOString().replace(".000Z", "Z");
    const line = `${bar} ${pct}  ${count(p.events)} events  ${rate(p.eventsPerSecond)}/s  ${time}`;
    this.out.write(`\r${line.slice(0, Math.max(20, (this.out.columns ?? 100) - 1))}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the bar so the summary starts on a clean line. */
  done(): void {
    if (this.drawn) this.out.write("\r\x1b[K");
  }
}

export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}
