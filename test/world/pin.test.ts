import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKey, spkiDer } from '../../src/world/keys.js';
import { pinOfCertificate, pinOfKey, pinOfSpki, curlPinList } from '../../src/world/pin.js';
import { issueCertificate } from '../../src/world/recipe.js';
import { pemOf } from '../../src/world/pem.js';
import { opensslPin } from '../helpers/openssl.js';

describe('RFC 7469 pins', () => {
  it('equal openssl x509 -pubkey | pkey -pubin -outform der | dgst -sha256 | base64, for RSA and ECDSA', async () => {
    for (const type of ['rsa-2048', 'ec-p256', 'ec-p384'] as const) {
      const key = await generateKey(type);
      const der = await issueCertificate({
        recipe: { subject: 'CN=pin', key: 'k', issuer: 'self', notBefore: '-1d', notAfter: '+1d', ca: true },
        subjectKey: key,
        issuerKey: key,
        now: new Date(),
      });
      expect(pinOfCertificate(der).sha256, type).toBe(opensslPin(pemOf(der, 'CERTIFICATE')));
      expect(pinOfKey(key).sha256).toBe(pinOfCertificate(der).sha256);
    }
  });

  it('hash the SPKI, not the raw EC point Node exposes as pubkey', async () => {
    const key = await generateKey('ec-p256');
    const spki = spkiDer(createPublicKey(key));
    const pin = pinOfSpki(spki);
    expect(pin.sha256Hex).toHaveLength(64);
    expect(Buffer.from(pin.sha256, 'base64').toString('hex')).toBe(pin.sha256Hex);
  });

  it('list in curl --pinnedpubkey syntax', () => {
    expect(curlPinList(['A=', 'B='])).toBe('sha256//A=;sha256//B=');
  });
});
