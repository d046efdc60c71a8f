import type { Verdict } from '../model/index.js';
import type { ConnectionVerdict } from '../proxy/connection-record.js';
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
  /** What the client printed (stdout and stderr), to tell a trust failure from a pin failure. */
  output?: string;
  /** A dynamic-pinning client's CONFIG line: the configuration it ended up with. */
  config?: ReportedConfig;
}

/**
 * TLS alerts a client sends when it does not trust the chain (RFC 8446 6.2): a trust failure, never
 * a pin failure. (bad_certificate and certificate_unknown are left out: Go's VerifyPeerCertificate
 * and Java TrustManagers that pin send them for pin failures too.)
 */
const TRUST_ALERTS: ReadonlySet<string> = new Set(['unknown_ca', 'certificate_expired', 'certificate_revoked', 'unsupported_certificate']);

/**
 * How clients word a trust failure in their output: OpenSSL and curl ("SSL certificate problem:
 * unable to get local issuer certificate"), Node (UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
 * SELF_SIGNED_CERT_IN_CHAIN), Go ("x509: certificate signed by unknown authority"), Java ("PKIX
 * path building failed"), GnuTLS ("The certificate is NOT trusted").
 */
const TRUST_FAILURE_TEXT =
  /SSL certificate problem|unable to get (local )?issuer certificate|self[- ]signed certificate in certificate chain|UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE)|SELF_SIGNED_CERT_IN_CHAIN|signed by unknown authority|PKIX path building failed|certificate is NOT trusted/i;
/** How clients word a pin failure: curl, OkHttp, TrustKit, Node's checkServerIdentity examples. */
const PIN_FAILURE_TEXT = /pinned public key|public key does not match|certificate pinning failure|pin(ning)? (check |verification )?fail|pins? mismatch/i;

