import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorldError } from '../../src/errors.js';
import { generateKey, type KeyType } from '../../src/world/keys.js';
import { pinOfKey } from '../../src/world/pin.js';
import { issueCertificate } from '../../src/world/recipe.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { opensslPin } from '../helpers/openssl.js';
import { opensslFields, opensslFingerprint, opensslKeyPin, opensslVerify, opensslX509, PemFolder, type VerifyResult } from '../helpers/openssl-verify.js';
import { tempDir } from '../helpers/tmp.js';

/** The injected clock: every world here is generated "at" NOW and verified with `-attime NOW`. */
const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const HOST = 'api.pinprick.test';
const KEY_NAMES = [
  'genuine-root',
  'genuine-root-2',
  'genuine-intermediate',
  'genuine-intermediate-2',
  'genuine-leaf',
  'genuine-leaf-2',
  'backup-1',
  'backup-2',
  'rogue-root',
  'rogue-intermediate',
  'rogue-leaf',
  'legacy-root',
  'vendor-root',
  'vendor-intermediate',
  'untrusted-root',
  'config-signing',
  'config-signing-ed25519',
  'config-signing-rogue',
  'config-signing-rogue-ed25519',
];
/** Keys that sign pin configurations: their type is fixed, whatever the world's (ES256 is P-256 only; EdDSA is Ed25519). */
const SIGNING_ALGORITHMS: Record<string, string> = {
  'config-signing': 'ECDSA P-256',
  'config-signing-ed25519': 'Ed25519',
  'config-signing-rogue': 'ECDSA P-256',
  'config-signing-rogue-ed25519': 'Ed25519',
};
const CERT_NAMES = [
  'genuine-root',
  'genuine-root-2',
  'genuine-intermediate',
  'genuine-intermediate-2',
  'genuine-leaf',
  'legacy-root',
  'legacy-root-expired',
  'genuine-root-cross',
  'genuine-intermediate-cross',
  'rogue-root',
  'rogue-intermediate',
  'rogue-leaf',
  'vendor-root',
  'vendor-intermediate',
  'untrusted-root',
];

/** Paths and PEM text of a world's files on disk, as openssl will read them. */
function onDisk(opened: OpenedWorld) {
  return {
    cert: (name: string) => join(opened.dir, opened.manifest.certificates[name]!.file),
    key: (name: string) => join(opened.dir, opened.manifest.keys[name]!.file),
    pem: (name: string) => readFileSync(join(opened.dir, opened.manifest.certificates[name]!.file), 'utf8'),
  };
}

/** mtime of every file under a world folder, by relative path. */
function mtimes(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length + 1)] = statSync(path).mtimeMs;
  }
  return out;
}

/**
 * Worlds generated once for the whole file, by key type and seed: generating the keys is the slow
 * part (an RSA world takes seconds). Tests that only read a world share it; a test that changes a
 * world works on a copy (copyWorld). Tests about generation itself still generate their own.
 */
const sharedDir = tempDir();
afterAll(() => sharedDir.cleanup());
const sharedWorlds = new Map<string, Promise<OpenedWorld>>();
function sharedWorld(keyType: KeyType, seed?: string): Promise<OpenedWorld> {
  const id = `${keyType}-${seed ?? 'unseeded'}`;
  let world = sharedWorlds.get(id);
  if (!world) sharedWorlds.set(id, (world = openWorld({ certsDir: join(sharedDir.path, id), keyType, ...(seed === undefined ? {} : { seed }), now: NOW })));
  return world;
}

/** A copy of a generated world's folder into `certsDir`, opened there (with its seed, if any): nothing generated, nothing issued. */
async function copyWorld(from: OpenedWorld, certsDir: string, seed?: string): Promise<OpenedWorld> {
  cpSync(from.dir, join(certsDir, from.manifest.name), { recursive: true });
  const copy = await openWorld({ certsDir, ...(seed === undefined ? {} : { seed }), now: NOW });
  expect([...copy.generatedKeys, ...copy.issuedCerts]).toEqual([]);
  return copy;
}

function keyPins(opened: OpenedWorld): Record<string, string> {
  return Object.fromEntries(opened.world.allKeys().map((k) => [k.name, k.pin.sha256]));
}

