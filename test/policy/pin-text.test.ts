/**
 * A pin as TrustKit's kTSKPublicKeyHashes and ATS's SPKI-SHA256-BASE64 take it: the bare base64 of
 * a SHA-256 digest, decoded exactly as written. Everything else is a `malformed-pin` note with the
 * reason.
 */
import { describe, expect, it } from 'vitest';
import { bareSha256Pin } from '../../src/policy/pin-text.js';

const PIN = 'nTj7Zc8Kv9d3y+UZEHVDaUPCGdVPiTB9c10rdMq/NLI=';

describe('bareSha256Pin', () => {
  it.each([
    [PIN, { pin: { hash: 'sha256', value: PIN } }],
    [`sha256/${PIN}`, { problem: "X decodes the text as written and takes the bare base64 value, without 'sha256/'" }],
    [`pin-sha256="${PIN}"`, { problem: `X decodes the text as written and takes the bare base64 value, without 'pin-sha256="'` }],
    [` ${PIN}\n`, { problem: 'X decodes the text as written and takes the bare base64 value, without spaces around the value' }],
    ['m9DXzFbGW3q7+kkNg1rwb3FzaKk=', { problem: 'a SHA-1 digest (28 characters); X takes SHA-256 digests only' }],
    ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', { problem: 'a placeholder (too few distinct characters, or a run of the base64 alphabet), not the digest of a key' }],
    ['YOUR_PIN_HERE', { problem: "not the base64 of a 32-byte SHA-256 digest (44 characters ending in '=')" }],
    [PIN.replace('NLI=', 'NLJ='), { problem: "not the base64 of a 32-byte SHA-256 digest (44 characters ending in '=')" }],
    ['', { problem: 'an empty pin' }],
  ])('%j -> %j', (text, result) => {
    expect(bareSha256Pin(text, 'X')).toEqual(result);
  });
});
