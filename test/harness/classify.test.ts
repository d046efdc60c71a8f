import { describe, expect, it } from 'vitest';
import { applyCalibration, calibrationState, classify, rejectionReason, testedNothing, type Observation } from '../../src/harness/classify.js';
import type { Verdict } from '../../src/model/index.js';
import type { ConnectionVerdict, VerdictKind } from '../../src/proxy/connection-record.js';

const verdict = (expected: 'accept' | 'reject', code: Verdict['code'] = expected === 'accept' ? 'ok' : 'pin-mismatch'): Verdict =>
  ({ expected, code, reason: code, paths: [], validation: { ok: true, code: 'ok', reason: '' } }) as Verdict;
const wire = (kind: VerdictKind): ConnectionVerdict => ({ id: 1, time: '', durationMs: 0, kind, detail: kind, via: 'direct', client: { address: '', port: 0 }, chainPins: [] });
const seen = (kind: VerdictKind | undefined, exitCode: number | null = kind === 'accepted' ? 0 : 1): Observation => ({ ...(kind ? { wire: wire(kind) } : {}), exitCode });

describe('classification of one run', () => {
  const cases: [string, Parameters<typeof classify>[0], Verdict, Observation, string][] = [
    ['accepting what must be accepted passes', 'control', verdict('accept'), seen('accepted'), 'PASS'],
    ['rejecting an attack during the handshake passes', 'attack', verdict('reject'), seen('rejected'), 'PASS'],
    ['rejecting an attack after the handshake passes', 'attack', verdict('reject'), seen('rejected-after-handshake'), 'PASS'],
    ['accepting an attack is VULNERABLE', 'attack', verdict('reject'), seen('accepted'), 'VULNERABLE'],
    ['rejecting what its own pins accept is BRICKED', 'rotation', verdict('accept'), seen('rejected'), 'BRICKED'],
    ['rejecting a rotation its pins cannot survive is POLICY-RISK', 'rotation', verdict('reject', 'pin-mismatch'), seen('rejected-after-handshake'), 'POLICY-RISK'],
    ['rejecting a rotation that breaks validation for everyone passes', 'rotation', verdict('reject', 'expired'), seen('rejected'), 'PASS'],
    ['accepting a rotation its pins reject is VULNERABLE (pins not enforced)', 'rotation', verdict('reject', 'pin-mismatch'), seen('accepted'), 'VULNERABLE'],
    ['no connection is INCONCLUSIVE', 'attack', verdict('reject'), seen(undefined, 7), 'INCONCLUSIVE'],
    ['a timeout on the wire is INCONCLUSIVE', 'attack', verdict('reject'), seen('timeout'), 'INCONCLUSIVE'],
    ['wire accepted but the client failed is INCONCLUSIVE', 'attack', verdict('reject'), seen('accepted', 1), 'INCONCLUSIVE'],
    ['wire rejected but the client succeeded is INCONCLUSIVE', 'control', verdict('accept'), seen('rejected', 0), 'INCONCLUSIVE'],
    ['a client killed at the timeout is INCONCLUSIVE', 'control', verdict('accept'), seen('accepted', null), 'INCONCLUSIVE'],
    // A rejecting wire says nothing when the client was killed: it might have accepted a moment later.
    ['a client killed at the timeout on a rejecting wire is INCONCLUSIVE, not PASS', 'attack', verdict('reject'), seen('rejected', null), 'INCONCLUSIVE'],
    ['a client that did not speak TLS is INCONCLUSIVE, not PASS', 'attack', verdict('reject'), seen('not-tls', 1), 'INCONCLUSIVE'],
    ["a TryTLS stub's REJECT with exit 0 counts as a rejection", 'attack', verdict('reject'), { wire: wire('rejected'), exitCode: 0, said: 'reject' }, 'PASS'],
    // Mutation testing (npm run mutate) found these unchecked.
    ["a TryTLS stub's ACCEPT with exit 1 on an accepting wire counts as an acceptance", 'attack', verdict('reject'), { wire: wire('accepted'), exitCode: 1, said: 'accept' }, 'VULNERABLE'],
    ['manual mode (no exit code): the wire alone decides, a rejection', 'attack', verdict('reject'), { wire: wire('rejected') }, 'PASS'],
    ['manual mode (no exit code): the wire alone decides, an acceptance', 'attack', verdict('reject'), { wire: wire('accepted') }, 'VULNERABLE'],
    ['rejecting what must be accepted in a control scenario is BRICKED', 'control', verdict('accept'), seen('rejected-after-handshake'), 'BRICKED'],
    ['rejecting an attack the model rejects for pins (not a rotation) passes, not POLICY-RISK', 'attack', verdict('reject', 'pin-mismatch'), seen('rejected-after-handshake'), 'PASS'],
  ];
  for (const [what, category, expected, observation, outcome] of cases) {
    it(what, () => expect(classify(category, expected, observation).outcome).toBe(outcome));
  }

  describe('where correct platforms differ (either): both behaviours PASS, never VULNERABLE or BRICKED', () => {
    const either = {
      ...verdict('reject', 'expired'),
      expected: 'either',
      either: { divergence: 'anchor-validity', accept: ['android', 'jvm'], reject: ['openssl', 'go'], lenient: { code: 'ok', reason: 'Valid.' } },
    } as Verdict;
    it('accepting: PASS, as the jvm and android do', () => {
      const c = classify('rotation', either, seen('accepted'));
      expect(c.outcome).toBe('PASS');
      expect(c.reason).toMatch(/^accepted, as correct clients on android, jvm do \(platform-dependent/);
    });
    it('rejecting: PASS, as openssl and go do', () => {
      const c = classify('rotation', either, seen('rejected'));
      expect(c.outcome).toBe('PASS');
      expect(c.reason).toMatch(/^rejected, as correct clients on openssl, go do/);
    });
    it("the reason lists who accepts and who rejects, and explains an acceptance by the lenient platforms' reason, a rejection by the strict ones'", () => {
      expect(classify('rotation', either, seen('accepted')).reason).toBe('accepted, as correct clients on android, jvm do (platform-dependent: android, jvm accept, openssl, go reject): Valid.');
      expect(classify('rotation', either, seen('rejected')).reason).toBe('rejected, as correct clients on openssl, go do (platform-dependent: android, jvm accept, openssl, go reject): expired');
    });
    it('nothing observed is still INCONCLUSIVE', () => {
      expect(classify('rotation', either, seen('timeout')).outcome).toBe('INCONCLUSIVE');
    });
  });

  it.each<[string, Observation, RegExp]>([
    ['never connected', seen(undefined, 7), /^the client never connected to the proxy$/],
    ['a timeout on the wire', seen('timeout'), /^the connection timed out \(timeout\)$/],
    ['not TLS', seen('not-tls', 1), /^the client did not speak TLS \(not-tls\)$/],
    ['killed at the timeout', seen('accepted', null), /^the client did not finish within the timeout$/],
    ['wire and exit code disagree', seen('accepted', 1), /^the wire says accepted but the client says reject \(exit 1\)$/],
    ['wire and the said word disagree, no exit code', { wire: wire('rejected'), said: 'accept' }, /^the wire says rejected but the client says accept$/],
  ])('INCONCLUSIVE says why: %s', (_what, observation, reason) => {
    const c = classify('attack', verdict('reject'), observation);
    expect(c).toMatchObject({ outcome: 'INCONCLUSIVE', observed: 'unknown' });
    expect(c.reason).toMatch(reason);
  });

  it('the reason names the alert, or says the rejection came after the handshake, and carries the model\'s reason', () => {
    const alert = { wire: { ...wire('rejected'), alert: { code: 42, name: 'bad_certificate' } as never }, exitCode: 1 };
    expect(classify('attack', verdict('reject'), alert).reason).toBe('rejected (bad_certificate), as a correct client does: pin-mismatch');
    expect(classify('attack', verdict('reject'), seen('rejected-after-handshake')).reason).toBe('rejected (after the handshake), as a correct client does: pin-mismatch');
    expect(classify('attack', verdict('reject'), seen('rejected')).reason).toBe('rejected, as a correct client does: pin-mismatch');
    expect(classify('control', verdict('accept'), alert).reason).toBe('rejected (bad_certificate) a chain its own pin set accepts: ok');
    expect(classify('control', verdict('accept'), seen('accepted')).reason).toBe('accepted, as a correct client does: ok');
    expect(classify('attack', verdict('reject'), seen('accepted')).reason).toBe('accepted a chain a correct client rejects: pin-mismatch');
    expect(classify('rotation', verdict('reject'), alert)).toMatchObject({ outcome: 'POLICY-RISK', reason: 'rejected (bad_certificate) a legitimate rotation: this pin set cannot survive it' });
  });

  it('POLICY-RISK comes with a fix', () => {
    expect(classify('rotation', verdict('reject'), seen('rejected')).fix).toMatch(/backup key/);
  });

  it('a failed calibration turns every other rejection INCONCLUSIVE, and leaves acceptances alone', () => {
    const results = applyCalibration([
      { category: 'calibration' as const, classification: classify('calibration', verdict('accept', 'ok-unpinned-host'), seen('rejected')) },
      { category: 'attack' as const, classification: classify('attack', verdict('reject'), seen('rejected')) },
      { category: 'attack' as const, classification: classify('attack', verdict('reject'), seen('accepted')) },
    ]);
    // The rejected calibration is not a pinning bug (not BRICKED): the run could not test.
    expect(results.map((r) => r.classification.outcome)).toEqual(['INCONCLUSIVE', 'INCONCLUSIVE', 'VULNERABLE']);
    expect(results[0]!.classification.reason).toMatch(/^calibration failed/);
    // The rejection is still a rejection (observed), only no longer evidence.
    expect(results[1]!.classification).toEqual({ outcome: 'INCONCLUSIVE', observed: 'reject', reason: 'the client does not trust the test CA (calibration failed): this rejection proves nothing' });
    expect(testedNothing(results)).toMatch(/does not trust the test CA/);
  });

  it('without a calibration result every rejection is INCONCLUSIVE and the run tested nothing', () => {
    const results = applyCalibration([
      { category: 'attack' as const, classification: classify('attack', verdict('reject'), seen('rejected')) },
      { category: 'control' as const, classification: classify('control', verdict('accept'), seen('accepted')) },
    ]);
    expect(results.map((r) => r.classification.outcome)).toEqual(['INCONCLUSIVE', 'PASS']);
    expect(results[0]!.classification.reason).toMatch(/no calibration scenario ran/);
    expect(calibrationState(results)).toBe('missing');
    expect(testedNothing(results)).toBe('nothing was tested: no calibration scenario ran');
  });

  it('a passed calibration keeps rejections; a run of only INCONCLUSIVE results tested nothing', () => {
    const calibration = { category: 'calibration' as const, classification: classify('calibration', verdict('accept', 'ok-unpinned-host'), seen('accepted')) };
    const pass = applyCalibration([calibration, { category: 'attack' as const, classification: classify('attack', verdict('reject'), seen('rejected')) }]);
    expect(pass.map((r) => r.classification.outcome)).toEqual(['PASS', 'PASS']);
    expect(testedNothing(pass)).toBeUndefined();
    const timeouts = applyCalibration([{ ...calibration, classification: classify('calibration', verdict('accept', 'ok-unpinned-host'), seen('timeout')) }]);
    expect(testedNothing(timeouts)).toMatch(/nothing was tested/);
  });

  it('a passed calibration and one INCONCLUSIVE result beside a PASS: the run tested something', () => {
    const calibration = { category: 'calibration' as const, classification: classify('calibration', verdict('accept', 'ok-unpinned-host'), seen('accepted')) };
    const results = applyCalibration([calibration, { category: 'attack' as const, classification: classify('attack', verdict('reject'), seen('timeout')) }]);
    expect(calibrationState(results)).toBe('passed');
    expect(results.map((r) => r.classification.outcome)).toEqual(['PASS', 'INCONCLUSIVE']);
    expect(testedNothing(results)).toBeUndefined();
    // Every result INCONCLUSIVE under a passed calibration (a calibration row set by hand): nothing tested.
    const inconclusive = { ...calibration, classification: { ...calibration.classification, outcome: 'INCONCLUSIVE' as const } };
    expect(testedNothing([inconclusive])).toBe('nothing was tested: every result is INCONCLUSIVE');
  });

  it('two calibration results, one not accepted: the calibration failed', () => {
    const cal = (kind: VerdictKind) => ({ category: 'calibration' as const, classification: classify('calibration', verdict('accept', 'ok-unpinned-host'), seen(kind)) });
    expect(calibrationState([cal('accepted'), cal('rejected')])).toBe('failed');
    expect(calibrationState([cal('accepted'), cal('accepted')])).toBe('passed');
  });

  it('under a failed calibration an INCONCLUSIVE (unknown) result stays as it was, and the calibration says why it failed', () => {
    const failed = { category: 'calibration' as const, classification: classify('calibration', verdict('accept', 'ok-unpinned-host'), seen('rejected')) };
    const timedOut = { category: 'attack' as const, classification: classify('attack', verdict('reject'), seen('timeout')) };
    const [cal, attack] = applyCalibration([failed, timedOut]);
    expect(cal!.classification.reason).toMatch(/^calibration failed: the client did not accept a chain from the test CA .*\(rejected a chain its own pin set accepts: ok-unpinned-host\); install the test roots/);
    expect(attack!.classification).toEqual(timedOut.classification);
    expect(testedNothing([failed])).toBe('nothing was tested: the client does not trust the test CA (the calibration scenario was not accepted), so its rejections prove nothing');
  });
});

describe('a rejection for the wrong reason', () => {
  const alerted = (name: string): Observation => ({ wire: { ...wire('rejected'), alert: { code: 0, name } as never }, exitCode: 1 });
  it.each<[string, Observation, 'trust' | 'pin' | undefined]>([
    ['unknown_ca alert', alerted('unknown_ca'), 'trust'],
    ['certificate_expired alert', alerted('certificate_expired'), 'trust'],
    ['bad_certificate alert (Go and Java pin failures send it too)', alerted('bad_certificate'), undefined],
    ['curl: SSL certificate problem', { ...seen('rejected'), output: 'curl: (60) SSL certificate problem: unable to get local issuer certificate' }, 'trust'],
    ['Node: UNABLE_TO_GET_ISSUER_CERT_LOCALLY', { ...seen('rejected'), output: 'Error: unable to get local issuer certificate\n code: UNABLE_TO_GET_ISSUER_CERT_LOCALLY' }, 'trust'],
    ['Go: unknown authority', { ...seen('rejected'), output: 'x509: certificate signed by unknown authority' }, 'trust'],
    ['Java: PKIX', { ...seen('rejected'), output: 'sun.security.validator.ValidatorException: PKIX path building failed' }, 'trust'],
    ['certificate_revoked alert', alerted('certificate_revoked'), 'trust'],
    ['unsupported_certificate alert', alerted('unsupported_certificate'), 'trust'],
    ['certificate_unknown alert (pinning TrustManagers send it too)', alerted('certificate_unknown'), undefined],
    ['OpenSSL: unable to get issuer certificate', { ...seen('rejected'), output: 'verify error:num=2:unable to get issuer certificate' }, 'trust'],
    ['OpenSSL: self-signed certificate in certificate chain', { ...seen('rejected'), output: 'verify error:num=19:self-signed certificate in certificate chain' }, 'trust'],
    ['OpenSSL 1.1: self signed certificate in certificate chain', { ...seen('rejected'), output: 'verify error:num=19:self signed certificate in certificate chain' }, 'trust'],
    ['Node: UNABLE_TO_VERIFY_LEAF_SIGNATURE', { ...seen('rejected'), output: 'Error: unable to verify the first certificate\n code: UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'trust'],
    ['Node: SELF_SIGNED_CERT_IN_CHAIN', { ...seen('rejected'), output: "code: 'SELF_SIGNED_CERT_IN_CHAIN'" }, 'trust'],
    ['GnuTLS: The certificate is NOT trusted', { ...seen('rejected'), output: 'Status: The certificate is NOT trusted. The certificate issuer is unknown.' }, 'trust'],
    ['case does not matter: ssl certificate problem', { ...seen('rejected'), output: 'ssl certificate problem' }, 'trust'],
    ['an unrelated failure is no reason', { ...seen('rejected'), output: 'connection reset by peer' }, undefined],
    ['the wire alone: no alert, no output', { wire: wire('rejected'), exitCode: 1, output: '' }, undefined],
    ['TrustKit: Pin verification failed', { ...seen('rejected-after-handshake'), output: 'Pin verification failed for api.example' }, 'pin'],
    ['a pin check failed', { ...seen('rejected-after-handshake'), output: 'error: pin check failed' }, 'pin'],
    ['pinning failed', { ...seen('rejected-after-handshake'), output: 'pinning failed' }, 'pin'],
    ['pin mismatch', { ...seen('rejected-after-handshake'), output: 'pin mismatch' }, 'pin'],
    ['pins mismatch', { ...seen('rejected-after-handshake'), output: 'PINS MISMATCH' }, 'pin'],
    ['a pin failure said beside a trust alert: the client said pin', { ...alerted('unknown_ca'), output: 'public key does not match pinned public key' }, 'pin'],
    ['a trust alert and unrelated output: trust', { ...alerted('unknown_ca'), output: 'handshake failed' }, 'trust'],
    ['no connection, only an exit code', { exitCode: 60 }, undefined],
    ['curl: pinned public key', { ...seen('rejected-after-handshake'), output: 'curl: (90) SSL: public key does not match pinned public key' }, 'pin'],
    ['OkHttp: Certificate pinning failure', { ...seen('rejected-after-handshake'), output: 'javax.net.ssl.SSLPeerUnverifiedException: Certificate pinning failure!' }, 'pin'],
    ['nothing said', seen('rejected'), undefined],
  ])('%s', (_what, observation, reason) => expect(rejectionReason(observation)).toBe(reason));

  it('is INCONCLUSIVE ("wrong reason") where the model rejects for pins and the client rejected for trust, never PASS or POLICY-RISK', () => {
    const trust = { ...seen('rejected'), output: 'curl: (60) SSL certificate problem: unable to get local issuer certificate' };
    for (const category of ['attack', 'rotation'] as const) {
      const c = classify(category, verdict('reject', 'pin-mismatch'), trust);
      expect(c.outcome).toBe('INCONCLUSIVE');
      expect(c.reason).toMatch(/^wrong reason/);
    }
    // Where a correct client also rejects for trust, a trust rejection is the right reason.
    expect(classify('validation', verdict('reject', 'untrusted'), trust).outcome).toBe('PASS');
  });
});
