import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pemOf } from '../../src/world/pem.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRun, runSuite, shard } from '../../src/harness/run.js';
import { junitReport, jsonReport, markdownReport } from '../../src/report/run-report.js';
import { findProfile, resolveProfile } from '../../src/scenario/profile.js';
import { loadCatalog, type Scenario } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

const IDS = ['calibration-canary', 'control-genuine', 'attack-pin-stuffing', 'attack-rogue-root', 'validation-expired-leaf', 'rotation-leaf-key', 'rotation-intermediate'];
// curl's --pinnedpubkey is not host-scoped: the env form pins only hosts the profile covers.
const CURL = `curl -sS --max-time 10 --proxy {proxy} --cacert {cafile} --capath /nonexistent \${PINPRICK_PINS:+--pinnedpubkey "$PINPRICK_PINS"} {url}`;

describe('pinprick run against the real curl', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let scenarios: Scenario[];
  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    scenarios = loadCatalog(opened.world.spec).filter((s) => IDS.includes(s.id));
  });
  afterAll(() => tmp.cleanup());

  const run = (client: string, profile = 'leaf-only') =>
    runSuite({ opened, scenarios, profile: resolveProfile(findProfile(profile, opened.world.spec), opened.world), client, timeoutMs: 15_000, graceMs: 800, workDir: join(tmp.path, 'work') });

  it('curl with a leaf-only pin passes every attack and shows POLICY-RISK on a leaf key rotation', async () => {
    const results = await run(CURL);
    const outcome = Object.fromEntries(results.map((r) => [r.id, r.classification.outcome]));
    expect(outcome).toEqual({
      'calibration-canary': 'PASS',
      'control-genuine': 'PASS',
      'attack-pin-stuffing': 'PASS',
      'attack-rogue-root': 'PASS',
      'validation-expired-leaf': 'PASS',
      'rotation-leaf-key': 'POLICY-RISK',
      'rotation-intermediate': 'PASS',
    });
    const stuffing = results.find((r) => r.id === 'attack-pin-stuffing')!;
    expect(stuffing.wire?.kind).toBe('rejected-after-handshake');
    expect(stuffing.exitCode).toBe(90);
    const xml = junitReport(results, { profile: 'leaf-only', client: CURL, world: 'default', startedAt: 'x', finishedAt: 'y' });
    expect(xml.match(/<testcase /g)).toHaveLength(IDS.length);
    expect(xml).toContain('failures="0"');
    const md = markdownReport(results, { profile: 'leaf-only', client: CURL, world: 'default', startedAt: 'x', finishedAt: 'y' });
    expect(md).toContain('| `rotation-leaf-key` | rotation | reject | rejected-after-handshake | ⚠️ POLICY-RISK |');
    expect(JSON.parse(jsonReport(results, { profile: 'leaf-only', client: CURL, world: 'default', startedAt: 'x', finishedAt: 'y' })).summary['POLICY-RISK']).toBe(1);
  });

  it('curl without pinning is VULNERABLE to the rogue CA and to pin stuffing, and nowhere else', async () => {
    const results = await run('curl -sS --max-time 10 --proxy {proxy} --cacert {cafile} --capath /nonexistent {url}');
    const vulnerable = results.filter((r) => r.classification.outcome === 'VULNERABLE').map((r) => r.id).sort();
    // rotation-leaf-key is a rotation this leaf-only pin set rejects: accepting it means no pinning.
    expect(vulnerable).toEqual(['attack-pin-stuffing', 'attack-rogue-root', 'rotation-leaf-key']);
    expect(results.find((r) => r.id === 'validation-expired-leaf')!.classification.outcome).toBe('PASS');
  });

  it('marks every rejection INCONCLUSIVE when the client does not trust the test CA (calibration fails)', async () => {
    // The client trusts only a CA that is not one of the test roots: everything fails for trust.
    const other = join(tmp.path, 'other-ca.pem');
    writeFileSync(other, pemOf(opened.world.cert('untrusted-root').der, 'CERTIFICATE'));
    const results = await run(`curl -sS --max-time 10 --proxy {proxy} --capath /nonexistent --cacert ${other} {url}`);
    // Not BRICKED: a client that does not trust the test CA is not a pinning bug; the run could not test.
    expect(results.find((r) => r.id === 'calibration-canary')!.classification.outcome).toBe('INCONCLUSIVE');
    expect(results.find((r) => r.id === 'calibration-canary')!.classification.reason).toMatch(/^calibration failed/);
    for (const r of results.filter((x) => x.category !== 'calibration')) {
      expect(r.classification.outcome, r.id).toBe('INCONCLUSIVE');
      expect(r.classification.reason).toMatch(/does not trust the test CA/);
    }
  });
});

describe('pinprick run in parallel and in shards', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('gives the same verdicts with --parallel 4 and with shards 1/2 + 2/2 as a serial run', async () => {
    const opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    const scenarios = loadCatalog(opened.world.spec);
    const profile = resolveProfile(findProfile('leaf-only', opened.world.spec), opened.world);
    const go = (list: Scenario[], parallel: number) => runSuite({ opened, scenarios: list, profile, client: CURL, timeoutMs: 15_000, graceMs: 800, parallel, workDir: join(tmp.path, `w${parallel}`) });
    const outcomes = (rs: Awaited<ReturnType<typeof go>>) => Object.fromEntries(rs.map((r) => [r.id, `${r.classification.outcome} ${r.wire?.kind}`]));
    const serial = outcomes(await go(scenarios, 1));
    const parallel = outcomes(await go(scenarios, 4));
    // Each shard runs the calibration first (planRun); the rest never overlaps.
    const sharded = { ...outcomes(await go(planRun(scenarios, scenarios, { i: 1, n: 2 }), 1)), ...outcomes(await go(planRun(scenarios, scenarios, { i: 2, n: 2 }), 1)) };
    expect(Object.keys(serial)).toHaveLength(scenarios.length);
    expect(parallel).toEqual(serial);
    expect(sharded).toEqual(serial);
    expect(shard(scenarios, 1, 2).filter((s) => shard(scenarios, 2, 2).includes(s))).toEqual([]);
  });
});
