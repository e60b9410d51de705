/**
 * Running totals of the order path since start, for the metrics layer to read (e.g. from a
 * prom-client `collect` callback). Plain numbers, updated in place; never reset.
 */
export interface ExecutionCounters {
  /** Orders sent to a venue. */
  ordersSubmitted: number;
  /** Orders denied before reaching a venue, by reason code (risk codes, AUDIT_UNAVAILABLE, REPLACE_FAILED). */
  readonly ordersDenied: Record<string, number>;
  /** Orders a venue rejected (asynchronously or by failing the submit call), by reason code. */
  readonly ordersRejected: Record<string, number>;
  /** Amend requests sent to a venue (native amends; cancel-replace counts as a cancel and a submit). */
  amendsSent: number;
  /** Cancel requests sent to a venue. */
  cancelsSent: number;
  /** Distinct fills applied. */
  fills: number;
  /** Fills applied to orders that had already ended (venue reported the end first). */
  lateFills: number;
  /** Fills beyond an order's quantity. */
  overfills: number;
  /** Venue events that repeated something already applied (dropped). */
  duplicateVenueEvents: number;
  /** Venue events that could not be applied: unknown order, illegal transition, mismatched fill. */
  venueEventErrors: number;
  /** Of `venueEventErrors`: events for a client order id the OMS does not know. */
  unknownOrderEvents: number;
  /** Of `venueEventErrors`: transitions the state machine refused. */
  illegalTransitions: number;
  /** `recordEvent` calls that threw (the event stays applied; the journal lost it). */
  journalErrors: number;
  /** Update listeners that threw. */
  listenerErrors: number;
}

export function newExecutionCounters(): ExecutionCounters {
  return {
    ordersSubmitted: 0,
    ordersDenied: {},
    ordersRejected: {},
    amendsSent: 0,
    cancelsSent: 0,
    fills: 0,
    lateFills: 0,
    overfills: 0,
    duplicateVenueEvents: 0,
    venueEventErrors: 0,
    unknownOrderEvents: 0,
    illegalTransitions: 0,
    journalErrors: 0,
    listenerErrors: 0,
  };
}