/** Why a rejection was made, as far as the wire and the client's output tell: `trust`, `pin`, or unknown. */
export function rejectionReason(o: Observation): 'trust' | 'pin' | undefined {
  if (o.output && PIN_FAILURE_TEXT.test(o.output)) return 'pin';
  if (o.wire?.alert && TRUST_ALERTS.has(o.wire.alert.name)) return 'trust';
  if (o.output && TRUST_FAILURE_TEXT.test(o.output)) return 'trust';
  return undefined;
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

/** The POLICY-RISK fix when no key names are known (see policyFix for the one that names them). */
const GENERIC_FIX = 'pin a key that survives this change (a CA or root key the server keeps, or an offline backup key that the new certificate uses), and ship it before the server changes';

/**
 * Classify one scenario run against the reference model's expectation. `fix` is the POLICY-RISK
 * fix that names the keys (policyFix), when the caller knows the world's key names.
 */
export function classify(category: Category, expected: Verdict, observation: Observation, fix = GENERIC_FIX): Classification {
  const { observed, why } = observedBehaviour(observation);
  if (observed === 'unknown') return { outcome: 'INCONCLUSIVE', observed, reason: why! };
  const how = observation.wire?.alert ? ` (${observation.wire.alert.name})` : observation.wire?.kind === 'rejected-after-handshake' ? ' (after the handshake)' : '';
  // Where correct implementations differ, either behaviour is one a correct client has: never
  // VULNERABLE or BRICKED.
  if (expected.expected === 'either' && expected.either) {
    const who = observed === 'accept' ? expected.either.accept : expected.either.reject;
    return { outcome: 'PASS', observed, reason: `${observed === 'accept' ? 'accepted' : `rejected${how}`}, as correct clients on ${who.join(', ')} do (platform-dependent: ${expected.either.accept.join(', ')} accept, ${expected.either.reject.join(', ')} reject): ${observed === 'accept' ? expected.either.lenient.reason : expected.reason}` };
  }
  if (expected.expected === 'accept') {
    if (observed === 'accept') return { outcome: 'PASS', observed, reason: `accepted, as a correct client does: ${expected.reason}` };
    return { outcome: 'BRICKED', observed, reason: `rejected${how} a chain its own pin set accepts: ${expected.reason}` };
  }
  if (observed === 'accept') return { outcome: 'VULNERABLE', observed, reason: `accepted a chain a correct client rejects: ${expected.reason}` };
  // A chain a correct client rejects only for its pins, rejected for trust: the pin check was
  // never reached, so the rejection says nothing about pinning.
  if (expected.code === 'pin-mismatch' && rejectionReason(observation) === 'trust') {
    return {
      outcome: 'INCONCLUSIVE',
      observed,
      reason: `wrong reason: rejected${how} for trust (the chain did not validate for the client), where a correct client rejects it for its pins: ${expected.reason}`,
    };
  }
  if (category === 'rotation' && expected.code === 'pin-mismatch') {
    return {
      outcome: 'POLICY-RISK',
      observed,
      reason: `rejected${how} a legitimate rotation: this pin set cannot survive it`,
      fix,
    };
  }
  return { outcome: 'PASS', observed, reason: `rejected${how}, as a correct client does: ${expected.reason}` };
}

/**
 * The calibration's outcome for a run: `passed` (the client accepted the canary chain, so it trusts
 * the test CA), `failed` (it did not), `missing` (no calibration scenario ran).
 */
export type CalibrationState = 'passed' | 'failed' | 'missing';

/** The calibration state of a run's results. */
export function calibrationState(results: readonly { category: Category; classification: Classification }[]): CalibrationState {
  const calibration = results.filter((r) => r.category === 'calibration');
  if (!calibration.length) return 'missing';
  return calibration.every((r) => r.classification.observed === 'accept') ? 'passed' : 'failed';
}

const UNCALIBRATED: Record<Exclude<CalibrationState, 'passed'>, string> = {
  failed: 'the client does not trust the test CA (calibration failed): this rejection proves nothing',
  missing: 'no calibration scenario ran, so it is unknown whether the client trusts the test CA: this rejection proves nothing',
};

/**
 * One result in the light of the calibration. Unless it passed, a rejection proves nothing (a
 * client that trusts no test CA rejects everything, for the wrong reason), so it is INCONCLUSIVE;
 * acceptances still count. A calibration scenario the client did not accept is INCONCLUSIVE too:
 * it is not a bug of the client's pinning (not BRICKED), it is a run that could not test.
 */
export function calibrated<T extends { category: Category; classification: Classification }>(r: T, state: CalibrationState): T {
  if (r.category === 'calibration') {
    if (r.classification.observed === 'accept') return r;
    return { ...r, classification: { outcome: 'INCONCLUSIVE', observed: r.classification.observed, reason: `calibration failed: the client did not accept a chain from the test CA for a host it does not pin (${r.classification.reason}); install the test roots (pinprick ca) or give the client {cafile}` } };
  }
  if (state === 'passed' || r.classification.observed !== 'reject') return r;
  return { ...r, classification: { outcome: 'INCONCLUSIVE', observed: 'reject', reason: UNCALIBRATED[state] } };
}

/** Every result in the light of the run's calibration (see {@link calibrated}). */
export function applyCalibration<T extends { category: Category; classification: Classification }>(results: T[]): T[] {
  const state = calibrationState(results);
  return results.map((r) => calibrated(r, state));
}

/**
 * Whether a run tested anything: not when its calibration did not pass, nor when every result is
 * INCONCLUSIVE. `pinprick run` exits 3 then, so a CI gate never goes green on it.
 */
export function testedNothing(results: readonly { category: Category; classification: Classification }[]): string | undefined {
  const state = calibrationState(results);
  if (state === 'failed') return 'nothing was tested: the client does not trust the test CA (the calibration scenario was not accepted), so its rejections prove nothing';
  if (state === 'missing') return 'nothing was tested: no calibration scenario ran';
  if (results.every((r) => r.classification.outcome === 'INCONCLUSIVE')) return 'nothing was tested: every result is INCONCLUSIVE';
  return undefined;
}

/**
 * What a dynamic-pinning client says it ended up with, on one stdout line:
 * `CONFIG version=N source=served|last-good|none reason=…` (`version=none` with `source=none`).
 */
export interface ReportedConfig {
  source: 'served' | 'last-good' | 'none';
  version?: number;
  reason?: string;
}

/** The client's CONFIG line, or undefined when it printed none (the last one counts). */
export function parseConfigLine(stdout: string): ReportedConfig | undefined {
  const lines = [...stdout.matchAll(/^\s*CONFIG\s+version=(\d+|none)\s+source=(served|last-good|none)(?:\s+reason=(.*))?$/gm)];
  const m = lines.at(-1);
  if (!m) return undefined;
  const version = m[1] === 'none' ? undefined : Number(m[1]);
  return { source: m[2] as ReportedConfig['source'], ...(version !== undefined && Number.isSafeInteger(version) ? { version } : {}), ...(m[3]?.trim() ? { reason: m[3].trim() } : {}) };
}

/** What a correct client ends up with on the configuration channel: the served configuration or its last good one, and that one's version. */
export interface ExpectedConfig {
  source: 'served' | 'last-good';
  version: number;
  /** What the channel served (the scenario's `config.serve`), for the sentence. */
  serve: string;
}

/**
 * The configuration channel on its own. Adopting a configuration a correct client refuses (an
 * attacker's, a replayed older one) is VULNERABLE whatever the API connection looked like:
 * the attacker's pins are what the app will enforce from now on. Refusing a configuration a
 * correct client adopts, or losing the last good one, is BRICKED. No CONFIG line: INCONCLUSIVE.
 */
export function classifyConfig(expected: ExpectedConfig, reported: ReportedConfig | undefined): Classification {
  const served = `the '${expected.serve}' configuration`;
  if (!reported) return { outcome: 'INCONCLUSIVE', observed: 'unknown', reason: 'the client printed no CONFIG line: what configuration it uses is unknown' };
  const why = reported.reason ? ` (${reported.reason})` : '';
  if (expected.source === 'last-good') {
    if (reported.source === 'served') return { outcome: 'VULNERABLE', observed: 'accept', reason: `adopted ${served}, which a correct client refuses, keeping its last good configuration (version ${expected.version})` };
    if (reported.source === 'none') return { outcome: 'BRICKED', observed: 'reject', reason: `refused ${served}${why} but lost its last good configuration (version ${expected.version}) instead of keeping it` };
    if (reported.version !== undefined && reported.version !== expected.version) return { outcome: 'INCONCLUSIVE', observed: 'reject', reason: `refused ${served}${why}, but reports last good version ${reported.version}, not ${expected.version}` };
    return { outcome: 'PASS', observed: 'reject', reason: `refused ${served}${why} and kept its last good configuration, as a correct client does` };
  }
  if (reported.source !== 'served') return { outcome: 'BRICKED', observed: 'reject', reason: `refused ${served}${why}, which a correct client adopts: validly signed by the operator, newer, valid${expected.serve.startsWith('device') ? ', for this device' : ''}` };
  if (reported.version !== undefined && reported.version !== expected.version) return { outcome: 'INCONCLUSIVE', observed: 'accept', reason: `reports served version ${reported.version}, but the proxy served version ${expected.version}` };
  return { outcome: 'PASS', observed: 'accept', reason: `adopted ${served}, as a correct client does` };
}

/** Worst first: what a scenario run on two channels comes to is the worse of the two. */
const SEVERITY: readonly Outcome[] = ['VULNERABLE', 'BRICKED', 'INCONCLUSIVE', 'POLICY-RISK', 'PASS'];

/**
 * One classification for a dynamic scenario from its two channels: the worse outcome, with both
 * reasons. `observed` stays the API connection's (what the wire showed).
 */
export function combineChannels(api: Classification, config: Classification): Classification {
  const worse = SEVERITY.indexOf(config.outcome) < SEVERITY.indexOf(api.outcome) ? config.outcome : api.outcome;
  return { ...api, outcome: worse, reason: `configuration: ${config.outcome} ${config.reason}; API: ${api.outcome} ${api.reason}` };
}
