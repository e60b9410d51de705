import { isClosedByUser, isNetworkFailure, isPermanent } from "./errors.js";
import type { CcxtOrder, CcxtTrade } from "./exchange.js";
import type { CcxtSession } from "./session.js";
import { type Runnable, StreamLoop } from "./stream-loop.js";
import type { SubscriptionAcks } from "./taps.js";

/** What the order stream hands over. */
export interface OrderStreamHandlers {
  onOrder(order: CcxtOrder): void;
  onTrade(trade: CcxtTrade): void;
  /** Settles tracked orders against REST (what happened while the stream was down). */
  reconcile(): Promise<void>;
}

/**
 * The venue's private order and fill stream: ccxt's `watchOrders` and `watchMyTrades` over websocket, or,
 * without them, a REST poll that reconciles open orders every `pollIntervalMs`. It is live once the venue
 * acknowledged the subscriptions; after a reconnect (a further acknowledgement) it reconciles, because
 * events sent while it was down are gone.
 */
export class OrderStream {
  private readonly loops: Runnable[] = [];
  private live = false;

  constructor(
    private readonly session: CcxtSession,
    private readonly acks: SubscriptionAcks | undefined,
    private readonly expectedAcks: number,
    private readonly handlers: OrderStreamHandlers,
  ) {}

  /** True while events arrive on a live stream (a canceled order is then reported by it). */
  get isLive(): boolean {
    return this.live;
  }

  async start(): Promise<void> {
    const s = this.session;
    const h = this.handlers;
    if (s.transports.orders === "ws") {
      const ready = this.waitForAcks(this.expectedAcks);
      this.startLoop(
        "orders",
        () => s.exchange.watchOrders(),
        (orders) => {
          for (const o of orders) h.onOrder(o);
        },
      );
      this.startLoop(
        "myTrades",
        () => s.exchange.watchMyTrades(),
        (trades) => {
          for (const t of trades) h.onTrade(t);
        },
      );
      await ready;
      this.live = true;
    } else if (s.transports.orders === "rest") {
      this.startLoop(
        "order poll",
        () => this.pollPause(),
        () => h.reconcile(),
      );
    }
  }

  async stop(): Promise<void> {
    this.live = false;
    await this.session.stopAll(this.loops);
    this.loops.length = 0;
  }

  /** `count` acknowledgements so far; more than on connect means a reconnect. */
  onAck(count: number): void {
    if (count <= this.expectedAcks) return;
    this.live = true;
    void this.handlers.reconcile();
  }

  private startLoop<T>(
    name: string,
    next: () => Promise<T>,
    onData: (value: T) => void | Promise<void>,
  ): void {
    const s = this.session;
    const loop = new StreamLoop<T>({
      name,
      clock: s.context.clock,
      backoff: s.config.reconnect,
      next,
      onData,
      isConnected: () => s.websocketsOpen(),
      onHealth: (healthy) => {
        s.healthHook(name)(healthy);
        if (!healthy) this.live = false;
        // Without known acknowledgements, recovery is the only sign the stream is back.
        else if (this.acks?.known !== true) {
          this.live = true;
          void this.handlers.reconcile();
        }
      },
      onFailure: (error, consecutive) => {
        if (isClosedByUser(error)) return "stop";
        if (isNetworkFailure(error)) return "backoff";
        if (isPermanent(error)) {
          s.fatal(name, s.mapError(error, "stream"));
          return "stop";
        }
        s.malformed(name, undefined, error);
        return consecutive <= 3 ? "retry" : "backoff";
      },
    });
    this.loops.push(loop);
    loop.start();
  }

  private pollPause(): Promise<void> {
    return new Promise((resolve) =>
      this.session.context.clock.setTimer(this.session.config.pollIntervalMs, resolve),
    );
  }

  private waitForAcks(expected: number): Promise<void> {
    const s = this.session;
    const acks = this.acks;
    if (acks === undefined || expected === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let seen = 0;
      const cancel = s.context.clock.setTimer(s.config.privateStreamTimeoutMs, () => {
        s.logger.warn({ expected, seen }, "ccxt adapter: private stream not confirmed in time; going on");
        resolve();
      });
      const wait = (): void => {
        void acks.next("private").then(() => {
          seen++;
          if (seen >= expected) {
            cancel();
            resolve();
          } else wait();
        });
      };
      wait();
    });
  }
}
