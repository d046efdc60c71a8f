/**
 * The Apple configuration profile (src/world/mobileconfig.ts): read back by a real plist parser
 * (Python's plistlib, on expat), whatever text it carries; name-based UUIDs as Python's uuid
 * module computes them; the same roots give the same profile, new roots a new UUID under the
 * same identifier (so installing it replaces the old one).
 */
import { describe, expect, it } from 'vitest';
import { nameUuid, plistXml, profileIdentifier, rootsProfile, xmlText, type PlistValue } from '../../src/world/mobileconfig.js';
import { NO_PLISTLIB, plistlibRead } from '../helpers/plist.js';

if (NO_PLISTLIB) console.warn('test/world/mobileconfig.test.ts: python3 not installed, the plist parser checks are skipped (Debian: apt-get install python3)');

describe('nameUuid: UUIDv5 in the URL namespace (RFC 9562 §5.5)', () => {
  it.each([
    // Values from Python: uuid.uuid5(uuid.NAMESPACE_URL, name), upper-cased.
    ['http://www.python.org/', 'C2A8CBF8-D0F1-5EF4-9740-C3FAEC8AB1A0'],
    ['', '1B4DB7EB-4057-5DDF-91E0-36DEC72071F5'],
  ])('%j', (name, uuid) => {
    expect(nameUuid(name)).toBe(uuid);
  });
});

describe('xmlText', () => {
  it.each([
    ['markup characters', `a<b>&"c'`, 'a&lt;b&gt;&amp;&quot;c&apos;'],
    ['an entity-looking text is escaped, not passed through', '&amp;', '&amp;amp;'],
    ['a C0 control XML 1.0 cannot carry becomes U+FFFD', 'a\u0001b\u001f', 'a\ufffdb\ufffd'],
    ['tab, newline and return stay', 'a\tb\nc\rd', 'a\tb\nc\rd'],
    ['a lone surrogate becomes U+FFFD, a pair stays', '\ud800x\udc00 😀', '\ufffdx\ufffd 😀'],
    ['U+FFFE and U+FFFF become U+FFFD', '\ufffe\uffff', '\ufffd\ufffd'],
  ])('%s', (_, text, xml) => {
    expect(xmlText(text)).toBe(xml);
  });
});

const der = (n: number) => new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 7 + n) & 0xff));

describe.skipIf(NO_PLISTLIB)('plistXml and rootsProfile, read by plistlib', () => {
  it('plistlib refuses text written without escaping (so a pass below means well-formed XML)', () => {
    expect(() => plistlibRead('<?xml version="1.0"?><plist version="1.0"><string>a<b</string></plist>')).toThrow(/plistlib refused/);
  });

  it('every kind of value round-trips, and hostile text comes back as written (or U+FFFD where XML cannot carry it)', () => {
    const value: PlistValue = { s: `<!--]]>&x;'"`, n: 42, t: true, f: false, d: der(1), a: ['x', 1, [], {}], '<k&>': 'key escaped too', ctl: 'a\u0000b' };
    expect(plistlibRead(plistXml(value))).toEqual({ s: `<!--]]>&x;'"`, n: 42, t: true, f: false, d: { data: Buffer.from(der(1)).toString('base64') }, a: ['x', 1, [], {}], '<k&>': 'key escaped too', ctl: 'a\ufffdb' });
  });

  it('a profile with a hostile subject is still well-formed and says it is a TEST CA', () => {
    const xml = rootsProfile({ world: 'w', seeded: true, roots: [{ name: 'r', subject: 'CN <&> "\' \u0007', der: der(2) }] });
    const p = plistlibRead(xml) as { PayloadDisplayName: string; PayloadDescription: string; PayloadContent: { PayloadDisplayName: string }[] };
    expect(p.PayloadContent[0]!.PayloadDisplayName).toBe('CN <&> "\' \ufffd (pinprick TEST CA)');
    expect(p.PayloadDisplayName).toMatch(/TEST CA/);
    expect(p.PayloadDescription).toMatch(/SEEDED/);
  });

  it('the same roots give the same file; other roots give other UUIDs under the same PayloadIdentifier', () => {
    const roots = [{ name: 'a', subject: 'A', der: der(3) }, { name: 'b', subject: 'B', der: der(4) }];
    const read = (rs: typeof roots) => plistlibRead(rootsProfile({ world: 'w', seeded: false, roots: rs })) as { PayloadIdentifier: string; PayloadUUID: string; PayloadContent: { PayloadIdentifier: string; PayloadUUID: string }[] };
    expect(rootsProfile({ world: 'w', seeded: false, roots })).toBe(rootsProfile({ world: 'w', seeded: false, roots }));
    const before = read(roots);
    const after = read([roots[0]!, { name: 'b', subject: 'B', der: der(5) }]);
    expect(after.PayloadIdentifier).toBe(before.PayloadIdentifier);
    expect(after.PayloadIdentifier).toBe(profileIdentifier('w'));
    expect(after.PayloadUUID).not.toBe(before.PayloadUUID);
    // The unchanged root keeps its payload UUID, the new one gets its own.
    expect(after.PayloadContent[0]!.PayloadUUID).toBe(before.PayloadContent[0]!.PayloadUUID);
    expect(after.PayloadContent[1]!.PayloadUUID).not.toBe(before.PayloadContent[1]!.PayloadUUID);
    expect(after.PayloadContent.map((c) => c.PayloadIdentifier)).toEqual(['test.pinprick.w.roots.a', 'test.pinprick.w.roots.b']);
  });
});
