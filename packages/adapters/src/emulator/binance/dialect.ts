import type { MatchingEngine } from "../engine/matching-engine.js";
import type { FaultPlan, TopicHub, WireDialect } from "../wire.js";
import { BinanceRest } from "./rest.js";
import { BinanceStreams, canonicalStream } from "./streams.js";

/** Binance spot, REST under `/binance/api/v3` and websockets under `/binance/ws*`. */
export function binanceDialect(engine: MatchingEngine, faults: FaultPlan, hub: TopicHub): WireDialect {
  const rest = new BinanceRest(engine, faults, Date.now);
  const streams = new BinanceStreams(engine, hub, rest);
  return {
    exchange: "binance",
    handleHttp: (request) => rest.handle(request),
    acceptSocket: (path, peer) => streams.accept(path, peer),
    publishMalformedTrade: (symbol) => streams.publishMalformedTrade(symbol),
    topicOf: (stream) => canonicalStream(stream),
    ccxtUrls: (http, ws) => ({
      api: {
        public: `${http}/binance/api/v3`,
        private: `${http}/binance/api/v3`,
        v1: `${http}/binance/api/v1`,
        // Never used by the spot adapter; pointed here so nothing can leave the machine.
        sapi: `${http}/binance/sapi/v1`,
        sapiV2: `${http}/binance/sapi/v2`,
        sapiV3: `${http}/binance/sapi/v3`,
        sapiV4: `${http}/binance/sapi/v4`,
        ws: {
          spot: `${ws}/binance/ws`,
          margin: `${ws}/binance/ws`,
          "ws-api": { spot: `${ws}/binance/ws-api/v3` },
        },
      },
    }),
  };
}
