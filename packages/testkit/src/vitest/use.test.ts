import { Admin } from "@platformatic/kafka";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { useKafka, usePostgres } from "./index.js";

async function currentDatabase(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ db: string }>("select current_database() as db");
    return rows[0]?.db;
  } finally {
    await client.end();
  }
}

describe("usePostgres() through the vitest global setup", () => {
  it("gives each caller a database of its own on one shared server", async () => {
    const [first, second] = await Promise.all([usePostgres(), usePostgres()]);
    expect(first.port).toBe(second.port);
    expect(first.database).not.toBe(second.database);
    expect(await currentDatabase(first.url)).toBe(first.database);
    expect(await currentDatabase(second.url)).toBe(second.database);
  });

  it("returns the server's own database when asked not to isolate", async () => {
    const shared = await usePostgres({ freshDatabase: false });
    expect(shared.database).toBe("postgres");
    expect(await currentDatabase(shared.url)).toBe("postgres");
  });
});

describe("useKafka() through the vitest global setup", () => {
  it("returns the run's one broker", async () => {
    const [kafka, again] = await Promise.all([useKafka(), useKafka()]);
    expect(again).toEqual(kafka);
    const admin = new Admin({ clientId: "testkit-use", bootstrapBrokers: kafka.brokers });
    try {
      const metadata = await admin.metadata({ topics: [] });
      expect([...metadata.brokers.values()].map((broker) => `${broker.host}:${broker.port}`)).toEqual(
        kafka.brokers,
      );
    } finally {
      await admin.close();
    }
  });
});
