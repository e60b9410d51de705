import { createRecordConsumer, type KafkaConnectOptions, type RecordMessage } from "./kafka-client.js";

/**
 * Every message of `topic` from its start to its end as of the call, per partition in offset
 * order. A reader that makes no progress for `timeoutMs` (default 15 s; a consumer caught in a
 * rebalance on a starved machine) is replaced once; then it rejects.
 */
export async function readTopicToEnd(
  connect: KafkaConnectOptions,
  topic: string,
  timeoutMs = 15_000,
): Promise<RecordMessage[]> {
  try {
    return await readOnce(connect, topic, timeoutMs);
  } catch (error) {
    if (!(error instanceof ReadTimeout)) throw error;
    return readOnce(connect, topic, timeoutMs);
  }
}

class ReadTimeout extends Error {}

async function readOnce(
  connect: KafkaConnectOptions,
  topic: string,
  timeoutMs: number,
): Promise<RecordMessage[]> {
  const consumer = createRecordConsumer({
    ...connect,
    clientId: connect.clientId ?? "openfloor-topic-reader",
  });
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const remaining = new Map<number, bigint>();
    ends.forEach((end, partition) => {
      if (end > 0n) remaining.set(partition, end);
    });
    if (remaining.size === 0) return [];
    const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: false });
    const out: RecordMessage[] = [];
    const reached = new Map<number, bigint>();
    const timer = setTimeout(() => void stream.close(), timeoutMs);
    try {
      for await (const message of stream) {
        timer.refresh();
        out.push(message);
        reached.set(message.partition, message.offset + 1n);
        const end = remaining.get(message.partition);
        if (end !== undefined && message.offset + 1n >= end) remaining.delete(message.partition);
        if (remaining.size === 0) break;
      }
    } finally {
      clearTimeout(timer);
      await stream.close();
    }
    if (remaining.size > 0) {
      throw new Error(
        `reading ${topic} to its end timed out after ${timeoutMs} ms (partitions ${[...remaining.keys()]})`,
      );
    }
    return out;
  } finally {
    await consumer.close(true);
  }
}

/** The latest message per key of a (compacted) topic, as of the call. */
export async function readLatestByKey(
  connect: KafkaConnectOptions,
  topic: string,
  timeoutMs = 15_000,
): Promise<Map<string, RecordMessage>> {
  const latest = new Map<string, RecordMessage>();
  for (const m of await readTopicToEnd(connect, topic, timeoutMs)) latest.set(m.key ?? "", m);
  return latest;
}
