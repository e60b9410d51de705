import {
  formatInstrumentId,
  type Logger,
  OpenfloorError,
  type Order,
  type OrderEvent,
  silentLogger,
} from "@openfloor/core";
import type pg from "pg";
import { canonicalJson } from "./canonical-json.js";
import { chainHash, GENESIS_HASH } from "./hash-chain.js";

/** The audit store cannot take a write (database down, or the write timed out). */
export class AuditUnavailableError extends OpenfloorError<"AUDIT_UNAVAILABLE" | "AUDIT_CHAIN_IN_USE"> {}

/** Options of `AuditStore`. */
export interface AuditStoreOptions {
  /** Names this gateway's hash chain; one chain per gateway. */
  gatewayId: string;
  logger?: Logger;
  /** Most records per group commit. Default 512. */
  maxBatch?: number;
  /** How long `recordIntent` waits for its commit before failing. Default 5000 ms. */
  intentTimeoutMs?: number;
  /** Retry delay after a failed commit, doubling up to 8 × this. Default 200 ms. */
  retryDelayMs?: number;
}

type Item =
  | {
      readonly type: "order";
      readonly order: Order;
      readonly event: OrderEvent | { kind: "intent"; tsNs: bigint };
    }
  | {
      readonly type: "risk";
      readonly kind: string;
      readonly strategyId?: string;
      readonly detail: unknown;
      readonly tsNs: bigint;
    };

interface Pending {
  readonly item: Item;
  readonly done?: { resolve: () => void; reject: (e: Error) => void };
}

export interface AuditStats {
  /** Records waiting for a commit. */
  queued: number;
  committed: number;
  batches: number;
  failures: number;
  available: boolean;
}

/**
 * The write-ahead audit trail in Postgres. `recordIntent` resolves once the order intent is durable
 * (committed with synchronous_commit on); `recordEvent` queues venue events. Writes are
 * group-committed: whatever queued while the previous commit ran goes in the next transaction, so
 * throughput grows with load while every write stays durable. Every record also appends to a
 * hash-chained `audit_log`. When Postgres fails, the queue is kept, `isAvailable()` turns false
 * (the OMS then refuses new orders) and commits are retried until the database is back.
 */
