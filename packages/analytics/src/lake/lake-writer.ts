import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { AnalyticsError } from "../errors.js";
import { sqlString } from "../sql.js";
import type { Cell, LakeRow } from "./flatten.js";
import { commitFile, DAY_NS, partitionDir, partName } from "./lake-files.js";
import {
  isDecimalType,
  LAKE_TABLES,
  type LakeTable,
  type LakeTableName,
  stagingColumns,
  typedSelectList,
} from "./schema.js";

/** A Parquet part written and made durable by `LakeWriter.commit`. */
export interface WrittenPart {
  readonly table: LakeTableName;
  readonly path: string;
  readonly rows: number;
}

interface Staging {
  readonly table: LakeTable;
  appender: DuckDBAppender | undefined;
  rows: number;
}

/**
 * Buffers lake rows in an in-process DuckDB (through the appender) and writes them out as Parquet
 * parts, one per table and UTC date, each written to a temporary name, fsynced and renamed. The caller
 * commits the batch in its checkpoint only after `commit` resolves.
 */
export class LakeWriter {
  private readonly staging = new Map<LakeTableName, Staging>();
  private pending = 0;

  private constructor(
    private readonly lake: string,
    private readonly sourceId: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(lake: string, sourceId: string): Promise<LakeWriter> {
    const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
    const conn = await instance.connect();
    return new LakeWriter(lake, sourceId, instance, conn);
  }

  /** Rows appended since the last commit. */
  get pendingRows(): number {
    return this.pending;
  }

  async append(row: LakeRow): Promise<void> {
    let s = this.staging.get(row.table);
    if (s === undefined) {
      const table = LAKE_TABLES[row.table];
      await this.conn.run(`CREATE TABLE IF NOT EXISTS "stage_${table.view}" (${stagingColumns(table)})`);
      s = { table, appender: undefined, rows: 0 };
      this.staging.set(row.table, s);
    }
    if (s.appender === undefined) s.appender = await this.conn.createAppender(`stage_${s.table.view}`);
    appendRow(s.appender, s.table, row.cells);
    s.rows++;
    this.pending++;
  }

  /** Appends a row whose table is already staged (no await: the hot path of ingest). */
  appendSync(row: LakeRow): boolean {
    const s = this.staging.get(row.table);
    if (s?.appender === undefined) return false;
    appendRow(s.appender, s.table, row.cells);
    s.rows++;
    this.pending++;
    return true;
  }

  /** Writes every staged row as Parquet parts of batch `batch`, durably, and empties the staging. */
  async commit(batch: number): Promise<WrittenPart[]> {
    const written: WrittenPart[] = [];
    for (const s of this.staging.values()) {
      if (s.appender !== undefined) {
        s.appender.closeSync();
        s.appender = undefined;
      }
      if (s.rows === 0) continue;
      const stage = `"stage_${s.table.view}"`;
      const unit = s.table.partitionUnitNs;
      const dayExpr = `("${s.table.partitionBy}" * ${unit}) // ${DAY_NS}`;
      const days = await this.conn.runAndReadAll(
        `SELECT DISTINCT ${dayExpr} AS day FROM ${stage} ORDER BY day`,
      );
      for (const [d] of days.getRows()) {
        const day = Number(d);
        const dir = partitionDir(this.lake, s.table.name, day);
        const final = join(dir, partName(this.sourceId, batch));
        const tmp = `${final}.tmp`;
        try {
          await mkdir(dir, { recursive: true });
          const count = await this.conn.runAndReadAll(
            `COPY (SELECT ${typedSelectList(s.table)} FROM ${stage} WHERE ${dayExpr} = ${day}
                   ORDER BY ${s.table.sortBy.map((c) => `"${c}"`).join(", ")})
             TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
          );
          await commitFile(tmp, final, dir);
          written.push({ table: s.table.name, path: final, rows: Number(count.getRows()[0]?.[0] ?? 0) });
        } catch (e) {
          throw new AnalyticsError(
            "WRITE_FAILED",
            `cannot write lake part ${final}: ${(e as Error).message}`,
            {
              cause: e,
              context: { file: final },
            },
          );
        }
      }
      await this.conn.run(`DELETE FROM ${stage}`);
      s.rows = 0;
    }
    for (const s of this.staging.values())
      s.appender = await this.conn.createAppender(`stage_${s.table.view}`);
    this.pending = 0;
    return written;
  }

  close(): void {
    for (const s of this.staging.values()) {
      try {
        s.appender?.closeSync();
      } catch {
        // rows of an uncommitted batch are dropped on purpose: the checkpoint does not cover them
      }
    }
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

function appendRow(a: DuckDBAppender, table: LakeTable, cells: readonly Cell[]): void {
  const cols = table.columns;
  for (let i = 0; i < cols.length; i++) {
    const v = cells[i];
    if (v === null || v === undefined) {
      a.appendNull();
      continue;
    }
    const type = cols[i]!.type;
    if (isDecimalType(type)) a.appendHugeInt(v as bigint);
    else if (type === "text") a.appendVarchar(v as string);
    else if (type === "int") a.appendBigInt(typeof v === "bigint" ? v : BigInt(v as number));
    else if (type === "double") a.appendDouble(v as number);
    else a.appendBoolean(v as boolean);
  }
  a.endRow();
}
