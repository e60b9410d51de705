import type { ExchangeAdapter, VenueOrderReport } from "@openfloor/adapters";
import {
  applyOrderEvent,
  Decimal,
  type Fill,
  formatInstrumentId,
  isTerminal,
  type Order,
  type OrderEvent,
} from "@openfloor/core";

/** What to do with an open order at the venue that the gateway has no record of. */
export type UnknownOrderPolicy = "adopt" | "flag" | "cancel";

/** Outcome of reconciling one venue after a start or a reconnect. */
export interface ReconciliationReport {
  readonly venue: string;
  /** Orders the gateway had open when it came back. */
  readonly knownOpen: number;
  /** Open orders the venue reports. */
  readonly openAtVenue: number;
  /** Fills the venue had that the gateway had not applied, by client order id. */
  readonly missedFills: readonly { clientOrderId: string; fillId: string; quantity: string }[];
  /** Orders that ended at the venue while the gateway was down (not open there, not fully filled). */
  readonly closedMeanwhile: readonly string[];
  /** Orders the gateway had sent but never saw acknowledged, now acknowledged from the venue's report. */
  readonly acknowledged: readonly string[];
  /** Open venue orders without a gateway record, and what was done with them. */
  readonly unknownOrders: readonly {
    venueOrderId: string;
    clientOrderId?: string;
    action: UnknownOrderPolicy;
  }[];
  /** Fills for orders the gateway has no record of (flagged, never dropped silently). */
  readonly orphanFills: readonly string[];
  /** Positions where the venue and the gateway's fills disagree (instrument → [gateway, venue]). */
  readonly positionMismatches: readonly { instrument: string; gateway: string; venue: string }[];
  readonly durationMs: number;
}

export interface ReconcileInput {
  readonly adapter: ExchangeAdapter;
  /** Every order of this venue the gateway knows that was not terminal at its last record. */
  readonly openOrders: readonly Order[];
  /** Look up any order the gateway knows (terminal ones too) by client order id. */
  readonly findOrder: (clientOrderId: string) => Order | undefined;
  /** Fill ids already applied (from the audit store). */
  readonly knownFillIds: ReadonlySet<string>;
  /** Time of the last fill the gateway saw on this venue; fills are fetched from a little before it. */
  readonly lastFillTsNs: bigint;
  readonly policy: UnknownOrderPolicy;
  /** Net positions by instrument id as the gateway's fills say, to compare with the venue's. */
  readonly gatewayPositions?: ReadonlyMap<string, Decimal>;
  readonly nowNs: bigint;
}

/** The events to apply, in order, and the report. Nothing is applied here: the caller routes events through the OMS. */
export interface ReconcilePlan {
  readonly events: readonly { clientOrderId: string; event: OrderEvent }[];
  readonly adopt: readonly VenueOrderReport[];
  readonly cancel: readonly VenueOrderReport[];
  readonly report: ReconciliationReport;
}

// Fills are fetched from a minute before the last one seen, to cover clock skew between venue and gateway.
const FILL_LOOKBACK_NS = 60_000_000_000n;

/**
 * Compares the gateway's view of one venue with the venue's own (open orders, fills since the last
 * seen, positions) and plans the events that bring the gateway level: missed fills, late
 * acknowledgements, orders that ended meanwhile; plus what to do with venue orders it does not know.
 */
