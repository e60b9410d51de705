import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../ingest/ingest.js";
import { iterableSource } from "../ingest/source.js";
import { asSourceRecord, fillRecord, ns } from "../testing/records.js";
import { scenarioRecords } from "../testing/scenario.js";
import { computeTaxLots, exportTaxLots } from "./tax-lots.js";

let dir: string;
let lake: string;

// Three buys (10, 12, 11), then sell 1 @ 15 in 2023 and 2 @ 9 in 2024. By hand:
//   FIFO: 2023 closes the 10 (+5);  2024 closes 12 and 11 (−3, −2)
//   LIFO: 2023 closes the 11 (+4);  2024 closes 12 and 10 (−3, −1)
//   HIFO: 2023 closes the 12 (+3);  2024 closes 11 and 10 (−2, −1)
const lots = [
  ["b1", "buy", "10", "1", "2023-06-01"],
  ["b2", "buy", "12", "1", "2023-07-01"],
  ["b3", "buy", "11", "1", "2023-08-01"],
  ["s1", "sell", "15", "1", "2023-12-01"],
  ["s2", "sell", "9", "2", "2024-02-01"],
] as const;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "of-tax-"));
  lake = join(dir, "lake");
  const records = [
    ...scenarioRecords(),
    ...lots.map(([id, side, price, quantity, day]) =>
      fillRecord({
        fillId: id,
        clientOrderId: `c-${id}`,
        strategyId: "tax",
        instrument: "ETH/USDT:sim",
        side,
        price,
        quantity,
        fee: id === "s2" ? "0.3" : "0",
        tsNs: ns(`${day}T12:00:00.000Z`),
      }),
    ),
  ];
  await ingest({ lake, source: iterableSource("fixture", () => records.map(asSourceRecord)) });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("tax lots", () => {
  it("FIFO, LIFO and highest cost realize different gains per year", async () => {
    const gains = async (method: "fifo" | "lifo" | "hifo") => {
      const r = await computeTaxLots({ lake, strategy: "tax", method });
      return {
        lots: r.lots.map((l) => [l.openFillId, l.closeFillId, l.gain]),
        years: r.years.map((y) => [y.year, y.gain, y.fees, y.gainNet]),
      };
    };
    expect(await gains("fifo")).toEqual({
      lots: [
        ["b1", "s1", "5"],
        ["b2", "s2", "-3"],
        ["b3", "s2", "-2"],
      ],
      // s2's fee 0.3 is split over its 2 units: 0.15 per lot closed
      years: [
        [2023, "5", "0", "5"],
        [2024, "-5", "0.3", "-5.3"],
      ],
    });
    expect((await gains("lifo")).years).toEqual([
      [2023, "4", "0", "4"],
      [2024, "-4", "0.3", "-4.3"],
    ]);
    expect((await gains("hifo")).lots).toEqual([
      ["b2", "s1", "3"],
      ["b3", "s2", "-2"],
      ["b1", "s2", "-1"],
    ]);
  });

  it("matches the metrics' FIFO realized PnL on the report fixture, with fees pro rata", async () => {
    const r = await computeTaxLots({ lake, strategy: "alpha" });
    expect(r.lots.map((l) => [l.side, l.quantity, l.gain, l.openFee, l.closeFee, l.gainNet])).toEqual([
      ["long", "1", "2.5", "0.1", "0.1", "2.3"],
      ["long", "1", "-2.6", "0.1", "0.1", "-2.8"],
      ["short", "1", "0.9", "0.1", "0.1", "0.7"],
    ]);
    expect(r.years).toMatchObject([{ year: 2024, lots: 3, gain: "0.8", fees: "0.6", gainNet: "0.2" }]);
  });

  it("exports both CSV files and filters by closing time", async () => {
    const out = join(dir, "csv", "lots.csv");
    const r = await exportTaxLots({ lake, strategy: "tax", from: "2024-01-01", out });
    expect(r.lots).toHaveLength(2);
    const csv = await readFile(out, "utf8");
    expect(csv.split("\n")[0]).toBe(
      "strategy,account,instrument,method,side,quantity,openFillId,openTime,openPrice,closeFillId,closeTime,closePrice,gain,openFee,closeFee,gainNet,holdingDays",
    );
    expect(csv).toContain(
      "tax,acc,ETH/USDT:sim,fifo,long,1,b2,2023-07-01T12:00:00.000Z,12,s2,2024-02-01T12:00:00.000Z,9,-3,0,0.15,-3.15,215",
    );
    const years = await readFile(join(dir, "csv", "lots-by-year.csv"), "utf8");
    expect(years).toBe(
      "year,strategy,account,instrument,method,lots,gain,fees,gainNet\n2024,tax,acc,ETH/USDT:sim,fifo,2,-5,0.3,-5.3\n",
    );
    await expect(computeTaxLots({ lake, method: "avg" as "fifo" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });
});
