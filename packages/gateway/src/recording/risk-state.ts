import { pb } from "@openfloor/core";
import type { TradingState } from "../risk/risk-engine.js";

/** The protobuf trading state of a gateway trading state. */
export function tradingStateToProto(state: TradingState): pb.TradingState {
  switch (state) {
    case "active":
      return pb.TradingState.TRADING_STATE_ACTIVE;
    case "reducing-only":
      return pb.TradingState.TRADING_STATE_REDUCING_ONLY;
    case "halted":
      return pb.TradingState.TRADING_STATE_HALTED;
  }
}

/** The gateway trading state of a protobuf one; undefined for UNSPECIFIED or unknown values. */
export function tradingStateFromProto(state: pb.TradingState): TradingState | undefined {
  switch (state) {
    case pb.TradingState.TRADING_STATE_ACTIVE:
      return "active";
    case pb.TradingState.TRADING_STATE_REDUCING_ONLY:
      return "reducing-only";
    case pb.TradingState.TRADING_STATE_HALTED:
      return "halted";
    default:
      return undefined;
  }
}

/** Header names the aggregator adds to its records (beside the record envelope's). */
export const AGGREGATOR_HEADERS = {
  /** Partition of the fills topic a position was built from. */
  fillsPartition: "of-fills-partition",
  /** Next offset of that partition: the position includes every fill below it. */
  fillsOffset: "of-fills-offset",
  /** UTC day (YYYY-MM-DD) the daily PnL of a global risk state counts from. */
  day: "of-day",
  /** Total PnL at the start of that day (report currency). */
  dayStartPnl: "of-day-start-pnl",
  /** "1" when the daily loss limit was reached that day (the halt holds until the day ends). */
  lossLatched: "of-loss-latched",
} as const;
