/**
 * `pinprick run --profile FILE` with an app's own pin configuration (issue 17): the Network
 * Security Config the app ships is the expectation, read as Android reads it, and the platform it
 * implies (android) narrows every `either`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { androidNsc } from '../../src/policy/formats/android-nsc.js';
import { openWorld } from '../../src/world/store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CORRECT = `node ${ROOT}examples/clients/correct-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --pins {pins}`;

describe('pinprick run --profile network_security_config.xml', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const certsDir = join(tmp.path, 'certs');
  const nsc = join(tmp.path, 'network_security_config.xml');
  const cli = (args: string[]) => runCli(args, { certsDir, timeoutMs: 90_000 });

  beforeAll(async () => {
    // The app's QA build pins this world's genuine intermediate and its backup key, as its config writes them.
    const { world } = await openWorld({ certsDir });
    const pin = (name: string) => ({ hash: 'sha256' as const, value: world.key(name).pin.sha256, label: name });
    writeFileSync(nsc, androidNsc.write({ rules: [{ domains: [{ pattern: 'api.pinprick.test' }], pins: [pin('genuine-intermediate'), pin('backup-1')], enforce: true, expiration: new Date('2099-01-01T00:00:00Z') }] }));
  }, 60_000);

  it('runs the suite against the app\'s own rules, the report naming the file, and android narrowing either', async () => {
    const report = join(tmp.path, 'report');
    const r = await cli(['run', '--profile', nsc, '--client', CORRECT, '--scenarios', 'control-genuine', 'attack-rogue-root', 'rotation-old-store-root-expired', '--grace', '800', '--report', report]);
    // The reference client is Node (OpenSSL), not Android: on the one chain where the two differ it
    // does not do what an app with this config does on Android, and that is a finding.
    expect(r.code, r.stderr).toBe(1);
    const json = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8'));
    expect(json).toMatchObject({ profile: 'network_security_config.xml', profileFile: nsc });
    const byId = Object.fromEntries(json.results.map((x: { id: string }) => [x.id, x]));
    expect(byId['attack-rogue-root'].expected).toMatchObject({ verdict: 'reject', code: 'pin-mismatch' });
    // Android does not check the trust anchor's dates: for an app whose config is an NSC, the expired root is an accept, not either.
    expect(byId['rotation-old-store-root-expired'].expected).toMatchObject({ verdict: 'accept' });
    expect(byId['rotation-old-store-root-expired'].classification.outcome).toBe('BRICKED');
    for (const id of ['calibration-canary', 'control-genuine', 'attack-rogue-root']) expect(byId[id].classification.outcome, id).toBe('PASS');
  }, 120_000);

  it('a file pinprick cannot read is one line, exit 2', async () => {
    const bad = join(tmp.path, 'network_security_config.xml.bak');
    writeFileSync(bad, '<network-security-config><domain-config>\n');
    const r = await cli(['run', '--profile', bad, '--client', CORRECT, '--scenarios', 'control-genuine']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/network_security_config\.xml\.bak:\d+:\d+: /);
  }, 60_000);
});
