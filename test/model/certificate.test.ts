/**
 * The parsed certificate view: every field the model reads, checked against Node's X509Certificate,
 * the world layer's own readers and openssl; the fast signature path checked against Node's
 * X509Certificate.verify on every pairing of a small zoo of algorithms and keys.
 */
import { createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EKU, KEY_USAGE_BITS, MalformedError, parseCertificate, parseName, sameName } from '../../src/model/index.js';
import { children, readTlv, signatureAlgorithmName } from '../../src/world/der.js';
import { describeKey, generateKey } from '../../src/world/keys.js';
import { pinOfCertificate } from '../../src/world/pin.js';
import { keyIdentifier } from '../../src/world/recipe.js';
import { spkiDer } from '../../src/world/keys.js';
import { ext, int, name, oid, seq, tlv, utf8, type SignatureScheme } from '../helpers/der-builder.js';
import { PemFolder, opensslX509 } from '../helpers/openssl-verify.js';
import { caExtensions, days, leafExtensions, rawIssue, TestPki, type TestCert } from '../helpers/pki.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir();
const files = new PemFolder(tmp.path);
afterAll(() => tmp.cleanup());
const pki = new TestPki();

let root: TestCert;
let intermediate: TestCert;
let leaf: TestCert;
beforeAll(async () => {
  root = await pki.root('CN=View Root, O=pinprick tests, C=DE');
  intermediate = await pki.intermediate('CN=View Intermediate, O=pinprick tests', root, { pathLen: 0 });
  leaf = await pki.leaf(['api.example', 'www.api.example', '192.0.2.7', '2001:db8::7'], intermediate);
});

