import {
  Observable,
  type Observer,
  type Operator,
  Subscriber,
  type Subscription,
  type TeardownLogic,
} from "rxjs";

/**
 * An Observable whose subscribers' callbacks report what they throw to the strategy's `onError`
 * instead of rxjs's unhandled-error path (which rethrows on a timer and kills the process). The
 * subscription goes on after a throwing `next`. Operators piped onto it keep the guard, so
 * `this.data.quotes(x).pipe(map(f)).subscribe(g)` is guarded too; an error thrown inside an operator
 * still ends that pipe (rxjs semantics) and goes to `onError`.
 */
export class GuardedObservable<T> extends Observable<T> {
  constructor(
    private readonly report: (error: unknown) => void,
    subscribe?: (this: Observable<T>, subscriber: Subscriber<T>) => TeardownLogic,
    /** Told when a subscriber's `next` returns a promise (async work the backtest must let settle). */
    private readonly onAsync: () => void = () => undefined,
  ) {
    super(subscribe);
  }

  /** Wraps an observable so its subscribers are guarded. */
  static from<T>(
    source: Observable<T>,
    report: (error: unknown) => void,
    onAsync?: () => void,
  ): GuardedObservable<T> {
    return new GuardedObservable<T>(report, (subscriber) => source.subscribe(subscriber), onAsync);
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const lifted = new GuardedObservable<R>(this.report, undefined, this.onAsync);
    // rxjs's own Subjects lift the same way: keep the source and operator on the new observable.
    lifted.source = this;
    lifted.operator = operator;
    return lifted;
  }

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void)): Subscription;
  override subscribe(
    next?: ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription;
  override subscribe(
    observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    // Operators subscribe with their own Subscriber: they are internal and must stay as they are.
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext);
    const report = this.report;
    const onAsync = this.onAsync;
    const observer: Partial<Observer<T>> =
      typeof observerOrNext === "function" || observerOrNext === null || observerOrNext === undefined
        ? {
            ...(observerOrNext ? { next: observerOrNext } : {}),
            ...(error ? { error } : {}),
            ...(complete ? { complete } : {}),
          }
        : observerOrNext;
    const next = observer.next;
    const onError = observer.error;
    const onComplete = observer.complete;
    return super.subscribe({
      next:
        next === undefined
          ? () => undefined
          : (value: T) => {
              try {
                // A handler may be async: its rejection is an error of the strategy too.
                const r: unknown = next.call(observer, value);
                if (r instanceof Promise) {
                  onAsync();
                  r.catch(report);
                }
              } catch (e) {
                report(e);
              }
            },
      error: (e: unknown) => {
        if (onError === undefined) {
          report(e);
          return;
        }
        try {
          onError.call(observer, e);
        } catch (again) {
          report(again);
        }
      },
      complete: () => {
        if (onComplete === undefined) return;
        try {
          onComplete.call(observer);
        } catch (e) {
          report(e);
        }
      },
    });
  }
}
