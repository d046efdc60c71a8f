import { isAccepting, type ReasonCode } from '../model/index.js';
import type { Category } from '../scenario/scenario.js';
import { calibrationState, type Classification } from './classify.js';

/**
 * What a whole run says about the client, above the per-scenario table: one finding per way a
 * pinning client fails, derived from the outcomes alone (pure, so every report shows the same).
 * The wording follows the ways real clients are known to fail: no pinning at all, no chain
 * validation (a custom TrustManager that trusts everything), pinning the chain as sent instead
 * of the validated path (OkHttp before 2.7.4, CVE-2016-2402), and a device without the test CA.
 */
export interface Diagnosis {
  code: DiagnosisCode;
  /** One sentence, starting "this client". */
  text: string;
  /** The scenarios that show it. */
  scenarios: string[];
}

export type DiagnosisCode =
  | 'no-test-ca'
  | 'no-calibration'
  | 'no-pin-enforcement'
  | 'partial-pin-enforcement'
  | 'pins-chain-as-sent'
  | 'no-chain-validation'
  | 'bricks'
  | 'adopts-refused-config'
  | 'correct';

/** What the diagnosis reads of one result (a ScenarioResult has all of it). */
export interface DiagnosedResult {
  id: string;
  category: Category;
  expected: { verdict: 'accept' | 'reject' | 'either'; code: ReasonCode };
  classification: Pick<Classification, 'outcome' | 'observed' | 'reason'>;
  /** Pinned keys sent but not on the validated path (pin-stuffing bait). */
  chain?: { offPathPins: readonly unknown[] };
  /** A dynamic scenario's configuration channel: what was served and how the client did on it. */
  configChannel?: { serve: string; classification: Pick<Classification, 'outcome'> };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The client-level findings of a run, most fundamental first; `correct` when there is none. */
export function diagnose(results: readonly DiagnosedResult[]): Diagnosis[] {
  const found: Diagnosis[] = [];
  const state = calibrationState(results);
  const ids = (rs: readonly DiagnosedResult[]) => rs.map((r) => r.id);
  if (state === 'failed') {
    found.push({
      code: 'no-test-ca',
      text: 'this client does not trust the test CA (it did not accept the calibration chain), so none of its rejections say anything about pinning: install every root (pinprick ca) or give it {cafile}',
      scenarios: ids(results.filter((r) => r.category === 'calibration')),
    });
  } else if (state === 'missing') {
    found.push({ code: 'no-calibration', text: 'this client was not calibrated (no calibration scenario ran), so none of its rejections say anything about pinning', scenarios: [] });
  }
  // A rejection counts as one for the right reason only when the run is calibrated and the
  // classification kept it (a wrong-reason or uncalibrated rejection is INCONCLUSIVE).
  const accepted = (r: DiagnosedResult) => r.classification.observed === 'accept';
  const rightlyRejected = (r: DiagnosedResult) => r.classification.observed === 'reject' && r.classification.outcome !== 'INCONCLUSIVE';
  const pinFailures = results.filter((r) => r.expected.code === 'pin-mismatch');
  const stuffed = (r: DiagnosedResult) => (r.chain?.offPathPins.length ?? 0) > 0;
  const acceptedPlain = pinFailures.filter((r) => accepted(r) && !stuffed(r));
  const acceptedStuffed = pinFailures.filter((r) => accepted(r) && stuffed(r));
  const rejectedPins = pinFailures.filter(rightlyRejected);
  const rejectedPlain = rejectedPins.filter((r) => !stuffed(r));
  if (acceptedPlain.length === 0 && acceptedStuffed.length > 0 && rejectedPins.length === 0) {
    // Only pin-stuffing chains were accepted and no plain one ran: the two failures look alike.
    found.push({
      code: 'pins-chain-as-sent',
      text: `this client accepted ${plural(acceptedStuffed.length, 'chain')} whose pinned key was sent but is not on the validated path: it pins the chain as sent (CVE-2016-2402), or does not enforce pins at all (run attack-rogue-root too, to tell which)`,
      scenarios: ids(acceptedStuffed),
    });
  } else if (acceptedPlain.length + acceptedStuffed.length > 0 && rejectedPins.length === 0) {
    const all = [...acceptedPlain, ...acceptedStuffed];
    found.push({ code: 'no-pin-enforcement', text: `this client does not enforce pins (accepted ${plural(all.length, 'chain')} with no pinned key on the validated path)`, scenarios: ids(all) });
  } else {
    if (acceptedStuffed.length > 0 && rejectedPlain.length > 0) {
      found.push({
        code: 'pins-chain-as-sent',
        text: `this client pins the chain as sent, not the validated path (CVE-2016-2402): it accepted ${plural(acceptedStuffed.length, 'chain')} whose pinned key was sent but is not on the path, and rejected ${plural(rejectedPlain.length, 'chain')} without one`,
        scenarios: ids(acceptedStuffed),
      });
    }
    if (acceptedPlain.length > 0) {
      const total = acceptedPlain.length + rejectedPlain.length;
      found.push({ code: 'partial-pin-enforcement', text: `this client enforces pins only sometimes (accepted ${acceptedPlain.length} of ${plural(total, 'chain')} with no pinned key on the validated path)`, scenarios: ids(acceptedPlain) });
    }
  }
  // Where correct platforms differ (`either`), accepting is one of the correct behaviours.
  const invalid = results.filter((r) => r.expected.verdict !== 'either' && !isAccepting(r.expected.code) && r.expected.code !== 'pin-mismatch' && accepted(r));
  if (invalid.length) {
    const codes = [...new Set(invalid.map((r) => r.expected.code))].join(', ');
    found.push({ code: 'no-chain-validation', text: `this client does not validate the chain (accepted ${plural(invalid.length, 'chain')} a correct client rejects before any pin check: ${codes})`, scenarios: ids(invalid) });
  }
  // Dynamic pinning: a configuration a correct client refuses, adopted (whatever the API connection did).
  const adopted = results.filter((r) => r.configChannel?.classification.outcome === 'VULNERABLE');
  if (adopted.length) {
    const serves = adopted.map((r) => r.configChannel!.serve).join(', ');
    found.push({ code: 'adopts-refused-config', text: `this client adopted ${plural(adopted.length, 'pin configuration')} a correct client refuses (${serves}): it does not verify its configuration strictly (signature, algorithm, key, version)`, scenarios: ids(adopted) });
  }
  const bricked = results.filter((r) => r.classification.outcome === 'BRICKED');
  if (bricked.length) {
    found.push({ code: 'bricks', text: `this client rejects ${plural(bricked.length, 'chain')} its own pin set accepts (a bug in its pinning or validation, or pins other than the profile's)`, scenarios: ids(bricked) });
  }
  if (!found.length) {
    const inconclusive = results.filter((r) => r.classification.outcome === 'INCONCLUSIVE').length;
    found.push({
      code: 'correct',
      text: `this client behaved as a correct client with its pin set in every scenario${inconclusive ? ` that could be judged (${inconclusive} INCONCLUSIVE)` : ''}`,
      scenarios: [],
    });
  }
  return found;
}
