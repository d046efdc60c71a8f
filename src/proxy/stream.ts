import type { RecordLog } from './record-log.js';

/** Bounds of a {@link RecordStream}'s in-memory window. */
export interface RecordWindow<T> {
  /** Keep at least this many recent records in memory (older ones live only in the log). */
  records: number;
  /** And at most this many bytes of them, as measured by `sizeOf` (for large records such as reports). */
  maxBytes?: number;
  sizeOf?: (record: T) => number;
}

/**
 * An append-only stream of records with increasing ids. Each record is delivered to every
 * subscriber, appended to the durable log when there is one, and kept in a bounded in-memory
 * window of recent records, so a proxy that runs all day holds a constant amount of them; `since`
 * reaches older records through the log. Verdicts and pin-failure reports are both such streams,
 * so the console, the logs, the control API and the harness consume them the same way.
 */
export class RecordStream<T extends { id: number }> {
  private records: T[] = [];
  private sizes: number[] = [];
  private bytes = 0;
  private total = 0;
  private last = 0;
  private readonly listeners = new Set<(record: T) => void>();
  private readonly waiters = new Set<{ test: (r: T) => boolean; resolve: (r: T) => void }>();
  private readonly window: RecordWindow<T>;

  constructor(
    window: Partial<RecordWindow<T>> = {},
    /** The durable JSONL log every record is appended to, when there is one. */
    readonly log?: RecordLog,
  ) {
    this.window = { records: 1_000, ...window };
  }

  /** Record one: log it, keep it in the window, tell everyone. A failing subscriber never loses the record for others. */
  push(record: T): void {
    this.total++;
    this.last = record.id;
    this.log?.append(record);
    this.records.push(record);
    if (this.window.maxBytes !== undefined) {
      const size = this.window.sizeOf?.(record) ?? 0;
      this.sizes.push(size);
      this.bytes += size;
    }
    this.trim();
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch {
        // A subscriber's bug must not cost other subscribers (or the log) their record.
      }
    }
    for (const w of this.waiters) {
      if (w.test(record)) {
        this.waiters.delete(w);
        w.resolve(record);
      }
    }
  }

  private trim(): void {
    const { records: keep, maxBytes } = this.window;
    let drop = 0;
    // Drop in batches (an eighth of the window) so a push costs O(1) on average.
    if (this.records.length > keep + Math.max(16, keep >> 3)) drop = this.records.length - keep;
    if (maxBytes !== undefined) {
      let bytes = this.bytes;
      for (let i = 0; i < drop; i++) bytes -= this.sizes[i]!;
      while (bytes > maxBytes && drop < this.records.length - 1) bytes -= this.sizes[drop++]!;
      this.bytes = bytes;
      if (drop) this.sizes.splice(0, drop);
    }
    if (drop) this.records.splice(0, drop);
  }

  /** Subscribe; returns the function that unsubscribes. */
  subscribe(listener: (record: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The records in the in-memory window, oldest first. */
  recent(): readonly T[] {
    return this.records;
  }

  /** How many records were pushed in all (the window holds the most recent of them). */
  get count(): number {
    return this.total;
  }

  /** The id of the newest record (0 before the first). */
  get lastId(): number {
    return this.last;
  }

  /** Records after the one with id `afterId` that are still in the window, at most `limit`. */
  since(afterId: number, limit = Infinity): T[] {
    // Ids increase: binary search for the first one after afterId.
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.records[mid]!.id > afterId) hi = mid;
      else lo = mid + 1;
    }
    return this.records.slice(lo, Number.isFinite(limit) ? lo + limit : undefined);
  }

  /**
   * Records after `afterId`, at most `limit`: from the window when it reaches back that far, else
   * from the durable log (so a slow poller loses nothing that was logged).
   */
  async sinceDurable(afterId: number, limit: number): Promise<T[]> {
    const oldest = this.records[0]?.id;
    const windowCovers = oldest === undefined ? this.total === 0 || afterId >= this.last : afterId >= oldest - 1;
    if (windowCovers || !this.log) return this.since(afterId, limit);
    return (await this.log.readSince(afterId, limit)) as T[];
  }

  /** The next (or one still in the window, when `includePast`) record that passes `test`; rejects after `timeoutMs`. */
  next(test: (r: T) => boolean = () => true, options: { timeoutMs?: number; includePast?: boolean } = {}): Promise<T> {
    if (options.includePast) {
      const found = this.records.find(test);
      if (found) return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve: (r: T) => (clearTimeout(timer), resolve(r)) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no matching record within ${options.timeoutMs ?? 10_000} ms`));
      }, options.timeoutMs ?? 10_000);
      this.waiters.add(waiter);
    });
  }
}