describe('parseCertificate reads what Node and openssl read', () => {
  it.each([
    ['root', () => root],
    ['intermediate', () => intermediate],
    ['leaf', () => leaf],
  ])('%s: names, serial, validity, key, pin, signature algorithm', (_what, get) => {
    const c = get();
    const view = parseCertificate(c.der);
    const x = new X509Certificate(c.der);
    expect(view.subject.display).toBe(x.subject.split('\n').join(', '));
    expect(view.issuer.display).toBe(x.issuer.split('\n').join(', '));
    expect(view.serial).toBe(x.serialNumber.toUpperCase());
    expect(new Date(view.notBefore)).toEqual(new Date(x.validFrom));
    expect(new Date(view.notAfter)).toEqual(new Date(x.validTo));
    expect(view.key.label).toBe(describeKey(x.publicKey));
    expect(view.pin).toBe(pinOfCertificate(x).sha256);
    expect(view.signatureAlgorithm.name).toBe(signatureAlgorithmName(c.der));
    expect(view.version).toBe(3);
    const path = files.put('view', c.der);
    expect(`serial=${view.serial}`).toBe(opensslX509(path, '-serial'));
  });

  it('reads the extensions of a leaf: basicConstraints, keyUsage, extendedKeyUsage, SAN, SKI, AKI', () => {
    const v = parseCertificate(leaf.der);
    const x = new X509Certificate(leaf.der);
    expect(v.basicConstraints).toEqual({ cA: false, critical: true });
    expect(v.keyUsage).toBe(KEY_USAGE_BITS.digitalSignature);
    expect(v.extKeyUsage).toEqual(x.keyUsage);
    expect(v.extKeyUsage).toEqual([EKU.serverAuth]);
    expect(v.subjectAltName).toMatchObject({ dns: ['api.example', 'www.api.example'], ip: ['192.0.2.7', '2001:db8::7'], other: 0 });
    // Every entry as a GeneralName too, in order, for name constraints.
    expect(v.subjectAltName!.names.map((n) => n.kind)).toEqual(['dns', 'dns', 'ip', 'ip']);
    expect(v.nameConstraints).toBeUndefined();
    expect(v.subjectKeyId).toBe(keyIdentifier(spkiDer(leaf.key)));
    expect(v.authorityKeyId).toBe(parseCertificate(intermediate.der).subjectKeyId);
    expect(v.commonNames).toEqual(['api.example']);
    expect(v.selfIssued).toBe(false);
    expect(v.extensions.map((e) => [e.oid, e.critical, e.understood])).toEqual([
      ['2.5.29.19', true, true],
      ['2.5.29.15', true, true],
      ['2.5.29.37', false, true],
      ['2.5.29.17', false, true],
      ['2.5.29.14', false, true],
      ['2.5.29.35', false, true],
    ]);
  });

  it('reads a CA: cA, pathLen, keyCertSign, self-issued roots', () => {
    expect(parseCertificate(intermediate.der).basicConstraints).toEqual({ cA: true, pathLen: 0, critical: true });
    expect(parseCertificate(intermediate.der).keyUsage).toBe(KEY_USAGE_BITS.digitalSignature | KEY_USAGE_BITS.keyCertSign | KEY_USAGE_BITS.cRLSign);
    expect(parseCertificate(root.der).selfIssued).toBe(true);
    expect(parseCertificate(root.der).authorityKeyId).toBeUndefined();
  });

  it('flags unknown extensions and understands nameConstraints and the policy ones', async () => {
    const c = await rawIssue({
      subject: 'CN=Odd',
      issuer: root,
      extensions: caExtensions([ext.raw('1.3.6.1.4.1.55555.9', true), ext.nameConstraints(['example']), ext.policyConstraints(0, false)]),
    });
    const v = parseCertificate(c.der);
    expect(v.extensions.slice(4).map((e) => [e.oid, e.critical, e.understood])).toEqual([
      ['1.3.6.1.4.1.55555.9', true, false],
      ['2.5.29.30', true, true],
      ['2.5.29.36', false, true],
    ]);
    expect(v.nameConstraints).toEqual({ critical: true, permitted: [{ base: { kind: 'dns', value: 'example' }, bounded: false }], excluded: [] });
  });

  it('reads a v1 certificate: no version field, no extensions', async () => {
    const v1 = await rawIssue({ subject: 'CN=V1', issuer: 'self', version: 1 });
    const v = parseCertificate(v1.der);
    expect(v.version).toBe(1);
    expect(v.extensions).toEqual([]);
    expect(v.basicConstraints).toBeUndefined();
  });

  it('reads RSA key sizes and RSA-PSS keys and parameters', async () => {
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256' }).privateKey;
    const rsa = await generateKey('rsa-2048');
    const pssCa = await rawIssue({ subject: 'CN=PSS CA', issuer: 'self', subjectKey: pss, extensions: caExtensions(), scheme: { kind: 'pss', hash: 'sha256', saltLength: 32 } });
    const rsaCa = await rawIssue({ subject: 'CN=RSA CA', issuer: 'self', subjectKey: rsa, extensions: caExtensions() });
    const pssChild = await rawIssue({ subject: 'CN=child of a PSS key', issuer: pssCa, scheme: { kind: 'pss', hash: 'sha256', saltLength: 32 } });
    const rsaChild = await rawIssue({ subject: 'CN=PSS child of an RSA key', issuer: rsaCa, scheme: { kind: 'pss', hash: 'sha384', saltLength: 48 } });
    expect(parseCertificate(pssCa.der).key).toMatchObject({ type: 'RSA-PSS', bits: 2048, label: 'RSA-PSS 2048' });
    expect(parseCertificate(rsaCa.der).key).toMatchObject({ type: 'RSA', bits: 2048, label: 'RSA 2048' });
    expect(parseCertificate(rsaCa.der).signatureAlgorithm).toMatchObject({ name: 'sha256WithRSAEncryption', hash: 'SHA-256', weak: false });
    expect(parseCertificate(pssChild.der).signatureAlgorithm).toMatchObject({ name: 'RSASSA-PSS', hash: 'SHA-256', verify: { pssSaltLength: 32 } });
    expect(parseCertificate(rsaChild.der).signatureAlgorithm).toMatchObject({ name: 'RSASSA-PSS', hash: 'SHA-384', weak: false, verify: { pssSaltLength: 48 } });
    expect(parseCertificate(pssChild.der).signedBy(parseCertificate(pssCa.der))).toBe(true);
    expect(parseCertificate(rsaChild.der).signedBy(parseCertificate(rsaCa.der))).toBe(true);
    expect(parseCertificate(rsaChild.der).signedBy(parseCertificate(pssCa.der))).toBe(false);
  });
});

