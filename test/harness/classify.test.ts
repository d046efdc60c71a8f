import { describe, expect, it } from 'vitest';
import { applyCalibration, classify, type Observation } from '../../src/harness/classify.js';
import type { Verdict } from '../../src/model/index.js';
import type { ConnectionVerdict, VerdictKind } from '../../src/proxy/verdict.js';

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
    ["a TryTLS stub's REJECT with exit 0 counts as a rejection", 'attack', verdict('reject'), { wire: wire('rejected'), exitCode: 0, said: 'reject' }, 'PASS'],
  ];
  for (const [what, category, expected, observation, outcome] of cases) {
    it(what, () => expect(classify(category, expected, observation).outcome).toBe(outcome));
  }

  it('POLICY-RISK comes with a fix', () => {
    expect(classify('rotation', verdict('reject'), seen('rejected')).fix).toMatch(/backup key/);
  });

  it('a failed calibration turns every other rejection INCONCLUSIVE, and leaves acceptances alone', () => {
    const results = applyCalibration([
      { category: 'calibration' as const, classification: classify('calibration', verdict('accept', 'ok-unpinned-host'), seen('rejected')) },
      { category: 'attack' as const, classification: classify('attack', verdict('reject'), seen('rejected')) },
      { category: 'attack' as const, classification: classify('attack', verdict('reject'), seen('accepted')) },
    ]);
    expect(results.map((r) => r.classification.outcome)).toEqual(['BRICKED', 'INCONCLUSIVE', 'VULNERABLE']);
  });
});
