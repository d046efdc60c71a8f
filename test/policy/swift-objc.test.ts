/**
 * The Swift / Objective-C literal reader: strings with their escapes, comments, @-literals and
 * preprocessor lines as the compilers lex them; nested literals with their offsets; the file's own
 * constants; and one exact file:line:col message per way a literal can be malformed.
 */
import { describe, expect, it } from 'vitest';
import { PolicyFileError } from '../../src/policy/format.js';
import { fileConstants, LiteralReader, tokenize, type Literal, type SourceLanguage } from '../../src/policy/swift-objc.js';

/** The first literal after the first `=` of `text`. */
function literal(text: string, lang: SourceLanguage): Literal {
  const { tokens } = tokenize('f', text, lang);
  return new LiteralReader('f', text, tokens, lang).value(tokens.findIndex((t) => t.text === '=') + 1).lit;
}

/** A literal without offsets, for tables. */
function shape(l: Literal): unknown {
  switch (l.kind) {
    case 'dict':
      return Object.fromEntries(l.entries.map((e) => [JSON.stringify(shape(e.key)), shape(e.value)]));
    case 'array':
      return l.items.map(shape);
    case 'string':
      return l.interpolated ? { interpolated: l.value } : l.comment ? { value: l.value, comment: l.comment } : l.value;
    case 'bool':
      return l.value;
    case 'number':
      return { number: l.text };
    case 'ref':
      return { ref: l.path };
    case 'expr':
      return { expr: l.text };
  }
}

describe('string literals as each language lexes them', () => {
  it.each([
    ['swift', String.raw`let s = "a\"b\\c\t\u{1F600}"`, 'a"b\\c\t\u{1F600}'],
    ['swift', 'let s = #"raw \\n "quoted""#', 'raw \\n "quoted"'],
    ['swift', 'let s = """\n    line one\n    """', '    line one'],
    ['swift', String.raw`let s = "host \(name)"`, { interpolated: 'host ' }],
    ['objc', String.raw`x = @"a\"b\x41\u00e9";`, 'a"bAé'],
    ['objc', 'x = @"abc" @"def";', 'abcdef'],
    ['objc', 'x = "c string";', 'c string'],
    ['swift', 'let s = "pin" // primary key', { value: 'pin', comment: 'primary key' }],
  ] as [SourceLanguage, string, unknown][])('%s: %s', (lang, text, value) => {
    expect(shape(literal(text, lang))).toEqual(value);
  });

  it('skips comments (nested in Swift), character literals and preprocessor lines, and keeps #defines', () => {
    const swift = tokenize('f', '/* a /* nested */ "not a string" */ let x = 1 // "nor this"\n#if DEBUG "x\n#endif\n', 'swift');
    expect(swift.tokens.map((t) => t.text)).toEqual(['let', 'x', '=', '1']);
    const objc = tokenize('f', "#import <Foundation/Foundation.h>\n#define kPin @\"abc=\" // a pin\nchar q = '\"'; /* \" */\n", 'objc');
    expect(objc.tokens.map((t) => t.text)).toEqual(['char', 'q', '=', `'"'`, ';']);
    expect(objc.defines.get('kPin')?.map((t) => t.value)).toEqual(['abc=']);
  });
});

