import { createHash } from "node:crypto";

/** The hash of the row before the first: 32 zero bytes. */
export const GENESIS_HASH = Buffer.alloc(32);

/** sha256(prev_hash ‖ seq ‖ kind ‖ payload) with unambiguous separators. */
export function chainHash(prevHash: Buffer, seq: bigint, kind: string, payload: string): Buffer {
  return createHash("sha256")
    .update(prevHash)
    .update(`\u0000${seq}\u0000${kind}\u0000`)
    .update(payload)
    .digest();
}
