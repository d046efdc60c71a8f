/**
 * The one escaper of peer-supplied text for a terminal (issue 15, finding 3): by table, then by
 * property over any string.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRINTABLE_MAX, hasUnsafeCharacter, jsonLine, printable } from '../src/printable.js';
import type { ConnectionVerdict } from '../src/proxy/connection-record.js';
import { verdictLine } from '../src/report/verdict-line.js';

/** Every character the escaper must never let through: Cc, bidi controls, LS/PS, lone surrogates. */
const FORBIDDEN = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]|\p{Cs}/u;

describe('printable, by table', () => {
  const rows: [situation: string, input: string, output: string][] = [
    ['a host name passes as it is', 'api.pinprick.test', 'api.pinprick.test'],
    ['printable ASCII, backslash and quotes included, passes as it is', 'GET /a?b="c"&d=\\e HTTP/1.1', 'GET /a?b="c"&d=\\e HTTP/1.1'],
    ['non-ASCII letters (an IDN as sent) pass as they are', 'bücher.example 例え', 'bücher.example 例え'],
    ['CR LF (a forged line)', 'a\r\nb', 'a\\x0D\\x0Ab'],
    ['NUL and TAB', '\x00\t', '\\x00\\x09'],
    ['ESC and BEL of an OSC title sequence', '\x1b]0;title\x07', '\\x1B]0;title\\x07'],
    ['DEL and the C1 CSI (U+009B)', '\x7f\x9b2J', '\\x7F\\x9B2J'],
    ['NEL (U+0085), a C1 line break', 'a\x85b', 'a\\x85b'],
    ['bidi overrides and isolates (Trojan Source)', '\u202e\u2066x\u2069\u202c', '\\u{202E}\\u{2066}x\\u{2069}\\u{202C}'],
    ['bidi marks (LRM, RLM, ALM)', '\u200e\u200f\u061c', '\\u{200E}\\u{200F}\\u{061C}'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u{2028}b\\u{2029}c'],
    ['a lone surrogate', 'a\ud800b', 'a\\u{D800}b'],
    ['a surrogate pair (an emoji) passes as it is', 'a😀b', 'a😀b'],
  ];
  it.each(rows)('%s', (_situation, input, output) => {
    expect(printable(input)).toBe(output);
  });

  it('cuts at the default length, then …', () => {
    expect(printable('a'.repeat(DEFAULT_PRINTABLE_MAX))).toBe('a'.repeat(DEFAULT_PRINTABLE_MAX));
    expect(printable('a'.repeat(DEFAULT_PRINTABLE_MAX + 1))).toBe(`${'a'.repeat(DEFAULT_PRINTABLE_MAX)}…`);
  });

  it('never cuts inside an escape or a surrogate pair', () => {
    expect(printable('ab\x1b', { max: 5 })).toBe('ab…');
    expect(printable('ab😀', { max: 3 })).toBe('ab…');
  });

  it('keeps the characters asked for (the HTML report keeps newlines and tabs of client output)', () => {
    expect(printable('a\n\tb\r\x1b', { keep: '\n\t', max: Infinity })).toBe('a\n\tb\\x0D\\x1B');
  });
});

describe('printable, by property', () => {
  it('its output never holds a control, bidi or separator character, and stays within the cap', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.integer({ min: 1, max: 300 }), (text, max) => {
        const out = printable(text, { max });
        expect(out).not.toMatch(FORBIDDEN);
        expect(hasUnsafeCharacter(out)).toBe(false);
        expect(out.length).toBeLessThanOrEqual(max + 1);
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves printable ASCII unchanged (so distinct such inputs stay distinct)', () => {
    const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: DEFAULT_PRINTABLE_MAX });
    fc.assert(fc.property(ascii, (text) => printable(text) === text));
  });

  it('escaping is injective on inputs without a backslash: distinct inputs, distinct outputs', () => {
    const noBackslash = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\\'));
    fc.assert(fc.property(noBackslash, noBackslash, (a, b) => a === b || printable(a, { max: Infinity }) !== printable(b, { max: Infinity })), { numRuns: 2_000 });
  });

  it('a verdict with any SNI, target, request line and detail is one line without an escape sequence', () => {
    const base: ConnectionVerdict = { id: 1, time: '2026-03-01T12:34:56.789Z', durationMs: 1, kind: 'rejected', detail: '', via: 'direct', client: { address: '127.0.0.1', port: 1 }, chainPins: [] };
    const text = fc.string({ unit: 'binary', maxLength: 300 });
    fc.assert(
      fc.property(fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined }), text, (sni, target, requestLine, detail) => {
        const line = verdictLine({ ...base, sni, target, requestLine, detail });
        expect(line).not.toMatch(FORBIDDEN);
        expect(line.length).toBeLessThan(1_500);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('jsonLine', () => {
  it.each([
    [{ a: 'plain' }, '{"a":"plain"}'],
    [{ a: 'x\ny\x1b' }, '{"a":"x\\ny\\u001b"}'],
    [{ a: 'del\x7f c1\u009b' }, '{"a":"del\\u007F c1\\u009B"}'],
    [{ a: 'rlo\u202Eevil' }, '{"a":"rlo\\u202Eevil"}'],
    [{ a: 'ls\u2028ps\u2029' }, '{"a":"ls\\u2028ps\\u2029"}'],
    [{ a: 'IDN bücher.example, 日本' }, '{"a":"IDN bücher.example, 日本"}'],
  ])('escapes what a terminal must not see (%#)', (value, line) => {
    expect(jsonLine(value)).toBe(line);
  });

  it('is one safe line that reads back as the same value, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const line = jsonLine({ text });
        expect(line).not.toMatch(FORBIDDEN);
        expect(hasUnsafeCharacter(line)).toBe(false);
        expect(JSON.parse(line)).toEqual({ text });
      }),
      { numRuns: 2_000 },
    );
  });
});
