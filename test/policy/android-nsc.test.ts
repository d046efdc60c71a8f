/**
 * Android Network Security Config as a specification: what a file as apps ship it pins (the
 * platform's XmlConfigSource and ApplicationConfig semantics), what lint is told about it, what
 * refuses it (file:line:col), what pinprick writes, and that a real chain meets the policy read.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { evaluate, type PinPolicy, type ReasonCode } from '../../src/model/index.js';
import { isBackupPin } from '../../src/model/policy.js';
import { androidNsc, TRUSTKIT_DEFAULT_REPORT_URI } from '../../src/policy/formats/android-nsc.js';
import { PolicyFileError, type PolicyNote } from '../../src/policy/format.js';
import { detectFormat, readPolicy } from '../../src/policy/registry.js';
import { ders, NOW, TestPki, type TestCert } from '../helpers/pki.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'android-nsc');
const fixture = (name: string) => readFileSync(join(DIR, name), 'utf8');
const readFixture = (name: string) => androidNsc.read(name, fixture(name));
/** A Network Security Config around `body`. */
const nsc = (body: string) => `<?xml version="1.0" encoding="utf-8"?>\n<network-security-config>\n${body}\n</network-security-config>\n`;
const read = (body: string) => androidNsc.read('network_security_config.xml', nsc(body));
/** Notes as `kind line:col`, in file order. */
const noteList = (notes: PolicyNote[]) => notes.map((n) => `${n.kind} ${n.at.line}:${n.at.column}`);
/** The one-line message a reader or writer refuses with (and that it is one of ours, not a crash). */
function refusal(run: () => unknown, type: new (...args: never[]) => Error = PolicyFileError): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return (e as Error).message;
  }
  throw new Error('no error');
}

const P = {
  a: 'K0R/6I9nfXE50GxZSRkNniGxSRftrx1NjeAjCQZ7X7w=',
  b: 'Sn4lQwFnhDepCradApE2Uu+bXz60HHNMkbu8d1+uUEQ=',
  c: 'HTwNlGYRrOAbA7HHmQ9y2Hm3wsST+FLhg4sqzdp4RQo=',
  d: 'Q6MGqJg2LL4pLlTlIHpWfbtN4IQMnFl+fHbEDeuI22I=',
};
const sha = (value: string, label?: string) => ({ hash: 'sha256' as const, value, ...(label ? { label } : {}) });
const utc = (d: string) => new Date(`${d}T00:00:00Z`);

