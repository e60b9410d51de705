import { Decimal, formatInstrumentId } from "@openfloor/core";
import type { Gateway } from "@openfloor/gateway";

/** Counts the demo strategy's orders and fills as the gateway reports them, for the progress line. */
export class DemoTally {
  orders = 0;
  fills = 0;
  rejected = 0;
  private gateway: Gateway | undefined;

  constructor(
    readonly strategyId: string,
    readonly instrument: string,
  ) {}

  attach(gateway: Gateway): void {
    this.gateway = gateway;
    gateway.execution.onUpdate((update) => {
      if (update.strategyId !== this.strategyId) return;
      if (update.kind === "fill") this.fills++;
      else if (update.event.kind === "submitted") this.orders++;
      else if (update.event.kind === "rejected" || update.event.kind === "denied") this.rejected++;
    });
  }

  /** Position and PnL (realized + unrealized, net of fees) from the gateway's portfolio. */
  position(): { quantity: Decimal; pnl: Decimal; currency: string } {
    const snapshot = this.gateway?.portfolios
      .positions(this.strategyId)
      .find((p) => formatInstrumentId(p.instrument) === this.instrument);
    if (snapshot === undefined) return { quantity: Decimal.ZERO, pnl: Decimal.ZERO, currency: "" };
    const currency = snapshot.realizedPnl.currency;
    let pnl = snapshot.realizedPnl.amount.add(snapshot.unrealizedPnl.amount);
    for (const fee of snapshot.fees) if (fee.currency === currency) pnl = pnl.sub(fee.amount);
    return { quantity: snapshot.quantity, pnl, currency };
  }

  /** `  0:42 / 1:00  orders 312  fills 57  position +0.0040 BTC  PnL +12.31 USDT` */
  line(elapsedMs: number, totalMs: number): string {
    const { quantity, pnl, currency } = this.position();
    const base = this.instrument.split("/")[0] ?? "";
    return [
      `${clock(elapsedMs)} / ${clock(totalMs)}`,
      `orders ${this.orders}`,
      `fills ${this.fills}`,
      `position ${signed(quantity.round(4).toString())} ${base}`,
      `PnL ${signed(pnl.round(2).toString())} ${currency}`,
    ].join("  ");
  }
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function signed(text: string): string {
  return text.startsWith("-") ? text : `+${text}`;
}
