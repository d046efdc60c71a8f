/**
 * The proxy's record of each connection it accepted (`ConnectionVerdict`): what the client did on
 * the wire, and whether that contradicts the model. Not the model's `Verdict` (model/verdict.ts),
 * which is what a correct client does with a chain; a record carries that as `expected`.
 */
import type { Alert } from './alerts.js';
import { RecordStream } from './stream.js';

/**
 * What one TCP connection accepted by the proxy came to, as the proxy saw it on the wire. One
 * vocabulary, used by the console, the JSONL log, the control API and every report. About the
 * scenario's chain (the record names the scenario):
 * - `accepted`: the handshake completed and the client sent application data (it trusted the chain);
 * - `rejected`: the client refused during the handshake: a TLS alert (named), or a close/reset
 *   before finishing it (Node clients with a pin check in TLS 1.3 just drop the socket);
 * - `rejected-after-handshake`: the handshake completed, then the client closed or reset without
 *   sending data: a pin or host-name check done after TLS, as OkHttp and curl do;
 * - `not-tls`: the first bytes were not a TLS ClientHello (plain HTTP on the TLS port, garbage);
 * - `timeout`: the client went silent past a bound; `awaited` says what it was waiting for.
 * About the proxy's other traffic (no scenario in the record):
 * - `tunnelled`: a host outside the scenario, passed through untouched (recorded when it ends);
 * - `upstream-failed`: such a tunnel could not reach its host;
 * - `plain-http`: plain HTTP on the proxy listener (proxy requests, pin-failure reports);
 * - `malformed`: a request the proxy refuses (a bad CONNECT, headers too large, a ClientHello over
 *   the size bound), answered with 400/431 or a TLS alert;
 * - `closed`: the client closed or reset the proxy connection before asking for anything;
 * - `dropped`: closed at accept because the proxy was at its connection limit.
 */
export type VerdictKind =
  | 'accepted'
  | 'rejected'
  | 'rejected-after-handshake'
  | 'not-tls'
  | 'timeout'
  | 'tunnelled'
  | 'upstream-failed'
  | 'plain-http'
  | 'malformed'
  | 'closed'
  | 'dropped';

/** Every verdict kind, in the order above (for schemas, colours and docs). */
export const VERDICT_KINDS: readonly VerdictKind[] = [
  'accepted',
  'rejected',
  'rejected-after-handshake',
  'not-tls',
  'timeout',
  'tunnelled',
  'upstream-failed',
  'plain-http',
  'malformed',
  'closed',
  'dropped',
];

/**
 * What a correct client with the pin profile of `serve --profile` does with the chain a record is
 * about: the reference model's answer, worked out once per scenario and host (at start and on each
 * switch), never per connection.
 */
export interface ExpectedVerdict {
  /** `either` where correct platforms differ (the model's platforms.ts): no answer is a mismatch. */
  verdict: 'accept' | 'reject' | 'either';
  /** The model's reason code: `ok`, `pin-mismatch`, `untrusted`… (src/model/reason.ts). */
  code: string;
  /** The id of the pin profile it was worked out for. */
  profile: string;
}

/**
 * What the client answered to the chain, as the wire shows it: `accept` (application data after
 * the handshake), `reject` (in the handshake or right after it), or undefined when it answered
 * nothing (a timeout, bytes that are not TLS) or the record is not about the chain at all.
 */
export function clientAnswer(kind: VerdictKind): 'accept' | 'reject' | undefined {
  if (kind === 'accepted') return 'accept';
  if (kind === 'rejected' || kind === 'rejected-after-handshake') return 'reject';
  return undefined;
}

/** Whether the client's answer on the wire contradicts what a correct client does (nothing answered: no). */
export function isMismatch(kind: VerdictKind, expected: Pick<ExpectedVerdict, 'verdict'>): boolean {
  const answer = clientAnswer(kind);
  return answer !== undefined && expected.verdict !== 'either' && answer !== expected.verdict;
}

/** Which listener accepted a connection: the HTTP proxy port or the direct TLS port. */
export type Listener = 'proxy' | 'tls';

/** One record per TCP connection accepted on a proxy listener, exactly one, never lost. */
export interface ConnectionVerdict {
  /** Increasing per proxy instance. */
  id: number;
  /** When the connection arrived (ISO 8601). */
  time: string;
  durationMs: number;
  kind: VerdictKind;
  /** One human sentence. */
  detail: string;
  /** The scenario whose chain was served (or offered): absent for traffic that is not about it. */
  scenario?: string;
  /**
   * How the connection reached the proxy: `connect` (a CONNECT on the proxy listener), `direct`
   * (the TLS listener), `proxy` (the proxy listener without a CONNECT: plain HTTP, a bad request, nothing).
   */
  via: 'connect' | 'direct' | 'proxy';
  /** CONNECT authority, when via CONNECT. */
  target?: string;
  client: { address: string; port: number };
  sni?: string;
  alpn?: string;
  tlsVersion?: string;
  cipher?: string;
  /** Alert the client sent, when it sent one. */
  alert?: Alert;
  /** The first request line, when accepted (or plain HTTP). */
  requestLine?: string;
  /** For a timeout: what the proxy was waiting for. */
  awaited?: 'request-head' | 'client-hello' | 'handshake' | 'data' | 'upstream' | 'traffic';
  /** Bytes read from and written to the client, for tunnels and plain HTTP. */
  bytes?: { in: number; out: number };
  /** RFC 7469 pins of the chain presented, in order (empty when none was). */
  chainPins: string[];
  /**
   * With `serve --profile`: what a correct client with the profile does with this chain. On every
   * record that names the scenario for one of its hosts (the SNI, else the CONNECT host; a client
   * that names none asks for the first), so not on tunnels, plain HTTP and the like.
   */
  expected?: ExpectedVerdict;
  /**
   * `true` when the client's answer on the wire (accepted; rejected in or after the handshake)
   * contradicts `expected`; absent otherwise. A timeout or bytes that are not TLS answer nothing,
   * so they are never a mismatch.
   */
  mismatch?: true;
}

/** A subscriber to verdicts as they are recorded. */
export type VerdictListener = (verdict: ConnectionVerdict) => void;

/**
 * The verdict stream: every record is kept in order and delivered to every subscriber. This is
 * the first-class API the console, the JSONL log, the control API's SSE stream and the harness
 * all consume; none of them sees sockets.
 */
export class VerdictStream extends RecordStream<ConnectionVerdict> {
  private readonly kinds = Object.fromEntries(VERDICT_KINDS.map((k) => [k, 0])) as Record<VerdictKind, number>;
  private mismatchCount = 0;

  /** Record one, counting it by kind (and as a mismatch), so counts never need a scan of the log. */
  override push(verdict: ConnectionVerdict): void {
    this.kinds[verdict.kind]++;
    if (verdict.mismatch) this.mismatchCount++;
    super.push(verdict);
  }

  /** How many verdicts of each kind were recorded in all (every kind present, zeros included). */
  get byKind(): Readonly<Record<VerdictKind, number>> {
    return this.kinds;
  }

  /** How many recorded verdicts were mismatches (see {@link ConnectionVerdict.mismatch}). */
  get mismatches(): number {
    return this.mismatchCount;
  }
}
