import type { Alert } from './alerts.js';

/**
 * What one TLS connection came to, as the proxy saw it on the wire. One vocabulary, used by the
 * console, the JSONL log, the control API and every report:
 * - `accepted`: the handshake completed and the client sent application data (it trusted the chain);
 * - `rejected`: the client refused during the handshake: a TLS alert (named), or a close/reset
 *   before finishing it (Node clients with a pin check in TLS 1.3 just drop the socket);
 * - `rejected-after-handshake`: the handshake completed, then the client closed or reset without
 *   sending data: a pin or host-name check done after TLS, as OkHttp and curl do;
 * - `not-tls`: the first bytes were not a TLS ClientHello (plain HTTP on the TLS port, garbage);
 * - `timeout`: the client went silent (before or after the handshake) past the allowed time.
 */
export type VerdictKind = 'accepted' | 'rejected' | 'rejected-after-handshake' | 'not-tls' | 'timeout';

/** One record per TLS connection, exactly one, never lost. */
export interface ConnectionVerdict {
  /** Increasing per proxy instance. */
  id: number;
  /** When the connection arrived (ISO 8601). */
  time: string;
  durationMs: number;
  kind: VerdictKind;
  /** One human sentence. */
  detail: string;
  /** Active scenario id when the connection arrived (absent for passthrough-free intercept-all hosts). */
  scenario?: string;
  /** How the connection reached the proxy. */
  via: 'connect' | 'direct';
  /** CONNECT authority, when via CONNECT. */
  target?: string;
  client: { address: string; port: number };
  sni?: string;
  alpn?: string;
  tlsVersion?: string;
  cipher?: string;
  /** Alert the client sent, when it sent one. */
  alert?: Alert;
  /** The first request line, when accepted. */
  requestLine?: string;
  /** RFC 7469 pins of the chain presented, in order. */
  chainPins: string[];
}

/** A subscriber to verdicts as they are recorded. */
export type VerdictListener = (verdict: ConnectionVerdict) => void;

/**
 * The verdict stream: every record is kept in order and delivered to every subscriber. This is
 * the first-class API the console, the JSONL log, the control API's SSE stream and the harness
 * all consume; none of them sees sockets.
 */
export class VerdictStream {
  private readonly records: ConnectionVerdict[] = [];
  private readonly listeners = new Set<VerdictListener>();
  private readonly waiters = new Set<{ test: (v: ConnectionVerdict) => boolean; resolve: (v: ConnectionVerdict) => void }>();

  /** Record one verdict and tell everyone; a failing subscriber never loses the record for others. */
  push(verdict: ConnectionVerdict): void {
    this.records.push(verdict);
    for (const listener of this.listeners) {
      try {
        listener(verdict);
      } catch {
        // A subscriber's bug must not cost other subscribers (or the log) their record.
      }
    }
    for (const w of this.waiters) {
      if (w.test(verdict)) {
        this.waiters.delete(w);
        w.resolve(verdict);
      }
    }
  }

  /** Subscribe; returns the function that unsubscribes. */
  subscribe(listener: VerdictListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every verdict so far, oldest first. */
  all(): readonly ConnectionVerdict[] {
    return this.records;
  }

  /** Verdicts after the one with id `afterId` (for polling clients). */
  since(afterId: number): ConnectionVerdict[] {
    return this.records.filter((r) => r.id > afterId);
  }

  /** The next (or an already recorded, when `includePast`) verdict that passes `test`; rejects after `timeoutMs`. */
  next(test: (v: ConnectionVerdict) => boolean = () => true, options: { timeoutMs?: number; includePast?: boolean } = {}): Promise<ConnectionVerdict> {
    if (options.includePast) {
      const found = this.records.find(test);
      if (found) return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve: (v: ConnectionVerdict) => (clearTimeout(timer), resolve(v)) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no matching verdict within ${options.timeoutMs ?? 10_000} ms`));
      }, options.timeoutMs ?? 10_000);
      this.waiters.add(waiter);
    });
  }
}
