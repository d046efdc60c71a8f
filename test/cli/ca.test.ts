import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorld } from '../../src/world/store.js';
import type { World } from '../../src/world/world.js';
import { runCli } from '../helpers/cli.js';
import { openssl, opensslStatus } from '../helpers/openssl.js';
import { tempDir } from '../helpers/tmp.js';

describe('pinprick ca', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  const outDir = join(tmp.path, 'export');
  let world: World;
  let exported: { bundle: string; roots: { name: string; der: string; android: string; subjectHashOld: string }[] };

  beforeAll(async () => {
    world = (await openWorld({ certsDir })).world;
    const r = await runCli(['ca', '--out', outDir, '--json'], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    exported = JSON.parse(r.stdout);
  });
  afterAll(() => tmp.cleanup());

  it('exports exactly the trusted roots: genuine, second genuine, legacy cross-signer, rogue, vendor', () => {
    expect(exported.roots.map((r) => r.name)).toEqual(['genuine-root', 'genuine-root-2', 'legacy-root', 'rogue-root', 'vendor-root']);
    const bundle = readFileSync(exported.bundle, 'utf8');
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(5);
    expect(bundle).not.toContain('Untrusted');
  });

  it('writes each root as DER .cer and as an Android <subject_hash_old>.0 that openssl agrees with', () => {
    for (const root of exported.roots) {
      const der = readFileSync(root.der);
      expect(Buffer.from(new X509Certificate(der).raw).equals(world.cert(root.name).der)).toBe(true);
      const hash = openssl(['x509', '-inform', 'der', '-noout', '-subject_hash_old'], der).toString().trim();
      expect(root.subjectHashOld).toBe(hash);
      expect(root.android.endsWith(`${hash}.0`)).toBe(true);
      expect(existsSync(root.android)).toBe(true);
    }
  });

  it('gives a bundle that openssl verify accepts as the CA file for the genuine and rogue chains', () => {
    const leaf = join(tmp.path, 'leaf.pem');
    const chain = join(tmp.path, 'untrusted.pem');
    for (const [l, i] of [
      ['genuine-leaf', 'genuine-intermediate'],
      ['rogue-leaf', 'rogue-intermediate'],
    ] as const) {
      writeFileSync(leaf, world.cert(l).x509.toString());
      writeFileSync(chain, world.cert(i).x509.toString());
      const r = opensslStatus(['verify', '-CAfile', exported.bundle, '-untrusted', chain, leaf]);
      expect(r.status, r.output).toBe(0);
    }
  });

  it('prints installation instructions for curl, Android and iOS', async () => {
    const r = await runCli(['ca', '--out', outDir], { certsDir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/curl:\s+curl --cacert/);
    expect(r.stdout).toMatch(/Android, system store/);
    expect(r.stdout).toMatch(/iOS:/);
  });

  it('device steps install every root, naming each file (issue 14, defect 8: Android and Java pushed genuine-root alone)', async () => {
    const r = await runCli(['ca', '--out', outDir], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    const steps = r.stdout.slice(r.stdout.indexOf('How to trust'));
    const section = (name: string, next: string) => steps.slice(steps.indexOf(name), steps.indexOf(next));
    for (const root of exported.roots) {
      const file = root.der;
      const hash = root.android.split('/').pop()!;
      expect(section('Java:', 'Android, user store'), root.name).toContain(`-alias pinprick-${root.name} -file ${file}`);
      expect(section('Android, user store', 'Android, system store'), root.name).toContain(`adb push ${file} `);
      expect(section('Android, system store', 'Android 14+'), root.name).toContain(`/${hash} /system/etc/security/cacerts/`);
      // Android 14+ reads its roots from the Conscrypt APEX: every root goes into the copy mounted over it.
      expect(section('Android 14+', 'iOS:'), root.name).toContain(`/${hash} /data/local/tmp/pinprick-ca/`);
      expect(section('iOS:', 'Simulator:'), root.name).toContain(file);
      expect(steps.slice(steps.indexOf('Simulator:')), root.name).toContain(`add-root-cert ${file}`);
    }
    expect(steps).toMatch(/Install all 5 \(genuine-root, genuine-root-2, legacy-root, rogue-root, vendor-root\)/);
    expect(section('Android 14+', 'iOS:')).toMatch(/mount --bind \/system\/etc\/security\/cacerts \/apex\/com\.android\.conscrypt\/cacerts/);
  });
});
