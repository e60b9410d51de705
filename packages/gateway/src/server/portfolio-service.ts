import { Metadata, type ServerWritableStream } from "@grpc/grpc-js";
import { type Balance, balanceToProto, type Logger, type pb, positionToProto } from "@openfloor/core";
import type { StrategyPortfolios } from "../portfolio/strategy-portfolios.js";
import { type CallContext, callerOf, type PipelineOptions, serverStream, unary } from "./call-pipeline.js";

export interface PortfolioServiceDeps {
  readonly portfolios: StrategyPortfolios;
  /** Balances of an account: the venue's when it reports them, else the fill ledger's. */
  readonly balances: (account: string) => Promise<readonly Balance[]>;
  /** Subscribes to risk state changes (trading state, kill switch). */
  readonly onRiskState: (listener: (state: pb.RiskState) => void) => () => void;
  readonly logger: Logger;
  readonly pipeline: PipelineOptions;
}

/** PortfolioService: the caller's positions, its account's balances, and a live stream of both. */
export function portfolioService(deps: PortfolioServiceDeps): pb.PortfolioServiceServer {
  const p = deps.pipeline;
  return {
    getPositions: unary("PortfolioService/GetPositions", p, (_req: pb.GetPositionsRequest, ctx) => {
      const who = callerOf(ctx);
      return { positions: deps.portfolios.positions(who.strategyId).map(positionToProto) };
    }),
    getBalances: unary("PortfolioService/GetBalances", p, async (_req: pb.GetBalancesRequest, ctx) => {
      const who = callerOf(ctx);
      const balances = await deps.balances(who.account);
      return { balances: balances.map(balanceToProto) };
    }),
    streamPortfolio: serverStream(
      "PortfolioService/StreamPortfolio",
      p,
      (
        call: ServerWritableStream<pb.StreamPortfolioRequest, pb.StreamPortfolioResponse>,
        ctx: CallContext,
      ) => {
        const who = callerOf(ctx);
        const write = (message: pb.StreamPortfolioResponse) => {
          if (call.writable) call.write(message);
        };
        const offPosition = deps.portfolios.onPosition((position) => {
          if (position.strategyId === who.strategyId) {
            write({ update: { $case: "position", value: positionToProto(position) } });
          }
        });
        const offRisk = deps.onRiskState((state) => {
          if (state.account === "" || state.account === who.account)
            write({ update: { $case: "riskState", value: state } });
        });
        call.sendMetadata(new Metadata());
        for (const position of deps.portfolios.positions(who.strategyId)) {
          write({ update: { $case: "position", value: positionToProto(position) } });
        }
        const end = () => {
          offPosition();
          offRisk();
        };
        call.on("cancelled", end);
        call.on("close", end);
        call.on("error", end);
      },
    ),
  };
}
