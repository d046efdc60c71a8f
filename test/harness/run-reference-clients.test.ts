import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../src/harness/diagnosis.js';
import { runSuite, type ScenarioResult } from '../../src/harness/run.js';
import { findProfile, resolveProfile } from '../../src/scenario/profile.js';
import { loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

const client = (name: string) => `node examples/clients/${name}-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --pins "$PINPRICK_PINS"`;

describe('pinprick run over the whole catalog against the reference clients, through the proxy', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let correct: ScenarioResult[];
  let naive: ScenarioResult[];
  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    const w = opened.world;
    const profile = resolveProfile(findProfile('intermediate-backup', w.spec), w);
    // These clients pin statically: the dynamic scenarios (a configuration channel) are run-dynamic-clients.test.ts's.
    const scenarios = loadCatalog(w.spec).filter((s) => s.category !== 'dynamic');
    const run = (name: string) => runSuite({ opened, scenarios, profile, client: client(name), timeoutMs: 15_000, graceMs: 1_000, parallel: 2, workDir: join(tmp.path, name) });
    correct = await run('correct');
    naive = await run('naive');
  }, 240_000);
  afterAll(() => tmp.cleanup());

  const outcomes = (results: ScenarioResult[]) => Object.fromEntries(results.map((r) => [r.id, r.classification.outcome]));

  it('the correct client passes everything its profile allows; only rotations the pin set cannot survive are POLICY-RISK', () => {
    for (const r of correct) {
      const policyRisk = r.category === 'rotation' && r.expected.verdict === 'reject' && r.expected.code === 'pin-mismatch';
      expect(r.classification.outcome, `${r.id}: ${r.classification.reason}`).toBe(policyRisk ? 'POLICY-RISK' : 'PASS');
    }
    expect(Object.values(outcomes(correct)).filter((o) => o === 'POLICY-RISK').length).toBeGreaterThan(0);
    // `npm start` runs this client with this profile over the whole catalog: the README says what it prints.
    const count = (o: string) => Object.values(outcomes(correct)).filter((x) => x === o).length;
    expect(readFileSync('README.md', 'utf8')).toContain(`prints the table (expected: ${count('PASS')} PASS, ${count('POLICY-RISK')} POLICY-RISK for`);
  });

  it('the naive client is VULNERABLE exactly where the model says the only pinned keys were sent off the validated path (pin stuffing)', () => {
    // From the model, not from a list: a validated path, no pin on it, and a pinned key presented elsewhere.
    const bait = correct.filter((r) => r.chain.validation.ok && !r.chain.matchedPin && r.chain.offPathPins.length > 0).map((r) => r.id);
    const vulnerable = naive.filter((r) => r.classification.outcome === 'VULNERABLE').map((r) => r.id);
    expect(vulnerable.sort()).toEqual(bait.sort());
    expect(vulnerable.every((id) => id.startsWith('attack-pin-stuffing'))).toBe(true);
    expect(vulnerable.length).toBeGreaterThanOrEqual(4);
    // Everywhere else it behaves as the correct client does.
    const rest = naive.filter((r) => !vulnerable.includes(r.id));
    expect(outcomes(rest)).toEqual(outcomes(correct.filter((r) => !vulnerable.includes(r.id))));
  });

  it('the client-level diagnosis over the whole catalog: correct for the correct client (POLICY-RISK is about the policy), CVE-2016-2402 for the naive one', () => {
    expect(diagnose(correct).map((d) => d.code)).toEqual(['correct']);
    const naiveFindings = diagnose(naive);
    expect(naiveFindings.map((d) => d.code)).toEqual(['pins-chain-as-sent']);
    expect(naiveFindings[0]!.text).toMatch(/^this client pins the chain as sent, not the validated path \(CVE-2016-2402\)/);
  });
});
