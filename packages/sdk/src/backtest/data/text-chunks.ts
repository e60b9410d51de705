import { isAscii } from "node:buffer";
import { createReadStream, type ReadStream, statSync } from "node:fs";
import { createGunzip } from "node:zlib";
import { SdkError } from "../../errors/sdk-errors.js";

/** A file read as text, a chunk of whole lines at a time, with how far the read has come. */
export interface TextChunks {
  /** Whole lines (the last one may lack its newline only at the end of the file). */
  chunks(): AsyncIterable<string>;
  /** Bytes of the file read so far, 0..1. */
  progress(): number;
}

const CHUNK_BYTES = 1 << 18;
const NEWLINE = 0x0a;

/**
 * Streams a text file (gzip when it ends in `.gz`) in chunks of about 256 KiB cut at line ends, so memory
 * stays flat however large the file is. A missing or unreadable file is an `INVALID_ARGUMENT` error
 * naming it.
 */
export function readTextChunks(path: string): TextChunks {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error("not a regular file");
    size = stat.size;
  } catch (error) {
    throw new SdkError("INVALID_ARGUMENT", `cannot read data file ${path}: ${(error as Error).message}`, {
      cause: error,
      context: { file: path },
    });
  }
  let file: ReadStream | undefined;
  let finished = false;
  return {
    progress: () => (finished || size === 0 ? 1 : Math.min(1, (file?.bytesRead ?? 0) / size)),
    chunks: async function* () {
      file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
      const stream = path.endsWith(".gz") ? file.pipe(createGunzip()) : file;
      let rest: Buffer | undefined;
      try {
        for await (const piece of stream as AsyncIterable<Buffer>) {
          const buf = rest === undefined ? piece : Buffer.concat([rest, piece]);
          const cut = buf.lastIndexOf(NEWLINE);
          if (cut < 0) {
            rest = buf;
            continue;
          }
          rest = cut + 1 < buf.length ? buf.subarray(cut + 1) : undefined;
          const lines = buf.subarray(0, cut + 1);
          // Plain ASCII (the usual case) decodes as latin1 without UTF-8 validation: same text, much faster.
          yield isAscii(lines) ? lines.toString("latin1") : lines.toString("utf8");
        }
        if (rest !== undefined && rest.length > 0) yield rest.toString("utf8");
        finished = true;
      } catch (error) {
        throw new SdkError("INVALID_ARGUMENT", `cannot read data file ${path}: ${(error as Error).message}`, {
          cause: error,
          context: { file: path },
        });
      } finally {
        file.destroy();
      }
    },
  };
}
