/**
 * Issue 14, defect 1: a pinning gate must never go green when nothing was tested. A real curl
 * without --cacert trusts no test CA, so every handshake ends `rejected (unknown_ca)`: that proves
 * nothing about pinning. Every selection and every shard runs the calibration scenario first, and
 * a run whose calibration failed (or whose results are all INCONCLUSIVE) exits 3, not 0.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemOf } from '../../src/world/pem.js';
import { openWorld } from '../../src/world/store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const NO_CACERT = 'curl -sS --max-time 10 --proxy {proxy} {url}';

interface Report {
  summary: Record<string, number>;
  results: { id: string; category: string; classification: { outcome: string; reason: string } }[];
}

describe('pinprick run never passes a client that tested nothing (curl without --cacert)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const certsDir = join(tmp.path, 'certs');
  // The world exists before the runs marked concurrent below start, which then only read it.
  beforeAll(async () => {
    await openWorld({ certsDir });
  });
  const run = (name: string, extra: string[]) =>
    runCli(['run', '--profile', 'leaf-only', '--client', NO_CACERT, '--grace', '800', '--report', join(tmp.path, name), ...extra], { certsDir, timeoutMs: 120_000 });
  const report = (name: string) => JSON.parse(readFileSync(join(tmp.path, name, 'report.json'), 'utf8')) as Report;

  const expectNothingTested = (name: string, r: { code: number | null; stdout: string; stderr: string }) => {
    expect(r.code, r.stderr).toBe(3);
    const rep = report(name);
    expect(rep.summary.PASS, JSON.stringify(rep.summary)).toBe(0);
    const calibration = rep.results.filter((x) => x.category === 'calibration');
    expect(calibration).toHaveLength(1);
    expect(rep.results[0]!.category).toBe('calibration');
    for (const x of rep.results) expect(x.classification.outcome, x.id).toBe('INCONCLUSIVE');
    expect(r.stdout).toMatch(/nothing was tested/i);
    expect(r.stdout).toMatch(/^diagnosis: this client does not trust the test CA/m);
  };

  // The runs whose every handshake fails (curl trusts no test CA) are independent, each with its
  // own report folder and proxy ports: they run concurrently, so the spawned CLIs and curls use
  // both cores while this worker waits. The runs where a handshake must succeed stay sequential.
  it.concurrent('--scenarios attack: calibration runs first, every rejection is INCONCLUSIVE, exit 3', async () => {
    const r = await run('attack', ['--scenarios', 'attack']);
    expectNothingTested('attack', r);
    // Progress lines give the final outcome, never a PASS the table then takes back.
    expect(r.stderr).not.toMatch(/: PASS$/m);
  }, 150_000);

  it.concurrent('the full catalog: exit 3; a client that takes no pin configuration is not run on the dynamic-pinning scenarios', async () => {
    const r = await run('all', []);
    expectNothingTested('all', r);
    expect(report('all').results.filter((x) => x.category === 'dynamic')).toEqual([]);
    expect(r.stdout).toMatch(/^leaving out the \d+ dynamic-pinning scenarios: the client takes no pin configuration/m);
  }, 150_000);

  it('a rejection for trust where a correct client rejects for its pins is INCONCLUSIVE ("wrong reason"), not POLICY-RISK', async () => {
    // curl trusts the rogue root only: the calibration (a rogue chain) passes, but a rotation to a
    // new leaf under the genuine root fails curl's trust check before any pin is looked at.
    const rogueOnly = join(tmp.path, 'rogue-root.pem');
    const world = await openWorld({ certsDir });
    writeFileSync(rogueOnly, pemOf(world.world.cert('rogue-root').der, 'CERTIFICATE'));
    const client = `curl -sS --max-time 10 --proxy {proxy} --capath /nonexistent --cacert ${rogueOnly} \${PINPRICK_PINS:+--pinnedpubkey "$PINPRICK_PINS"} {url}`;
    const r = await runCli(['run', '--profile', 'leaf-only', '--client', client, '--grace', '800', '--scenarios', 'rotation-leaf-key', '--report', join(tmp.path, 'wrong')], { certsDir, timeoutMs: 120_000 });
    const rep = report('wrong');
    const rotation = rep.results.find((x) => x.id === 'rotation-leaf-key')!;
    expect(rep.results.find((x) => x.category === 'calibration')!.classification.outcome).toBe('PASS');
    expect(rotation.classification.outcome).toBe('INCONCLUSIVE');
    expect(rotation.classification.reason).toMatch(/^wrong reason/);
    expect(r.code, r.stderr).toBe(0);
  }, 150_000);

  it('a profile that pins none of a scenario\'s hosts (a typo) makes its attacks INCONCLUSIVE with a warning, not PASS (issue 14, defect 5)', async () => {
    const profile = join(tmp.path, 'typo.yaml');
    writeFileSync(profile, 'id: typo\ntitle: Typo\ndescription: a typo in hosts\nhosts: [api.pinprik.test]\npins: [genuine-leaf]\n');
    const world = await openWorld({ certsDir });
    const roots = join(tmp.path, 'roots.pem');
    writeFileSync(roots, world.world.trustedRoots().map((c) => pemOf(c.der, 'CERTIFICATE')).join(''));
    const client = `curl -sS --max-time 10 --proxy {proxy} --capath /nonexistent --cacert ${roots} \${PINPRICK_PINS:+--pinnedpubkey "$PINPRICK_PINS"} {url}`;
    const r = await runCli(['run', '--profile', profile, '--client', client, '--grace', '800', '--scenarios', 'attack-rogue-root', '--report', join(tmp.path, 'typo')], { certsDir, timeoutMs: 120_000 });
    expect(r.stderr).toMatch(/warning: profile typo pins none of the hosts of attack-rogue-root \(api\.pinprick\.test\)/);
    const attack = report('typo').results.find((x) => x.id === 'attack-rogue-root')!;
    expect(attack.classification.outcome).toBe('INCONCLUSIVE');
    expect(attack.classification.reason).toMatch(/pins none of this scenario's hosts/);
  }, 150_000);

  it.concurrent.each([1, 2, 3, 4])('--shard %i/4 of the catalog holds the calibration and exits 3', async (i) => {
    const r = await run(`shard${i}`, ['--shard', `${i}/4`]);
    expectNothingTested(`shard${i}`, r);
  }, 150_000);
});
