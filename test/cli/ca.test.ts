import { spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite } from '../../src/harness/run.js';
import { findProfile, resolveProfile } from '../../src/scenario/profile.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { pemBlocks } from '../../src/world/pem.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import type { World } from '../../src/world/world.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { openssl, opensslStatus } from '../helpers/openssl.js';
import { NO_PLISTLIB, plistlibRead } from '../helpers/plist.js';
import { tempDir } from '../helpers/tmp.js';

/** keytool comes with a Java runtime (Debian: openjdk-17-jre-headless, which .ci/run installs): in CI a missing keytool fails. */
const HAS_KEYTOOL = spawnSync('keytool', ['-help'], { stdio: 'ignore' }).error === undefined;
const NO_KEYTOOL = !HAS_KEYTOOL && !process.env.CI;
if (NO_KEYTOOL) console.warn('test/cli/ca.test.ts: keytool not installed, the Java checks of the PKCS#12 and JKS files are skipped (Debian: apt-get install openjdk-17-jre-headless)');
/** A JDK to compile and run examples/clients/JavaClient.java (Debian: openjdk-17-jdk-headless, which .ci/run installs). */
const NO_JDK = spawnSync('javac', ['-version'], { stdio: 'ignore' }).error !== undefined && !process.env.CI;
if (NO_JDK) console.warn('test/cli/ca.test.ts: javac not installed, the JVM connections through the exported trust stores are skipped (Debian: apt-get install openjdk-17-jdk-headless)');
if (NO_PLISTLIB) console.warn('test/cli/ca.test.ts: python3 not installed, the .mobileconfig checks are skipped (Debian: apt-get install python3)');
const ROOT = new URL('../..', import.meta.url).pathname;

const sha256 = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

