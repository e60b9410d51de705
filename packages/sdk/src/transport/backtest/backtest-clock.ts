import { type Nanos, SimulatedClock } from "@openfloor/core";

/**
 * The simulated clock of a backtest. It remembers when its next timer is due, so the replay loop can
 * move time to each event with two comparisons and step through timers one at a time only when one
 * is due (letting the strategy's async work after each timer settle at that timer's time).
 */
export class BacktestClock extends SimulatedClock {
  private due: Nanos | undefined;
  private dueKnown = false;

  override setTimer(delayMs: number, fn: () => void): () => void {
    const cancel = super.setTimer(delayMs, fn);
    this.dueKnown = false;
    return () => {
      cancel();
      this.dueKnown = false;
    };
  }

  /** When the next timer fires, if any (canceled timers skipped). */
  nextDue(): Nanos | undefined {
    if (!this.dueKnown) {
      this.due = super.nextTimerAt();
      this.dueKnown = true;
    }
    return this.due;
  }

  override advanceTo(t: Nanos): void {
    const due = this.nextDue();
    super.advanceTo(t);
    // Timers fired (and may have set new ones): look again next time.
    if (due !== undefined && due <= t) this.dueKnown = false;
  }
}
