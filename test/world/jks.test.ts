/**
 * The JKS trust store encoder (src/world/jks.ts), checked against the layout of OpenJDK's
 * JavaKeyStore and read back by the real keytool: aliases in Java's modified UTF-8, only
 * trusted-certificate entries, and the keyed SHA-1 that keytool checks.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jksTrustStore, modifiedUtf8 } from '../../src/world/jks.js';
import { generateKey } from '../../src/world/keys.js';
import { issueCertificate } from '../../src/world/recipe.js';
import { tempDir } from '../helpers/tmp.js';

/** keytool comes with a Java runtime (Debian: openjdk-17-jre-headless, which .ci/run installs): in CI a missing keytool fails. */
const NO_KEYTOOL = spawnSync('keytool', ['-help'], { stdio: 'ignore' }).error !== undefined && !process.env.CI;
if (NO_KEYTOOL) console.warn('test/world/jks.test.ts: keytool not installed, the keytool checks are skipped (Debian: apt-get install openjdk-17-jre-headless)');

const DATE = new Date('2026-01-02T03:04:05.678Z');

describe('modifiedUtf8 (java.io.DataOutput.writeUTF)', () => {
  it.each([
    ['ASCII is one byte a character', 'ab', '0002 6162'],
    ['U+0000 is two bytes, C0 80, never a zero byte', '\u0000', '0002 c080'],
    ['U+00E9 is two bytes as in UTF-8', 'é', '0002 c3a9'],
    ['U+20AC is three bytes as in UTF-8', '€', '0003 e282ac'],
    ['a character outside the BMP is its two surrogates, three bytes each (UTF-8 would take four)', '😀', '0006 eda0bdedb880'],
    ['the empty string is a zero length', '', '0000'],
  ])('%s', (_, text, hex) => {
    expect(modifiedUtf8(text).toString('hex')).toBe(hex.replace(/ /g, ''));
  });

  it('refuses a string longer than the 16-bit byte count holds', () => {
    expect(() => modifiedUtf8('a'.repeat(0x10000))).toThrow(/too long/);
    expect(modifiedUtf8('a'.repeat(0xffff))).toHaveLength(0x10001);
  });
});

describe('jksTrustStore', () => {
  const tmp = tempDir();
  let ders: Uint8Array[];
  beforeAll(async () => {
    ders = [];
    for (const cn of ['one', 'two']) {
      const key = await generateKey('ec-p256');
      ders.push(await issueCertificate({ recipe: { subject: `CN=${cn}`, key: 'k', issuer: 'self', notBefore: '-1d', notAfter: '+1d', ca: true }, subjectKey: key, issuerKey: key, now: new Date() }));
    }
  });
  afterAll(() => tmp.cleanup());

  it('is the magic, version 2, the count, one tag-2 entry per certificate, and a SHA-1 of password, "Mighty Aphrodite" and all that: nothing else', () => {
    const file = jksTrustStore([{ der: ders[0]!, alias: 'a' }, { der: ders[1]!, alias: 'bb' }], DATE, 'pw');
    const u32 = (n: number) => Buffer.from(n.toString(16).padStart(8, '0'), 'hex');
    // tag 2, alias, date, "X.509" (0005 582e353039), DER length, DER.
    const entry = (alias: string, der: Uint8Array) =>
      Buffer.concat([u32(2), modifiedUtf8(alias), Buffer.from('0000019b7ca98f2e', 'hex'), Buffer.from('0005582e353039', 'hex'), u32(der.length), Buffer.from(der)]);
    // 2026-01-02T03:04:05.678Z is 1767323045678 ms = 0x19b7ca98f2e.
    expect(DATE.getTime().toString(16)).toBe('19b7ca98f2e');
    const body = Buffer.concat([Buffer.from('feedfeed0000000200000002', 'hex'), entry('a', ders[0]!), entry('bb', ders[1]!)]);
    // Java chars, high byte first: "pw" is 00 70 00 77.
    const digest = createHash('sha1').update(Buffer.from('00700077', 'hex')).update('Mighty Aphrodite').update(body).digest();
    expect(file.toString('hex')).toBe(Buffer.concat([body, digest]).toString('hex'));
  });

  it('lower-cases aliases (JavaKeyStore finds entries by the lower-cased alias) and refuses two equal ones', () => {
    const file = jksTrustStore([{ der: ders[0]!, alias: 'Pinprick-Root' }], DATE);
    expect(file.includes(Buffer.from('pinprick-root'))).toBe(true);
    expect(() => jksTrustStore([{ der: ders[0]!, alias: 'a' }, { der: ders[1]!, alias: 'A' }], DATE)).toThrow(/duplicate JKS alias 'a'/);
  });

  it.skipIf(NO_KEYTOOL)('keytool reads it back: the entries as trustedCertEntry under their aliases (non-ASCII included) and dates, and refuses a wrong password', () => {
    const path = join(tmp.path, 'unicode.jks');
    writeFileSync(path, jksTrustStore([{ der: ders[0]!, alias: 'ünï-€-😀' }, { der: ders[1]!, alias: 'plain' }], DATE));
    const list = spawnSync('keytool', ['-J-Dsun.stdout.encoding=UTF-8', '-list', '-keystore', path, '-storepass', 'pinprick'], { encoding: 'utf8' });
    expect(list.status, list.stdout + list.stderr).toBe(0);
    expect(list.stdout).toMatch(/Keystore type: JKS/);
    expect(list.stdout).toMatch(/Your keystore contains 2 entries/);
    const entries = [...list.stdout.matchAll(/^(.+), (\w+ \d+, \d+), trustedCertEntry,\s*\nCertificate fingerprint \(SHA-256\): ([0-9A-F:]+)$/gmu)].map((m) => [m[1], m[2], m[3]!.replace(/:/g, '').toLowerCase()]);
    const sha256 = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');
    expect(entries.sort()).toEqual([
      ['plain', 'Jan 2, 2026', sha256(ders[1]!)],
      ['ünï-€-😀', 'Jan 2, 2026', sha256(ders[0]!)],
    ]);
    const wrong = spawnSync('keytool', ['-list', '-keystore', path, '-storepass', 'wrong'], { encoding: 'utf8' });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout + wrong.stderr).toMatch(/Keystore was tampered with, or password was incorrect/);
  });
});
