/**
 * The XML property list reader: every value kind with where it is written, the same values a real
 * plist parser (Python's plistlib, on expat) reads from the same files, and one exact
 * file:line:col message per kind of malformed input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyFileError } from '../../src/policy/format.js';
import { PLIST_MAX_DEPTH, readPlist, type PlistValue } from '../../src/policy/plist.js';
import { NO_PLISTLIB, plistlibRead } from '../helpers/plist.js';

if (NO_PLISTLIB) console.warn('test/policy/plist.test.ts: python3 not installed, the plistlib cross-checks are skipped (Debian: apt-get install python3)');

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n';

/** A value as plistlib's JSON projection shows it (test/helpers/plist.ts). */
function json(v: PlistValue): unknown {
  switch (v.kind) {
    case 'dict':
      return Object.fromEntries(v.entries.map((e) => [e.key, json(e.value)]));
    case 'array':
      return v.items.map(json);
    case 'data':
      return { data: Buffer.from(v.value).toString('base64') };
    case 'integer':
      return Number(v.value);
    case 'date':
      return v.value.toISOString();
    default:
      return v.value;
  }
}

describe('readPlist', () => {
  it('reads every value kind, with the line and column of its element and the comment after a string', () => {
    const text = `${HEAD}<plist version="1.0">
<dict>
	<key>name</key>
	<string>a &amp; b<![CDATA[ <c> ]]></string> <!-- label -->
	<key>list</key>
	<array><integer>-0x1F</integer><integer>+42</integer><real>2.5e1</real><true/><false/></array>
	<key>when</key>
	<date>2027-06-30T00:00:00Z</date>
	<key>blob</key>
	<data>
		AAECAwQ=
	</data>
	<key>empty</key>
	<string/>
</dict>
</plist>
`;
    const root = readPlist('Info.plist', text);
    expect(root).toMatchObject({
      kind: 'dict',
      at: { line: 4, column: 1 },
      entries: [
        { key: 'name', keyAt: { line: 5, column: 2 }, value: { kind: 'string', value: 'a & b <c> ', comment: 'label', at: { line: 6, column: 2 } } },
        {
          key: 'list',
          value: {
            kind: 'array',
            items: [
              { kind: 'integer', value: -31n, at: { line: 8, column: 9 } },
              { kind: 'integer', value: 42n },
              { kind: 'real', value: 25 },
              { kind: 'boolean', value: true },
              { kind: 'boolean', value: false },
            ],
          },
        },
        { key: 'when', value: { kind: 'date', value: new Date('2027-06-30T00:00:00Z') } },
        { key: 'blob', value: { kind: 'data', value: new Uint8Array([0, 1, 2, 3, 4]) } },
        { key: 'empty', value: { kind: 'string', value: '' } },
      ],
    });
  });

  it('a comment on the next line names nothing', () => {
    const root = readPlist('x.plist', '<plist><array><string>a</string>\n<!-- about b --><string>b</string></array></plist>');
    expect(root.kind === 'array' && root.items.map((s) => (s.kind === 'string' ? s.comment : 'x'))).toEqual([undefined, undefined]);
  });

  it('accepts a root value without the <plist> wrapper, as plistlib does', () => {
    expect(readPlist('x.plist', '<dict><key>a</key><true/></dict>')).toMatchObject({ kind: 'dict', entries: [{ key: 'a', value: { kind: 'boolean', value: true } }] });
  });

  it.skipIf(NO_PLISTLIB)('reads the fixture property lists as plistlib does', () => {
    const files = ['trustkit', 'ats'].flatMap((dir) => readdirSync(`${FIXTURES}${dir}`).filter((f) => f.endsWith('.plist') && !/broken|unclosed/.test(f)).map((f) => `${FIXTURES}${dir}/${f}`));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const text = readFileSync(f);
      expect(json(readPlist(f, text.toString('utf8'))), f).toEqual(plistlibRead(text));
    }
  });

  const deep = `<plist>${'<array>'.repeat(PLIST_MAX_DEPTH)}${'</array>'.repeat(PLIST_MAX_DEPTH)}</plist>`;
  it.each([
    ['broken nesting', '<plist>\n<dict>\n  <key>a</key>\n  <string>x</dict></plist>', 'x.plist:4:12: malformed XML: unexpected close tag'],
    ['an unclosed element at the end', '<plist>\n<dict>\n<key>a</key><true/>\n', 'x.plist:2:1: <dict> is never closed'],
    ['an undefined entity', '<plist><string>&nbsp;</string></plist>', 'x.plist:1:21: malformed XML: undefined entity'],
    ['an element the DTD does not have', '<plist>\n  <dict><key>a</key><str>x</str></dict></plist>', 'x.plist:2:21: <str> is not a property list element'],
    ['a root that is not a plist', '<html><body/></html>', 'x.plist:1:1: <html> is not a property list element (expected <plist>)'],
    ['a key with no value', '<plist><dict><key>a</key></dict></plist>', 'x.plist:1:26: <key>a</key> has no value'],
    ['two keys in a row', '<plist><dict><key>a</key><key>b</key><true/></dict></plist>', 'x.plist:1:26: <key>a</key> has no value before this <key>'],
    ['a value without a key', '<plist><dict>\n<string>x</string></dict></plist>', 'x.plist:2:1: a value in a <dict> must follow a <key>'],
    ['a repeated key', '<plist><dict><key>a</key><true/>\n<key>a</key><false/></dict></plist>', "x.plist:2:1: the key 'a' is written twice in this <dict> (first at 1:14)"],
    ['a key outside a dict', '<plist><array><key>a</key></array></plist>', 'x.plist:1:15: <key> belongs in a <dict>, not in <array>'],
    ['text in a dict', '<plist><dict>oops</dict></plist>', "x.plist:1:14: <dict> holds elements, not text ('oops')"],
    ['an element in a string', '<plist><string>a<b/></string></plist>', 'x.plist:1:17: <string> holds text, not <b>'],
    ['two values in <plist>', '<plist><true/><false/></plist>', 'x.plist:1:15: <plist> holds one value; this is a second one'],
    ['an empty <plist>', '<plist></plist>', 'x.plist:1:8: <plist> holds no value'],
    ['a bad integer', '<plist><integer>1.5</integer></plist>', 'x.plist:1:8: <integer>1.5</integer> is not an integer'],
    ['a bad real', '<plist><real>one</real></plist>', 'x.plist:1:8: <real>one</real> is not a number'],
    ['a bad date', '<plist><date>2027-02-30T00:00:00Z</date></plist>', 'x.plist:1:8: <date>2027-02-30T00:00:00Z</date> is not a date (yyyy-MM-ddTHH:mm:ssZ)'],
    ['bad base64 data', '<plist><data>A*B=</data></plist>', 'x.plist:1:8: <data> is not base64'],
    ['text in <true/>', '<plist><true>yes</true></plist>', 'x.plist:1:14: <true/> holds nothing'],
    ['an empty file', '', 'x.plist:1:1: no property list in this file'],
    ['nesting past the bound', deep, `x.plist:1:${8 + 7 * (PLIST_MAX_DEPTH - 1)}: values nest deeper than ${PLIST_MAX_DEPTH} levels`],
  ])('%s: %s', (_what, text, message) => {
    let err: unknown;
    try {
      readPlist('x.plist', text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyFileError);
    expect((err as Error).message).toBe(message);
  });
});
