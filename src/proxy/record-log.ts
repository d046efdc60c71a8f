import { closeSync, createReadStream, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { ProxyError } from '../errors.js';

/** A write to the log failed: what the proxy reports once (stderr, `/status`) and goes on. */
export interface LogFailure {
  path: string;
  /** The first error, e.g. `ENOSPC: no space left on device`. */
  error: string;
  /** When it first failed (ISO 8601). */
  since: string;
  /** Records that could not be written so far. */
  lost: number;
}

/**
 * A durable JSONL log: one record a line, written with one synchronous write each, so a crash or a
 * kill never loses a record that was reported. Opened at start-up, where a path that cannot be
 * opened is an error (exit 2); a write that fails later is counted and reported once through
 * `onFailure`, and the proxy goes on serving. It also answers reads of this run's records by id,
 * for pollers that fall behind the in-memory window (the file may hold earlier runs: reads start
 * where this run's first line went).
 */
export class RecordLog {
  private fd: number | undefined;
  private readonly start: number;
  private failureNow: LogFailure | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly onFailure: (failure: LogFailure) => void,
  ) {
    this.fd = fd;
    // A character device (/dev/null, /dev/full) has no size to start from.
    const stat = fstatSync(fd);
    this.start = stat.isFile() ? stat.size : 0;
  }

  /** Open (create, append) the log; throws {@link ProxyError} naming the path and why. */
  static open(path: string, what: string, onFailure: (failure: LogFailure) => void = () => undefined): RecordLog {
    try {
      mkdirSync(dirname(path), { recursive: true });
      return new RecordLog(path, openSync(path, 'a', 0o644), onFailure);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new ProxyError(`cannot open the ${what} '${path}': ${e.code ?? ''}${e.code ? ': ' : ''}${describe(e)}`);
    }
  }

  /** Append one record. Never throws: a failure is counted and reported once. */
  append(record: unknown): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, JSON.stringify(record) + '\n');
    } catch (err) {
      if (this.failureNow) {
        this.failureNow.lost++;
        return;
      }
      const e = err as NodeJS.ErrnoException;
      this.failureNow = { path: this.path, error: `${e.code ?? 'error'}: ${describe(e)}`, since: new Date().toISOString(), lost: 1 };
      this.onFailure(this.failureNow);
    }
  }

  /** The first write failure, when there was one. */
  get failure(): LogFailure | undefined {
    return this.failureNow;
  }

  /** This run's records after id `afterId`, at most `limit`, read back from the file. */
  async readSince(afterId: number, limit: number): Promise<unknown[]> {
    const out: unknown[] = [];
    if (limit <= 0) return out;
    const input = createReadStream(this.path, { start: this.start, encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line) continue;
        let record: { id?: unknown };
        try {
          record = JSON.parse(line) as { id?: unknown };
        } catch {
          continue; // a line cut by a failed write
        }
        if (typeof record.id === 'number' && record.id > afterId) {
          out.push(record);
          if (out.length >= limit) break;
        }
      }
    } catch {
      // An unreadable log (removed, a device): what was read is the answer.
    } finally {
      lines.close();
      input.destroy();
    }
    return out;
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Closing a log whose device failed: nothing more to lose.
    }
    this.fd = undefined;
  }
}

/** The error's message without Node's `CODE: ` prefix and syscall suffix. */
function describe(e: NodeJS.ErrnoException): string {
  return e.message.replace(/^[A-Z]+: /, '').replace(/, (open|write)( '.*')?$/, '');
}