export class AuditStore {
  private readonly queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private available = true;
  private seq = 0n;
  private lastHash: Buffer = GENESIS_HASH;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failuresInRow = 0;
  private readonly logger: Logger;
  readonly stats: AuditStats = { queued: 0, committed: 0, batches: 0, failures: 0, available: true };
  private readonly listeners = new Set<(available: boolean) => void>();
  private lockClient: pg.PoolClient | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly options: Required<Omit<AuditStoreOptions, "logger">>,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: "audit" });
  }

  /**
   * Opens the store: takes this gateway id's chain lock (a session advisory lock, so a second gateway
   * with the same id fails here instead of forking the chain) and loads the chain's tail. Run `migrate` first.
   */
  static async open(pool: pg.Pool, options: AuditStoreOptions): Promise<AuditStore> {
    const lockClient = await pool.connect();
    const locked = await lockClient.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext('openfloor.audit'), hashtext($1)) AS ok",
      [options.gatewayId],
    );
    if (locked.rows[0]?.ok !== true) {
      lockClient.release();
      throw new AuditUnavailableError(
        "AUDIT_CHAIN_IN_USE",
        `another gateway is writing the audit chain of gateway id ${JSON.stringify(options.gatewayId)}; give each gateway its own id`,
        { context: { gatewayId: options.gatewayId } },
      );
    }
    const store = new AuditStore(
      pool,
      {
        gatewayId: options.gatewayId,
        maxBatch: options.maxBatch ?? 512,
        intentTimeoutMs: options.intentTimeoutMs ?? 5000,
        retryDelayMs: options.retryDelayMs ?? 200,
      },
      options.logger ?? silentLogger,
    );
    const tail = await pool.query<{ seq: string; hash: Buffer }>(
      "SELECT seq::text AS seq, hash FROM audit_log WHERE gateway_id = $1 ORDER BY audit_log.seq DESC LIMIT 1",
      [options.gatewayId],
    );
    const row = tail.rows[0];
    if (row !== undefined) {
      store.seq = BigInt(row.seq);
      store.lastHash = row.hash;
    }
    store.lockClient = lockClient;
    // A checked-out client's connection error is not the pool's to handle: without this an outage
    // would crash the process. The session (and with it the chain lock) is gone; commits retry.
    lockClient.on("error", (error) => {
      store.logger.warn({ err: error }, "audit chain lock session lost");
      if (store.lockClient === lockClient) {
        store.lockClient = undefined;
        lockClient.release(error);
      }
    });
    return store;
  }

  /** False while commits fail: the OMS refuses new orders (fail closed). */
  isAvailable(): boolean {
    return this.available && !this.closed;
  }

  /** Called with the new availability whenever it changes. */
  onAvailability(listener: (available: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Write-ahead: resolves when the intent is committed; rejects with AUDIT_UNAVAILABLE on timeout. */
  recordIntent(order: Order): Promise<void> {
    if (!this.isAvailable()) return Promise.reject(this.unavailable("audit store is unavailable"));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            this.unavailable(
              `intent of ${order.clientOrderId} not committed within ${this.options.intentTimeoutMs} ms`,
            ),
          ),
        this.options.intentTimeoutMs,
      );
      this.enqueue({
        item: { type: "order", order, event: { kind: "intent", tsNs: order.tsCreatedNs } },
        done: {
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        },
      });
    });
  }

  /** Appends a venue or OMS event of an order (with its fill, if any). Never blocks the caller. */
  recordEvent(order: Order, event: OrderEvent): void {
    this.enqueue({ item: { type: "order", order, event } });
  }

  /** Appends a risk event (denial, kill switch, trading state change). */
  recordRiskEvent(kind: string, detail: unknown, tsNs: bigint, strategyId?: string): void {
    this.enqueue({
      item: { type: "risk", kind, detail, tsNs, ...(strategyId === undefined ? {} : { strategyId }) },
    });
  }

  /** Resolves when everything queued so far is committed (or rejects if the store is closed first). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing !== undefined) {
      if (this.flushing !== undefined) await this.flushing;
      else if (this.retryTimer !== undefined)
        await new Promise((r) => setTimeout(r, this.options.retryDelayMs));
      else this.kick();
    }
  }

  /** Stops retrying, rejects pending writes and releases the chain lock. Call `drain()` first for a clean shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    for (const p of this.queue.splice(0)) p.done?.reject(this.unavailable("audit store closed"));
    this.stats.queued = 0;
    const lock = this.lockClient;
    this.lockClient = undefined;
    if (lock === undefined) return;
    try {
      await lock.query("SELECT pg_advisory_unlock(hashtext('openfloor.audit'), hashtext($1))", [
        this.options.gatewayId,
      ]);
      lock.release();
    } catch (e) {
      // The session is gone (database down): the lock went with it.
      lock.release(e as Error);
    }
  }

  private enqueue(p: Pending): void {
    if (this.closed) {
      p.done?.reject(this.unavailable("audit store closed"));
      return;
    }
    this.queue.push(p);
    this.stats.queued = this.queue.length;
    this.kick();
  }

  private kick(): void {
    if (
      this.flushing !== undefined ||
      this.retryTimer !== undefined ||
      this.queue.length === 0 ||
      this.closed
    )
      return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      this.kick();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue.slice(0, this.options.maxBatch);
    const startSeq = this.seq;
    const startHash = this.lastHash;
    try {
      await this.commit(batch);
    } catch (e) {
      this.seq = startSeq;
      this.lastHash = startHash;
      this.stats.failures++;
      this.failuresInRow++;
      this.setAvailable(false);
      const delay = this.options.retryDelayMs * Math.min(8, 2 ** (this.failuresInRow - 1));
      this.logger.error(
        { err: e, queued: this.queue.length, retryInMs: delay },
        "audit commit failed; orders refused until it succeeds",
      );
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, delay);
      return;
    }
    this.queue.splice(0, batch.length);
    this.stats.queued = this.queue.length;
    this.stats.committed += batch.length;
    this.stats.batches++;
    if (this.failuresInRow > 0)
      this.logger.info({ after: this.failuresInRow }, "audit store is back; resuming");
    this.failuresInRow = 0;
    this.setAvailable(true);
    for (const p of batch) p.done?.resolve();
  }

  private async commit(batch: readonly Pending[]): Promise<void> {
    const orders = new Map<string, Order>();
    const events: unknown[][] = [[], [], [], [], [], [], []];
    const fills: unknown[][] = Array.from({ length: 14 }, () => []);
    const risks: unknown[][] = [[], [], [], [], []];
    const audit: unknown[][] = [[], [], [], [], [], [], []];
    const gw = this.options.gatewayId;
    for (const { item } of batch) {
      let kind: string;
      let payload: string;
      let tsNs: bigint;
      if (item.type === "order") {
        const { order, event } = item;
        orders.set(`${order.strategyId}\u0000${order.clientOrderId}`, order);
        kind = `order.${event.kind}`;
        tsNs = event.tsNs;
        payload = canonicalJson({ event, order: orderSummary(order) });
        const cols = [
          order.strategyId,
          order.clientOrderId,
          event.kind,
          "eventId" in event ? (event.eventId ?? null) : null,
          order.status,
          canonicalJson(event),
          tsNs.toString(),
        ];
        cols.forEach((v, i) => {
          events[i]!.push(v);
        });
        if (event.kind === "filled") {
          const f = event.fill;
          const row = [
            f.instrument.venue,
            f.fillId,
            f.strategyId || order.strategyId,
            f.clientOrderId,
            f.venueOrderId,
            f.account || order.account,
            f.instrument.symbol,
            f.side,
            f.price.toString(),
            f.quantity.toString(),
            f.fee.amount.toString(),
            f.fee.currency,
            f.liquidity,
            f.tsEventNs.toString(),
          ];
          row.forEach((v, i) => {
            fills[i]!.push(v);
          });
        }
      } else {
        kind = `risk.${item.kind}`;
        tsNs = item.tsNs;
        payload = canonicalJson({ detail: item.detail, strategyId: item.strategyId });
        [gw, item.kind, item.strategyId ?? null, canonicalJson(item.detail), tsNs.toString()].forEach(
          (v, i) => {
            risks[i]!.push(v);
          },
        );
      }
      const seq = ++this.seq;
      const hash = chainHash(this.lastHash, seq, kind, payload);
      [gw, seq.toString(), kind, payload, tsNs.toString(), this.lastHash, hash].forEach((v, i) => {
        audit[i]!.push(v);
      });
      this.lastHash = hash;
    }

    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      if (orders.size > 0) await upsertOrders(client, [...orders.values()]);
      if (events[0]!.length > 0) {
        await client.query(
          `INSERT INTO order_events (strategy_id, client_order_id, kind, event_id, status_after, event_json, ts_ns)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::bigint[])`,
          events,
        );
      }
      if (fills[0]!.length > 0) {
        await client.query(
          `INSERT INTO fills (venue, fill_id, strategy_id, client_order_id, venue_order_id, account, symbol, side, price, quantity, fee, fee_currency, liquidity, ts_ns)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                                $9::numeric[], $10::numeric[], $11::numeric[], $12::text[], $13::text[], $14::bigint[])
           ON CONFLICT (venue, fill_id) DO NOTHING`,
          fills,
        );
      }
      if (risks[0]!.length > 0) {
        await client.query(
          `INSERT INTO risk_events (gateway_id, kind, strategy_id, detail, ts_ns)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::bigint[])`,
          risks,
        );
      }
      await client.query(
        `INSERT INTO audit_log (gateway_id, seq, kind, payload, ts_ns, prev_hash, hash)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bytea[], $7::bytea[])`,
        audit,
      );
      await client.query("COMMIT");
      client.release();
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      // Never hand a connection that failed mid-transaction back to the pool.
      client.release(e as Error);
      throw e;
    }
  }

  private setAvailable(available: boolean): void {
    if (this.available === available) return;
    this.available = available;
    this.stats.available = available;
    for (const l of this.listeners) l(available);
  }

  private unavailable(message: string): AuditUnavailableError {
    return new AuditUnavailableError("AUDIT_UNAVAILABLE", message, {
      context: { gatewayId: this.options.gatewayId },
    });
  }
}

function orderSummary(o: Order): Record<string, unknown> {
  return {
    account: o.account,
    clientOrderId: o.clientOrderId,
    filledQuantity: o.filledQuantity,
    instrument: formatInstrumentId(o.instrument),
    status: o.status,
    strategyId: o.strategyId,
    venueOrderId: o.venueOrderId,
  };
}

/**
 * The latest state of each order. One writer per gateway commits events in the order the OMS applied
 * them, so the last write is the newest state; timestamps are venue times and may go backwards (a fill
 * stamped before the acknowledgement that arrived first), so they must not decide.
 */
