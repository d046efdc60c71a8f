import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attackAlgNone, attackHmacWithPublicKey, attackSignWithOtherKey, attackStripSignature, attackTamper, attackTamperPins, attackUnsigned, olderConfig } from '../../src/dynamic/attacks.js';
import { configPayload, configPolicy, PIN_CONFIG_TYP, readConfigPayload, type PinConfig } from '../../src/dynamic/config.js';
import { b64url, jwkThumbprint, parseJws, signJws, trustedKey, type JwsSerialization } from '../../src/dynamic/jws.js';
import { REJECTION_CODES, signConfig, verifyConfig, type RejectionCode } from '../../src/dynamic/verify.js';
import { ruleFor } from '../../src/model/policy.js';
import { pinOfKey } from '../../src/world/pin.js';

const genuineEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const genuineEd = generateKeyPairSync('ed25519').privateKey;
const rogueEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const rogueEd = generateKeyPairSync('ed25519').privateKey;
const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
const TRUSTED = [trustedKey(genuineEc), trustedKey(genuineEd)];

const pin = (k: KeyObject) => ({ hash: 'sha256' as const, value: pinOfKey(k).sha256 });
const serverKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const backupKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const attackerTls = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;

const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const CONFIG: PinConfig = {
  version: 5,
  issuedAt: new Date(NOW.getTime() - DAY),
  expiresAt: new Date(NOW.getTime() + 30 * DAY),
  rules: [
    { domains: [{ pattern: 'api.pinprick.test', includeSubdomains: true }], pins: [pin(serverKey), pin(backupKey)], enforce: true },
    { domains: [{ pattern: 'cdn.pinprick.test' }], pins: [], enforce: false, exempt: true },
  ],
};

describe.each<[string, KeyObject, JwsSerialization]>([
  ['ES256 compact', genuineEc, 'compact'],
  ['ES256 JSON', genuineEc, 'json'],
  ['EdDSA compact', genuineEd, 'compact'],
  ['EdDSA JSON', genuineEd, 'json'],
])('%s: sign and verify', (_name, key, serialization) => {
  const signed = signConfig(CONFIG, key, { serialization });
  it('round-trips to the same configuration, with the kid of the key that signed', () => {
    const verdict = verifyConfig(signed, TRUSTED, NOW);
    expect(verdict).toEqual({ ok: true, config: { ...CONFIG, kid: jwkThumbprint(key) } });
  });
  it('has the documented header', () => {
    const parsed = parseJws(signed);
    expect(parsed.ok && parsed.jws.header).toEqual({ alg: key.asymmetricKeyType === 'ec' ? 'ES256' : 'EdDSA', kid: jwkThumbprint(key), typ: PIN_CONFIG_TYP });
    expect(parsed.ok && parsed.jws.serialization).toBe(serialization);
  });
  it('is accepted again as the last good configuration (same version, same content)', () => {
    expect(verifyConfig(signed, TRUSTED, NOW, CONFIG).ok).toBe(true);
  });
});

/** Every attack fixture and every rule: what a correct client answers. */
const genuine = signConfig(CONFIG, genuineEc);
const genuineJson = signConfig(CONFIG, genuineEd, { serialization: 'json' });
const newer: PinConfig = { ...CONFIG, version: 6 };
const attackerPins = [pinOfKey(attackerTls).sha256];
const dropPinning = (p: Record<string, unknown>) => ({ ...p, hosts: { 'api.pinprick.test': { pinning: false } } });

