/**
 * A missing intermediate fetched from the leaf's caIssuers URL (AIA): Apple, Windows and Chrome
 * fetch it and accept; Android, OpenSSL, Node, Go, GnuTLS and the JVM (by default) do not and
 * reject. The model answers `either` only when what the URL serves completes a valid path.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, MAX_AIA_FETCHES, parseCertificate, type ModelInput, type Platform, type PinPolicy } from '../../src/model/index.js';
import { ders, leafExtensions, NOW, rawIssue, TestPki, type TestCert } from '../helpers/pki.js';
import { ext, ia5, oid, seq, tlv } from '../helpers/der-builder.js';

const pki = new TestPki();
const HOST = 'api.example';
const AIA_OID = '1.3.6.1.5.5.7.1.1';
const url = (name: string) => `http://ca.example/${name}.der`;
let root: TestCert, int: TestCert, upper: TestCert, lower: TestCert, stranger: TestCert, expiredInt: TestCert;
let leaf: TestCert, leafNoAia: TestCert, deepLeaf: TestCert, leafUnderExpired: TestCert;
/** Leaves whose caIssuers list holds `n` URLs that answer nothing before the intermediate's. */
const leafAfterDeadUrls = new Map<number, TestCert>();

beforeAll(async () => {
  root = await pki.root('CN=AIA Root');
  int = await pki.intermediate('CN=AIA Intermediate', root);
  // Two levels: upper under the root, lower under upper, each pointing at its own issuer.
  upper = await pki.intermediate('CN=AIA Upper', root, { pathLen: 1 });
  lower = await pki.intermediate('CN=AIA Lower', upper, { caIssuers: [url('upper')] });
  stranger = await pki.intermediate('CN=Somebody Else', root);
  expiredInt = await pki.intermediate('CN=AIA Expired Intermediate', root, { notBefore: '-1y', notAfter: '-1d' });
  leaf = await pki.leaf(HOST, int, { caIssuers: [url('int')] });
  leafNoAia = await pki.leaf(HOST, int);
  deepLeaf = await pki.leaf(HOST, lower, { caIssuers: [url('lower')] });
  leafUnderExpired = await pki.leaf(HOST, expiredInt, { caIssuers: [url('expired')] });
  for (const n of [MAX_AIA_FETCHES - 1, MAX_AIA_FETCHES]) {
    const dead = Array.from({ length: n }, (_, i) => url(`dead-${i}`));
    leafAfterDeadUrls.set(n, await pki.leaf(HOST, int, { caIssuers: [...dead, url('int')] }));
  }
});

const served = (entries: Record<string, TestCert | Uint8Array>): Map<string, Uint8Array> =>
  new Map(Object.entries(entries).map(([name, c]) => [url(name), 'der' in c ? c.der : c]));

function input(sent: TestCert[], fetchable?: Map<string, Uint8Array>, more: Partial<ModelInput> = {}): ModelInput {
  return { presented: ders(...sent), anchors: ders(root), host: HOST, at: NOW, ...(fetchable ? { fetchable } : {}), ...more };
}