async function upsertOrders(client: pg.PoolClient, orders: readonly Order[]): Promise<void> {
  const cols: unknown[][] = Array.from({ length: 23 }, () => []);
  for (const o of orders) {
    [
      o.strategyId,
      o.clientOrderId,
      o.account,
      o.instrument.venue,
      o.instrument.symbol,
      o.side,
      o.type,
      o.timeInForce,
      o.quantity.toString(),
      o.price?.toString() ?? null,
      o.triggerPrice?.toString() ?? null,
      o.postOnly,
      o.reduceOnly,
      o.expireTimeNs?.toString() ?? null,
      o.status,
      o.venueOrderId ?? null,
      o.filledQuantity.toString(),
      o.filledNotional.toString(),
      o.replacesClientOrderId ?? null,
      o.lastReason === undefined ? null : JSON.stringify(o.lastReason),
      canonicalJson(o),
      o.tsCreatedNs.toString(),
      o.tsUpdatedNs.toString(),
    ].forEach((v, i) => {
      cols[i]!.push(v);
    });
  }
  await client.query(
    `INSERT INTO orders (strategy_id, client_order_id, account, venue, symbol, side, order_type, time_in_force, quantity, price,
       trigger_price, post_only, reduce_only, expire_time_ns, status, venue_order_id, filled_quantity, filled_notional,
       replaces_client_order_id, last_reason, order_json, created_ns, updated_ns)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::numeric[], $10::numeric[], $11::numeric[], $12::boolean[], $13::boolean[], $14::bigint[], $15::text[], $16::text[],
       $17::numeric[], $18::numeric[], $19::text[], $20::jsonb[], $21::jsonb[], $22::bigint[], $23::bigint[])
     ON CONFLICT (strategy_id, client_order_id) DO UPDATE SET
       status = EXCLUDED.status, venue_order_id = EXCLUDED.venue_order_id, quantity = EXCLUDED.quantity, price = EXCLUDED.price,
       trigger_price = EXCLUDED.trigger_price, filled_quantity = EXCLUDED.filled_quantity, filled_notional = EXCLUDED.filled_notional,
       last_reason = EXCLUDED.last_reason, order_json = EXCLUDED.order_json, updated_ns = EXCLUDED.updated_ns`,
    cols,
  );
}
