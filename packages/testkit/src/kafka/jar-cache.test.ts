import { copyFile, mkdtemp, rm, truncate, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TestkitError } from "../errors.js";
import { ensureKafkaJars, isReadableZip, verifyKafkaCache, writeKafkaCacheMarker } from "./jar-cache.js";

/** A valid one-entry zip (stored, not deflated): enough for a jar-shaped file without a network. */
function zip(name: string, content: string): Buffer {
  const fileName = Buffer.from(name);
  const data = Buffer.from(content);
  const checksum = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(checksum, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(checksum, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const directoryOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(directoryOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

describe("Kafka jar cache", () => {
  let cache: string;

  beforeEach(async () => {
    cache = await mkdtemp(join(tmpdir(), "openfloor-jar-cache-"));
    await writeFile(
      join(cache, "kafka-clients-4.1.1.jar"),
      zip("org/apache/kafka/A.class", "a".repeat(5_000)),
    );
    await writeFile(join(cache, "kafka_2.13-4.1.1.jar"), zip("kafka/Kafka.class", "b".repeat(3_000)));
  });

  afterEach(async () => {
    await rm(cache, { recursive: true, force: true });
  });

  it("accepts a complete cache", async () => {
    await writeKafkaCacheMarker(cache);
    await expect(verifyKafkaCache(cache)).resolves.toEqual({
      ok: true,
      jars: ["kafka-clients-4.1.1.jar", "kafka_2.13-4.1.1.jar"],
    });
  });

  it("rejects a cache without the completion marker (an interrupted fetch)", async () => {
    await expect(verifyKafkaCache(cache)).resolves.toMatchObject({
      ok: false,
      problem: expect.stringContaining(".complete"),
    });
  });

  it("detects a truncated jar", async () => {
    await writeKafkaCacheMarker(cache);
    await truncate(join(cache, "kafka-clients-4.1.1.jar"), 2_000);
    await expect(verifyKafkaCache(cache)).resolves.toMatchObject({
      ok: false,
      problem: expect.stringContaining("kafka-clients-4.1.1.jar has 2000 bytes"),
    });
  });

  it("detects a jar that is not a zip even when its size matches", async () => {
    const jar = join(cache, "kafka_2.13-4.1.1.jar");
    await writeKafkaCacheMarker(cache);
    const size = zip("kafka/Kafka.class", "b".repeat(3_000)).length;
    await writeFile(jar, Buffer.alloc(size, 0x41));
    expect(await isReadableZip(jar)).toBe(false);
    await expect(verifyKafkaCache(cache)).resolves.toMatchObject({
      ok: false,
      problem: expect.stringContaining("kafka_2.13-4.1.1.jar is not a readable zip"),
    });
  });

  it("detects missing and empty jars", async () => {
    await writeKafkaCacheMarker(cache);
    await truncate(join(cache, "kafka_2.13-4.1.1.jar"), 0);
    await expect(verifyKafkaCache(cache)).resolves.toMatchObject({
      ok: false,
      problem: "kafka_2.13-4.1.1.jar is empty",
    });
    await unlink(join(cache, "kafka-clients-4.1.1.jar"));
    await expect(verifyKafkaCache(cache)).resolves.toMatchObject({
      ok: false,
      problem: "kafka-clients-4.1.1.jar is missing",
    });
  });

  it("detects a truncated copy of a real jar from the shared cache, when there is one", async (context) => {
    const shared = join(process.cwd(), ".cache", "kafka-4.1.1", "libs");
    const real = await verifyKafkaCache(shared);
    if (!real.ok) return context.skip();
    const jar = "kafka-clients-4.1.1.jar";
    await copyFile(join(shared, jar), join(cache, jar));
    expect(await isReadableZip(join(cache, jar))).toBe(true);
    await truncate(join(cache, jar), 100_000);
    expect(await isReadableZip(join(cache, jar))).toBe(false);
  });

  it("refetches a corrupt cache, and says what is missing when Maven is absent", async () => {
    await writeKafkaCacheMarker(cache);
    await truncate(join(cache, "kafka-clients-4.1.1.jar"), 10);
    const attempt = ensureKafkaJars({ cacheDir: cache, mavenCommand: join(cache, "no-such-mvn") });
    await expect(attempt).rejects.toBeInstanceOf(TestkitError);
    await expect(attempt).rejects.toMatchObject({
      code: "MAVEN_MISSING",
      message: expect.stringMatching(/kafka-clients-4\.1\.1\.jar has 10 bytes[\s\S]*apt-get install maven/),
    });
  });
});
