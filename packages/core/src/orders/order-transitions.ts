import type { OrderEventKind, OrderStatus } from "./types.js";

/**
 * What one event does to an order in one status:
 * - an `OrderStatus`: move there (an amendment's new values are applied on the way)
 * - `"fill"`: apply the fill; `partially-filled`, or `filled` when nothing is left
 * - `"fill-or-stay"`: apply the fill; keep the status, or `filled` when nothing is left
 * - `"fill-and-stay"`: apply the fill and keep the status, even when nothing is left
 * - `"ack"`: take the venue order id if the order has none; `submitted` becomes `accepted`, others stay
 * - `"resting"`: back to the status the order has with no request pending: `filled` when nothing is left,
 *   else `partially-filled` with fills, `accepted` with a venue order id, `submitted` without
 * - `"stale"`: nothing changes (outcome `"duplicate"`): a repeat, or a report that arrived after a later
 *   one the order already reflects
 *
 * A status × event pair missing from {@link ORDER_TRANSITIONS} is illegal.
 */
export type OrderTransitionStep =
  | OrderStatus
  | "fill"
  | "fill-or-stay"
  | "fill-and-stay"
  | "ack"
  | "resting"
  | "stale";

type Row = Readonly<Partial<Record<OrderEventKind, OrderTransitionStep>>>;

/**
 * The one order state machine as data: status → event kind → step (see {@link OrderTransitionStep}).
 * Every row is written out in full so the table reads on its own.
 *
 * Decisions on races (a venue's reports arrive out of order across channels, e.g. a REST ack after the
 * websocket fill):
 * - A fill is never dropped. In `submitted` it implies the acknowledgement. In `pending-cancel` it applies
 *   (the cancel lost the race). In `pending-amend` it applies and the status waits for the amendment's
 *   outcome, because an amendment that raised the quantity may already be live at the venue. In `filled` it
 *   is an overfill (flagged). In `canceled` or `expired` it is a late fill: the money moved before the venue
 *   reported the end, so it applies, the status stays terminal and the transition says `lateFill`.
 *   Only orders that never traded at the venue (`initialized`, `denied`, `rejected`) refuse a fill: there
 *   it belongs to some other order, and the thrown error sends it to reconciliation.
 * - Reports of an earlier step after a later one (`accepted` after a fill, `submitted` after anything, a
 *   cancel or amend refusal after the order moved on) are stale; reports that contradict the order's
 *   history (`rejected` after a fill, `canceled` after `filled`) are illegal.
 * - `canceled` and `expired` both mean the remainder is gone and venues and channels disagree on the word,
 *   so one after the other is stale, not a contradiction.
 * - `rejected` is legal after `accepted` (some venues reject a post-only order after accepting it) but not
 *   once the order has fills; that guard is in `applyOrderEvent`.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, Row>> = {
  initialized: {
    denied: "denied",
    submitted: "submitted",
    canceled: "canceled",
  },
  denied: {
    denied: "stale",
  },
  submitted: {
    submitted: "stale",
    accepted: "ack",
    rejected: "rejected",
    filled: "fill",
    "pending-cancel": "pending-cancel",
    canceled: "canceled",
    "cancel-rejected": "stale",
    "pending-amend": "pending-amend",
    amended: "resting",
    "amend-rejected": "stale",
    expired: "expired",
  },
  accepted: {
    submitted: "stale",
    accepted: "ack",
    rejected: "rejected",
    filled: "fill",
    "pending-cancel": "pending-cancel",
    canceled: "canceled",
    "cancel-rejected": "stale",
    "pending-amend": "pending-amend",
    amended: "resting",
    "amend-rejected": "stale",
    expired: "expired",
  },
  rejected: {
    submitted: "stale",
    accepted: "stale",
    rejected: "stale",
    "cancel-rejected": "stale",
    "amend-rejected": "stale",
  },
  "partially-filled": {
    submitted: "stale",
    accepted: "ack",
    filled: "fill",
    "pending-cancel": "pending-cancel",
    canceled: "canceled",
    "cancel-rejected": "stale",
    "pending-amend": "pending-amend",
    amended: "resting",
    "amend-rejected": "stale",
    expired: "expired",
  },
  filled: {
    submitted: "stale",
    accepted: "ack",
    filled: "fill-and-stay",
    "cancel-rejected": "stale",
    amended: "stale",
    "amend-rejected": "stale",
  },
  "pending-cancel": {
    submitted: "stale",
    accepted: "ack",
    rejected: "rejected",
    filled: "fill-or-stay",
    "pending-cancel": "stale",
    canceled: "canceled",
    "cancel-rejected": "resting",
    amended: "pending-cancel",
    "amend-rejected": "stale",
    expired: "expired",
  },
  canceled: {
    submitted: "stale",
    accepted: "ack",
    filled: "fill-and-stay",
    canceled: "stale",
    "cancel-rejected": "stale",
    amended: "stale",
    "amend-rejected": "stale",
    expired: "stale",
  },
  "pending-amend": {
    submitted: "stale",
    accepted: "ack",
    rejected: "rejected",
    filled: "fill-and-stay",
    "pending-cancel": "pending-cancel",
    canceled: "canceled",
    "cancel-rejected": "stale",
    "pending-amend": "stale",
    amended: "resting",
    "amend-rejected": "resting",
    expired: "expired",
  },
  expired: {
    submitted: "stale",
    accepted: "ack",
    filled: "fill-and-stay",
    canceled: "stale",
    "cancel-rejected": "stale",
    amended: "stale",
    "amend-rejected": "stale",
    expired: "stale",
  },
};
