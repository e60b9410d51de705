// Child process of adapters-ccxt.bench.ts: the venue emulator on its own core. Prints {"port"} once,
// then answers {"cmd":"burst",…} lines on stdin by writing that many pre-built venue messages to the
// subscribed websocket stream as fast as it can, and prints what the last one carried.
import { createInterface } from "node:readline";
import { VenueEmulator } from "../packages/adapters/src/emulator/index.js";

type Kind = "trades" | "depth";
interface Burst {
  readonly cmd: "burst";
  readonly exchange: "binance" | "bybit";
  readonly kind: Kind;
  readonly n: number;
}

const venue = await VenueEmulator.start({ seed: 1 });
let tradeId = 9_000_000;
let bursts = 0;
console.log(JSON.stringify({ port: venue.port }));

/** n messages in the venue's own format, continuing the book's sequence numbers. */
function messages(b: Burst): { texts: string[]; last: string } {
  const depth = venue.engine.depth("BTCUSDT");
  const bid = depth.bids[0]![0].toString();
  const ask = depth.asks[0]![0].toString();
  const now = Date.now();
  const texts: string[] = [];
  bursts++;
  let updateId = depth.lastUpdateId;
  let u = depth.batchId;
  for (let i = 0; i < b.n; i++) {
    // Sizes repeat every 97 messages; the last one is unique, so the book it leaves always differs from
    // any earlier state and its delta (which carries the last sequence number) is never empty.
    const size =
      i === b.n - 1 ? (0.5 + bursts * 0.00001).toFixed(5) : (0.001 + (i % 97) * 0.00001).toFixed(5);
    if (b.kind === "trades") {
      tradeId++;
      texts.push(
        b.exchange === "binance"
          ? JSON.stringify({
              e: "trade",
              E: now,
              s: "BTCUSDT",
              t: tradeId,
              p: `${ask}000000`,
              q: `${size}000`,
              T: now,
              m: i % 2 === 0,
              M: true,
            })
          : JSON.stringify({
              topic: "publicTrade.BTCUSDT",
              ts: now,
              type: "snapshot",
              data: [
                {
                  i: String(tradeId),
                  T: now,
                  p: ask,
                  v: size,
                  S: i % 2 === 0 ? "Sell" : "Buy",
                  s: "BTCUSDT",
                  BT: false,
                },
              ],
            }),
      );
    } else if (b.exchange === "binance") {
      const first = updateId + 1;
      updateId += 2;
      texts.push(
        JSON.stringify({
          e: "depthUpdate",
          E: now,
          s: "BTCUSDT",
          U: first,
          u: updateId,
          b: [[bid, size]],
          a: [[ask, size]],
        }),
      );
    } else {
      u++;
      texts.push(
        JSON.stringify({
          topic: "orderbook.50.BTCUSDT",
          type: "delta",
          ts: now,
          data: { s: "BTCUSDT", b: [[bid, size]], a: [[ask, size]], u, seq: u },
          cts: now,
        }),
      );
    }
  }
  // Keep the engine's sequence numbers in step, so the next snapshot continues where these end.
  venue.engine.advanceSequence("BTCUSDT", updateId - depth.lastUpdateId, u - depth.batchId);
  const last = b.kind === "trades" ? String(tradeId) : String(b.exchange === "binance" ? updateId : u);
  return { texts, last };
}

const streams: Record<string, Record<Kind, string>> = {
  binance: { trades: "btcusdt@trade", depth: "btcusdt@depth" },
  bybit: { trades: "publicTrade.BTCUSDT", depth: "orderbook.50.BTCUSDT" },
};

for await (const line of createInterface({ input: process.stdin })) {
  const b = JSON.parse(line) as Burst;
  const { texts, last } = messages(b);
  const stream = streams[b.exchange]![b.kind];
  const sent = venue.subscribers(b.exchange, stream) ? venue.publishRaw(b.exchange, stream, texts) : 0;
  console.log(JSON.stringify({ sent, last }));
}
await venue.stop();