function certPins(opened: OpenedWorld): Record<string, string> {
  return Object.fromEntries(opened.world.allCerts().map((c) => [c.name, c.pin.sha256]));
}

describe.each<KeyType>(['ec-p256', 'rsa-2048'])('the default %s world, as openssl sees it', (keyType) => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let files: PemFolder;
  let disk: ReturnType<typeof onDisk>;

  /** Verify `leaf` with `via` as -untrusted and `trust` as -CAfile, at NOW unless told. */
  function verify(leaf: string, via: string[], trust: string[], more: { at?: Date; hostname?: string } = {}): VerifyResult {
    return opensslVerify({
      caFile: files.put('ca', ...trust.map(disk.pem)),
      ...(via.length ? { untrusted: files.put('untrusted', ...via.map(disk.pem)) } : {}),
      leaf: disk.cert(leaf),
      at: more.at ?? NOW,
      ...(more.hostname ? { hostname: more.hostname } : {}),
    });
  }

  const certPinCache = new Map<string, { sha256: string; sha256Hex: string }>();
  const keyPinCache = new Map<string, { sha256: string; sha256Hex: string }>();
  /** openssl's pin of a certificate file (each openssl pipeline runs once per name). */
  function sslCertPin(name: string): { sha256: string; sha256Hex: string } {
    let pin = certPinCache.get(name);
    if (!pin) {
      const sha256 = opensslPin(disk.pem(name));
      pin = { sha256, sha256Hex: Buffer.from(sha256, 'base64').toString('hex') };
      certPinCache.set(name, pin);
    }
    return pin;
  }
  /** openssl's pin of a key file. */
  function sslKeyPin(name: string): { sha256: string; sha256Hex: string } {
    let pin = keyPinCache.get(name);
    if (!pin) keyPinCache.set(name, (pin = opensslKeyPin(disk.key(name))));
    return pin;
  }

  beforeAll(async () => {
    opened = await sharedWorld(keyType);
    files = new PemFolder(tmp.path);
    disk = onDisk(opened);
  });
  afterAll(() => tmp.cleanup());

  it('is created from nothing: every key generated, every certificate issued, every key of the asked type', () => {
    expect(opened.created).toBe(true);
    expect([...opened.generatedKeys].sort()).toEqual([...KEY_NAMES].sort());
    expect([...opened.issuedCerts].sort()).toEqual([...CERT_NAMES].sort());
    const algorithm = keyType === 'ec-p256' ? 'ECDSA P-256' : 'RSA 2048';
    for (const name of KEY_NAMES) expect(opened.manifest.keys[name]!.algorithm, name).toBe(SIGNING_ALGORITHMS[name] ?? algorithm);
  });

  it('verifies genuine-leaf via genuine-intermediate to genuine-root', () => {
    const r = verify('genuine-leaf', ['genuine-intermediate'], ['genuine-root']);
    expect(r.ok, r.output).toBe(true);
    expect(r.chain).toHaveLength(3);
    expect(r.chain[2]).toContain('pinprick Genuine Root CA');
  });

  it('verifies rogue-leaf via rogue-intermediate to rogue-root, for the same host as the genuine leaf', () => {
    const r = verify('rogue-leaf', ['rogue-intermediate'], ['rogue-root'], { hostname: HOST });
    expect(r.ok, r.output).toBe(true);
    expect(r.chain[2]).toContain('pinprick Rogue Root CA');
  });

  it('does not verify genuine-leaf against the rogue root, nor rogue-leaf against the genuine root', () => {
    expect(verify('genuine-leaf', ['genuine-intermediate'], ['rogue-root']).error?.code).toBe(20);
    expect(verify('rogue-leaf', ['rogue-intermediate'], ['genuine-root']).error?.code).toBe(20);
  });

  it('verifies genuine-leaf via genuine-intermediate-cross to legacy-root (the cross-signed path)', () => {
    const r = verify('genuine-leaf', ['genuine-intermediate-cross'], ['legacy-root']);
    expect(r.ok, r.output).toBe(true);
    expect(r.chain).toHaveLength(3);
    expect(r.chain[2]).toContain('pinprick Legacy Root CA X3');
  });

  it('verifies genuine-leaf via genuine-intermediate and genuine-root-cross to legacy-root alone (the long cross-signed chain)', () => {
    const r = verify('genuine-leaf', ['genuine-intermediate', 'genuine-root-cross'], ['legacy-root']);
    expect(r.ok, r.output).toBe(true);
    expect(r.chain).toHaveLength(4);
    expect(r.chain[2]).toContain('pinprick Genuine Root CA');
    expect(r.chain[3]).toContain('pinprick Legacy Root CA X3');
  });

  it('verifies genuine-intermediate-2 under genuine-root and vendor-intermediate under vendor-root', () => {
    const r1 = verify('genuine-intermediate-2', [], ['genuine-root']);
    expect(r1.ok, r1.output).toBe(true);
    const r2 = verify('vendor-intermediate', [], ['vendor-root']);
    expect(r2.ok, r2.output).toBe(true);
    expect(verify('vendor-intermediate', [], ['genuine-root']).error?.code).toBe(20);
  });

  it('verifies every trusted root as its own anchor, with a valid self-signature', () => {
    for (const root of opened.world.trustedRoots()) {
      const caFile = files.put('ca', disk.pem(root.name));
      const r = opensslVerify({ caFile, leaf: disk.cert(root.name), at: NOW, extra: ['-check_ss_sig'] });
      expect(r.ok, `${root.name}: ${r.output}`).toBe(true);
    }
  });

  it('fails both cross-signed paths with "certificate has expired" (10) at the root when the trusted legacy root is the expired one', () => {
    const short = verify('genuine-leaf', ['genuine-intermediate-cross'], ['legacy-root-expired']);
    expect(short.ok).toBe(false);
    expect(short.error).toEqual({ code: 10, depth: 2, message: 'certificate has expired' });
    const long = verify('genuine-leaf', ['genuine-intermediate', 'genuine-root-cross'], ['legacy-root-expired']);
    expect(long.ok).toBe(false);
    expect(long.error).toEqual({ code: 10, depth: 3, message: 'certificate has expired' });
  });

  it('makes legacy-root-expired the same name and key as legacy-root, expired 30 days before now', () => {
    expect(opensslX509(disk.cert('legacy-root-expired'), '-subject')).toBe(opensslX509(disk.cert('legacy-root'), '-subject'));
    expect(sslCertPin('legacy-root-expired').sha256).toBe(sslCertPin('legacy-root').sha256);
    expect(new Date(opened.manifest.certificates['legacy-root-expired']!.notAfter).getTime()).toBe(Math.floor((NOW.getTime() - 30 * DAY) / 1000) * 1000);
    // Still valid 31 days ago: the recipe makes a root that expired, not a broken one.
    expect(verify('genuine-leaf', ['genuine-intermediate-cross'], ['legacy-root-expired'], { at: new Date(NOW.getTime() - 31 * DAY) }).error?.code).toBe(9);
  });

  it('fails genuine-leaf on -verify_hostname other.example with a hostname mismatch (62) and passes it for api.pinprick.test', () => {
    const wrong = verify('genuine-leaf', ['genuine-intermediate'], ['genuine-root'], { hostname: 'other.example' });
    expect(wrong.ok).toBe(false);
    expect(wrong.error).toEqual({ code: 62, depth: 0, message: 'hostname mismatch' });
    const right = verify('genuine-leaf', ['genuine-intermediate'], ['genuine-root'], { hostname: HOST });
    expect(right.ok, right.output).toBe(true);
  });

  it('keeps genuine-leaf valid from one day before now to 397 days after (openssl -attime)', () => {
    const chain = ['genuine-intermediate'];
    const at = (ms: number) => ({ at: new Date(NOW.getTime() + ms) });
    expect(verify('genuine-leaf', chain, ['genuine-root'], at(-DAY - 60_000)).error).toEqual({ code: 9, depth: 0, message: 'certificate is not yet valid' });
    expect(verify('genuine-leaf', chain, ['genuine-root'], at(-DAY + 60_000)).ok).toBe(true);
    expect(verify('genuine-leaf', chain, ['genuine-root'], at(397 * DAY - 60_000)).ok).toBe(true);
    expect(verify('genuine-leaf', chain, ['genuine-root'], at(397 * DAY + 60_000)).error).toEqual({ code: 10, depth: 0, message: 'certificate has expired' });
  });

  it('puts genuine, rogue, legacy and vendor roots in the trusted bundle, and untrusted-root in none', () => {
    const trusted = opened.world.trustedRoots().map((c) => c.name);
    expect(trusted.sort()).toEqual(['genuine-root', 'genuine-root-2', 'legacy-root', 'rogue-root', 'vendor-root']);
    expect(opened.world.allCerts().filter((c) => c.def.trusted && c.def.position !== 'root')).toEqual([]);
    expect(opened.manifest.certificates['untrusted-root']!.trusted).toBe(false);
  });

  it('rejects a chain to untrusted-root against the trusted bundle: local issuer (20), self-signed in chain (19), self-signed (18)', async () => {
    const root = opened.world.cert('untrusted-root');
    const leafKey = opened.world.key('genuine-leaf-2').key;
    const leafDer = await issueCertificate({
      recipe: { subject: `CN=${HOST}`, key: 'genuine-leaf-2', issuer: 'untrusted-root', notBefore: '-1d', notAfter: '+30d', ca: false, dns: [HOST], extKeyUsage: ['serverAuth'] },
      subjectKey: leafKey,
      issuerKey: opened.world.key('untrusted-root').key,
      issuerCert: root.x509,
      now: NOW,
    });
    const leaf = files.put('untrusted-leaf', leafDer);
    const caFile = files.put('bundle', ...opened.world.trustedRoots().map((c) => c.der));

    const alone = opensslVerify({ caFile, leaf, at: NOW });
    expect(alone.error).toEqual({ code: 20, depth: 0, message: 'unable to get local issuer certificate' });
    const withRoot = opensslVerify({ caFile, untrusted: disk.cert('untrusted-root'), leaf, at: NOW });
    expect(withRoot.error).toEqual({ code: 19, depth: 1, message: 'self-signed certificate in certificate chain' });
    const rootItself = opensslVerify({ caFile, leaf: disk.cert('untrusted-root'), at: NOW });
    expect(rootItself.error).toEqual({ code: 18, depth: 0, message: 'self-signed certificate' });
    // The same leaf is fine once its root is trusted: the failures above are about trust only.
    expect(opensslVerify({ caFile: disk.cert('untrusted-root'), leaf, at: NOW, hostname: HOST }).ok).toBe(true);
  });

  it('gives every certificate the pin openssl computes from its PEM file', () => {
    for (const cert of opened.world.allCerts()) {
      const expected = sslCertPin(cert.name);
      expect(cert.pin.sha256, cert.name).toBe(expected.sha256);
      expect(cert.pin.sha256Hex, cert.name).toBe(expected.sha256Hex);
    }
  });

  it('gives every key the pin openssl computes from its key file, equal to the pin of each certificate of that key', () => {
    for (const key of opened.world.allKeys()) {
      const expected = sslKeyPin(key.name);
      expect(key.pin.sha256, key.name).toBe(expected.sha256);
      expect(key.pin.sha256Hex, key.name).toBe(expected.sha256Hex);
    }
    for (const cert of opened.world.allCerts()) expect(cert.pin.sha256, cert.name).toBe(opened.world.key(cert.def.key).pin.sha256);
  });

  it('lists in manifest.json the openssl pins (base64 and hex) of every key and certificate, and the openssl SHA-256 fingerprint', () => {
    const manifest = JSON.parse(readFileSync(join(opened.dir, 'manifest.json'), 'utf8')) as OpenedWorld['manifest'];
    expect(Object.keys(manifest.keys)).toEqual(KEY_NAMES);
    expect(Object.keys(manifest.certificates)).toEqual(CERT_NAMES);
    for (const [name, entry] of Object.entries(manifest.keys)) {
      expect(entry.pin.sha256, name).toBe(sslKeyPin(name).sha256);
      expect(entry.pin.sha256Hex, name).toBe(sslKeyPin(name).sha256Hex);
    }
    for (const [name, entry] of Object.entries(manifest.certificates)) {
      const path = join(opened.dir, entry.file);
      expect(entry.pin.sha256, name).toBe(sslCertPin(name).sha256);
      expect(entry.pin.sha256Hex, name).toBe(sslCertPin(name).sha256Hex);
      expect(entry.fingerprint.sha256, name).toBe(opensslFingerprint(path, 'sha256'));
    }
  });
});

