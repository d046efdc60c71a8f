import type { Verdict } from '../model/index.js';
import type { ConnectionVerdict } from '../proxy/verdict.js';
import type { Category } from '../scenario/scenario.js';

/**
 * How a client behaved on one scenario, compared with a correct client with its pin set:
 * - `PASS`: it did what a correct client does;
 * - `VULNERABLE`: it accepted a chain it must reject;
 * - `BRICKED`: it rejected a chain its own pin set accepts (an implementation bug);
 * - `POLICY-RISK`: it rightly rejected a legitimate rotation its pin set cannot survive (a
 *   warning about the policy, with the fix);
 * - `INCONCLUSIVE`: nothing to judge (no connection, a timeout, the wire and the exit code
 *   disagree, or the client does not trust the test CA at all).
 */
export type Outcome = 'PASS' | 'VULNERABLE' | 'BRICKED' | 'POLICY-RISK' | 'INCONCLUSIVE';

/** What was observed for one scenario run. */
export interface Observation {
  /** The proxy's verdict for the client's connection; absent when it never connected. */
  wire?: ConnectionVerdict;
  /** The client's exit code (null: killed after --timeout); absent in manual mode. */
  exitCode?: number | null;
  /** The client's own word, TryTLS style (`ACCEPT` / `REJECT` on stdout), when it printed one. */
  said?: 'accept' | 'reject';
}

/** The classification with its reason. */
export interface Classification {
  outcome: Outcome;
  /** What the client did, as observed: accept, reject, or unknown. */
  observed: 'accept' | 'reject' | 'unknown';
  reason: string;
  /** For POLICY-RISK: how to make the pin set survive. */
  fix?: string;
}

/** What the wire and the client's exit code say together. */
export function observedBehaviour(o: Observation): { observed: Classification['observed']; why?: string } {
  const wire = o.wire?.kind;
  if (!o.wire) return { observed: 'unknown', why: 'the client never connected to the proxy' };
  if (wire === 'timeout') return { observed: 'unknown', why: `the connection timed out (${o.wire.detail})` };
  if (wire === 'not-tls') return { observed: 'unknown', why: `the client did not speak TLS (${o.wire.detail})` };
  const wireSays = wire === 'accepted' ? 'accept' : 'reject';
  const clientSays = o.said ?? (o.exitCode === undefined ? undefined : o.exitCode === 0 ? 'accept' : 'reject');
  if (o.exitCode === null) return { observed: 'unknown', why: 'the client did not finish within the timeout' };
  if (clientSays !== undefined && clientSays !== wireSays) {
    return { observed: 'unknown', why: `the wire says ${wire} but the client says ${clientSays}${o.exitCode !== undefined ? ` (exit ${o.exitCode})` : ''}` };
  }
  return { observed: wireSays };
}

/** Classify one scenario run against the reference model's expectation. */
export function classify(category: Category, expected: Verdict, observation: Observation): Classification {
  const { observed, why } = observedBehaviour(observation);
  if (observed === 'unknown') return { outcome: 'INCONCLUSIVE', observed, reason: why! };
  const how = observation.wire?.alert ? ` (${observation.wire.alert.name})` : observation.wire?.kind === 'rejected-after-handshake' ? ' (after the handshake)' : '';
  if (expected.expected === 'accept') {
    if (observed === 'accept') return { outcome: 'PASS', observed, reason: `accepted, as a correct client does: ${expected.reason}` };
    return { outcome: 'BRICKED', observed, reason: `rejected${how} a chain its own pin set accepts: ${expected.reason}` };
  }
  if (observed === 'accept') return { outcome: 'VULNERABLE', observed, reason: `accepted a chain a correct client rejects: ${expected.reason}` };
  if (category === 'rotation' && expected.code === 'pin-mismatch') {
    return {
      outcome: 'POLICY-RISK',
      observed,
      reason: `rejected${how} a legitimate rotation: this pin set cannot survive it`,
      fix: 'pin a key that survives this change (a CA or root key the server keeps, or an offline backup key that the new certificate uses), and ship it before the server changes',
    };
  }
  return { outcome: 'PASS', observed, reason: `rejected${how}, as a correct client does: ${expected.reason}` };
}

/**
 * When the calibration scenario was rejected, the client does not trust the test CA: its other
 * rejections prove nothing, so they become INCONCLUSIVE (acceptances still count).
 */
export function applyCalibration<T extends { category: Category; classification: Classification }>(results: T[]): T[] {
  const calibration = results.filter((r) => r.category === 'calibration');
  const failed = calibration.some((r) => r.classification.observed !== 'accept');
  if (!failed) return results;
  return results.map((r) =>
    r.category !== 'calibration' && r.classification.observed === 'reject'
      ? { ...r, classification: { outcome: 'INCONCLUSIVE', observed: 'reject', reason: 'the client does not trust the test CA (calibration failed): this rejection proves nothing' } }
      : r,
  );
}
