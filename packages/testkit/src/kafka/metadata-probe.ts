import { connect } from "node:net";

const METADATA_API_KEY = 3;
/** The oldest non-flexible Metadata version Kafka 4.x still serves (KIP-896 removed v0-v3). */
const METADATA_VERSION = 4;

export interface ProbedBroker {
  nodeId: number;
  host: string;
  port: number;
}

function metadataRequest(correlationId: number): Buffer {
  const clientId = Buffer.from("openfloor-testkit-probe");
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
  let at = 0;
  at = body.writeInt16BE(METADATA_API_KEY, at);
  at = body.writeInt16BE(METADATA_VERSION, at);
  at = body.writeInt32BE(correlationId, at);
  at = body.writeInt16BE(clientId.length, at);
  at += clientId.copy(body, at);
  at = body.writeInt32BE(-1, at); // topics: null = no topic metadata, brokers only
  body.writeInt8(0, at); // allow_auto_topic_creation
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function parseBrokers(response: Buffer, correlationId: number): ProbedBroker[] {
  let at = 0;
  const int16 = () => {
    const value = response.readInt16BE(at);
    at += 2;
    return value;
  };
  const int32 = () => {
    const value = response.readInt32BE(at);
    at += 4;
    return value;
  };
  const string = () => {
    const length = int16();
    if (length < 0) return null;
    const value = response.toString("utf8", at, at + length);
    at += length;
    return value;
  };
  if (int32() !== correlationId) throw new Error("correlation id mismatch");
  int32(); // throttle_time_ms
  const brokers: ProbedBroker[] = [];
  for (let count = int32(); count > 0; count--) {
    const nodeId = int32();
    const host = string() ?? "";
    const port = int32();
    string(); // rack
    brokers.push({ nodeId, host, port });
  }
  return brokers;
}

/**
 * Asks a broker for cluster metadata over the Kafka wire protocol. A KRaft broker answers on its
 * client listener, listing itself, only once it has caught up with the metadata log and been
 * unfenced: the point from which it accepts produce requests.
 */
export function probeBrokers(host: string, port: number, timeoutMs: number): Promise<ProbedBroker[]> {
  return new Promise((resolve, reject) => {
    const correlationId = Math.floor(Math.random() * 0x7fffffff);
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let received = 0;
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no metadata response within ${timeoutMs} ms`)));
    socket.once("error", fail);
    socket.once("connect", () => socket.write(metadataRequest(correlationId)));
    socket.once("close", () => reject(new Error("connection closed before a full metadata response")));
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const all = Buffer.concat(chunks, received);
      if (all.length < 4 || all.length < 4 + all.readInt32BE(0)) return;
      socket.destroy();
      try {
        resolve(parseBrokers(all.subarray(4, 4 + all.readInt32BE(0)), correlationId));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