describe('reopening a world', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  let first: OpenedWorld;
  beforeAll(async () => {
    first = await openWorld({ certsDir, now: NOW });
  });
  afterAll(() => tmp.cleanup());

  it('generates nothing, rewrites no file and yields the same pins and certificates', async () => {
    const before = mtimes(first.dir);
    const again = await openWorld({ certsDir, now: new Date(NOW.getTime() + DAY) });
    expect(again.created).toBe(false);
    expect(again.generatedKeys).toEqual([]);
    expect(again.issuedCerts).toEqual([]);
    expect(mtimes(first.dir)).toEqual(before);
    expect(keyPins(again)).toEqual(keyPins(first));
    expect(certPins(again)).toEqual(certPins(first));
    for (const c of first.world.allCerts()) expect(again.world.cert(c.name).der.equals(c.der), c.name).toBe(true);
    expect(again.manifest).toEqual(first.manifest);
  });

  it('writes key files with mode 0600 in a keys folder with mode 0700', () => {
    expect(statSync(join(first.dir, 'keys')).mode & 0o777).toBe(0o700);
    for (const entry of Object.values(first.manifest.keys)) {
      expect(statSync(join(first.dir, entry.file)).mode & 0o777, entry.file).toBe(0o600);
    }
    for (const entry of Object.values(first.manifest.certificates)) {
      expect(statSync(join(first.dir, entry.file)).mode & 0o777, entry.file).toBe(0o644);
    }
  });

  it('describes in manifest.json every key and certificate: role, subject, issuer, validity, pins and fingerprints', () => {
    const m = JSON.parse(readFileSync(join(first.dir, 'manifest.json'), 'utf8')) as OpenedWorld['manifest'];
    const disk = onDisk(first);
    expect(m).toMatchObject({ format: 'pinprick-world/1', name: 'default', hosts: [HOST], keyType: 'ec-p256', seeded: false, createdAt: NOW.toISOString() });
    expect(m.seedDigest).toBeUndefined();
    expect(Object.keys(m.keys)).toEqual(KEY_NAMES);
    expect(Object.keys(m.certificates)).toEqual(CERT_NAMES);
    expect(m.keys['backup-1']).toMatchObject({ party: 'genuine', position: 'backup', type: 'ec-p256', file: 'keys/backup-1.key.pem' });
    expect(m.keys['rogue-root']).toMatchObject({ party: 'rogue', position: 'root' });
    expect(m.certificates['genuine-root-cross']).toMatchObject({ key: 'genuine-root', issuer: 'legacy-root', party: 'genuine', position: 'root', trusted: false });
    expect(m.certificates['genuine-leaf']).toMatchObject({ key: 'genuine-leaf', issuer: 'genuine-intermediate', party: 'genuine', position: 'leaf', trusted: false, signatureAlgorithm: 'ecdsa-with-SHA256' });
    for (const [name, c] of Object.entries(m.certificates)) {
      const ssl = opensslFields(disk.cert(name));
      // openssl prints "subject=CN = x, O = y"; the manifest has "CN=x, O=y".
      expect(c.subjectName.replace(/=/g, ' = '), name).toBe(ssl.subject);
      expect(c.issuerName.replace(/=/g, ' = '), name).toBe(ssl.issuer);
      expect(new Date(c.notBefore).getTime(), name).toBe(ssl.notBefore.getTime());
      expect(new Date(c.notAfter).getTime(), name).toBe(ssl.notAfter.getTime());
      expect(c.serialNumber.toUpperCase(), name).toBe(ssl.serial);
      expect(c.fingerprint.sha256, name).toBe(ssl.sha256);
      expect(c.fingerprint.sha1, name).toBe(opensslFingerprint(disk.cert(name), 'sha1'));
      expect(c.issuerName, name).toBe(c.issuer === 'self' ? c.subjectName : m.certificates[c.issuer]!.subjectName);
      expect(c.pin.sha256Hex, name).toMatch(/^[0-9a-f]{64}$/);
      expect(Buffer.from(c.pin.sha256, 'base64').toString('hex'), name).toBe(c.pin.sha256Hex);
    }
    expect(m.certificates['genuine-leaf']!.subjectName).toBe(`CN=${HOST}`);
    expect(m.certificates['genuine-leaf']!.notBefore).toBe(new Date(NOW.getTime() - DAY).toISOString());
    expect(m.certificates['genuine-leaf']!.notAfter).toBe(new Date(NOW.getTime() + 397 * DAY).toISOString());
  });

  it('re-issues with new hosts only the two leaves, with the same keys, and the SAN openssl reads is the new host list', async () => {
    const dir = tempDir();
    try {
      const base = await copyWorld(first, dir.path);
      const hosts = ['shop.pinprick.test', 'www.pinprick.test'];
      const moved = await openWorld({ certsDir: dir.path, hosts, now: NOW });
      expect(moved.generatedKeys).toEqual([]);
      expect([...moved.issuedCerts].sort()).toEqual(['genuine-leaf', 'rogue-leaf']);
      expect(keyPins(moved)).toEqual(keyPins(base));
      expect(certPins(moved)).toEqual(certPins(base));
      expect(moved.manifest.hosts).toEqual(hosts);
      const disk = onDisk(moved);
      for (const leaf of ['genuine-leaf', 'rogue-leaf']) {
        expect(opensslX509(disk.cert(leaf), '-ext', 'subjectAltName')).toMatch(/DNS:shop\.pinprick\.test, DNS:www\.pinprick\.test$/);
        expect(opensslX509(disk.cert(leaf), '-subject')).toBe('subject=CN = shop.pinprick.test');
        expect(opensslPin(disk.pem(leaf))).toBe(base.world.key(leaf).pin.sha256);
        expect(moved.world.cert(leaf).x509.serialNumber).not.toBe(base.world.cert(leaf).x509.serialNumber);
      }
      const files = new PemFolder(dir.path);
      const r = opensslVerify({ caFile: disk.cert('genuine-root'), untrusted: disk.cert('genuine-intermediate'), leaf: disk.cert('genuine-leaf'), at: NOW, hostname: 'www.pinprick.test' });
      expect(r.ok, r.output).toBe(true);
      const old = opensslVerify({ caFile: files.put('ca', disk.pem('genuine-root')), untrusted: disk.cert('genuine-intermediate'), leaf: disk.cert('genuine-leaf'), at: NOW, hostname: HOST });
      expect(old.error?.code).toBe(62);
      // The hosts stick: reopening without them issues nothing.
      const again = await openWorld({ certsDir: dir.path, now: NOW });
      expect(again.issuedCerts).toEqual([]);
      expect(again.world.hosts).toEqual(hosts);
    } finally {
      dir.cleanup();
    }
  });

  it('re-issues, with the same keys, the leaves that expired while their recipe meant them to be valid', async () => {
    const dir = tempDir();
    try {
      const base = await copyWorld(first, dir.path);
      const later = new Date(NOW.getTime() + 400 * DAY);
      const renewed = await openWorld({ certsDir: dir.path, now: later });
      expect(renewed.generatedKeys).toEqual([]);
      expect([...renewed.issuedCerts].sort()).toEqual(['genuine-leaf', 'rogue-leaf']);
      expect(certPins(renewed)).toEqual(certPins(base));
      const disk = onDisk(renewed);
      const r = opensslVerify({ caFile: disk.cert('genuine-root'), untrusted: disk.cert('genuine-intermediate'), leaf: disk.cert('genuine-leaf'), at: later, hostname: HOST });
      expect(r.ok, r.output).toBe(true);
    } finally {
      dir.cleanup();
    }
  });

  it('regenerates every key with force: true (every pin changes)', async () => {
    const dir = tempDir();
    try {
      const base = await copyWorld(first, dir.path);
      const forced = await openWorld({ certsDir: dir.path, force: true, now: NOW });
      expect(forced.created).toBe(true);
      expect([...forced.generatedKeys].sort()).toEqual([...KEY_NAMES].sort());
      const before = keyPins(base);
      for (const [name, pin] of Object.entries(keyPins(forced))) expect(pin, name).not.toBe(before[name]);
      expect(opensslKeyPin(onDisk(forced).key('genuine-leaf')).sha256).toBe(forced.world.key('genuine-leaf').pin.sha256);
    } finally {
      dir.cleanup();
    }
  });

  it('refuses a seed for a world generated without one (WorldError), and refuses another key type', async () => {
    await expect(openWorld({ certsDir, seed: 'ci', now: NOW })).rejects.toBeInstanceOf(WorldError);
    await expect(openWorld({ certsDir, seed: 'ci', now: NOW })).rejects.toMatchObject({ code: 'E_WORLD', message: expect.stringContaining('without a seed') });
    await expect(openWorld({ certsDir, keyType: 'rsa-2048', now: NOW })).rejects.toBeInstanceOf(WorldError);
    // Nothing was touched by the refusals.
    expect(keyPins(await openWorld({ certsDir, now: NOW }))).toEqual(keyPins(first));
  });

  it('refuses to open a world that does not exist when it must exist', async () => {
    await expect(openWorld({ certsDir, name: 'absent', mustExist: true, now: NOW })).rejects.toBeInstanceOf(WorldError);
  });
});

