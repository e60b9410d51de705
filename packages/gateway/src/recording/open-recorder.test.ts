import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decimal, decodeRecord, readSegmentLog } from "@openfloor/core";
import { describe, expect, it } from "vitest";
import { openRecorder, recordStrategyRecords } from "./open-recorder.js";
import { recordingLogDir } from "./record-replay.js";
import { StrategyRecordBuffer } from "./strategy-record-buffer.js";

describe("openRecorder without brokers", () => {
  it("records the strategy record buffer's batches to the local segment log, the buffer working as before", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "openfloor-open-recorder-"));
    const recorder = await openRecorder({ dataDir });
    expect(recorder.stats().sink).toBe("segment-log");
    const buffer = new StrategyRecordBuffer(10);
    const unsubscribe = recordStrategyRecords(buffer, recorder);
    buffer.append([
      {
        strategyId: "s1",
        name: "ema",
        tsNs: 1_700_000_000_123_000_000n,
        value: { kind: "number", value: 1.5 },
      },
      {
        strategyId: "s1",
        name: "decision",
        tsNs: 2n,
        value: { kind: "decimal", value: Decimal.from("50000.01") },
      },
      { strategyId: "s2", name: "state", tsNs: 3n, value: { kind: "json", value: '{"a":1}' } },
    ]);
    unsubscribe();
    buffer.append([{ strategyId: "s1", name: "late", tsNs: 4n, value: { kind: "number", value: 0 } }]);
    expect(buffer.length).toBe(4);
    await recorder.close();
    const logged = [];
    for await (const { record } of readSegmentLog({ dir: recordingLogDir(dataDir) })) logged.push(record);
    expect(logged.map((r) => [r.topic, r.key, r.timestampMs])).toEqual([
      ["openfloor.strategy-records", "s1", 1_700_000_000_123],
      ["openfloor.strategy-records", "s1", 0],
      ["openfloor.strategy-records", "s2", 0],
    ]);
    const decoded = decodeRecord(logged[1]!.headers, logged[1]!.value);
    expect(decoded.kind === "strategy-record" && decoded.value.value).toEqual({
      $case: "decimal",
      value: Decimal.from("50000.01").toProto(),
    });
    await rm(dataDir, { recursive: true, force: true });
  });
});
