/**
 * Loading a cached world is on the cold-start path of `pinprick serve`, so two of its steps have
 * fast forms that must be exact: private keys unpacked from PKCS#8 and imported as JWK
 * (privateKeyFromPem, ~5x faster than OpenSSL's decoder) must be the keys createPrivateKey reads,
 * with createPrivateKey's errors for anything else; and isIpLiteral must be `net.isIP(h) !== 0`.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_TYPES, privateKeyFromPem } from '../../src/world/keys.js';
import { isIpLiteral } from '../../src/world/spec.js';

function keyPem(type: (typeof KEY_TYPES)[number]): string {
  const { privateKey } =
    type.startsWith('rsa-')
      ? generateKeyPairSync('rsa', { modulusLength: Number(type.slice(4)) })
      : generateKeyPairSync('ec', { namedCurve: type === 'ec-p256' ? 'prime256v1' : 'secp384r1' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** The key read, or the message createPrivateKey-style reading fails with. */
function read(run: () => KeyObject): { pem: string; details: string } | { error: string } {
  try {
    const k = run();
    return { pem: k.export({ type: 'pkcs8', format: 'pem' }) as string, details: String(Object.entries(k.asymmetricKeyDetails ?? {})) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe('privateKeyFromPem', () => {
  const pems = Object.fromEntries(KEY_TYPES.map((t) => [t, keyPem(t)])) as Record<(typeof KEY_TYPES)[number], string>;

  it.each(KEY_TYPES)('reads a %s PKCS#8 key as createPrivateKey does, and exports it byte for byte', (type) => {
    const pem = pems[type];
    const fast = privateKeyFromPem(Buffer.from(pem));
    const slow = createPrivateKey(pem);
    expect(fast.equals(slow)).toBe(true);
    expect(fast.export({ type: 'pkcs8', format: 'pem' })).toBe(pem);
    expect(read(() => privateKeyFromPem(pem))).toEqual(read(() => createPrivateKey(pem)));
  });

  it('reads other encodings (SEC1, PKCS#1, encrypted PKCS#8) through createPrivateKey', () => {
    const ec = createPrivateKey(pems['ec-p256']);
    const rsa = createPrivateKey(pems['rsa-2048']);
    const others = [
      ec.export({ type: 'sec1', format: 'pem' }) as string,
      rsa.export({ type: 'pkcs1', format: 'pem' }) as string,
      rsa.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string,
      `garbage before\n${pems['ec-p256']}`,
      pems['ec-p256'].replace(/\n/g, '\r\n'),
      'not a key',
      '',
    ];
    for (const pem of others) expect(read(() => privateKeyFromPem(pem)), pem.slice(0, 40)).toEqual(read(() => createPrivateKey(pem)));
  });

  it('agrees with createPrivateKey on damaged keys: the same key or the same error (property)', () => {
    const pem = pems['ec-p256'];
    const rsa = pems['rsa-2048'];
    fc.assert(
      fc.property(fc.constantFrom(pem, rsa), fc.nat(), fc.integer({ min: 0, max: 63 }), (text, at, c) => {
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        const body = text.indexOf('\n') + 1;
        const i = body + (at % (text.lastIndexOf('-----END') - body));
        if (text[i] === '\n') return;
        const damaged = text.slice(0, i) + alphabet[c] + text.slice(i + 1);
        expect(read(() => privateKeyFromPem(damaged))).toEqual(read(() => createPrivateKey(damaged)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('isIpLiteral', () => {
  it('is net.isIP(host) !== 0 (examples and property)', () => {
    for (const h of ['api.pinprick.test', '127.0.0.1', '::1', '::ffff:1.2.3.4', 'fe80::1%eth0', '1.2.3', '256.1.1.1', '', ':', '1::2::3', '2001:db8::']) {
      expect(isIpLiteral(h), h).toBe(isIP(h) !== 0);
    }
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.domain(), fc.stringMatching(/^[0-9a-f:.%]{0,20}$/)), (h) => {
        expect(isIpLiteral(h)).toBe(isIP(h) !== 0);
      }),
      { numRuns: 500 },
    );
  });
});
