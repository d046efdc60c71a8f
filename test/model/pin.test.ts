/**
 * The one pin reader (model/pin.ts): every spelling profiles, `verify --pins`, `verify --batch`,
 * policies and pin reports accept, SHA-256 pins and legacy SHA-1 ones, and what is not a pin, as a table.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normalisePin, parsePin, placeholderPinProblem } from '../../src/model/index.js';

/** A real pin value: base64 of 32 bytes. */
const B64 = createHash('sha256').update('x').digest('base64');
/** A SHA-1 pin value: base64 of 20 bytes. */
const SHA1 = createHash('sha1').update('x').digest('base64');

describe('parsePin', () => {
  it('the sample values are what they claim', () => {
    expect(B64).toHaveLength(44);
    expect(Buffer.from(B64, 'base64')).toHaveLength(32);
    expect(SHA1).toHaveLength(28);
  });

  it.each([
    ['bare', B64],
    ['OkHttp sha256/', `sha256/${B64}`],
    ['curl sha256//', `sha256//${B64}`],
    ['HPKP pin-sha256="…"', `pin-sha256="${B64}"`],
    ['HPKP without quotes', `pin-sha256=${B64}`],
    ['HPKP with spaces around =', `pin-sha256 = "${B64}"`],
    ['HPKP directive in another case (RFC 7469 2.1)', `PIN-SHA256="${B64}"`],
    ['sha256/ in another case', `SHA256/${B64}`],
    ['quoted bare', `"${B64}"`],
    ['quoted value after sha256//', `sha256//"${B64}"`],
    ['quotes around the whole', `"sha256/${B64}"`],
    ['spaces around', `  sha256//${B64}\t`],
  ])('accepts %s', (_what, text) => {
    expect(parsePin(text)).toEqual({ hash: 'sha256', value: B64 });
  });

  it.each([
    ['OkHttp sha1/ (OkHttp 2-4)', `sha1/${SHA1}`],
    ['HPKP drafts pin-sha1="…"', `pin-sha1="${SHA1}"`],
    ['bare, told apart by its length (28 characters: 20 bytes)', SHA1],
    ['sha1/ in another case', `SHA1/${SHA1}`],
  ])('accepts a legacy SHA-1 pin: %s', (_what, text) => {
    expect(parsePin(text)).toEqual({ hash: 'sha1', value: SHA1 });
  });

  it('accepts the lowest and highest values', () => {
    expect(parsePin(`${'A'.repeat(43)}=`)).toEqual({ hash: 'sha256', value: `${'A'.repeat(43)}=` });
    expect(parsePin(`${'/'.repeat(42)}8=`)).toEqual({ hash: 'sha256', value: `${'/'.repeat(42)}8=` });
    expect(parsePin(`sha1/${'/'.repeat(26)}8=`)).toEqual({ hash: 'sha1', value: `${'/'.repeat(26)}8=` });
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['a prefix alone', 'sha256//'],
    ['one character short', B64.slice(1)],
    ['one character long', `A${B64}`],
    ['no padding', B64.slice(0, 43)],
    ['base64url alphabet', `${'-'.repeat(42)}A=`],
    ['not base64', `${'!'.repeat(43)}=`],
    ['padding inside', `${'A'.repeat(42)}==`],
    ['not canonical: the last character carries bits past 32 bytes', `${'A'.repeat(42)}B=`],
    ['sha1/ before a 32-byte value', `sha1/${B64}`],
    ['sha256/ before a 20-byte value', `sha256/${SHA1}`],
    ['pin-sha256= before a 20-byte value', `pin-sha256="${SHA1}"`],
    ['a SHA-1 value not canonical', `${'A'.repeat(26)}B=`],
    ['three slashes', `sha256///${B64}`],
    ['another hash name', `sha384/${B64}`],
    ['hex', createHash('sha256').update('x').digest('hex')],
  ])('rejects %s', (_what, text) => {
    expect(parsePin(text)).toBeUndefined();
  });
});

describe('normalisePin', () => {
  it.each([
    [`sha256/${B64}`, B64],
    [`pin-sha256="${B64}"`, B64],
    [' AAAA= ', 'AAAA='],
    ['sha256//short', 'short'],
    [`sha1/${SHA1}`, SHA1],
    [`pin-sha1="${SHA1}"`, SHA1],
  ])('%j -> %j (unwrapped, not checked)', (text, value) => {
    expect(normalisePin(text)).toBe(value);
  });
});

describe('placeholderPinProblem', () => {
  it.each([
    ['OkHttp\'s documented broken pin', 'sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', /1 distinct byte value in 32/],
    ['all ones', `${'/'.repeat(42)}8=`, /distinct byte value/],
    ['a letter typed over and over', 'sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=', /distinct byte values in 32/],
    ['a typed run inside otherwise random text', `sha256/${B64.slice(0, 20)}QQQQQQQQQQQQQQQQQQQQQQA=`, /'Q' repeated 22 times|distinct byte values/],
    ['a SHA-1 placeholder', 'sha1/AAAAAAAAAAAAAAAAAAAAAAAAAAA=', /1 distinct byte value in 20/],
  ])('%s is a placeholder', (_what, text, problem) => {
    expect(placeholderPinProblem(parsePin(text)!)).toMatch(problem);
  });

  it('no real digest is one: 10,000 SHA-256 and 10,000 SHA-1 pins pass', () => {
    for (let i = 0; i < 10_000; i++) {
      for (const algorithm of ['sha256', 'sha1']) {
        const pin = parsePin(`${algorithm}/${createHash(algorithm).update(`key ${i}`).digest('base64')}`)!;
        expect(placeholderPinProblem(pin), `${algorithm} ${i}`).toBeUndefined();
      }
    }
  });
});
