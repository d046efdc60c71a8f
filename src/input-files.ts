/** Reading the files a user names, with a size limit per kind of file (each limit sits beside its parser). */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** A file larger than the limit for its kind: nothing of it was parsed. */
export class TooLargeError extends Error {
  constructor(
    /** Its size in bytes, when known (a regular file); undefined for a pipe or device cut at the limit. */
    readonly size: number | undefined,
    readonly limit: number,
  ) {
    super(`${size === undefined ? `more than ${limit}` : size} bytes (limit ${limit} bytes)`);
  }
}

/**
 * The bytes of a file a user names, refusing more than `limit` before parsing anything: a regular
 * file by its size, a pipe or device (`/dev/stdin`, `<(...)`, `/dev/zero`) by reading at most
 * `limit + 1` bytes. Throws {@link TooLargeError}, or the file system's error (ENOENT, EISDIR, …).
 */
export function readBounded(file: string, limit: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > limit) throw new TooLargeError(stat.size, limit);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) throw new TooLargeError(undefined, limit);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** `file: too large for a KIND: N bytes (limit N bytes)`, the one line every size refusal prints. */
export function tooLargeMessage(file: string, kind: string, err: TooLargeError): string {
  return `${file}: too large for ${kind}: ${err.message}`;
}
