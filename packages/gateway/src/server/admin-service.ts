import { pb } from "@openfloor/core";
import type { TradingStateName } from "../config/schema.js";
import { type PipelineOptions, unary } from "./call-pipeline.js";
import { enumField } from "./request-fields.js";

/** What the AdminService controls; the gateway implements it. */
export interface AdminControl {
  status(): pb.GetStatusResponse;
  setKillSwitch(engaged: boolean, reason: string): Promise<{ engaged: boolean; canceled: number }>;
  setTradingState(state: TradingStateName, reason: string): TradingStateName;
  /** Re-reads the risk limits from the config file; resolves with a summary of the limits now in force. */
  reloadRiskLimits(): Promise<string>;
}

const STATE_TO_PROTO: Readonly<Record<TradingStateName, pb.TradingState>> = {
  active: pb.TradingState.TRADING_STATE_ACTIVE,
  "reducing-only": pb.TradingState.TRADING_STATE_REDUCING_ONLY,
  halted: pb.TradingState.TRADING_STATE_HALTED,
};

export function tradingStateToProto(state: TradingStateName): pb.TradingState {
  return STATE_TO_PROTO[state];
}

function tradingStateFromProto(value: pb.TradingState): TradingStateName {
  const allowed = Object.values(STATE_TO_PROTO);
  const checked = enumField(value, allowed, "tradingState", "trading state");
  return (Object.keys(STATE_TO_PROTO) as TradingStateName[]).find((k) => STATE_TO_PROTO[k] === checked)!;
}

const MAX_REASON = 512;

/** AdminService: status, kill switch, trading state and risk-limit reload (admin strategies only). */
export function adminService(control: AdminControl, pipeline: PipelineOptions): pb.AdminServiceServer {
  const reasonOf = (reason: string, fallback: string) =>
    reason === "" ? fallback : reason.slice(0, MAX_REASON);
  return {
    getStatus: unary("AdminService/GetStatus", pipeline, () => control.status()),
    setKillSwitch: unary(
      "AdminService/SetKillSwitch",
      pipeline,
      async (req: pb.SetKillSwitchRequest, ctx) => {
        const who = ctx.strategy?.strategyId ?? "?";
        const result = await control.setKillSwitch(
          req.engaged,
          reasonOf(req.reason, `kill switch set by ${who}`),
        );
        return { engaged: result.engaged, canceledOrders: result.canceled };
      },
    ),
    setTradingState: unary(
      "AdminService/SetTradingState",
      pipeline,
      (req: pb.SetTradingStateRequest, ctx) => {
        const state = tradingStateFromProto(req.tradingState);
        const who = ctx.strategy?.strategyId ?? "?";
        return {
          tradingState: tradingStateToProto(
            control.setTradingState(state, reasonOf(req.reason, `set by ${who}`)),
          ),
        };
      },
    ),
    reloadRiskLimits: unary("AdminService/ReloadRiskLimits", pipeline, async () => ({
      summary: await control.reloadRiskLimits(),
    })),
  };
}
