// A market data subscriber in its own process, so a test can stop it (SIGSTOP) the way a stalled
// strategy stops reading its socket. Sends the SubscribeRequest given base64-encoded in REQUEST,
// prints "frame <dropped_events>" per frame and "status <code> <details>" when the stream ends.
import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";

const Client = makeGenericClientConstructor(
  {
    subscribe: {
      path: "/openfloor.v1.MarketDataService/Subscribe",
      requestStream: false,
      responseStream: true,
      requestSerialize: (b) => b,
      requestDeserialize: (b) => b,
      responseSerialize: (b) => b,
      responseDeserialize: (b) => b,
    },
  },
  "RawMarketData",
);

/** dropped_events (field 3) of a SubscribeResponse{frame} without decoding the events. */
function droppedOf(bytes) {
  const varint = (at) => {
    let v = 0;
    let shift = 0;
    let i = at;
    for (;;) {
      const b = bytes[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return [v, i];
      shift += 7;
    }
  };
  let [, i] = varint(1);
  let dropped = 0;
  while (i < bytes.length) {
    const tag = bytes[i++];
    if ((tag & 7) === 2) {
      const [len, next] = varint(i);
      i = next + len;
    } else {
      const [v, next] = varint(i);
      if (tag === 0x18) dropped = v;
      i = next;
    }
  }
  return dropped;
}

const client = new Client(process.env.ADDRESS, credentials.createInsecure());
const md = new Metadata();
md.set("authorization", `Bearer ${process.env.TOKEN}`);
const stream = client.subscribe(Buffer.from(process.env.REQUEST, "base64"), md);
stream.on("data", (b) => process.stdout.write(`frame ${droppedOf(b)}\n`));
stream.on("error", (e) => {
  process.stdout.write(`status ${e.code} ${e.details}\n`);
  process.exit(0);
});
