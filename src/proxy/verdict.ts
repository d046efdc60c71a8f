import type { Alert } from './alerts.js';
import { RecordStream } from './stream.js';

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
export class VerdictStream extends RecordStream<ConnectionVerdict> {}