describe('android-nsc: files as apps ship them', () => {
  it('a typical app: two pinned domain-configs, backup pins labelled by the comments beside them, expirations', () => {
    const r = readFixture('typical-app.xml');
    expect(r).toMatchObject({ format: 'android-nsc', platform: 'android', notes: [] });
    expect(r.policy).toEqual({
      combine: 'most-specific',
      rules: [
        {
          domains: [{ pattern: 'api.northwindbank.com', includeSubdomains: true }],
          pins: [sha(P.a, 'Issuing CA: Northwind TLS Issuing CA G2'), sha(P.b, 'backup: offline key, CSR kept in the HSM vault')],
          enforce: true,
          expiration: utc('2027-03-31'),
        },
        {
          domains: [{ pattern: 'login.northwindbank.com' }, { pattern: 'sso.northwindbank.com' }],
          // Comments after a pin on the same line label that pin.
          pins: [sha(P.c, 'IdP intermediate'), sha(P.d, 'backup: IdP root')],
          enforce: true,
          expiration: utc('2026-11-30'),
        },
      ],
    });
    expect(r.policy.rules.map((rule) => rule.pins.map(isBackupPin))).toEqual([
      [false, true],
      [false, true],
    ]);
    expect(r.sources).toEqual([
      { at: { line: 18, column: 5 }, pins: [{ line: 22, column: 35 }, { line: 24, column: 35 }], expiration: { line: 20, column: 18 } },
      { at: { line: 29, column: 5 }, pins: [{ line: 33, column: 35 }, { line: 34, column: 35 }], expiration: { line: 32, column: 18 } },
    ]);
  });

  it("nested domain-configs inherit their parent's pin-set; one with its own replaces it; a sibling without pins carves its hosts out", () => {
    const r = readFixture('nested-inheritance.xml');
    const parentPins = [sha('1AReU5A82wIAWdg/TocbbvfE5r+avAQ/96DBiY7P6jU='), sha('fJt3pKcqcs/snn2+iSiD7fXgQBXfo6gGMjKQCRzOzCk=', 'backup pin')];
    expect(r.policy.rules).toEqual([
      { domains: [{ pattern: 'fjordmarket.no', includeSubdomains: true }], pins: parentPins, enforce: true, expiration: utc('2027-01-15') },
      { domains: [{ pattern: 'checkout.fjordmarket.no' }], pins: parentPins, enforce: true, expiration: utc('2027-01-15') },
      { domains: [{ pattern: 'pay.fjordmarket.no', includeSubdomains: true }], pins: [sha('mjFm/lnnbePpxaPh/ksbxkWKYhSy/+grRiV0Ms16RuA='), sha('S7KBS4XZY19EhDNFVkzVcfjPhU2nCMjEUe7hm1QlHDw=')], enforce: true },
      // img.fjordmarket.no is more specific than fjordmarket.no and has no pin-set: Android pins nothing there.
      { domains: [{ pattern: 'img.fjordmarket.no', includeSubdomains: true }], pins: [], enforce: false, exempt: true },
    ]);
    // The inherited pins are written in the parent: that is where lint points.
    expect(r.sources[1]).toEqual({ at: { line: 17, column: 9 }, pins: [{ line: 11, column: 35 }, { line: 13, column: 35 }], expiration: { line: 10, column: 18 } });
    // 10.0.2.2 (cleartext, unpinned) is covered by no pinned domain: nothing to carve out.
    expect(r.policy.rules.flatMap((rule) => rule.domains.map((d) => d.pattern))).not.toContain('10.0.2.2');
    expect(r.notes).toEqual([]);
  });

  it('debug-overrides and user CAs: notes for lint, the pins unchanged', () => {
    const r = readFixture('debug-overrides-user-ca.xml');
    expect(r.policy.rules).toEqual([
      { domains: [{ pattern: 'api.tidepool-fitness.io', includeSubdomains: true }], pins: [sha('IqDH3go8UdBIZnK8479X1sUMBX01X+P7MLgyXkFrelQ='), sha('QaOewmjGfVJmJxl1MBR9/roh8+YnN4IrXc3oza6HtS0=')], enforce: true, expiration: utc('2026-12-31') },
    ]);
    expect(noteList(r.notes)).toEqual([
      'user-ca 7:13', // base-config trusts user CAs
      'override-pins 15:13', // the pinned domain trusts user CAs with overridePins="true"
      'user-ca 15:13',
      'debug-overrides 23:5',
      'override-pins 25:13', // overridePins defaults to true inside debug-overrides
      'override-pins 26:13',
    ]);
    expect(r.notes[1]!.detail).toMatch(/any user-installed CA .* skip the pin check/);
    expect(r.notes[4]!.detail).toMatch(/^in debuggable builds \(overridePins defaults to true in debug-overrides\)/);
  });

  it('TrustKit-Android: enforcePinning="false" is report-only, the report-uri is kept, a nested config may enforce', () => {
    const r = readFixture('trustkit-report-only.xml');
    const pins = [sha('ir1zkm6p8YIwvxancFqge9bqhihGSfd2XoBPUw69L7g='), sha('2Hae+rE06ESzGSzoolrxHYb3fZedX1sE2mrYyOJqp4k=')];
    expect(r.policy.rules).toEqual([
      { domains: [{ pattern: 'orbitrides.com', includeSubdomains: true }], pins, enforce: false },
      { domains: [{ pattern: 'dispatch.orbitrides.com' }], pins, enforce: true },
    ]);
    expect(r.sources.map((s) => s.enforce)).toEqual([
      { line: 10, column: 26 },
      { line: 17, column: 30 },
    ]);
    // disableDefaultReportUri="true", inherited by the nested config: no report to Data Theorem's server.
    expect(r.reportUris).toEqual(['https://pins.orbitrides.com/v1/report']);
    expect(noteList(r.notes)).toEqual(['other 10:26']);
    expect(r.notes[0]!.detail).toMatch(/on Android 7\+ the platform still enforces the pin-set for every other connection/);
  });

  it('an expired pin-set is read with its expiration (00:00 UTC of that date)', () => {
    const r = readFixture('expired-pins.xml');
    expect(r.policy.rules[0]!.expiration).toEqual(new Date('2024-06-30T00:00:00.000Z'));
    expect(r.notes).toEqual([]);
  });

  it('a certificate fingerprint and a placeholder: the rule keeps its one usable pin, lint gets notes', () => {
    const r = readFixture('certificate-fingerprint.xml');
    expect(r.policy.rules).toEqual([{ domains: [{ pattern: 'refills.harborrx.com' }], pins: [sha(P.a)], enforce: true, expiration: utc('2027-08-01') }]);
    expect(r.sources[0]!.pins).toEqual([{ line: 11, column: 35 }]);
    expect(r.notes.map((n) => ({ kind: n.kind, at: n.at, ...(n.kind === 'malformed-pin' ? { ruleIndex: n.ruleIndex, text: n.text } : {}) }))).toEqual([
      { kind: 'malformed-pin', at: { line: 8, column: 35 }, ruleIndex: 0, text: 'DC:1B:3E:CF:50:4E:10:47:85:A1:C0:AA:59:D9:AA:FB:BD:D3:65:47:02:0C:0F:1A:CB:28:18:8B:2A:27:61:E2' },
      { kind: 'certificate-fingerprint', at: { line: 8, column: 35 } },
      { kind: 'malformed-pin', at: { line: 10, column: 35 }, ruleIndex: 0, text: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
    ]);
    expect(r.notes[2]!.detail).toMatch(/placeholder/);
  });
});

describe('android-nsc: the rules of the format, one passing and one failing example each', () => {
  const pinned = (domain: string, more = '') => `<domain-config>${domain}<pin-set><pin digest="SHA-256">${P.a}</pin><pin digest="SHA-256">${P.b}</pin></pin-set>${more}</domain-config>`;

  it.each([
    ['a pin-set in a domain-config pins its domains', pinned('<domain>a.example</domain>'), [{ domains: [{ pattern: 'a.example' }], pins: [sha(P.a), sha(P.b)], enforce: true }]],
    ['domain names are trimmed and lower-cased, as Android matches them', pinned('<domain includeSubdomains="TRUE">\n  API.Example.COM  </domain>'), [{ domains: [{ pattern: 'api.example.com', includeSubdomains: true }], pins: [sha(P.a), sha(P.b)], enforce: true }]],
    ['a domain-config without a pin-set and no pinned parent domain gives no rule', '<domain-config cleartextTrafficPermitted="true"><domain>a.example</domain></domain-config>', []],
    ['a nested domain-config without a pin-set inherits the pins', pinned('<domain includeSubdomains="true">a.example</domain>', '<domain-config><domain>b.a.example</domain></domain-config>'), [
      { domains: [{ pattern: 'a.example', includeSubdomains: true }], pins: [sha(P.a), sha(P.b)], enforce: true },
      { domains: [{ pattern: 'b.a.example' }], pins: [sha(P.a), sha(P.b)], enforce: true },
    ]],
    ['the digest name is case-insensitive (Pin.isSupportedDigestAlgorithm)', '<domain-config><domain>a.example</domain><pin-set><pin digest="sha-256">' + P.a + '</pin></pin-set></domain-config>', [{ domains: [{ pattern: 'a.example' }], pins: [sha(P.a)], enforce: true }]],
    ['TrustKit: a trustkit-config without enforcePinning does not enforce (DomainPinningPolicy default)', pinned('<domain>a.example</domain>', '<trustkit-config disableDefaultReportUri="true"/>'), [{ domains: [{ pattern: 'a.example' }], pins: [sha(P.a), sha(P.b)], enforce: false }]],
    ['TrustKit: enforcePinning is inherited by a nested domain-config', pinned('<domain includeSubdomains="true">a.example</domain>', '<trustkit-config enforcePinning="true" disableDefaultReportUri="true"/><domain-config><domain>b.a.example</domain><trustkit-config/></domain-config>'), [
      { domains: [{ pattern: 'a.example', includeSubdomains: true }], pins: [sha(P.a), sha(P.b)], enforce: true },
      { domains: [{ pattern: 'b.a.example' }], pins: [sha(P.a), sha(P.b)], enforce: true },
    ]],
    ['pins written without padding are the same 32 bytes to Android', '<domain-config><domain>a.example</domain><pin-set><pin digest="SHA-256">' + P.a.slice(0, 43) + '</pin></pin-set></domain-config>', [{ domains: [{ pattern: 'a.example' }], pins: [sha(P.a)], enforce: true }]],
    // P.a ends in 'w=': 'x' sets the two unused low bits, which android.util.Base64 drops.
    ['a non-canonical last character is the same 32 bytes to Android', '<domain-config><domain>a.example</domain><pin-set><pin digest="SHA-256">' + P.a.slice(0, 42) + 'x=</pin></pin-set></domain-config>', [{ domains: [{ pattern: 'a.example' }], pins: [sha(P.a)], enforce: true }]],
  ] as [string, string, PinPolicy['rules']][])('%s', (_what, body, rules) => {
    expect(read(body).policy.rules).toEqual(rules);
  });

  it.each([
    ['a placeholder (a run of the alphabet)', `<pin digest="SHA-256">ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopw=</pin>`, 23, /placeholder/],
    ['a placeholder (one repeated character, no padding)', `<pin digest="SHA-256">${'A'.repeat(43)}</pin>`, 23, /placeholder/],
    ['an OkHttp-style sha256/ prefix (Android decodes it as base64 too)', `<pin digest="SHA-256">sha256/${P.c}</pin>`, 23, /bare base64 digest, without 'sha256\/'/],
    ['an empty pin', `<pin digest="SHA-256">  </pin>`, 1, /empty <pin>/],
    ['a 20-byte value', `<pin digest="SHA-256">5Lw0lUo0Y1ipXj7TbR3ZCtgVBT0=</pin>`, 23, /20 bytes/],
    ['not base64', `<pin digest="SHA-256">REPLACE_WITH_BACKUP_PIN</pin>`, 23, /not the base64 of a 32-byte SHA-256/],
  ])('an unusable pin value is a malformed-pin note and the set keeps its other pins: %s', (_what, bad, column, detail) => {
    const r = read(`<domain-config><domain>a.example</domain><pin-set><pin digest="SHA-256">${P.a}</pin>\n${bad}</pin-set></domain-config>`);
    expect(r.policy.rules[0]!.pins).toEqual([sha(P.a)]);
    expect(r.notes).toMatchObject([{ kind: 'malformed-pin', at: { line: 4, column }, ruleIndex: 0 }]);
    expect(r.notes[0]!.detail).toMatch(detail);
  });

  it('a pin set whose every value is unusable is kept empty: Android refuses such a file, and an empty enforced set accepts no chain', () => {
    const r = read(`<domain-config><domain>a.example</domain><pin-set><pin digest="SHA-256">AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</pin></pin-set></domain-config>`);
    expect(r.policy.rules).toEqual([{ domains: [{ pattern: 'a.example' }], pins: [], enforce: true }]);
  });

  it.each([
    ['a wildcard domain covers nothing on Android (no wildcards: literal match)', '<domain>*.a.example</domain><domain>b.example</domain>', ['b.example'], /no wildcards in <domain>.*includeSubdomains="true">a.example</],
    ['a URL is not a host name', '<domain>https://a.example/api</domain><domain>b.example</domain>', ['b.example'], /not a host name/],
  ])('%s', (_what, domains, kept, detail) => {
    const r = read(pinned(domains));
    expect(r.policy.rules[0]!.domains.map((d) => d.pattern)).toEqual(kept);
    expect(r.notes).toMatchObject([{ kind: 'other', at: { line: 3, column: 16 } }]);
    expect(r.notes[0]!.detail).toMatch(detail);
  });

  it.each([
    ['an unknown element inside a config is ignored by Android', pinned('<domain>a.example</domain>', '<include domain="file" path="."/>'), ['other 3:205'], /Android ignores it/],
    ['user CAs in base-config', `<base-config><trust-anchors><certificates src="user"/></trust-anchors></base-config>${pinned('<domain>a.example</domain>')}`, ['user-ca 3:29'], /base-config/],
    ['user CAs in an unpinned domain-config are not a pinning matter', `<domain-config><domain>a.example</domain><trust-anchors><certificates src="user"/></trust-anchors></domain-config>`, [], /./],
    ['user CAs inherited by a pinned nested domain-config', `<domain-config><domain>a.example</domain><trust-anchors><certificates src="user"/></trust-anchors>${pinned('<domain>b.a.example</domain>')}</domain-config>`, ['user-ca 3:57'], /a pinned domain-config/],
    ['overridePins="true" on the system store', `<base-config><trust-anchors><certificates src="system" overridePins="true"/></trust-anchors></base-config>`, ['override-pins 3:29'], /every system CA skip the pin check/],
    ['overridePins="false" inside debug-overrides', `<debug-overrides><trust-anchors><certificates src="@raw/debug_ca" overridePins="false"/></trust-anchors></debug-overrides>`, ['debug-overrides 3:1'], /debuggable builds only/],
    ['cleartext on a pinned domain-config', `<domain-config cleartextTrafficPermitted="true"><domain>a.example</domain><pin-set><pin digest="SHA-256">${P.a}</pin></pin-set></domain-config>`, ['other 3:16'], /pins protect HTTPS only/],
    ['a boolean that is neither true nor false', pinned('<domain includeSubdomains="yes">a.example</domain>'), ['other 3:24'], /neither true nor false: read as not set/],
    ['TrustKit: one pin only', `<domain-config><domain>a.example</domain><pin-set><pin digest="SHA-256">${P.a}</pin></pin-set><trustkit-config enforcePinning="true" disableDefaultReportUri="true"/></domain-config>`, ['other 3:1'], /fewer than two pins/],
    ['TrustKit: the default report URI', pinned('<domain>a.example</domain>', '<trustkit-config enforcePinning="true"/>'), ['other 3:205'], new RegExp(TRUSTKIT_DEFAULT_REPORT_URI.replace(/\./g, '\\.'))],
    ['TrustKit: several domains in one domain-config', pinned('<domain>a.example</domain><domain>b.example</domain>', '<trustkit-config enforcePinning="true" disableDefaultReportUri="true"/>'), ['other 3:1'], /keeps only the last <domain> .*\(b\.example\)/],
    ['TrustKit: trustkit-config in base-config is not read', `<base-config><trustkit-config enforcePinning="false"/></base-config>`, ['other 3:14'], /only inside a <domain-config>/],
  ])('note: %s', (_what, body, notes, detail) => {
    const r = read(body);
    expect(noteList(r.notes)).toEqual(notes);
    for (const n of r.notes) expect(n.detail).toMatch(detail);
  });

  it('TrustKit reports go to the default report URI too unless it is disabled', () => {
    expect(read(pinned('<domain>a.example</domain>', '<trustkit-config enforcePinning="false"><report-uri>https://r.example/pins</report-uri></trustkit-config>')).reportUris).toEqual(['https://r.example/pins', TRUSTKIT_DEFAULT_REPORT_URI]);
    expect(read(pinned('<domain>a.example</domain>')).reportUris).toBeUndefined();
  });

  it('notes come in the order of the file', () => {
    const lines = noteList(readFixture('debug-overrides-user-ca.xml').notes).map((n) => Number(n.split(' ')[1]!.split(':')[0]));
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });
});

describe('android-nsc: what refuses a file (file:line:col, one line)', () => {
  const files = readdirSync(join(DIR, 'malformed')).sort();
  const expected: Record<string, string> = {
    'bad-expiration.xml': "5:18: invalid expiration '31/12/2026' in <pin-set>: Android expects yyyy-MM-dd, such as 2027-06-30",
    'domain-config-without-domain.xml': '3:5: <domain-config> without any <domain>: Android refuses it',
    'duplicate-domain.xml': "11:9: 'example-shop.com' is already specified at line 4: Android refuses a domain named twice",
    'empty-pin-set.xml': '5:9: <pin-set> without any <pin> (Android lint fails release builds on it; to leave hosts unpinned, give them a <domain-config> without a <pin-set>)',
    'impossible-expiration.xml': "5:18: invalid expiration '2026-02-30' in <pin-set>: Android expects yyyy-MM-dd, such as 2027-06-30",
    'misspelled-element.xml': '5:9: misspelled element <pinset> in <domain-config>: did you mean <pin-set>? Android skips elements it does not know, so it would silently not apply',
    'not-xml.xml': '10:1: not well-formed XML: disallowed character in closing tag.',
    'pin-outside-pin-set.xml': '5:9: <pin> outside a <pin-set>: Android skips it, so it would pin nothing',
    'pin-set-in-base-config.xml': '4:9: <pin-set> is not allowed in <base-config>: Android pins only in a <domain-config>',
    'pin-without-digest.xml': '6:13: <pin> without digest: Android needs digest="SHA-256"',
    'sha1-digest.xml': "7:18: unsupported pin digest 'SHA-1': Android accepts only SHA-256 (the digest of the SubjectPublicKeyInfo) and refuses the whole file otherwise",
    'two-pin-sets.xml': '8:9: only one <pin-set> per <domain-config> (the first is at line 5)',
    'unexpected-element.xml': '3:5: unexpected element <include> in <network-security-config>: only <base-config>, <domain-config> and <debug-overrides> belong here (Android lint fails release builds on it)',
    'unknown-certificates-src.xml': "5:27: unknown certificates src 'res/raw/company_root.pem': Android accepts system, user or a resource such as @raw/my_ca",
    'wrong-root.xml': '3:1: the root element is <resources>, not <network-security-config>: not an Android Network Security Config',
  };

  it('every malformed fixture has its expected message', () => {
    expect(files).toEqual(Object.keys(expected).sort());
  });

  it.each(files)('%s', (name) => {
    const file = `res/xml/${name}`;
    expect(refusal(() => androidNsc.read(file, fixture(join('malformed', name))))).toBe(`${file}:${expected[name]}`);
  });

  it.each([
    ['a second base-config', '<base-config/>\n<base-config/>', '4:1: only one <base-config> is allowed (the first is at line 3)'],
    ['a second debug-overrides', '<debug-overrides/>\n<debug-overrides/>', '4:1: only one <debug-overrides> is allowed (the first is at line 3)'],
    ['a domain in base-config', '<base-config><domain>a.example</domain></base-config>', '3:14: <domain> is not allowed in <base-config>: only a <domain-config> names domains'],
    ['a domain-config in debug-overrides', '<debug-overrides><domain-config><domain>a.example</domain></domain-config></debug-overrides>', '3:18: a nested <domain-config> is not allowed in <debug-overrides>'],
    ['two trust-anchors', '<base-config><trust-anchors/><trust-anchors/></base-config>', '3:30: only one <trust-anchors> per <base-config>'],
    ['certificates without src', '<base-config><trust-anchors><certificates/></trust-anchors></base-config>', '3:29: <certificates> without src: Android needs system, user or a resource such as @raw/my_ca'],
    ['certificateTransparency in debug-overrides', '<debug-overrides><certificateTransparency enabled="true"/></debug-overrides>', '3:18: <certificateTransparency> is not allowed in <debug-overrides>'],
    ['an element inside a pin', `<domain-config><domain>a.example</domain><pin-set><pin digest="SHA-256"><b>${P.a}</b></pin></pin-set></domain-config>`, '3:73: <pin> contains an element: it holds a base64 digest only'],
    ['an element inside a domain', '<domain-config><domain><b>a.example</b></domain></domain-config>', '3:24: <domain> contains an element: it holds a host name only'],
    ['an empty domain', '<domain-config><domain> </domain></domain-config>', '3:16: <domain> without a host name'],
    ['a misspelled top-level element', '<domian-config/>', '3:1: misspelled element <domian-config>: did you mean <domain-config>? Android skips elements it does not know, so it would silently not apply'],
    ['a misspelled pin', `<domain-config><domain>a.example</domain><pin-set><pins digest="SHA-256">${P.a}</pins></pin-set></domain-config>`, '3:51: misspelled element <pins> in <pin-set>: did you mean <pin>? Android skips elements it does not know, so it would silently not apply'],
    ['a pin directly in the root', `<pin digest="SHA-256">${P.a}</pin>`, '3:1: <pin> directly in <network-security-config>: it belongs in a <domain-config>'],
  ])('%s', (_what, body, message) => {
    expect(refusal(() => read(body))).toBe(`network_security_config.xml:${message}`);
  });

  it('an empty file and a non-XML file are one line each, never a stack trace', () => {
    expect(refusal(() => androidNsc.read('x.xml', ''))).toBe('x.xml:1:1: not well-formed XML: document must contain a root element.');
    expect(refusal(() => androidNsc.read('x.xml', '{"pins": []}'))).toBe('x.xml:1:13: not well-formed XML: text data outside of root node.');
    expect(refusal(() => androidNsc.read('x.xml', '<network-security-config>'))).toBe('x.xml:1:25: not well-formed XML: unclosed tag: network-security-config');
  });
});

describe('android-nsc: writing', () => {
  it('writes one domain-config per rule, includeSubdomains, labels as comments, the expiration date', () => {
    const text = androidNsc.write({
      rules: [
        { domains: [{ pattern: '**.example.com' }, { pattern: 'login.example.net' }], pins: [sha(P.a, 'issuing CA'), sha(P.b, 'backup-1')], enforce: true, expiration: utc('2027-01-31') },
        { domains: [{ pattern: 'cdn.example.com', includeSubdomains: true }], pins: [], enforce: false, exempt: true },
      ],
    });
    expect(text).toBe(
      [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<!-- res/xml/network_security_config.xml, written by pinprick. Reference it from AndroidManifest.xml:',
        '     <application android:networkSecurityConfig="@xml/network_security_config" ...> -->',
        '<network-security-config>',
        '    <domain-config>',
        '        <domain includeSubdomains="true">example.com</domain>',
        '        <domain>login.example.net</domain>',
        '        <pin-set expiration="2027-01-31">',
        '            <!-- issuing CA -->',
        `            <pin digest="SHA-256">${P.a}</pin>`,
        '            <!-- backup-1 -->',
        `            <pin digest="SHA-256">${P.b}</pin>`,
        '        </pin-set>',
        '    </domain-config>',
        '    <domain-config>',
        '        <domain includeSubdomains="true">cdn.example.com</domain>',
        '    </domain-config>',
        '</network-security-config>',
        '',
      ].join('\n'),
    );
  });

  it('writes report-only rules and a report URI as TrustKit-Android trustkit-config', () => {
    const text = androidNsc.write({ rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha(P.a), sha(P.b)], enforce: false }] }, { reportUri: 'https://r.example/report?app=1&v=2' });
    expect(text).toContain('<trustkit-config enforcePinning="false" disableDefaultReportUri="true">\n            <report-uri>https://r.example/report?app=1&amp;v=2</report-uri>\n        </trustkit-config>');
    expect(androidNsc.read('w.xml', text).reportUris).toEqual(['https://r.example/report?app=1&v=2']);
  });

  it('an expiration inside a day is written as that UTC date: the pins stop at or before it, never later', () => {
    const text = androidNsc.write({ rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha(P.a)], enforce: true, expiration: new Date('2027-05-10T18:30:00Z') }] });
    expect(text).toContain('<pin-set expiration="2027-05-10">');
  });

  it.each([
    ['a one-label wildcard (OkHttp *.)', { domains: [{ pattern: '*.example.com' }], pins: [sha(P.a)], enforce: true }, "cannot write '*.example.com' as a Network Security Config domain: NSC has no wildcards, and <domain includeSubdomains=\"true\">example.com</domain> would also pin example.com itself and names any number of labels below it; write '**.example.com' if that is what you mean"],
    ['a SHA-1 pin', { domains: [{ pattern: 'a.example' }], pins: [{ hash: 'sha1', value: '5Lw0lUo0Y1ipXj7TbR3ZCtgVBT0=' }], enforce: true }, 'cannot write the SHA-1 pin sha1/5Lw0lUo0Y1ipXj7TbR3ZCtgVBT0= of rule 1 (a.example): Android accepts SHA-256 pins only (pin the same key by its SHA-256: pinprick pins CERT)'],
    ['an Apple leaf-only pin', { domains: [{ pattern: 'a.example' }], pins: [{ ...sha(P.a), on: 'leaf' }], enforce: true }, `cannot write the leaf-only pin ${P.a} of rule 1 (a.example): an Android pin matches anywhere on the path, so the restriction would be lost`],
    ['a rule without pins', { domains: [{ pattern: 'a.example' }], pins: [], enforce: true }, 'cannot write rule 1 (a.example): it has no pins, and an Android pin-set needs at least one (a domain-config without a pin-set pins nothing)'],
    ['a rule without domains', { domains: [], pins: [sha(P.a)], enforce: true }, 'cannot write rule 1 (no domain): a Network Security Config domain-config needs a domain'],
    ['a bad pattern', { domains: [{ pattern: 'a*.example' }], pins: [sha(P.a)], enforce: true }, "cannot write the host pattern 'a*.example': a wildcard is allowed only as a leading '*.' or '**.' as a Network Security Config domain"],
  ] as [string, PinPolicy['rules'][number], string][])('refuses %s', (_what, rule, message) => {
    expect(refusal(() => androidNsc.write({ rules: [rule] }), InputError)).toBe(message);
  });

  it('refuses a domain in two rules, and OkHttp policies whose patterns overlap (combine: all adds pins up; Android takes one config)', () => {
    const rule = (pattern: string, pin: string) => ({ domains: [{ pattern }], pins: [sha(pin)], enforce: true });
    expect(refusal(() => androidNsc.write({ rules: [rule('A.example', P.a), rule('a.example', P.b)] }), InputError)).toBe("cannot write 'a.example' in rules 1 and 2: Android refuses a domain named twice");
    expect(refusal(() => androidNsc.write({ combine: 'all', rules: [rule('**.example.com', P.a), rule('api.example.com', P.b)] }), InputError)).toBe(
      'cannot write rules 1 and 2 together: both cover api.example.com, where this policy adds up their pins (combine: all, as OkHttp) but Android applies only the most specific domain-config',
    );
    expect(androidNsc.write({ combine: 'all', rules: [rule('**.example.com', P.a), rule('api.example.net', P.b)] })).toContain('example.net');
  });

  it('a label that cannot sit in an XML comment as it is is still written as a comment', () => {
    const text = androidNsc.write({ rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha(P.a, 'old -- do not use -')], enforce: true }] });
    expect(androidNsc.read('w.xml', text).policy.rules[0]!.pins[0]!.label).toBe('old - - do not use -');
  });
});

