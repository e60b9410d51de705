import type { ClientWritableStream, ServiceError } from "@grpc/grpc-js";
import type { Logger, pb } from "@openfloor/core";
import { recordPayloadOf } from "../strategy-records.js";
import type { RecordValue } from "../transport.js";

/** Records held while the gateway is away; older ones are dropped (and counted) past this. */
const MAX_HELD = 100_000;
/** A batch is sent at once when it reaches this many records. */
const BATCH_MAX = 512;

export interface RecordStreamOptions {
  readonly flushMs: number;
  /** Opens a `RecordingService.Record` client stream. */
  readonly open: (
    done: (error: ServiceError | null, response?: pb.RecordResponse) => void,
  ) => ClientWritableStream<pb.RecordRequest>;
  readonly connected: () => boolean;
  readonly logger: Logger;
}

/**
 * The strategy's records on their way to the gateway: batched, sent on one long-lived client stream on
 * a short timer (and at once when a batch is full), held while the gateway is away, flushed on close.
 */
export class RecordStream {
  private held: pb.StrategyRecord[] = [];
  private call: ClientWritableStream<pb.RecordRequest> | undefined;
  private callDone: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Records dropped because the gateway was away too long. */
  dropped = 0;

  constructor(private readonly options: RecordStreamOptions) {}

  push(values: readonly RecordValue[]): void {
    for (const v of values) {
      const p = recordPayloadOf(v.value);
      const value: pb.StrategyRecord["value"] =
        p.kind === "number"
          ? { $case: "number", value: p.value }
          : p.kind === "decimal"
            ? { $case: "decimal", value: p.value.toProto() }
            : { $case: "json", value: p.value };
      this.held.push({ strategyId: "", name: v.name, tsNs: v.tsNs, value });
    }
    if (this.held.length > MAX_HELD) {
      const excess = this.held.length - MAX_HELD;
      this.held.splice(0, excess);
      this.dropped += excess;
    }
    if (this.held.length >= BATCH_MAX) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.flushMs);
  }

  /** Sends what is held, if the gateway is there. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.length === 0 || !this.options.connected()) {
      if (this.held.length > 0) this.timer = setTimeout(() => this.flush(), this.options.flushMs * 4);
      return;
    }
    const call = this.call ?? this.openCall();
    const records = this.held;
    this.held = [];
    for (let i = 0; i < records.length; i += BATCH_MAX)
      call.write({ records: records.slice(i, i + BATCH_MAX) });
  }

  /** Flushes and ends the stream; resolves when the gateway has acknowledged it (at most 2 s). */
  async close(): Promise<void> {
    this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
    const call = this.call;
    const done = this.callDone;
    this.call = undefined;
    if (call === undefined || done === undefined) return;
    call.end();
    let timeout: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done, new Promise<void>((r) => (timeout = setTimeout(r, 2000)))]);
    clearTimeout(timeout);
  }

  private openCall(): ClientWritableStream<pb.RecordRequest> {
    let settle: () => void = () => undefined;
    this.callDone = new Promise<void>((r) => (settle = r));
    const call = this.options.open((error) => {
      if (this.call === call) this.call = undefined;
      if (error !== null) this.options.logger.warn({ err: error }, "record stream ended with an error");
      settle();
    });
    this.call = call;
    return call;
  }
}