export async function planReconciliation(input: ReconcileInput): Promise<ReconcilePlan> {
  const started = Date.now();
  const { adapter } = input;
  const since = input.lastFillTsNs > FILL_LOOKBACK_NS ? input.lastFillTsNs - FILL_LOOKBACK_NS : 0n;
  const [venueOpen, venueFills] = await Promise.all([adapter.fetchOpenOrders(), adapter.fetchFills(since)]);
  const events: { clientOrderId: string; event: OrderEvent }[] = [];
  const missedFills: ReconciliationReport["missedFills"][number][] = [];
  const orphanFills: string[] = [];
  const projected = new Map<string, Order>();
  for (const o of input.openOrders) projected.set(o.clientOrderId, o);

  const apply = (clientOrderId: string, event: OrderEvent) => {
    const current = projected.get(clientOrderId) ?? input.findOrder(clientOrderId);
    if (current === undefined) return;
    try {
      projected.set(clientOrderId, applyOrderEvent(current, event).order);
    } catch {
      // An event the state machine refuses is still routed: the OMS logs and counts it.
    }
    events.push({ clientOrderId, event });
  };

  const sortedFills = [...venueFills].sort((a, b) =>
    a.tsEventNs < b.tsEventNs ? -1 : a.tsEventNs > b.tsEventNs ? 1 : 0,
  );
  const openByClientId = new Map<string, VenueOrderReport>();
  for (const r of venueOpen) if (r.clientOrderId !== undefined) openByClientId.set(r.clientOrderId, r);
  // The first fill of each order, by client order id: restarts reconcile thousands of orders at once.
  const firstFill = new Map<string, Fill>();
  for (const f of sortedFills) if (!firstFill.has(f.clientOrderId)) firstFill.set(f.clientOrderId, f);

  // Acknowledge first, so fills land on accepted orders in the order the venue made them.
  const acknowledged: string[] = [];
  for (const o of input.openOrders) {
    const atVenue = openByClientId.get(o.clientOrderId);
    const fill = firstFill.get(o.clientOrderId);
    const venueOrderId = atVenue?.venueOrderId ?? fill?.venueOrderId;
    if (o.venueOrderId === undefined && venueOrderId !== undefined) {
      if (o.status === "initialized")
        apply(o.clientOrderId, {
          kind: "submitted",
          tsNs: input.nowNs,
          eventId: `recon-sub-${o.clientOrderId}`,
        });
      apply(o.clientOrderId, {
        kind: "accepted",
        venueOrderId,
        tsNs: input.nowNs,
        eventId: `recon-ack-${o.clientOrderId}`,
      });
      acknowledged.push(o.clientOrderId);
    }
  }

  for (const fill of sortedFills) {
    if (input.knownFillIds.has(fill.fillId)) continue;
    const known = projected.get(fill.clientOrderId) ?? input.findOrder(fill.clientOrderId);
    if (known === undefined) {
      orphanFills.push(fill.fillId);
      continue;
    }
    if (known.fillIds.includes(fill.fillId)) continue;
    missedFills.push({
      clientOrderId: fill.clientOrderId,
      fillId: fill.fillId,
      quantity: fill.quantity.toString(),
    });
    apply(fill.clientOrderId, {
      kind: "filled",
      fill,
      tsNs: fill.tsEventNs,
      eventId: `recon-fill-${fill.fillId}`,
    });
  }

  const closedMeanwhile: string[] = [];
  for (const o of input.openOrders) {
    const now = projected.get(o.clientOrderId) ?? o;
    if (isTerminal(now.status) || openByClientId.has(o.clientOrderId)) continue;
    const expired =
      now.timeInForce === "GTD" && now.expireTimeNs !== undefined && now.expireTimeNs <= input.nowNs;
    apply(o.clientOrderId, {
      kind: expired ? "expired" : "canceled",
      tsNs: input.nowNs,
      eventId: `recon-end-${o.clientOrderId}`,
    });
    closedMeanwhile.push(o.clientOrderId);
  }

  const knownIds = new Set(input.openOrders.map((o) => o.clientOrderId));
  const unknown = venueOpen.filter(
    (r) =>
      r.clientOrderId === undefined ||
      (!knownIds.has(r.clientOrderId) && input.findOrder(r.clientOrderId) === undefined),
  );

  const positionMismatches: ReconciliationReport["positionMismatches"][number][] = [];
  if (input.gatewayPositions !== undefined && adapter.capabilities.positions) {
    // Compare with the venue as the gateway will be once the missed fills are applied.
    const projectedPositions = new Map(input.gatewayPositions);
    const missed = new Set(missedFills.map((m) => m.fillId));
    for (const f of sortedFills) {
      if (!missed.has(f.fillId)) continue;
      const key = formatInstrumentId(f.instrument);
      const signed = f.side === "buy" ? f.quantity : f.quantity.neg();
      projectedPositions.set(key, (projectedPositions.get(key) ?? Decimal.ZERO).add(signed));
    }
    const venuePositions = await adapter.fetchPositions();
    const seen = new Set<string>();
    for (const p of venuePositions) {
      const key = formatInstrumentId(p.instrument);
      seen.add(key);
      const mine = projectedPositions.get(key);
      if (mine === undefined ? !p.quantity.isZero() : !mine.eq(p.quantity)) {
        positionMismatches.push({
          instrument: key,
          gateway: mine?.toString() ?? "0",
          venue: p.quantity.toString(),
        });
      }
    }
    for (const [key, q] of projectedPositions) {
      if (!seen.has(key) && !q.isZero())
        positionMismatches.push({ instrument: key, gateway: q.toString(), venue: "0" });
    }
  }

  return {
    events,
    adopt: input.policy === "adopt" ? unknown : [],
    cancel: input.policy === "cancel" ? unknown : [],
    report: {
      venue: adapter.venue,
      knownOpen: input.openOrders.length,
      openAtVenue: venueOpen.length,
      missedFills,
      closedMeanwhile,
      acknowledged,
      unknownOrders: unknown.map((r) => ({
        venueOrderId: r.venueOrderId,
        ...(r.clientOrderId === undefined ? {} : { clientOrderId: r.clientOrderId }),
        action: input.policy,
      })),
      orphanFills,
      positionMismatches,
      durationMs: Date.now() - started,
    },
  };
}
