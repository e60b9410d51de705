import type pg from "pg";
import { chainHash, GENESIS_HASH } from "./hash-chain.js";

/** The first row where a gateway's hash chain breaks. */
export interface ChainBreak {
  readonly gatewayId: string;
  readonly seq: bigint;
  readonly problem: "hash mismatch" | "prev_hash mismatch" | "missing row";
  readonly kind: string;
  readonly payload: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** Rows checked per gateway chain. */
  readonly rows: ReadonlyMap<string, number>;
  readonly firstBreak?: ChainBreak;
}

const PAGE = 5000;

/**
 * Recomputes every gateway's hash chain in `audit_log` (paging by key, constant memory) and reports the
 * first broken row: a payload that no longer matches its hash, a row whose prev_hash is not the hash
 * before it, or a missing sequence number.
 */
export async function verifyAuditChain(
  pool: pg.Pool,
  options: { gatewayId?: string } = {},
): Promise<VerifyResult> {
  const rows = new Map<string, number>();
  let gateway = "";
  let seq = 0n;
  let expectedSeq = 1n;
  let prev: Buffer = GENESIS_HASH;
  let current: string | undefined;
  for (;;) {
    const page = await pool.query<{
      gateway_id: string;
      seq: string;
      kind: string;
      payload: string;
      prev_hash: Buffer;
      hash: Buffer;
    }>(
      `SELECT gateway_id, seq::text, kind, payload, prev_hash, hash FROM audit_log
       WHERE (gateway_id, seq) > ($1, $2::bigint) ${options.gatewayId === undefined ? "" : "AND gateway_id = $4"}
       ORDER BY audit_log.gateway_id, audit_log.seq LIMIT $3`,
      options.gatewayId === undefined
        ? [gateway, seq.toString(), PAGE]
        : [gateway, seq.toString(), PAGE, options.gatewayId],
    );
    for (const r of page.rows) {
      const rowSeq = BigInt(r.seq);
      if (r.gateway_id !== current) {
        current = r.gateway_id;
        expectedSeq = 1n;
        prev = GENESIS_HASH;
      }
      const fail = (problem: ChainBreak["problem"]): VerifyResult => ({
        ok: false,
        rows,
        firstBreak: { gatewayId: r.gateway_id, seq: rowSeq, problem, kind: r.kind, payload: r.payload },
      });
      if (rowSeq !== expectedSeq) return fail("missing row");
      if (!r.prev_hash.equals(prev)) return fail("prev_hash mismatch");
      if (!chainHash(prev, rowSeq, r.kind, r.payload).equals(r.hash)) return fail("hash mismatch");
      prev = r.hash;
      expectedSeq = rowSeq + 1n;
      rows.set(r.gateway_id, (rows.get(r.gateway_id) ?? 0) + 1);
      gateway = r.gateway_id;
      seq = rowSeq;
    }
    if (page.rows.length < PAGE) return { ok: true, rows };
  }
}