describe('nested literals', () => {
  it('reads a Swift TrustKit-style dictionary with casts, trailing commas and references', () => {
    const l = literal('let c = [kTSKPinnedDomains: ["a.example": [kTSKPublicKeyHashes: [Pins.primary, "x="], kTSKEnforcePinning: true,],], "n": 2, "e": [:]] as [String : Any]', 'swift');
    expect(shape(l)).toEqual({
      '{"ref":"kTSKPinnedDomains"}': { '"a.example"': { '{"ref":"kTSKPublicKeyHashes"}': [{ ref: 'Pins.primary' }, 'x='], '{"ref":"kTSKEnforcePinning"}': true } },
      '"n"': { number: '2' },
      '"e"': {},
    });
  });

  it('reads an Objective-C @{} / @[] literal with @YES, @NO, @(YES) and an expression it does not evaluate', () => {
    const l = literal('NSDictionary *c = @{ kTSKSwizzleNetworkDelegates: @NO, @"a": @{ kTSKIncludeSubdomains: @(YES), kTSKPublicKeyHashes: @[ kPin, @"y=" ], @"when": [NSDate date] } };', 'objc');
    expect(shape(l)).toEqual({
      '{"ref":"kTSKSwizzleNetworkDelegates"}': false,
      '"a"': { '{"ref":"kTSKIncludeSubdomains"}': true, '{"ref":"kTSKPublicKeyHashes"}': [{ ref: 'kPin' }, 'y='], '"when"': { expr: '[NSDate date]' } },
    });
  });

  it('keeps the offset of every value', () => {
    const text = 'let c = [\n  "k": "v"\n]';
    const l = literal(text, 'swift');
    expect(l.kind === 'dict' && [l.offset, l.entries[0]!.key.offset, l.entries[0]!.value.offset]).toEqual([text.indexOf('['), text.indexOf('"k"'), text.indexOf('"v"')]);
  });
});

describe('fileConstants', () => {
  it('finds Swift let / static let (typed or not) and Objective-C consts and #defines; the first definition wins', () => {
    const swift = 'enum Pins {\n  static let primary = "p="\n  static let backup: String = "b="\n}\nlet list = [Pins.primary, "c="]\nlet primary = "later="\nvar n = compute()\n';
    const s = tokenize('f', swift, 'swift');
    const sc = fileConstants(new LiteralReader('f', swift, s.tokens, 'swift'), s.defines);
    expect(Object.fromEntries([...sc].map(([k, v]) => [k, shape(v)]))).toEqual({ primary: 'p=', backup: 'b=', list: [{ ref: 'Pins.primary' }, 'c='] });
    const objc = 'static NSString * const kLeafPin = @"l=";\nNSString *const kOther = @"o=";\n#define kCAPin @"ca="\n#define kMacro(x) x\nif (a == b) { }\n';
    const o = tokenize('f', objc, 'objc');
    const oc = fileConstants(new LiteralReader('f', objc, o.tokens, 'objc'), o.defines);
    expect(Object.fromEntries([...oc].map(([k, v]) => [k, shape(v)]))).toEqual({ kLeafPin: 'l=', kOther: 'o=', kCAPin: 'ca=' });
  });
});

describe('malformed literals', () => {
  it.each([
    ['swift', 'let c = [\n  "a": "b\n]', 'f:2:8: unterminated string literal'],
    ['objc', 'x = @{ @"a": @"b };', 'f:1:14: unterminated string literal'],
    ['swift', 'let c = 1 /* open', 'f:1:11: unterminated /* comment'],
    ['swift', 'let c = "\\q"', 'f:1:10: unknown escape \\q in a string literal'],
    ['swift', 'let c = [\n  "a": ["x", "y"\n]', "f:1:9: '[' is never closed"],
    ['objc', 'x = @{ @"a": @[ @"x" } ];', "f:1:22: '}' does not close '@[' (opened at 1:14)"],
    ['swift', 'let c = ["a": "b" "c"]', `f:1:19: expected ',' or ']', found '"c"'`],
    ['swift', 'let c = ["a": "b", "c"]', "f:1:23: expected ':' after a dictionary key"],
    ['objc', 'x = @[ @"a": @"b" ];', "f:1:12: ':' in an array literal"],
  ] as [SourceLanguage, string, string][])('%s: %j', (lang, text, message) => {
    let err: unknown;
    try {
      literal(text, lang);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyFileError);
    expect((err as Error).message).toBe(message);
  });

  it(`stops at ${'deep'} nesting instead of recursing without bound`, () => {
    expect(() => literal(`let c = ${'['.repeat(40)}${']'.repeat(40)}`, 'swift')).toThrow(/literals nest deeper than 32 levels/);
  });
});
