import type { MatchingEngine } from "../engine/matching-engine.js";
import type { FaultPlan, TopicHub, WireDialect } from "../wire.js";
import { BybitRest } from "./rest.js";
import { BybitStreams } from "./streams.js";

/** Bybit v5 spot, REST under `/bybit/v5` and websockets under `/bybit/v5/public/spot` and `/bybit/v5/private`. */
export function bybitDialect(engine: MatchingEngine, faults: FaultPlan, hub: TopicHub): WireDialect {
  const rest = new BybitRest(engine, faults, Date.now);
  const streams = new BybitStreams(engine, hub, rest);
  return {
    exchange: "bybit",
    handleHttp: (request) => rest.handle(request),
    acceptSocket: (path, peer) => streams.accept(path, peer),
    publishMalformedTrade: (symbol) => streams.publishMalformedTrade(symbol),
    topicOf: (stream) => `bybit:${stream}`,
    ccxtUrls: (http, ws) => {
      const rest = `${http}/bybit`;
      const priv = `${ws}/bybit/v5/private`;
      return {
        api: {
          spot: rest,
          futures: rest,
          v2: rest,
          public: rest,
          private: rest,
          ws: {
            public: {
              spot: `${ws}/bybit/v5/public/spot`,
              linear: `${ws}/bybit/v5/public/linear`,
              inverse: `${ws}/bybit/v5/public/inverse`,
              option: `${ws}/bybit/v5/public/option`,
            },
            private: {
              spot: { unified: priv, nonUnified: priv },
              contract: priv,
              usdc: priv,
              trade: `${ws}/bybit/v5/trade`,
            },
          },
        },
      };
    },
  };
}