describe('pinprick ca', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  const outDir = join(tmp.path, 'export');
  let opened: OpenedWorld;
  let world: World;
  let exported: {
    bundle: string;
    pkcs12: { path: string; password: string };
    jks: { path: string; password: string };
    mobileconfig: string;
    files: { path: string; kind: string }[];
    roots: { name: string; der: string; android: string; subjectHashOld: string }[];
  };

  beforeAll(async () => {
    opened = await openWorld({ certsDir });
    world = opened.world;
    const r = await runCli(['ca', '--out', outDir, '--json'], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    exported = JSON.parse(r.stdout);
  });
  afterAll(() => tmp.cleanup());
  /** `pinprick ca --out DIR` as a user runs it (text): one run serves the tests that read its instructions. */
  let textRun: Promise<CliResult> | undefined;
  const caText = () => (textRun ??= runCli(['ca', '--out', outDir], { certsDir }));

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

  it.skipIf(NO_KEYTOOL)('writes a JKS trust store that keytool opens with the same password: exactly the roots as trustedCertEntry under the PKCS#12 aliases, and no key', () => {
    expect(exported.jks).toEqual({ path: join(outDir, 'pinprick-default-roots.jks'), password: 'pinprick' });
    expect(exported.files).toContainEqual({ path: exported.jks.path, kind: 'jks' });
    // No -storetype: keytool 17 recognizes the file as JKS by its magic number.
    const r = spawnSync('keytool', ['-list', '-keystore', exported.jks.path, '-storepass', exported.jks.password], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Keystore type: JKS$/m);
    expect(r.stdout).toMatch(/Your keystore contains 5 entries/);
    const entries = [...r.stdout.matchAll(/^(\S+), .*, trustedCertEntry,\s*\nCertificate fingerprint \(SHA-256\): ([0-9A-F:]+)$/gm)].map((m) => [m[1], m[2]!.replace(/:/g, '').toLowerCase()]);
    expect(entries.sort()).toEqual(exported.roots.map((root) => [`pinprick-${root.name}`, sha256(world.cert(root.name).der)]).sort());
    expect(r.stdout).not.toMatch(/PrivateKeyEntry|SecretKeyEntry/);
    const wrong = spawnSync('keytool', ['-list', '-keystore', exported.jks.path, '-storepass', 'wrong'], { encoding: 'utf8' });
    expect(wrong.stdout + wrong.stderr).toMatch(/Keystore was tampered with, or password was incorrect/);
  });

  it.skipIf(NO_PLISTLIB)('writes an Apple configuration profile that plistlib reads: one com.apple.security.root payload per root holding exactly its DER, unique UUIDs, a TEST CA name', () => {
    expect(exported.mobileconfig).toBe(join(outDir, 'pinprick-default-roots.mobileconfig'));
    expect(exported.files).toContainEqual({ path: exported.mobileconfig, kind: 'mobileconfig' });
    type Payload = Record<string, unknown> & { PayloadContent: { data: string } };
    const profile = plistlibRead(readFileSync(exported.mobileconfig)) as Record<string, unknown> & { PayloadContent: Payload[] };
    expect(profile).toMatchObject({ PayloadType: 'Configuration', PayloadVersion: 1, PayloadIdentifier: 'test.pinprick.default.roots', PayloadRemovalDisallowed: false });
    expect(profile.PayloadDisplayName).toMatch(/^pinprick TEST CA roots \(world default\)/);
    expect(profile.PayloadDescription).toMatch(/TEST certificate authorities/);
    expect(profile.PayloadContent).toHaveLength(exported.roots.length);
    profile.PayloadContent.forEach((payload, i) => {
      const root = exported.roots[i]!;
      expect(payload).toMatchObject({ PayloadType: 'com.apple.security.root', PayloadVersion: 1, PayloadIdentifier: `test.pinprick.default.roots.${root.name}`, PayloadCertificateFileName: `pinprick-default-${root.name}.cer` });
      expect(Buffer.from(payload.PayloadContent.data, 'base64').equals(world.cert(root.name).der), root.name).toBe(true);
      expect(payload.PayloadDisplayName).toBe(`${world.cert(root.name).x509.subject.match(/^CN=(.*)$/m)![1]} (pinprick TEST CA)`);
    });
    const uuids = [profile, ...profile.PayloadContent].map((p) => p.PayloadUUID as string);
    expect(new Set(uuids).size).toBe(exported.roots.length + 1);
    for (const u of uuids) expect(u).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });

  it('a second export of the same world writes the same profile (so installing it again changes nothing) and a JKS with the same entries', async () => {
    const again = join(tmp.path, 'again');
    const r = await runCli(['ca', '--out', again, '--json'], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(again, 'pinprick-default-roots.mobileconfig'), 'utf8')).toBe(readFileSync(exported.mobileconfig, 'utf8'));
    // Only the entries' creation dates (and so the digest) may differ: same length, same certificates.
    const [a, b] = [readFileSync(exported.jks.path), readFileSync(join(again, 'pinprick-default-roots.jks'))];
    expect(b.length).toBe(a.length);
    for (const root of exported.roots) expect(b.includes(world.cert(root.name).der)).toBe(true);
  });

  it('no exported file holds a private key of the world, in any encoding it uses (raw, PEM, plist <data>)', () => {
    const secrets = world.allKeys().map((k) => ({ name: k.name, d: Buffer.from(k.key.export({ format: 'jwk' }).d!, 'base64url') }));
    expect(secrets.length).toBeGreaterThan(5);
    for (const f of exported.files) {
      const bytes = readFileSync(f.path);
      const text = bytes.toString('latin1');
      const decoded = [bytes, ...pemBlocks(text).map((b) => b.der), ...[...text.matchAll(/<data>([^<]*)<\/data>/g)].map((m) => Buffer.from(m[1]!.replace(/\s/g, ''), 'base64'))];
      for (const s of secrets) for (const blob of decoded) expect(blob.includes(s.d), `${f.path} holds ${s.name}`).toBe(false);
      expect(text, f.path).not.toMatch(/PRIVATE KEY/);
    }
    // The scan finds a key where there is one.
    const leak = Buffer.concat([world.cert('genuine-root').der, secrets[0]!.d]);
    expect(leak.includes(secrets[0]!.d)).toBe(true);
  });

  describe.skipIf(NO_JDK)('a real JVM trusting only an exported trust store (-Djavax.net.ssl.trustStore) connects through the proxy', () => {
    const classes = join(tmp.path, 'classes');
    beforeAll(() => {
      const r = spawnSync('javac', ['-d', classes, `${ROOT}examples/clients/JavaClient.java`], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }, 60_000);
    const SCENARIOS = ['calibration-canary', 'control-genuine', 'validation-untrusted-issuer'];
    const run = async (trust: string, scenarios = SCENARIOS) => {
      const catalog = loadCatalog(world.spec);
      const client = `java ${trust} -cp ${classes} JavaClient --url {url} --proxy {proxy}`;
      const results = await runSuite({ opened, scenarios: scenarios.map((id) => findScenario(catalog, id)), profile: resolveProfile(findProfile('intermediate-backup', world.spec), world), client, timeoutMs: 30_000, graceMs: 1_000, workDir: join(tmp.path, `work-${Math.random()}`) });
      return results.map((r) => ({ id: r.id, wire: r.wire?.kind, stdout: r.stdout.trim().split(' ')[0], outcome: r.classification.outcome }));
    };
    // Rogue-root chain (calibration), genuine-root chain, and a chain from the untrusted root that no store holds.
    const expected = [
      { id: 'calibration-canary', wire: 'accepted', stdout: 'ACCEPT', outcome: 'PASS' },
      { id: 'control-genuine', wire: 'accepted', stdout: 'ACCEPT', outcome: 'PASS' },
      { id: 'validation-untrusted-issuer', wire: 'rejected', stdout: 'REJECT', outcome: 'PASS' },
    ];

    it('the JKS, as trustStoreType JKS with the password', async () => {
      expect(await run(`-Djavax.net.ssl.trustStore=${exported.jks.path} -Djavax.net.ssl.trustStoreType=JKS -Djavax.net.ssl.trustStorePassword=pinprick`)).toEqual(expected);
    }, 90_000);

    it('the PKCS#12, as trustStoreType PKCS12 with the password', async () => {
      expect(await run(`-Djavax.net.ssl.trustStore=${exported.pkcs12.path} -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=pinprick`)).toEqual(expected);
    }, 90_000);

    it('without trustStorePassword either store still loads: the JVM skips the integrity check, not the roots', async () => {
      for (const store of [`${exported.jks.path} -Djavax.net.ssl.trustStoreType=JKS`, `${exported.pkcs12.path} -Djavax.net.ssl.trustStoreType=PKCS12`]) {
        expect(await run(`-Djavax.net.ssl.trustStore=${store}`, ['calibration-canary']), store).toEqual([expected[0]]);
      }
    }, 60_000);

    it('without the store the JVM does not trust the test roots (its own cacerts): the calibration chain is refused', async () => {
      expect(await run('', ['calibration-canary'])).toMatchObject([{ id: 'calibration-canary', wire: 'rejected', stdout: 'REJECT' }]);
    }, 60_000);
  });

  it('loads node-forge only when the PKCS#12 file is written: the CLI bundle imports it dynamically, never at start', () => {
    const bundle = readFileSync(new URL('../../dist/cli/main.bundle.js', import.meta.url), 'utf8');
    expect(bundle).toMatch(/import\(["']node-forge["']\)/);
    expect(bundle).not.toMatch(/^import[^;]*["']node-forge["']/m);
  });

  it('prints installation instructions for curl, Android and iOS', async () => {
    const r = await caText();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/curl:\s+curl --cacert/);
    expect(r.stdout).toMatch(/Android, system store/);
    expect(r.stdout).toMatch(/iOS:/);
    expect(r.stdout).toMatch(/macOS:/);
    expect(r.stdout).toContain(`jks: ${exported.jks.path} `);
    expect(r.stdout).toContain(`mobileconfig: ${exported.mobileconfig} `);
  });

  it('device steps install every root, naming each file (issue 14, defect 8: Android and Java pushed genuine-root alone)', async () => {
    const r = await caText();
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
      expect(section('Simulator:', 'macOS:'), root.name).toContain(`add-root-cert ${file}`);
      expect(steps.slice(steps.indexOf('macOS:')), root.name).toContain(`sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${file}`);
    }
    // One file for all roots where the platform takes one: the trust stores (Java) and the profile (iOS, macOS).
    expect(section('Java:', 'Windows:')).toContain(`-Djavax.net.ssl.trustStore=${exported.pkcs12.path} -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=pinprick`);
    expect(section('Java:', 'Windows:')).toContain(`-Djavax.net.ssl.trustStore=${exported.jks.path} -Djavax.net.ssl.trustStoreType=JKS -Djavax.net.ssl.trustStorePassword=pinprick`);
    expect(section('iOS:', 'Simulator:')).toContain(exported.mobileconfig);
    expect(section('iOS:', 'Simulator:')).toMatch(/Certificate Trust Settings/);
    expect(steps.slice(steps.indexOf('macOS:'))).toContain(`open ${exported.mobileconfig}`);
    expect(section('Java:', 'Windows:')).toContain(`keytool -importkeystore -srckeystore ${exported.pkcs12.path} -srcstoretype PKCS12 -srcstorepass pinprick `);
    expect(section('Windows:', 'Firefox:')).toContain(`${exported.pkcs12.path} (password pinprick)`);
    expect(steps).toMatch(/Install all 5 \(genuine-root, genuine-root-2, legacy-root, rogue-root, vendor-root\)/);
    expect(section('Android 14+', 'iOS:')).toMatch(/mount --bind \/system\/etc\/security\/cacerts \/apex\/com\.android\.conscrypt\/cacerts/);
  });
});