describe('the leaf without its intermediate, with what its caIssuers URL serves', () => {
  const rows: [string, 'either' | 'reject', () => ModelInput][] = [
    ['the URL serves the intermediate: a fetch completes the path', 'either', () => input([leaf], served({ int }))],
    ['the URL answers nothing (another URL serves the intermediate)', 'reject', () => input([leaf], served({ elsewhere: int }))],
    ['the URL serves a CA certificate that did not issue the leaf', 'reject', () => input([leaf], served({ int: stranger }))],
    ['the URL serves bytes that are not a certificate', 'reject', () => input([leaf], served({ int: Buffer.from('<html>not found</html>') }))],
    ['two fetches: the fetched intermediate points at its own issuer, which is served too', 'either', () => input([deepLeaf], served({ lower, upper }))],
    ['two fetches needed, only the first URL served', 'reject', () => input([deepLeaf], served({ lower }))],
    [`the intermediate's URL is the ${MAX_AIA_FETCHES}th tried: within the bound`, 'either', () => input([leafAfterDeadUrls.get(MAX_AIA_FETCHES - 1)!], served({ int }))],
    [`the intermediate's URL comes after ${MAX_AIA_FETCHES} that answer nothing: the bound is reached first`, 'reject', () => input([leafAfterDeadUrls.get(MAX_AIA_FETCHES)!], served({ int }))],
    ['the leaf has no caIssuers URL', 'reject', () => input([leafNoAia], served({ int }))],
    ['nothing fetchable given (as every model input before AIA)', 'reject', () => input([leaf])],
    ['the fetched intermediate has expired: a fetched certificate is validated like a sent one', 'reject', () => input([leafUnderExpired], served({ expired: expiredInt }))],
  ];
  it.each(rows)('%s: %s', (_name, expected, make) => {
    const v = evaluate(make());
    expect(v).toMatchObject({ expected, code: 'untrusted' });
    if (expected === 'either') {
      expect(v.either).toMatchObject({ divergence: 'aia-fetch', accept: ['apple', 'windows'], lenient: { code: 'ok' } });
      expect(v.either!.reject).toEqual(expect.arrayContaining(['android', 'openssl', 'node', 'go', 'gnutls', 'jvm']));
      expect(v.either!.lenient.reason).toMatch(/was not sent but fetched from http:\/\/ca\.example\//);
    } else {
      expect(v.either).toBeUndefined();
    }
  });

  it('the intermediate sent by the server needs no fetch: accept for every platform', () => {
    expect(evaluate(input([leaf, int], served({ int })))).toMatchObject({ expected: 'accept', code: 'ok' });
  });

  it("the fetching platforms' path names where each certificate came from", () => {
    const v = evaluate(input([deepLeaf], served({ lower, upper }), { platform: 'apple' }));
    expect(v).toMatchObject({ expected: 'accept', code: 'ok' });
    const path = v.paths[v.chosenPath!]!.certificates;
    expect(path.map((c) => [c.subject, c.source, c.fetchedFrom])).toEqual([
      [`CN=${HOST}`, 'presented', undefined],
      ['CN=AIA Lower', 'fetched', url('lower')],
      ['CN=AIA Upper', 'fetched', url('upper')],
      ['CN=AIA Root', 'anchor', undefined],
    ]);
    expect(v.reason).toBe(
      `Valid: the path from 'CN=${HOST}' reaches the trust anchor 'CN=AIA Root' in 4 certificates, and ${v.validation.host!.reason.charAt(0).toLowerCase()}${v.validation.host!.reason.slice(1, -1)}; 'CN=AIA Lower' (depth 1) was not sent but fetched from ${url('lower')}, the caIssuers URL of 'CN=${HOST}'; 'CN=AIA Upper' (depth 2) was not sent but fetched from ${url('upper')}, the caIssuers URL of 'CN=AIA Lower'. (apple: a missing issuer is fetched from the certificate's authorityInfoAccess caIssuers URL (RFC 5280 4.2.2.1) and the path built again; Chrome does the same; android, openssl, node, go, gnutls, jvm would reject.)`,
    );
  });

  const platformRows: [Platform, 'accept' | 'reject', string][] = [
    ['apple', 'accept', 'ok'],
    ['windows', 'accept', 'ok'],
    ['android', 'reject', 'untrusted'],
    ['openssl', 'reject', 'untrusted'],
    ['node', 'reject', 'untrusted'],
    ['go', 'reject', 'untrusted'],
    ['gnutls', 'reject', 'untrusted'],
    ['jvm', 'reject', 'untrusted'],
  ];
  it.each(platformRows)('narrowed to %s: %s (%s)', (platform, expected, code) => {
    expect(evaluate(input([leaf], served({ int }), { platform }))).toMatchObject({ expected, code });
  });

  const pins = (...certs: TestCert[]): PinPolicy => ({ rules: [{ domains: [{ pattern: HOST }], pins: certs.map((c) => ({ hash: 'sha256', value: c.pin })), enforce: true }] });
  it('a pin on the intermediate matches the fetched copy on the path: either, ok for the fetching platforms', () => {
    expect(evaluate(input([leaf], served({ int }), { policy: pins(int) }))).toMatchObject({ expected: 'either', either: { divergence: 'aia-fetch', lenient: { code: 'ok' } } });
  });

  it('a pin on no certificate of the completed path: every platform rejects', () => {
    const v = evaluate(input([leaf], served({ int }), { policy: pins(stranger) }));
    expect(v).toMatchObject({ expected: 'reject', code: 'untrusted' });
    expect(v.either).toBeUndefined();
  });
});

describe('the authorityInfoAccess extension, parsed once', () => {
  it('caIssuers URLs in order; OCSP locations and other name types are not caIssuers', async () => {
    const aia = seq(
      seq(oid('1.3.6.1.5.5.7.48.1'), tlv(0x86, Buffer.from('http://ocsp.example/'))),
      seq(oid('1.3.6.1.5.5.7.48.2'), tlv(0x86, Buffer.from('http://ca.example/a.der'))),
      seq(oid('1.3.6.1.5.5.7.48.2'), tlv(0x82, Buffer.from('not-a-uri.example'))),
      seq(oid('1.3.6.1.5.5.7.48.2'), tlv(0x86, Buffer.from('http://ca.example/b.p7c'))),
    );
    const c = await rawIssue({ subject: `CN=${HOST}`, issuer: int, extensions: leafExtensions({ dns: [HOST] }, [ext.raw(AIA_OID, false, aia)]) });
    expect(parseCertificate(c.der).caIssuers).toEqual(['http://ca.example/a.der', 'http://ca.example/b.p7c']);
  });

  it('as the recipe layer writes it (non-critical)', () => {
    const parsed = parseCertificate(leaf.der);
    expect(parsed.caIssuers).toEqual([url('int')]);
    expect(parsed.extensions.find((e) => e.oid === AIA_OID)).toMatchObject({ oid: AIA_OID, critical: false, understood: true });
    expect(parseCertificate(leafNoAia.der).caIssuers).toBeUndefined();
  });

  it('a critical one is understood: no unknown-critical-extension (Go and GnuTLS accept it; OpenSSL does not)', async () => {
    const aia = seq(seq(oid('1.3.6.1.5.5.7.48.2'), tlv(0x86, Buffer.from(url('int')))));
    const c = await rawIssue({ subject: `CN=${HOST}`, issuer: int, extensions: leafExtensions({ dns: [HOST] }, [ext.raw(AIA_OID, true, aia)]) });
    expect(evaluate({ presented: ders(c, int), anchors: ders(root), host: HOST, at: NOW })).toMatchObject({ expected: 'accept', code: 'ok' });
    expect(evaluate({ presented: ders(c), anchors: ders(root), host: HOST, at: NOW, fetchable: served({ int }) })).toMatchObject({ expected: 'either' });
  });

  it('an encoding the model cannot read gives no URL, not a malformed certificate', async () => {
    const c = await rawIssue({ subject: `CN=${HOST}`, issuer: int, extensions: leafExtensions({ dns: [HOST] }, [ext.raw(AIA_OID, false, seq(ia5('garbage')))]) });
    expect(parseCertificate(c.der).caIssuers).toBeUndefined();
    expect(evaluate({ presented: ders(c, int), anchors: ders(root), host: HOST, at: NOW })).toMatchObject({ expected: 'accept', code: 'ok' });
  });
});
