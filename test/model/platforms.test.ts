/**
 * Where correct clients differ (issue 16): the model answers `either`, names who does what, and a
 * platform narrows it. Each row is a chain a real client was seen to handle one way or the other.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DIVERGENCES, evaluate, PLATFORMS, type ModelInput, type Platform, type PinPolicy } from '../../src/model/index.js';
import { ders, NOW, TestPki, type TestCert } from '../helpers/pki.js';

const pki = new TestPki();
const HOST = 'api.example';
let expiredRoot: TestCert, futureRoot: TestCert, liveRoot: TestCert, underExpired: TestCert, underFuture: TestCert, expiredInt: TestCert, live: TestCert;
const underLive = () => live;

beforeAll(async () => {
  expiredRoot = await pki.root('CN=Expired Root', { notBefore: '-20y', notAfter: '-30d' });
  underExpired = await pki.intermediate('CN=Under Expired Root', expiredRoot, { notBefore: '-60d', notAfter: '+1y' });
  futureRoot = await pki.root('CN=Future Root', { notBefore: '+10d', notAfter: '+10y' });
  underFuture = await pki.intermediate('CN=Under Future Root', futureRoot, { notBefore: '-60d', notAfter: '+1y' });
  liveRoot = await pki.root('CN=Live Root');
  expiredInt = await pki.intermediate('CN=Expired Intermediate', liveRoot, { notBefore: '-1y', notAfter: '-1d' });
  live = await pki.intermediate('CN=Live Intermediate', liveRoot);
});

const pins = (...certs: TestCert[]): PinPolicy => ({ rules: [{ domains: [{ pattern: HOST }], pins: certs.map((c) => ({ hash: 'sha256', value: c.pin })), enforce: true }] });

async function chain(int: TestCert, anchor: TestCert, more: Partial<ModelInput> = {}): Promise<ModelInput> {
  return { presented: ders(await pki.leaf(HOST, int), int), anchors: ders(anchor), host: HOST, at: NOW, ...more };
}

describe('an expired (or not yet valid) trust anchor: either', () => {
  it('without pins: either, expired for openssl & co, ok for android and the jvm', async () => {
    const v = evaluate(await chain(underExpired, expiredRoot));
    expect(v).toMatchObject({ expected: 'either', code: 'expired', either: { divergence: 'anchor-validity', accept: ['android', 'jvm'], lenient: { code: 'ok' } } });
    expect(v.either!.reject).toEqual(expect.arrayContaining(['openssl', 'go', 'apple', 'node']));
    expect(v.reason).toMatch(/^The trust anchor 'CN=Expired Root' \(depth 2\) expired .* Correct clients differ here, platform-dependent: android, jvm accept/);
  });

  it('a trust anchor not yet valid: either too', async () => {
    expect(evaluate(await chain(underFuture, futureRoot))).toMatchObject({ expected: 'either', code: 'not-yet-valid', either: { lenient: { code: 'ok' } } });
  });

  it('with the intermediate pinned: either, and the lenient platforms\' code is ok', async () => {
    expect(evaluate(await chain(underExpired, expiredRoot, { policy: pins(underExpired) }))).toMatchObject({ expected: 'either', either: { lenient: { code: 'ok' } } });
  });

  it('with a pin on no certificate of the path: reject, since every platform rejects (pin-mismatch on the lenient ones)', async () => {
    const v = evaluate(await chain(underExpired, expiredRoot, { policy: pins(liveRoot) }));
    expect(v).toMatchObject({ expected: 'reject', code: 'expired' });
    expect(v.either).toBeUndefined();
  });

  it('an expired intermediate is no divergence: every platform rejects', async () => {
    const v = evaluate(await chain(expiredInt, liveRoot));
    expect(v).toMatchObject({ expected: 'reject', code: 'expired' });
    expect(v.either).toBeUndefined();
  });

  it('a platform on the lenient side that rejects anyway gives its own reason, even with the same code (the DST Root CA X3 cross-sign expiring after the root, 2024)', async () => {
    // Android ignores the anchor's dates but not an intermediate's: its reason is the intermediate (depth 1), not the anchor.
    const expiredUnderExpired = await pki.intermediate('CN=Expired Cross-Sign', expiredRoot, { notBefore: '-2y', notAfter: '-1d' });
    const input = await chain(expiredUnderExpired, expiredRoot);
    expect(evaluate({ ...input, platform: 'android' })).toMatchObject({ expected: 'reject', code: 'expired', reason: expect.stringMatching(/^The intermediate 'CN=Expired Cross-Sign' \(depth 1\) expired/) });
    expect(evaluate({ ...input, platform: 'openssl' })).toMatchObject({ expected: 'reject', code: 'expired', reason: expect.stringMatching(/^The trust anchor 'CN=Expired Root' \(depth 2\) expired/) });
  });

  const platformRows: [Platform, 'accept' | 'reject' | 'either', string][] = [
    ['jvm', 'accept', 'ok'],
    ['android', 'accept', 'ok'],
    ['openssl', 'reject', 'expired'],
    ['go', 'reject', 'expired'],
    ['gnutls', 'reject', 'expired'],
    ['apple', 'reject', 'expired'],
    ['windows', 'either', 'expired'],
  ];
  it.each(platformRows)('narrowed to %s: %s (%s)', async (platform, expected, code) => {
    const v = evaluate(await chain(underExpired, expiredRoot, { platform }));
    expect(v).toMatchObject({ expected, code });
    expect(v.reason).toMatch(expected === 'either' ? /Correct clients differ here/ : new RegExp(`\\(${platform}`));
  });
});

describe('a leaf without a subjectAltName, the host in its commonName: either', () => {
  it('hostname-mismatch for Go, Apple and Android; ok for OpenSSL, Node, the JVM and GnuTLS; narrowed per platform', async () => {
    const leaf = await pki.leaf(HOST, underLive(), { dns: undefined, subject: `CN=${HOST}` });
    const input: ModelInput = { presented: ders(leaf, live), anchors: ders(liveRoot), host: HOST, at: NOW };
    expect(evaluate(input)).toMatchObject({ expected: 'either', code: 'hostname-mismatch', either: { divergence: 'cn-fallback', accept: ['openssl', 'node', 'jvm', 'gnutls'], lenient: { code: 'ok' } } });
    expect(evaluate({ ...input, platform: 'node' })).toMatchObject({ expected: 'accept', code: 'ok' });
    expect(evaluate({ ...input, platform: 'android' })).toMatchObject({ expected: 'reject', code: 'hostname-mismatch' });
    // Measured with wget (GnuTLS 3.7.9) and go1.19.8: test/harness/platform-clients-go-gnutls.test.ts.
    expect(evaluate({ ...input, platform: 'gnutls' })).toMatchObject({ expected: 'accept', code: 'ok' });
    expect(evaluate({ ...input, platform: 'go' })).toMatchObject({ expected: 'reject', code: 'hostname-mismatch' });
  });

  it('a commonName for another host is no divergence: every platform rejects', async () => {
    const leaf = await pki.leaf('other.example', underLive(), { dns: undefined, subject: 'CN=other.example' });
    const v = evaluate({ presented: ders(leaf, live), anchors: ders(liveRoot), host: HOST, at: NOW });
    expect(v).toMatchObject({ expected: 'reject', code: 'hostname-mismatch' });
    expect(v.either).toBeUndefined();
  });
});

describe('the platform table', () => {
  it('every row names platforms on both sides, each platform once, with a source for each side', () => {
    for (const d of Object.values(DIVERGENCES)) {
      const all = [...d.accept.platforms, ...d.reject.platforms];
      expect(new Set(all).size, d.id).toBe(all.length);
      for (const p of all) expect(PLATFORMS, d.id).toContain(p);
      expect(d.sources.length).toBeGreaterThan(0);
      expect(d.sources.some((s) => d.accept.platforms.includes(s.about as Platform))).toBe(true);
      expect(d.sources.some((s) => d.reject.platforms.includes(s.about as Platform))).toBe(true);
    }
  });
});