describe('android-nsc: read(write(x)) gives x back', () => {
  const good = readdirSync(DIR).filter((f) => f.endsWith('.xml'));

  it.each(good)('%s: the policy read, written and read again', (name) => {
    const r = readFixture(name);
    const again = androidNsc.read('written.xml', androidNsc.write(r.policy, r.reportUris?.[0] ? { reportUri: r.reportUris[0] } : {}));
    expect(again.policy).toEqual(r.policy);
  });

  it.each([
    ['**.x is example.com with includeSubdomains; names lower-cased', { rules: [{ domains: [{ pattern: '**.Example.com' }], pins: [sha(P.a)], enforce: true }] }, { combine: 'most-specific', rules: [{ domains: [{ pattern: 'example.com', includeSubdomains: true }], pins: [sha(P.a)], enforce: true }] }],
    ['report-only', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha(P.a), sha(P.b)], enforce: false }] }, { combine: 'most-specific', rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha(P.a), sha(P.b)], enforce: false }] }],
    [
      'a carve-out and its parent',
      { rules: [{ domains: [{ pattern: 'example.com', includeSubdomains: true }], pins: [sha(P.a, 'backup key')], enforce: true, expiration: utc('2030-01-01') }, { domains: [{ pattern: 'img.example.com' }], pins: [], enforce: false, exempt: true }] },
      { combine: 'most-specific', rules: [{ domains: [{ pattern: 'example.com', includeSubdomains: true }], pins: [sha(P.a, 'backup key')], enforce: true, expiration: utc('2030-01-01') }, { domains: [{ pattern: 'img.example.com' }], pins: [], enforce: false, exempt: true }] },
    ],
  ] as [string, PinPolicy, PinPolicy][])('%s', (_what, policy, normalised) => {
    expect(androidNsc.read('w.xml', androidNsc.write(policy)).policy).toEqual(normalised);
  });
});

