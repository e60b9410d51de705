/**
 * Stable codes of the reasons an order is denied before it reaches a venue. They travel in
 * `Order.lastReason.code` and the `denied` order event, and label the denial counters.
 */
export type RiskReasonCode =
  | "RISK_MAX_ORDER_QTY"
  | "RISK_MAX_NOTIONAL"
  | "RISK_MAX_POSITION"
  | "RISK_MAX_GROSS_EXPOSURE"
  | "RISK_MAX_NET_EXPOSURE"
  | "RISK_PRICE_BAND"
  | "RISK_MAX_OPEN_ORDERS"
  | "RISK_RATE_LIMIT"
  | "TRADING_HALTED"
  | "REDUCE_ONLY_STATE"
  | "AUDIT_UNAVAILABLE"
  | "NOT_RECONCILED";

/** Every risk reason code, e.g. to pre-register metric labels. */
export const RISK_REASON_CODES: readonly RiskReasonCode[] = [
  "RISK_MAX_ORDER_QTY",
  "RISK_MAX_NOTIONAL",
  "RISK_MAX_POSITION",
  "RISK_MAX_GROSS_EXPOSURE",
  "RISK_MAX_NET_EXPOSURE",
  "RISK_PRICE_BAND",
  "RISK_MAX_OPEN_ORDERS",
  "RISK_RATE_LIMIT",
  "TRADING_HALTED",
  "REDUCE_ONLY_STATE",
  "AUDIT_UNAVAILABLE",
  "NOT_RECONCILED",
];