const CASES: [string, () => string, RejectionCode | 'ok', { lastGood?: PinConfig; device?: string; now?: Date; trusted?: typeof TRUSTED; algorithms?: readonly ('ES256' | 'EdDSA')[] }?][] = [
  ['the genuine configuration', () => genuine, 'ok'],
  ['the genuine configuration, JSON, EdDSA', () => genuineJson, 'ok'],
  ['pins tampered, signature kept', () => attackTamperPins(genuine, attackerPins), 'bad-signature'],
  ['pins tampered in the JSON form', () => attackTamperPins(genuineJson, attackerPins), 'bad-signature'],
  ['pinning removed, signature kept', () => attackTamper(genuine, dropPinning), 'bad-signature'],
  ['signature stripped (compact)', () => attackStripSignature(genuine), 'stripped'],
  ['signature stripped (JSON)', () => attackStripSignature(genuineJson), 'stripped'],
  ['signature stripped to two parts', () => genuine.split('.').slice(0, 2).join('.'), 'stripped'],
  ['the bare payload, unsigned', () => attackUnsigned(CONFIG), 'stripped'],
  ['alg none', () => attackAlgNone(genuine, dropPinning), 'alg-none'],
  ['alg None', () => attackAlgNone(genuine, undefined, 'None'), 'alg-none'],
  ['alg NONE (JSON)', () => attackAlgNone(genuineJson, undefined, 'NONE'), 'alg-none'],
  ['HS256 keyed with the public key PEM', () => attackHmacWithPublicKey(genuine, genuineEc, dropPinning), 'alg-not-allowed'],
  ['HS256 keyed with the public key DER', () => attackHmacWithPublicKey(genuine, genuineEc, undefined, 'der'), 'alg-not-allowed'],
  ['RS256', () => `${b64url(JSON.stringify({ alg: 'RS256', typ: PIN_CONFIG_TYP }))}.${genuine.split('.')[1]}.${genuine.split('.')[2]}`, 'alg-not-allowed'],
  ['EdDSA claimed for the ES256 key', () => `${b64url(JSON.stringify({ alg: 'EdDSA', kid: jwkThumbprint(genuineEc), typ: PIN_CONFIG_TYP }))}.${genuine.split('.')[1]}.${genuine.split('.')[2]}`, 'alg-not-allowed'],
  ['EdDSA refused by a client that takes ES256 only', () => genuineJson, 'alg-not-allowed', { algorithms: ['ES256'] }],
  ['signed with another key under its own kid', () => attackSignWithOtherKey({ ...CONFIG, version: 99 }, rogueEc), 'unknown-key'],
  ['signed with another Ed25519 key under its own kid', () => attackSignWithOtherKey(CONFIG, rogueEd), 'unknown-key'],
  ['signed with another key claiming the genuine kid', () => attackSignWithOtherKey(CONFIG, rogueEc, { claimKid: jwkThumbprint(genuineEc) }), 'bad-signature'],
  ['signed with another key, no kid', () => signJws({ alg: 'ES256', typ: PIN_CONFIG_TYP }, JSON.stringify(configPayload(CONFIG)), rogueEc), 'bad-signature'],
  ['a genuine signature in DER instead of r||s', () => derSigned(), 'bad-signature'],
  ['an older configuration replayed', () => signConfig(olderConfig(CONFIG, 1, [pin(attackerTls)]), genuineEc), 'rollback', { lastGood: newer }],
  ['the same version with other pins', () => signConfig({ ...newer, rules: [CONFIG.rules[0]!] }, genuineEc), 'rollback', { lastGood: newer }],
  ['a newer configuration after the last good one', () => signConfig({ ...CONFIG, version: 7 }, genuineEc), 'ok', { lastGood: newer }],
  ['expired', () => genuine, 'expired', { now: CONFIG.expiresAt }],
  ['not yet valid', () => genuine, 'not-yet-valid', { now: new Date(CONFIG.issuedAt.getTime() - 1000) }],
  ['for another device', () => signConfig({ ...CONFIG, device: 'pentest-01' }, genuineEc), 'wrong-device', { device: 'phone-7' }],
  ['for a device, on a client with no device id', () => signConfig({ ...CONFIG, device: 'pentest-01' }, genuineEc), 'wrong-device'],
  ['for this device', () => signConfig({ ...CONFIG, device: 'pentest-01' }, genuineEc), 'ok', { device: 'pentest-01' }],
  ['no trusted keys at all', () => genuine, 'unknown-key', { trusted: [] }],
  ['another typ (a JWT for something else)', () => signConfig(CONFIG, genuineEc, { typ: 'JWT' }), 'malformed'],
  ['a crit parameter not understood', () => signJws({ alg: 'ES256', typ: PIN_CONFIG_TYP, crit: ['b64'], b64: false }, JSON.stringify(configPayload(CONFIG)), genuineEc), 'malformed'],
  ['an unprotected header in the JSON form', () => JSON.stringify({ ...JSON.parse(genuineJson), header: { kid: 'x' } }), 'malformed'],
  ['a signed payload with an unknown member', () => signJws({ alg: 'ES256', typ: PIN_CONFIG_TYP }, JSON.stringify({ ...configPayload(CONFIG), extra: 1 }), genuineEc), 'malformed'],
  ['a signed payload that is not JSON', () => signJws({ alg: 'ES256', typ: PIN_CONFIG_TYP }, 'pins', genuineEc), 'malformed'],
  ['garbage', () => 'not a jws', 'malformed'],
];

