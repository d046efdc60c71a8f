import { spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemBlocks } from '../../src/world/pem.js';
import { openWorld } from '../../src/world/store.js';
import type { World } from '../../src/world/world.js';
import { runCli } from '../helpers/cli.js';
import { openssl, opensslStatus } from '../helpers/openssl.js';
import { tempDir } from '../helpers/tmp.js';

/** keytool comes with a Java runtime (Debian: openjdk-17-jre-headless, which .ci/run installs): in CI a missing keytool fails. */
const HAS_KEYTOOL = spawnSync('keytool', ['-help'], { stdio: 'ignore' }).error === undefined;
const NO_KEYTOOL = !HAS_KEYTOOL && !process.env.CI;
if (NO_KEYTOOL) console.warn('test/cli/ca.test.ts: keytool not installed, the Java checks of the PKCS#12 file are skipped (Debian: apt-get install openjdk-17-jre-headless)');

const sha256 = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

describe('pinprick ca', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  const outDir = join(tmp.path, 'export');
  let world: World;
  let exported: {
    bundle: string;
    pkcs12: { path: string; password: string };
    files: { path: string; kind: string }[];
    roots: { name: string; der: string; android: string; subjectHashOld: string }[];
  };

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

  it('writes a PKCS#12 trust store that openssl opens with the documented password: exactly the roots, in order, and no key (issue 15, finding 11)', () => {
    expect(exported.pkcs12).toEqual({ path: join(outDir, 'pinprick-default-roots.p12'), password: 'pinprick' });
    expect(exported.files).toContainEqual({ path: exported.pkcs12.path, kind: 'pkcs12' });
    const pass = `pass:${exported.pkcs12.password}`;
    const certs = openssl(['pkcs12', '-in', exported.pkcs12.path, '-nokeys', '-passin', pass]).toString();
    expect(pemBlocks(certs).map((b) => sha256(b.der))).toEqual(exported.roots.map((r) => sha256(world.cert(r.name).der)));
    // Every alias is the root's name, as the keytool -importcert steps name them.
    expect([...certs.matchAll(/friendlyName: (.+)/g)].map((m) => m[1])).toEqual(exported.roots.map((r) => `pinprick-${r.name}`));
    const info = opensslStatus(['pkcs12', '-in', exported.pkcs12.path, '-info', '-noout', '-passin', pass]);
    expect(info.status, info.output).toBe(0);
    expect(info.output.match(/Certificate bag/g)).toHaveLength(exported.roots.length);
    expect(info.output).not.toMatch(/Key ?bag|Shrouded/i);
    expect(openssl(['pkcs12', '-in', exported.pkcs12.path, '-nocerts', '-nodes', '-passin', pass]).toString()).not.toMatch(/PRIVATE KEY/);
    // The MAC holds: a wrong password is refused.
    expect(opensslStatus(['pkcs12', '-in', exported.pkcs12.path, '-nokeys', '-passin', 'pass:wrong']).status).not.toBe(0);
    for (const f of exported.files) expect(readFileSync(f.path).toString('latin1'), f.path).not.toMatch(/PRIVATE KEY/);
  });

  it.skipIf(NO_KEYTOOL)('keytool lists the PKCS#12 roots as trusted certificates and imports them all into a JKS (Java, the importkeystore step)', () => {
    const keytool = (args: string[]) => {
      const r = spawnSync('keytool', args, { encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      return r.stdout;
    };
    const list = keytool(['-list', '-keystore', exported.pkcs12.path, '-storetype', 'PKCS12', '-storepass', exported.pkcs12.password]);
    const entries = [...list.matchAll(/^(\S+), .*, trustedCertEntry,\s*\nCertificate fingerprint \(SHA-256\): ([0-9A-F:]+)$/gm)].map((m) => [m[1], m[2]!.replace(/:/g, '').toLowerCase()]);
    expect(entries.sort()).toEqual(exported.roots.map((r) => [`pinprick-${r.name}`, sha256(world.cert(r.name).der)]).sort());
    expect(list).not.toMatch(/PrivateKeyEntry/);
    const jks = join(tmp.path, 'test.jks');
    keytool(['-importkeystore', '-noprompt', '-srckeystore', exported.pkcs12.path, '-srcstoretype', 'PKCS12', '-srcstorepass', exported.pkcs12.password, '-destkeystore', jks, '-deststoretype', 'JKS', '-deststorepass', 'changeit']);
    expect(keytool(['-list', '-keystore', jks, '-storepass', 'changeit']).match(/trustedCertEntry/g)).toHaveLength(exported.roots.length);
  });

  it('loads node-forge only when the PKCS#12 file is written: the CLI bundle imports it dynamically, never at start', () => {
    const bundle = readFileSync(new URL('../../dist/cli/main.bundle.js', import.meta.url), 'utf8');
    expect(bundle).toMatch(/import\(["']node-forge["']\)/);
    expect(bundle).not.toMatch(/^import[^;]*["']node-forge["']/m);
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
      expect(section('Java:', 'Windows:'), root.name).toContain(`-alias pinprick-${root.name} -file ${file}`);
      expect(section('Windows:', 'Firefox:'), root.name).toContain(`certutil -user -addstore Root ${file}`);
      expect(section('Firefox:', 'Android, user store'), root.name).toContain(file);
      expect(section('Android, user store', 'Android, system store'), root.name).toContain(`adb push ${file} `);
      expect(section('Android, system store', 'Android 14+'), root.name).toContain(`/${hash} /system/etc/security/cacerts/`);
      // Android 14+ reads its roots from the Conscrypt APEX: every root goes into the copy mounted over it.
      expect(section('Android 14+', 'iOS:'), root.name).toContain(`/${hash} /data/local/tmp/pinprick-ca/`);
      expect(section('iOS:', 'Simulator:'), root.name).toContain(file);
      expect(steps.slice(steps.indexOf('Simulator:')), root.name).toContain(`add-root-cert ${file}`);
    }
    expect(section('Java:', 'Windows:')).toContain(`keytool -importkeystore -srckeystore ${exported.pkcs12.path} -srcstoretype PKCS12 -srcstorepass pinprick `);
    expect(section('Windows:', 'Firefox:')).toContain(`${exported.pkcs12.path} (password pinprick)`);
    expect(steps).toMatch(/Install all 5 \(genuine-root, genuine-root-2, legacy-root, rogue-root, vendor-root\)/);
    expect(section('Android 14+', 'iOS:')).toMatch(/mount --bind \/system\/etc\/security\/cacerts \/apex\/com\.android\.conscrypt\/cacerts/);
  });
});
