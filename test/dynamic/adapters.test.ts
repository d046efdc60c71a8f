import { createHmac, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attackAlgNone, attackHmacWithPublicKey, attackStripSignature, attackTamperPins } from '../../src/dynamic/attacks.js';
import { dynapinsKid, verifyConfigShape, writeConfigShape, type ConfigShape } from '../../src/dynamic/adapters.js';
import { numericDate, type PinConfig } from '../../src/dynamic/config.js';
import { b64url, jwkThumbprint, trustedKey } from '../../src/dynamic/jws.js';
import type { RejectionCode } from '../../src/dynamic/verify.js';
import { InputError } from '../../src/errors.js';
import { pinOfKey } from '../../src/world/pin.js';
import { tempDir } from '../helpers/tmp.js';

const genuineEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const genuineEd = generateKeyPairSync('ed25519').privateKey;
const rogueEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const TRUSTED = [trustedKey(genuineEc), trustedKey(genuineEd)];
const tls = [0, 1, 2].map(() => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
const pin = (k: KeyObject) => ({ hash: 'sha256' as const, value: pinOfKey(k).sha256 });

const NOW = new Date('2026-03-01T12:00:00Z');
const ISSUED = new Date('2026-02-28T12:00:00Z');
const base = { issuedAt: ISSUED, expiresAt: new Date('2026-03-31T12:00:00Z') };
/** What each shape can carry. */
const CONFIGS: Record<ConfigShape, PinConfig> = {
  jws: {
    version: 3,
    ...base,
    device: 'pentest-01',
    rules: [
      { domains: [{ pattern: 'api.pinprick.test', includeSubdomains: true }], pins: [pin(tls[0]!), pin(tls[1]!)], enforce: true },
      { domains: [{ pattern: 'cdn.pinprick.test' }], pins: [], enforce: false, exempt: true },
    ],
  },
  'approov-detached': {
    version: 3,
    ...base,
    rules: [
      { domains: [{ pattern: 'api.pinprick.test' }], pins: [pin(tls[0]!), pin(tls[1]!)], enforce: true },
      { domains: [{ pattern: 'cdn.pinprick.test' }], pins: [], enforce: false, exempt: true },
    ],
  },
  dynapins: { version: numericDate(ISSUED), ...base, rules: [{ domains: [{ pattern: 'api.pinprick.test' }], pins: [pin(tls[0]!), pin(tls[1]!)], enforce: true }] },
};
const SHAPES = Object.keys(CONFIGS) as ConfigShape[];
const options = (shape: ConfigShape) => (shape === 'jws' ? { device: 'pentest-01' } : {});

describe.each(SHAPES.flatMap((shape) => [[shape, 'ES256', genuineEc], [shape, 'EdDSA', genuineEd]] as [ConfigShape, string, KeyObject][]))('%s %s', (shape, _alg, key) => {
  const text = writeConfigShape(shape, CONFIGS[shape], key);
  it('round-trips to the same configuration', () => {
    expect(verifyConfigShape(shape, text, TRUSTED, NOW, undefined, options(shape))).toEqual({ ok: true, config: { ...CONFIGS[shape], kid: jwkThumbprint(key) } });
  });
  it('is refused when signed by another key, and when expired', () => {
    const rogue = writeConfigShape(shape, CONFIGS[shape], rogueEc);
    expect(verifyConfigShape(shape, rogue, TRUSTED, NOW, undefined, options(shape))).toMatchObject({ ok: false, code: 'unknown-key' });
    expect(verifyConfigShape(shape, text, TRUSTED, base.expiresAt, undefined, options(shape))).toMatchObject({ ok: false, code: 'expired' });
  });
});

describe('approov-detached', () => {
  const text = writeConfigShape('approov-detached', CONFIGS['approov-detached'], genuineEc);
  const envelope = JSON.parse(text) as { alg: string; kid: string; config: string; signature: string };

  it('is the documented envelope: the Approov map inside the signed text, the signature beside it in DER', () => {
    expect(Object.keys(envelope)).toEqual(['alg', 'kid', 'config', 'signature']);
    expect(JSON.parse(envelope.config).pins).toEqual({ 'api.pinprick.test': [pinOfKey(tls[0]!).sha256, pinOfKey(tls[1]!).sha256], 'cdn.pinprick.test': [] });
    expect(Buffer.from(envelope.signature, 'base64')[0]).toBe(0x30);
  });

  const dir = tempDir('pinprick-approov-sig-');
  afterAll(() => dir.cleanup());
  it('verifies with openssl dgst over the exact config bytes (an independent implementation)', () => {
    const pub = join(dir.path, 'pub.pem');
    writeFileSync(pub, createPublicKey(genuineEc).export({ type: 'spki', format: 'pem' }) as string, { flag: 'wx' });
    writeFileSync(join(dir.path, 'config'), envelope.config, { flag: 'wx' });
    writeFileSync(join(dir.path, 'sig'), Buffer.from(envelope.signature, 'base64'), { flag: 'wx' });
    expect(execFileSync('openssl', ['dgst', '-sha256', '-verify', pub, '-signature', join(dir.path, 'sig'), join(dir.path, 'config')], { encoding: 'utf8' }).trim()).toBe('Verified OK');
  });

  const edit = (changes: Partial<typeof envelope>) => JSON.stringify({ ...envelope, ...changes });
  const tampered = JSON.parse(envelope.config);
  tampered.pins['api.pinprick.test'] = [pinOfKey(tls[2]!).sha256];
  const older = { ...CONFIGS['approov-detached'], version: 2 };
  const withManaged = JSON.stringify({ ...JSON.parse(envelope.config), pins: { '*': [pinOfKey(tls[2]!).sha256], 'api.pinprick.test': [] } });
  it.each<[string, string, RejectionCode | 'ok', PinConfig?]>([
    ['the bare map, unsigned', JSON.stringify(JSON.parse(envelope.config).pins), 'stripped'],
    ['signature removed', JSON.stringify({ alg: envelope.alg, kid: envelope.kid, config: envelope.config }), 'stripped'],
    ['pins changed, signature kept', edit({ config: JSON.stringify(tampered) }), 'bad-signature'],
    ['config re-serialised with spaces', edit({ config: JSON.stringify(JSON.parse(envelope.config), null, 1) }), 'bad-signature'],
    ['alg none', edit({ alg: 'none', signature: '' }), 'alg-none'],
    ['HS256 with the public key', edit({ alg: 'HS256', config: JSON.stringify(tampered), signature: createHmac('sha256', createPublicKey(genuineEc).export({ type: 'spki', format: 'pem' }) as string).update(JSON.stringify(tampered)).digest('base64') }), 'alg-not-allowed'],
    ['another key claiming the genuine kid', edit({ signature: sign('sha256', Buffer.from(envelope.config), rogueEc).toString('base64') }), 'bad-signature'],
    ['an older version replayed', writeConfigShape('approov-detached', older, genuineEc), 'rollback', CONFIGS['approov-detached']],
    ['an unknown envelope member', edit({ extra: 1 } as never), 'malformed'],
    ['managed roots: api pinned to them', edit({ config: withManaged, signature: sign('sha256', Buffer.from(withManaged), genuineEc).toString('base64') }), 'ok'],
  ])('%s -> %s', (_what, input, expected, lastGood) => {
    const v = verifyConfigShape('approov-detached', input, TRUSTED, NOW, lastGood);
    expect(v.ok ? 'ok' : v.code, v.ok ? '' : v.reason).toBe(expected);
  });

  it('cannot write what an Approov map cannot say', () => {
    expect(() => writeConfigShape('approov-detached', CONFIGS.jws, genuineEc)).toThrow(InputError);
  });
});

describe('dynapins', () => {
  const text = writeConfigShape('dynapins', CONFIGS.dynapins, genuineEc);
  const jws = (JSON.parse(text) as { jws: string }).jws;

  it('is what dynapins-server answers: {"jws"}, header alg+kid, payload domain, hex pins, iat, exp, ttl_seconds', () => {
    const [h, p] = jws.split('.') as [string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'ES256', kid: jwkThumbprint(genuineEc) });
    expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual({
      domain: 'api.pinprick.test',
      pins: [pinOfKey(tls[0]!).sha256Hex, pinOfKey(tls[1]!).sha256Hex],
      iat: numericDate(ISSUED),
      exp: numericDate(base.expiresAt),
      ttl_seconds: 31 * 86400,
    });
  });

  it("takes the server's own kid (8 hex of the SPKI digest) when the client lists the key under it", () => {
    const kid = dynapinsKid(genuineEc);
    expect(kid).toMatch(/^[0-9a-f]{8}$/);
    const v = verifyConfigShape('dynapins', writeConfigShape('dynapins', CONFIGS.dynapins, genuineEc, { kid }), [trustedKey(genuineEc, kid)], NOW);
    expect(v.ok && v.config.kid).toBe(kid);
  });

  const older = { ...CONFIGS.dynapins, issuedAt: new Date(ISSUED.getTime() - 3600e3), version: numericDate(ISSUED) - 3600 };
  it.each<[string, string, RejectionCode | 'ok', PinConfig?]>([
    ['the bare compact JWS', jws, 'ok'],
    ['the payload alone', Buffer.from(jws.split('.')[1]!, 'base64url').toString(), 'stripped'],
    ['signature stripped', JSON.stringify({ jws: attackStripSignature(jws) }), 'stripped'],
    ['pins tampered', JSON.stringify({ jws: attackTamper(jws) }), 'bad-signature'],
    ['alg none', attackAlgNone(jws), 'alg-none'],
    ['HS256 with the public key', attackHmacWithPublicKey(jws, genuineEc), 'alg-not-allowed'],
    ['an older token replayed (older iat)', writeConfigShape('dynapins', older, genuineEc), 'rollback', CONFIGS.dynapins],
    ['a typ of another kind', `${b64url(JSON.stringify({ alg: 'ES256', typ: 'pinprick-pin-config+jwt' }))}.${jws.split('.')[1]}.${jws.split('.')[2]}`, 'malformed'],
  ])('%s -> %s', (_what, input, expected, lastGood) => {
    const v = verifyConfigShape('dynapins', input, TRUSTED, NOW, lastGood);
    expect(v.ok ? 'ok' : v.code, v.ok ? '' : v.reason).toBe(expected);
  });

  it('cannot write several hosts, an unpinned host or a device', () => {
    expect(() => writeConfigShape('dynapins', CONFIGS.jws, genuineEc)).toThrow(/one domain/);
    expect(() => writeConfigShape('dynapins', { ...CONFIGS.dynapins, device: 'x' }, genuineEc)).toThrow(InputError);
  });
});

function attackTamper(jws: string): string {
  return attackTamperPins(jws, [pinOfKey(tls[2]!).sha256]).replace(/sha256\//g, '');
}
