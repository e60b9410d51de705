import { Observable, type Subscriber, type Subscription } from "rxjs";

/**
 * `source.pipe(takeUntil(stopped), share())` in one hop, for the market-data streams every event of a
 * backtest goes through: one upstream subscription while anyone listens (dropped when the last one
 * leaves, as `share()` does), each event handed straight to the subscribers, and every subscriber
 * completed when `stopped` emits. Subscribing after the stop completes at once.
 */
export function sharedUntil<T>(source: Observable<T>, stopped: Observable<void>): Observable<T> {
  // Replaced, never mutated, so a subscriber leaving during a delivery does not disturb it.
  let subscribers: readonly Subscriber<T>[] = [];
  let upstream: Subscription | undefined;
  let ended = false;

  const reset = (): readonly Subscriber<T>[] => {
    const all = subscribers;
    subscribers = [];
    const u = upstream;
    upstream = undefined;
    u?.unsubscribe();
    return all;
  };
  const stopSubscription = stopped.subscribe(() => {
    ended = true;
    for (const s of reset()) s.complete();
    stopSubscription?.unsubscribe();
  });

  return new Observable<T>((subscriber) => {
    if (ended) {
      subscriber.complete();
      return;
    }
    subscribers = [...subscribers, subscriber];
    if (upstream === undefined) {
      upstream = source.subscribe({
        next: (value) => {
          const list = subscribers;
          for (let i = 0; i < list.length; i++) list[i]!.next(value);
        },
        error: (error: unknown) => {
          for (const s of reset()) s.error(error);
        },
        complete: () => {
          for (const s of reset()) s.complete();
        },
      });
    }
    return () => {
      subscribers = subscribers.filter((s) => s !== subscriber);
      if (subscribers.length === 0) reset();
    };
  });
}
