/**
 * An append-only stream of records with increasing ids: every record is kept in order and
 * delivered to every subscriber. Verdicts and pin-failure reports are both such streams, so the
 * console, logs, the control API and the harness consume them the same way.
 */
export class RecordStream<T extends { id: number }> {
  private readonly records: T[] = [];
  private readonly listeners = new Set<(record: T) => void>();
  private readonly waiters = new Set<{ test: (r: T) => boolean; resolve: (r: T) => void }>();

  /** Record one and tell everyone; a failing subscriber never loses the record for others. */
  push(record: T): void {
    this.records.push(record);
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

  /** Subscribe; returns the function that unsubscribes. */
  subscribe(listener: (record: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every record so far, oldest first. */
  all(): readonly T[] {
    return this.records;
  }

  /** Records after the one with id `afterId` (for polling clients). */
  since(afterId: number): T[] {
    return this.records.filter((r) => r.id > afterId);
  }

  /** The next (or an already recorded, when `includePast`) record that passes `test`; rejects after `timeoutMs`. */
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