describe.each<KeyType>(['ec-p256', 'rsa-2048'])('a seeded %s world', (keyType) => {
  const b = tempDir();
  let first: OpenedWorld;
  let second: OpenedWorld;
  beforeAll(async () => {
    first = await sharedWorld(keyType, 'ci');
    second = await openWorld({ certsDir: b.path, keyType, seed: 'ci', now: NOW });
  });
  afterAll(() => b.cleanup());

  it('has the same key files and key pins in two different folders, and they are the pins openssl reads', () => {
    expect(keyPins(second)).toEqual(keyPins(first));
    expect(certPins(second)).toEqual(certPins(first));
    const diskA = onDisk(first);
    const diskB = onDisk(second);
    for (const name of KEY_NAMES) {
      expect(readFileSync(diskB.key(name)).equals(readFileSync(diskA.key(name))), name).toBe(true);
      expect(opensslKeyPin(diskB.key(name)).sha256, name).toBe(first.world.key(name).pin.sha256);
    }
    expect(new Set(Object.values(keyPins(first))).size).toBe(KEY_NAMES.length);
  });

  it('keeps random serials, so a seeded world never repeats an issuer and serial pair', () => {
    expect(second.world.cert('genuine-leaf').x509.serialNumber).not.toBe(first.world.cert('genuine-leaf').x509.serialNumber);
  });

  it('records that it is seeded, with a digest of the seed and never the seed itself', () => {
    expect(first.world.seeded).toBe(true);
    expect(first.manifest.seeded).toBe(true);
    expect(first.manifest.seedDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(first.dir, 'manifest.json'), 'utf8')).not.toContain('"ci"');
  });

  it('verifies its genuine chain with openssl', () => {
    const disk = onDisk(first);
    const r = opensslVerify({ caFile: disk.cert('genuine-root'), untrusted: disk.cert('genuine-intermediate'), leaf: disk.cert('genuine-leaf'), at: NOW, hostname: HOST });
    expect(r.ok, r.output).toBe(true);
  });

  it('reopens with the same seed generating nothing, and refuses another seed (WorldError)', async () => {
    const certsDir = dirname(first.dir);
    const again = await openWorld({ certsDir, seed: 'ci', now: NOW });
    expect(again.generatedKeys).toEqual([]);
    expect(again.issuedCerts).toEqual([]);
    await expect(openWorld({ certsDir, seed: 'other', now: NOW })).rejects.toBeInstanceOf(WorldError);
  });

  it('gets different pins from a different seed, and the same pins from the same seed outside any world', async () => {
    for (const name of ['genuine-root', 'genuine-leaf', 'backup-1']) {
      expect(pinOfKey(await generateKey(keyType, { seed: 'other', name })).sha256, name).not.toBe(first.world.key(name).pin.sha256);
      expect(pinOfKey(await generateKey(keyType, { seed: 'ci', name })).sha256, name).toBe(first.world.key(name).pin.sha256);
    }
  });
});

