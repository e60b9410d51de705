import { createServer, type Server } from "node:net";
import {
  Admin,
  Consumer,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestkitError } from "./errors.js";
import { type KafkaBroker, startKafka } from "./kafka/start-kafka.js";

const RECORDS = 10_000;
const BATCH = 1_000;

describe("startKafka", () => {
  let kafka: KafkaBroker;

  beforeAll(async () => {
    kafka = await startKafka();
  });

  afterAll(async () => {
    await kafka?.stop();
  });

  it("is a real broker: creates a topic, takes 10,000 records and gives them back in order", async () => {
    const topic = `fills-${Date.now()}`;
    const admin = new Admin({ clientId: "testkit-admin", bootstrapBrokers: kafka.brokers });
    try {
      const [created] = await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
      expect(created?.name).toBe(topic);
    } finally {
      await admin.close();
    }

    const sent = Array.from({ length: RECORDS }, (_, i) => ({ key: `order-${i % 97}`, value: `fill-${i}` }));
    const producer = new Producer({
      clientId: "testkit-producer",
      bootstrapBrokers: kafka.brokers,
      serializers: stringSerializers,
      acks: ProduceAcks.ALL,
    });
    try {
      for (let from = 0; from < RECORDS; from += BATCH) {
        await producer.send({
          messages: sent.slice(from, from + BATCH).map((record) => ({ topic, ...record })),
        });
      }
    } finally {
      await producer.close();
    }

    const consumer = new Consumer({
      groupId: `testkit-${topic}`,
      clientId: "testkit-consumer",
      bootstrapBrokers: kafka.brokers,
      deserializers: stringDeserializers,
    });
    const received: { key: string; value: string; offset: bigint }[] = [];
    try {
      const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: false });
      for await (const message of stream) {
        received.push({ key: message.key, value: message.value, offset: message.offset });
        if (received.length === RECORDS) break;
      }
    } finally {
      await consumer.close(true);
    }

    expect(received.map(({ key, value }) => ({ key, value }))).toEqual(sent);
    expect(received.map((record) => record.offset)).toEqual(sent.map((_, i) => BigInt(i)));
  }, 60_000);
});

describe("startKafka on a busy port", () => {
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    port = typeof address === "object" && address !== null ? address.port : 0;
  });

  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it("fails with PORT_BUSY naming the port", async () => {
    const attempt = startKafka({ port });
    await expect(attempt).rejects.toBeInstanceOf(TestkitError);
    await expect(attempt).rejects.toMatchObject({
      code: "PORT_BUSY",
      message: expect.stringContaining(String(port)),
    });
  });
});
