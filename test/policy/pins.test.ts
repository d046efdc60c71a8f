/**
 * Reading a pin as a configuration file writes it: the one parser decides, and a value that is
 * not a usable pin comes back with the sentence lint shows (never an exception).
 */
import { describe, expect, it } from 'vitest';
import { readPin } from '../../src/policy/formats/pins.js';
import { isPlaceholderPin } from '../../src/policy/pin-values.js';

const E5 = 'f5sNSaddZZm2EJN69IzlbM56tRHrNcGEjvI5k998/L8=';

describe('readPin', () => {
  it.each([
    [E5, ['sha256'], { pin: { hash: 'sha256', value: E5 } }],
    [`sha256/${E5}`, ['sha256'], { pin: { hash: 'sha256', value: E5 } }],
    [`sha256//${E5}`, ['sha256'], { pin: { hash: 'sha256', value: E5 } }],
    [`pin-sha256="${E5}"`, ['sha256'], { pin: { hash: 'sha256', value: E5 } }],
    ['sha1/o9VPi5IjvOWM5mABBhFdvlDid/E=', ['sha256', 'sha1'], { pin: { hash: 'sha1', value: 'o9VPi5IjvOWM5mABBhFdvlDid/E=' } }],
    ['sha1/o9VPi5IjvOWM5mABBhFdvlDid/E=', ['sha256'], { problem: "'sha1/o9VPi5IjvOWM5mABBhFdvlDid/E=' is a SHA-1 pin; this format takes SHA-256 pins only" }],
    [`${'A'.repeat(43)}=`, ['sha256'], { problem: `'${'A'.repeat(43)}=' is a placeholder, not a digest: 1 distinct byte value in 32` }],
    // Not canonical base64 either: the placeholder check comes first.
    [`sha256/${'B'.repeat(43)}=`, ['sha256'], { problem: `'sha256/${'B'.repeat(43)}=' is a placeholder, not a digest: 3 distinct byte values in 32` }],
    ['', ['sha256'], { problem: 'an empty pin' }],
    ['ab'.repeat(32), ['sha256'], { problem: `'${'ab'.repeat(32).slice(0, 57)}...' is a hex SHA-256 digest; pins are base64 (44 characters ending in '=')` }],
    [Array.from({ length: 32 }, () => 'AB').join(':'), ['sha256'], { problem: expect.stringMatching(/is a colon-separated hex digest \(a certificate fingerprint\?\)/) }],
    ['not base64!', ['sha256'], { problem: "'not base64!' is not base64" }],
    [E5.slice(0, 40), ['sha256'], { problem: `'${E5.slice(0, 40)}' decodes to 30 bytes; a SHA-256 pin is the base64 of 32 bytes` }],
    // Canonical base64 has the low bits of the last character zero: this spelling decodes to the same bytes and never matches.
    [`${E5.slice(0, 42)}9=`, ['sha256'], { problem: `'${E5.slice(0, 42)}9=' is not canonical base64: it decodes to 32 bytes but never equals a computed pin` }],
  ] as const)('%s (%j)', (text, accept, want) => {
    expect(readPin(text, accept)).toEqual(want);
  });
});

describe('isPlaceholderPin', () => {
  it.each([
    [`${'A'.repeat(43)}=`, true],
    [`${'x'.repeat(27)}=`, true],
    [E5, false],
    ['AAAA', false],
  ])('%s: %s', (value, placeholder) => {
    expect(isPlaceholderPin(value)).toBe(placeholder);
  });
});