describe('seeds', () => {
  it('give a whole world of different pins when the seed differs', async () => {
    const b = tempDir();
    try {
      const ci = keyPins(await sharedWorld('ec-p256', 'ci'));
      const other = keyPins(await openWorld({ certsDir: b.path, seed: 'other', now: NOW }));
      for (const name of KEY_NAMES) expect(other[name], name).not.toBe(ci[name]);
    } finally {
      b.cleanup();
    }
  });

  it('forced onto an unseeded world regenerate it into exactly the seeded world', async () => {
    const a = tempDir();
    try {
      const unseeded = await copyWorld(await sharedWorld('ec-p256'), a.path);
      const forced = await openWorld({ certsDir: a.path, seed: 'ci', force: true, now: NOW });
      const reference = await sharedWorld('ec-p256', 'ci');
      expect(keyPins(forced)).toEqual(keyPins(reference));
      expect(keyPins(forced)['genuine-leaf']).not.toBe(keyPins(unseeded)['genuine-leaf']);
      expect(forced.manifest.seeded).toBe(true);
    } finally {
      a.cleanup();
    }
  });
});

describe('a world made before the config-signing keys (issue 19)', () => {
  const SIGNING = Object.keys(SIGNING_ALGORITHMS);
  /** The world as an earlier pinprick left it: no config-signing key in its manifest or its keys folder. */
  function makeOld(opened: OpenedWorld): void {
    const path = join(opened.dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as OpenedWorld['manifest'];
    for (const name of SIGNING) {
      rmSync(join(opened.dir, manifest.keys[name]!.file));
      delete manifest.keys[name];
    }
    writeFileSync(path, JSON.stringify(manifest, null, 2));
  }

  it('opens, generating only the four signing keys (private, 0600), its pins and certificates unchanged', async () => {
    const dir = tempDir();
    try {
      // An RSA world: the signing keys' types are their own, not the world's.
      const before = await copyWorld(await sharedWorld('rsa-2048'), dir.path);
      makeOld(before);
      const after = await openWorld({ certsDir: dir.path, now: NOW });
      expect([...after.generatedKeys].sort()).toEqual([...SIGNING].sort());
      expect(after.issuedCerts).toEqual([]);
      const { [SIGNING[0]!]: _a, [SIGNING[1]!]: _b, [SIGNING[2]!]: _c, [SIGNING[3]!]: _d, ...others } = keyPins(after);
      const { [SIGNING[0]!]: _e, [SIGNING[1]!]: _f, [SIGNING[2]!]: _g, [SIGNING[3]!]: _h, ...othersBefore } = keyPins(before);
      expect(others).toEqual(othersBefore);
      expect(certPins(after)).toEqual(certPins(before));
      for (const name of SIGNING) {
        const file = join(after.dir, after.manifest.keys[name]!.file);
        expect(file.startsWith(join(after.dir, 'keys'))).toBe(true);
        expect(statSync(file).mode & 0o777, name).toBe(0o600);
        expect(after.manifest.keys[name]!.algorithm, name).toBe(SIGNING_ALGORITHMS[name]);
        expect(opensslKeyPin(file).sha256, name).toBe(after.world.key(name).pin.sha256);
      }
      // And a third open generates nothing.
      expect((await openWorld({ certsDir: dir.path, now: NOW })).generatedKeys).toEqual([]);
    } finally {
      dir.cleanup();
    }
  });

  it('seeded: refused without the seed (as any layout change), completed with it into exactly the seeded world', async () => {
    const a = tempDir();
    try {
      makeOld(await copyWorld(await sharedWorld('ec-p256', 'ci'), a.path, 'ci'));
      await expect(openWorld({ certsDir: a.path, now: NOW })).rejects.toMatchObject({ message: expect.stringContaining('same --seed') });
      const completed = await openWorld({ certsDir: a.path, seed: 'ci', now: NOW });
      expect([...completed.generatedKeys].sort()).toEqual([...SIGNING].sort());
      expect(keyPins(completed)).toEqual(keyPins(await sharedWorld('ec-p256', 'ci')));
    } finally {
      a.cleanup();
    }
  });
});