describe('names compare byte for byte, else canonically', () => {
  const parse = (der: Buffer) => parseName(der, 0);
  it.each([
    ['the same bytes', name([['CN', 'Root'], ['O', 'Org']]), name([['CN', 'Root'], ['O', 'Org']]), true],
    ['case and inner/outer spaces', name([['CN', 'My  Root '], ['O', 'ORG']]), name([['CN', 'my root'], ['O', 'org']]), true],
    ['UTF8String against PrintableString', name([['CN', 'Root']]), name([['CN', 'Root']], { string: 'printable' }), true],
    ['another value', name([['CN', 'Root']]), name([['CN', 'Root 2']]), false],
    ['the same attributes in another order', name([['CN', 'Root'], ['O', 'Org']]), name([['O', 'Org'], ['CN', 'Root']]), false],
    ['an extra attribute', name([['CN', 'Root']]), name([['CN', 'Root'], ['O', 'Org']]), false],
  ])('%s: %s', (_what, a, b, same) => {
    expect(sameName(parse(a), parse(b))).toBe(same);
  });

  it('sorts the attributes of a multi-valued RDN', () => {
    const ab = seq(tlv(0x31, seq(oid('2.5.4.3'), utf8('x')), seq(oid('2.5.4.10'), utf8('y'))));
    const ba = seq(tlv(0x31, seq(oid('2.5.4.10'), utf8('y')), seq(oid('2.5.4.3'), utf8('x'))));
    expect(sameName(parse(ab), parse(ba))).toBe(true);
    expect(parse(ab).display).toBe('CN=x+O=y');
  });

  it('escapes RFC 4514 specials in the display form', () => {
    expect(parse(name([['CN', 'a,b'], ['O', 'Example, Inc.'], ['OU', '#1']])).display).toBe('CN=a\\,b, O=Example\\, Inc., OU=\\#1');
  });
});

describe('malformed certificates throw MalformedError', () => {
  const resign = async (extensions: ReturnType<typeof ext.raw>[]) => (await rawIssue({ subject: 'CN=Bad', issuer: root, extensions: () => extensions })).der;
  it.each([
    ['empty input', async () => Buffer.alloc(0)],
    ['a bare SEQUENCE', async () => seq()],
    ['trailing garbage', async () => Buffer.concat([leaf.der, Buffer.from([0x00])])],
    ['one byte short', async () => leaf.der.subarray(0, leaf.der.length - 1)],
    ['the same extension twice', () => resign([ext.subjectKeyId(Buffer.from([1])), ext.subjectKeyId(Buffer.from([2]))])],
    ['a basicConstraints that is not a SEQUENCE', () => resign([{ oid: '2.5.29.19', critical: true, value: int(1) }])],
    ['a negative pathLen', () => resign([{ oid: '2.5.29.19', critical: true, value: seq(tlv(0x01, Buffer.from([0xff])), tlv(0x02, Buffer.from([0xff]))) }])],
    ['an iPAddress of 5 bytes', () => resign([{ oid: '2.5.29.17', value: seq(tlv(0x87, Buffer.from([1, 2, 3, 4, 5]))) }])],
  ])('%s', async (_what, make) => {
    const der = await make();
    expect(() => parseCertificate(der)).toThrow(MalformedError);
  });
});

describe('the parse cache', () => {
  it('returns the same parse for the same bytes, and is not fooled by a buffer reused afterwards', () => {
    const copy = Buffer.from(leaf.der);
    const first = parseCertificate(copy);
    expect(parseCertificate(Buffer.from(leaf.der))).toBe(first);
    copy.fill(0);
    expect(parseCertificate(leaf.der).subject.display).toBe('CN=api.example');
    expect(first.der[0]).toBe(0x30);
  });
});