/** Python's expat: an XML parser that is not ours. */
const NO_PYTHON = !existsSync('/usr/bin/python3') && !process.env.CI;
if (NO_PYTHON) process.stderr.write('skipping the expat check of written configs: python3 not found (Debian package python3)\n');

describe.skipIf(NO_PYTHON)('android-nsc: what we write is XML to another parser', () => {
  it("Python's expat reads back the domains and pins of every fixture written again", () => {
    const script = [
      'import sys, json, xml.dom.minidom as m',
      "t = lambda e: ''.join(n.data for n in e.childNodes if n.nodeType == n.TEXT_NODE)",
      "rules = lambda d: [[[t(x) for x in c.getElementsByTagName('domain')], [t(p) for p in c.getElementsByTagName('pin')]] for c in d.getElementsByTagName('domain-config')]",
      'print(json.dumps([rules(m.parseString(x)) for x in json.load(sys.stdin)]))',
    ].join('\n');
    const policies = readdirSync(DIR)
      .filter((f) => f.endsWith('.xml'))
      .map((name) => readFixture(name).policy);
    const out = execFileSync('python3', ['-c', script], { input: JSON.stringify(policies.map((p) => androidNsc.write(p))), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(policies.map((policy) => policy.rules.map((r) => [r.domains.map((d) => d.pattern), r.pins.map((p) => p.value)])));
  });
});

describe('android-nsc: detection', () => {
  it.each([
    ['res/xml/network_security_config.xml', fixture('typical-app.xml'), 1],
    ['app/src/main/res/xml/netsec.xml', fixture('nested-inheritance.xml'), 1],
    ['x.xml', '\uFEFF<!-- c --><?pi x?>\n<network-security-config/>', 1],
    ['res/xml/network_security_config.xml', 'this is not XML', 0.5],
    ['res/xml/network_security_config_debug.xml', '', 0.5],
    ['res/xml/network_security_config.xml', '<resources/>', 0],
    ['Info.plist', '<?xml version="1.0"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0"><dict/></plist>', 0],
    ['pins.json', '{"api.example.com": []}', 0],
  ])('%s: %s', (file, text, score) => {
    expect(androidNsc.detect(file, text)).toBe(score);
  });

  it('the registry finds the format and reads the file', () => {
    expect(detectFormat('network_security_config.xml', fixture('typical-app.xml'))).toBe('android-nsc');
    expect(readPolicy('some.xml', fixture('expired-pins.xml')).format).toBe('android-nsc');
    expect(() => readPolicy('network_security_config.xml', '<network-security-config>')).toThrow(PolicyFileError);
  });
});

describe('android-nsc: a real chain meets the policy read from a fixture (the model)', () => {
  const pki = new TestPki();
  const w = {} as { root: TestCert; int: TestCert; backupInt: TestCert; leaf: TestCert; rogueRoot: TestCert; rogueInt: TestCert; rogueLeaf: TestCert };
  const HOSTS = ['api.northwindbank.com', 'v2.api.northwindbank.com', 'login.northwindbank.com', 'www.northwindbank.com', 'sync.pocketledger.io', 'fjordmarket.no', 'checkout.fjordmarket.no', 'cdn1.img.fjordmarket.no', 'dispatch.orbitrides.com', 'orbitrides.com'];
  beforeAll(async () => {
    w.root = await pki.root('CN=Northwind Test Root');
    w.int = await pki.intermediate('CN=Northwind TLS Issuing CA G2', w.root);
    w.backupInt = await pki.intermediate('CN=Northwind TLS Issuing CA G3', w.root);
    w.leaf = await pki.leaf(HOSTS, w.int);
    w.rogueRoot = await pki.root('CN=Rogue Root (trusted by the device)');
    w.rogueInt = await pki.intermediate('CN=Rogue Intermediate', w.rogueRoot);
    w.rogueLeaf = await pki.leaf(HOSTS, w.rogueInt);
  });

  /** A fixture with its first two pins replaced by the test PKI's issuing CA and backup CA. */
  function policyOf(name: string): PinPolicy {
    const text = fixture(name);
    const [first, second] = [...text.matchAll(/<pin digest="SHA-256">([^<]+)<\/pin>/g)].map((m) => m[1]!);
    return androidNsc.read(name, text.replaceAll(first!, w.int.pin).replaceAll(second!, w.backupInt.pin)).policy;
  }
  const verdict = (policy: PinPolicy, host: string, chain: 'genuine' | 'rogue'): ReasonCode =>
    evaluate({ presented: ders(...(chain === 'genuine' ? [w.leaf, w.int] : [w.rogueLeaf, w.rogueInt])), anchors: ders(w.root, w.rogueRoot), host, at: NOW, policy }).code;

  it.each([
    ['typical-app.xml', 'api.northwindbank.com', 'genuine', 'ok'],
    ['typical-app.xml', 'api.northwindbank.com', 'rogue', 'pin-mismatch'],
    ['typical-app.xml', 'v2.api.northwindbank.com', 'rogue', 'pin-mismatch'], // includeSubdomains
    ['typical-app.xml', 'www.northwindbank.com', 'rogue', 'ok-unpinned-host'], // not in the config
    ['typical-app.xml', 'login.northwindbank.com', 'genuine', 'pin-mismatch'], // its own pins, not ours
    ['expired-pins.xml', 'sync.pocketledger.io', 'rogue', 'ok-pins-expired'], // expired 2024-06-30, now is 2026-03-01
    ['nested-inheritance.xml', 'checkout.fjordmarket.no', 'rogue', 'pin-mismatch'], // inherited pins
    ['nested-inheritance.xml', 'checkout.fjordmarket.no', 'genuine', 'ok'],
    ['nested-inheritance.xml', 'cdn1.img.fjordmarket.no', 'rogue', 'ok-unpinned-host'], // carved out
    ['trustkit-report-only.xml', 'orbitrides.com', 'rogue', 'ok-report-only'],
    ['trustkit-report-only.xml', 'dispatch.orbitrides.com', 'rogue', 'pin-mismatch'],
  ] as [string, string, 'genuine' | 'rogue', ReasonCode][])('%s: %s with the %s chain is %s', (name, host, chain, code) => {
    expect(verdict(policyOf(name), host, chain)).toBe(code);
  });

  it('the server rotated to the backup CA: the backup pin (labelled by its comment) carries it', () => {
    const policy = policyOf('typical-app.xml');
    return pki.leaf('api.northwindbank.com', w.backupInt).then((leaf) => {
      const v = evaluate({ presented: ders(leaf, w.backupInt), anchors: ders(w.root), host: 'api.northwindbank.com', at: NOW, policy });
      expect(v.code).toBe('ok-backup-pin');
    });
  });

  it('the pin-set ends at 00:00 UTC of its expiration date (Android: the start of that day on the device)', async () => {
    // Certificates valid around the expiration date, issued by a PKI of that time.
    const then = new TestPki(new Date('2024-06-29T12:00:00Z'));
    const root = await then.root('CN=Rogue Root 2024');
    const int = await then.intermediate('CN=Rogue Intermediate 2024', root);
    const leaf = await then.leaf('sync.pocketledger.io', int);
    const policy = policyOf('expired-pins.xml');
    const at = (iso: string) => evaluate({ presented: ders(leaf, int), anchors: ders(root), host: 'sync.pocketledger.io', at: new Date(iso), policy }).code;
    expect(at('2024-06-29T23:59:59Z')).toBe('pin-mismatch');
    expect(at('2024-06-30T00:00:00Z')).toBe('ok-pins-expired');
  });
});
