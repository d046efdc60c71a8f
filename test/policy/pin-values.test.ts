/** Pin values that parse but are not pins: placeholders and certificate fingerprints, by table. */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPlaceholderPin, looksLikeCertificateFingerprint } from '../../src/policy/pin-values.js';

describe('isPlaceholderPin', () => {
  it.each([
    ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', true],
    ['ABABABABABABABABABABABABABABABABABABABABABA=', true],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopw=', true],
    ['//////////////////////////////////////////8=', true],
    ['x5C0cShEfsC2DyK/y3ldccMm3ZEO4Sy7TMWoYZHrkbw=', false],
    ['K0R/6I9nfXE50GxZSRkNniGxSRftrx1NjeAjCQZ7X7w=', false],
  ])('%s: %s', (value, placeholder) => {
    expect(isPlaceholderPin(value)).toBe(placeholder);
  });

  it('no SHA-256 of random keys is taken for a placeholder (10,000 of them)', () => {
    for (let i = 0; i < 10_000; i++) expect(isPlaceholderPin(createHash('sha256').update(randomBytes(32)).digest('base64'))).toBe(false);
  });
});

describe('looksLikeCertificateFingerprint', () => {
  const hex = createHash('sha256').update('a certificate').digest('hex');
  it.each([
    [hex, true],
    [hex.toUpperCase().match(/../g)!.join(':'), true],
    [`SHA256 Fingerprint=${hex.toUpperCase().match(/../g)!.join(':')}`, true],
    [createHash('sha1').update('a certificate').digest('hex').match(/../g)!.join(':'), true],
    [hex.slice(2), false],
    ['K0R/6I9nfXE50GxZSRkNniGxSRftrx1NjeAjCQZ7X7w=', false],
  ])('%s: %s', (text, fingerprint) => {
    expect(looksLikeCertificateFingerprint(text)).toBe(fingerprint);
  });
});
