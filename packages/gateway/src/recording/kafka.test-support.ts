// Helpers for tests against a real Kafka broker (not part of the package's public face).
import { type DecodedRecord, decodeRecords } from "@openfloor/core";
import { messageHeaders, type RecordMessage } from "./kafka-client.js";
import { readTopicToEnd as readTopic } from "./topic-snapshot.js";

/** Every message of `topic` up to its end as of the call, per partition in offset order. */
export function readTopicToEnd(
  brokers: readonly string[],
  topic: string,
  timeoutMs = 20_000,
): Promise<RecordMessage[]> {
  return readTopic({ brokers, clientId: "test-reader" }, topic, timeoutMs);
}

/** The decoded records of messages (market-data batches expanded into their events). */
export function decodeMessages(messages: readonly RecordMessage[]): DecodedRecord[] {
  return messages.flatMap((m) => decodeRecords(messageHeaders(m), m.value));
}

/** Resolves when `predicate` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