describe('signatures: the node:crypto fast path agrees with X509Certificate.verify', () => {
  it('on every pairing of certificates and issuer keys across RSA (PKCS #1, PSS), RSA-PSS keys, ECDSA P-256/P-384 and Ed25519', async () => {
    const keys: Record<string, KeyObject> = {
      rsa: await generateKey('rsa-2048'),
      p256: await generateKey('ec-p256'),
      p384: await generateKey('ec-p384'),
      pss: generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey,
      ed25519: generateKeyPairSync('ed25519').privateKey,
    };
    const schemes: [string, SignatureScheme][] = [
      ['rsa', { kind: 'pkcs1', hash: 'sha256' }],
      ['rsa', { kind: 'pkcs1', hash: 'sha1' }],
      ['rsa', { kind: 'pkcs1', hash: 'sha512' }],
      ['rsa', { kind: 'pss', hash: 'sha256', saltLength: 32 }],
      ['rsa', { kind: 'pss', hash: 'sha512', saltLength: 20 }],
      ['pss', { kind: 'pss', hash: 'sha256', saltLength: 32 }],
      ['p256', { kind: 'ecdsa', hash: 'sha256' }],
      ['p256', { kind: 'ecdsa', hash: 'sha384' }],
      ['p384', { kind: 'ecdsa', hash: 'sha384' }],
      ['p384', { kind: 'ecdsa', hash: 'sha1' }],
      ['ed25519', { kind: 'ed25519' }],
    ];
    const issuers = await Promise.all(
      Object.entries(keys).map(async ([k, key]) => ({ k, cert: await rawIssue({ subject: `CN=${k}`, issuer: 'self', subjectKey: key, extensions: caExtensions(), scheme: schemes.find(([n]) => n === k)![1] }) })),
    );
    let checked = 0;
    for (const [signer, scheme] of schemes) {
      const issuer = issuers.find((i) => i.k === signer)!.cert;
      const child = await rawIssue({ subject: 'CN=child', issuer, subjectKey: keys.p256, extensions: leafExtensions({ dns: ['a.example'] }), scheme, notAfter: days(2) });
      for (const candidate of issuers) {
        const expected = new X509Certificate(child.der).verify(new X509Certificate(candidate.cert.der).publicKey);
        expect(parseCertificate(child.der).signedBy(parseCertificate(candidate.cert.der)), `${signer} ${JSON.stringify(scheme)} checked with ${candidate.k}`).toBe(expected);
        expect(expected).toBe(candidate.k === signer);
        checked++;
      }
    }
    expect(checked).toBe(schemes.length * issuers.length);
  });

  it('a signature made with a PKCS #1 scheme never verifies with an id-RSASSA-PSS key of the same modulus (algorithm and key type must fit)', async () => {
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    // The same key pair seen as a plain RSA key signs PKCS #1 v1.5; the issuer certificate carries it as RSA-PSS.
    const p8 = pss.privateKey.export({ type: 'pkcs8', format: 'der' });
    const octets = children(p8, readTlv(p8, 0))[2]!;
    const asRsa = createPrivateKey({ key: p8.subarray(octets.contentStart, octets.end), format: 'der', type: 'pkcs1' });
    const issuer = await rawIssue({ subject: 'CN=PSS only', issuer: 'self', subjectKey: pss.privateKey, extensions: caExtensions(), scheme: { kind: 'pss', hash: 'sha256', saltLength: 32 } });
    const child = await rawIssue({ subject: 'CN=pkcs1 child', issuer: { ...issuer, key: asRsa }, scheme: { kind: 'pkcs1', hash: 'sha256' } });
    const expected = new X509Certificate(child.der).verify(new X509Certificate(issuer.der).publicKey);
    expect(parseCertificate(child.der).signedBy(parseCertificate(issuer.der))).toBe(expected);
    expect(expected).toBe(false);
  });
});