function derSigned(): string {
  const [h, p] = genuine.split('.') as [string, string];
  return `${h}.${p}.${b64url(sign('sha256', Buffer.from(`${h}.${p}`), genuineEc))}`;
}

describe('verifyConfig: every rejection code, each attack refused with its own', () => {
  it.each(CASES)('%s -> %s', (_what, make, expected, options = {}) => {
    const verdict = verifyConfig(make(), options.trusted ?? TRUSTED, options.now ?? NOW, options.lastGood, { ...(options.device ? { device: options.device } : {}), ...(options.algorithms ? { algorithms: options.algorithms } : {}) });
    expect(verdict.ok ? 'ok' : `${verdict.code}`, verdict.ok ? '' : verdict.reason).toBe(expected);
    if (!verdict.ok) expect(verdict.reason).toMatch(/\S/);
  });

  it('covers every code', () => {
    const codes = new Set(CASES.map((c) => c[2]));
    for (const code of REJECTION_CODES) expect(codes, code).toContain(code);
  });

  it('says why, in one line', () => {
    const v = verifyConfig(attackHmacWithPublicKey(genuine, genuineEc), TRUSTED, NOW);
    expect(!v.ok && v.reason).toMatch(/HS256.*algorithm-confusion/);
    const der = verifyConfig(derSigned(), TRUSTED, NOW);
    expect(!der.ok && der.reason).toMatch(/DER.*r\|\|s/);
  });
});

describe('the configuration as the model policy', () => {
  it('pins api and its subdomains, and leaves cdn unpinned', () => {
    const policy = configPolicy(CONFIG);
    expect(ruleFor(policy, 'v2.api.pinprick.test')?.rule.pins).toHaveLength(2);
    expect(ruleFor(policy, 'cdn.pinprick.test')).toBeUndefined();
    expect(ruleFor(policy, 'other.test')).toBeUndefined();
  });

  it.each<[string, unknown, string | undefined]>([
    ['the payload', configPayload(CONFIG), undefined],
    ['a negative version', { ...configPayload(CONFIG), version: -1 }, 'version'],
    ['a fractional iat', { ...configPayload(CONFIG), iat: 1.5 }, 'iat'],
    ['exp before iat', { ...configPayload(CONFIG), exp: 0 }, "'exp' is not after"],
    ['an empty device', { ...configPayload(CONFIG), device: '' }, 'device'],
    ['hosts as a list', { ...configPayload(CONFIG), hosts: [] }, 'hosts'],
    ['a host with no pins', { ...configPayload(CONFIG), hosts: { 'a.test': { pins: [] } } }, 'non-empty'],
    ['pinning: true', { ...configPayload(CONFIG), hosts: { 'a.test': { pinning: true } } }, 'only be false'],
    ['pins with pinning: false', { ...configPayload(CONFIG), hosts: { 'a.test': { pinning: false, pins: ['x'] } } }, 'does not go with'],
    ['a misspelt member', { ...configPayload(CONFIG), hosts: { 'a.test': { pins: [`sha256/${pinOfKey(serverKey).sha256}`], includeSubDomains: true } } }, 'includeSubDomains'],
    ['a hex pin', { ...configPayload(CONFIG), hosts: { 'a.test': { pins: [pinOfKey(serverKey).sha256Hex] } } }, 'not a pin'],
    ['a bad host pattern', { ...configPayload(CONFIG), hosts: { 'a.*.test': { pins: [`sha256/${pinOfKey(serverKey).sha256}`] } } }, 'wildcard'],
  ])('%s', (_what, doc, problem) => {
    const read = readConfigPayload(doc);
    if (problem === undefined) expect(read).toEqual({ config: CONFIG });
    else expect('problem' in read && read.problem).toContain(problem);
  });

  it('a P-384 key cannot sign (ES256 is P-256 only)', () => {
    expect(() => signConfig(CONFIG, p384)).toThrow(/P-256/);
    expect(createPublicKey(p384).asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });
});
