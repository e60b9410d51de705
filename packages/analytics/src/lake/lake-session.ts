import { stat } from "node:fs/promises";
import { type DuckDBConnection, DuckDBInstance, type DuckDBResultReader } from "@duckdb/node-api";
import { AnalyticsError } from "../errors.js";
import { sqlString, sqlStringList } from "../sql.js";
import { readCheckpoint } from "./checkpoint.js";
import { listParts, type PartFile } from "./lake-files.js";
import { LAKE_TABLES, type LakeTableName, lakeColumns, TABLE_NAMES } from "./schema.js";

/** Inclusive range of UTC day numbers (days since the epoch) a table is read for. */
export interface DayRange {
  readonly from?: number;
  readonly to?: number;
}

/** Options of `openLake`. */
export interface OpenLakeOptions {
  /** Read only these days of these tables (partition pruning). Default: every day of every table. */
  readonly days?: Partial<Record<LakeTableName, DayRange>>;
  /** DuckDB worker threads. Default: DuckDB's default (the machine's cores). */
  readonly threads?: number;
  /** DuckDB memory limit, e.g. "4GB". Default: DuckDB's default (80% of RAM). */
  readonly memoryLimit?: string;
}

/**
 * A DuckDB connection with one view per lake table (`fill`, `quote`, `order_event`, `audit_fill`, …)
 * over the committed Parquet parts. A table with no parts is an empty view with the lake's column types.
 */
export class LakeSession {
  private constructor(
    readonly lake: string,
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
    /** Committed parts per table that the views read. */
    readonly files: ReadonlyMap<LakeTableName, readonly string[]>,
  ) {}

  /** Opens the lake; `LAKE_MISSING` if the directory does not exist. */
  static async open(lake: string, options: OpenLakeOptions = {}): Promise<LakeSession> {
    const st = await stat(lake).catch(() => undefined);
    if (st === undefined || !st.isDirectory()) {
      throw new AnalyticsError(
        "LAKE_MISSING",
        `no lake at ${lake}: run \`openfloor-analytics ingest --lake ${lake}\` first`,
        {
          context: { lake },
        },
      );
    }
    const parts = await committedParts(lake);
    // Parallel inserts; the one query that needs row order turns it back on for itself.
    const config: Record<string, string> = { preserve_insertion_order: "false" };
    if (options.threads !== undefined) config.threads = String(options.threads);
    if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
    const instance = await DuckDBInstance.create(":memory:", config);
    const conn = await instance.connect();
    const files = new Map<LakeTableName, string[]>();
    for (const name of TABLE_NAMES) {
      const t = LAKE_TABLES[name];
      const range = options.days?.[name];
      const list = parts
        .filter((p) => p.table === name)
        .filter(
          (p) =>
            (range?.from === undefined || p.day >= range.from) &&
            (range?.to === undefined || p.day <= range.to),
        )
        .map((p) => p.path)
        .sort();
      files.set(name, list);
      if (list.length === 0) await conn.run(`CREATE TEMP TABLE "${t.view}" (${lakeColumns(t)})`);
      else
        await conn.run(
          `CREATE TEMP VIEW "${t.view}" AS SELECT * FROM read_parquet(${sqlStringList(list)}, hive_partitioning = false)`,
        );
    }
    return new LakeSession(lake, instance, conn, files);
  }

  /** Runs SQL and reads every row; a corrupt Parquet part becomes `LAKE_CORRUPT` naming the file. */
  async query(sql: string): Promise<DuckDBResultReader> {
    try {
      return await this.conn.runAndReadAll(sql);
    } catch (e) {
      throw await this.explain(e);
    }
  }

  /** Rows as JSON-friendly objects (DECIMAL and BIGINT as strings). */
  async rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    return (await this.query(sql)).getRowObjectsJson() as T[];
  }

  async run(sql: string): Promise<void> {
    try {
      await this.conn.run(sql);
    } catch (e) {
      throw await this.explain(e);
    }
  }

  /** Whether the table has any committed part in the range read. */
  has(table: LakeTableName): boolean {
    return (this.files.get(table)?.length ?? 0) > 0;
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }

  private async explain(e: unknown): Promise<Error> {
    const message = (e as Error).message ?? String(e);
    if (!/parquet|magic|IO Error|Invalid Input|corrupt|metadata|thrift/i.test(message)) return e as Error;
    for (const [table, list] of this.files) {
      for (const file of list) {
        try {
          await this.conn.run(`SELECT * FROM parquet_metadata(${sqlString(file)}) LIMIT 1`);
          await this.conn.run(
            `COPY (SELECT * FROM read_parquet(${sqlString(file)})) TO '/dev/null' (FORMAT csv)`,
          );
        } catch (inner) {
          return new AnalyticsError(
            "LAKE_CORRUPT",
            `lake file ${file} (table ${table}) is not readable Parquet: ${(inner as Error).message.split("\n")[0]}; remove it and re-ingest its source`,
            { cause: inner, context: { file, table } },
          );
        }
      }
    }
    return e as Error;
  }
}

/** Parts the checkpoints commit: no temporaries, no batch at or past its source's `nextBatch`. */
export async function committedParts(lake: string): Promise<PartFile[]> {
  const parts = await listParts(lake);
  const next = new Map<string, number | undefined>();
  for (const p of parts) {
    if (!next.has(p.sourceId)) next.set(p.sourceId, (await readCheckpoint(lake, p.sourceId))?.nextBatch);
  }
  return parts.filter((p) => {
    if (p.temporary) return false;
    const n = next.get(p.sourceId);
    return n === undefined || p.batch < n;
  });
}
