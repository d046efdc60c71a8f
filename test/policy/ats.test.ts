/**
 * Apple App Transport Security identity pinning (NSAppTransportSecurity > NSPinnedDomains) as apps
 * ship it in their Info.plist. Apple's NSPinnedDomains, NSPinnedCAIdentities,
 * NSPinnedLeafIdentities and NSIncludesSubdomains pages are the specification: CA identities match
 * CA certificates only, leaf identities the leaf only, both kinds must match when both are listed,
 * and NSIncludesSubdomains reaches one label down.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type PinPolicy, type PinRule } from '../../src/model/index.js';
import { PolicyFileError, type ReadPolicy } from '../../src/policy/format.js';
import { atsFormat } from '../../src/policy/formats/ats.js';
import { detectFormat } from '../../src/policy/registry.js';
import { generateKey } from '../../src/world/keys.js';
import { ders, TestPki, type TestCert } from '../helpers/pki.js';
import { NO_PLISTLIB, plistlibRead } from '../helpers/plist.js';

if (NO_PLISTLIB) console.warn('test/policy/ats.test.ts: python3 not installed, the plistlib checks are skipped (Debian: apt-get install python3)');

const FIXTURES = new URL('./fixtures/ats/', import.meta.url).pathname;
const fixture = (name: string) => readFileSync(`${FIXTURES}${name}`, 'utf8');
const read = (name: string) => atsFormat.read(name, fixture(name));
const notes = (r: ReadPolicy) => r.notes.map((n) => `${n.at.line}:${n.at.column} ${n.detail}`);
const CA1 = 'ohmc6KBDIyfT8V0afEO0VpBVm0K6A4tumnE6iaSVrP0=';
const LEAF1 = '7NHu0wEZeMAe3ae53dZOmmD8bs/9GLSIZZIXvYdD5f8=';
const pin = (value: string, on: 'ca' | 'leaf', label?: string) => ({ hash: 'sha256' as const, value, on, ...(label ? { label } : {}) });

/** A plist with NSPinnedDomains around `domains` (dict body). */
const plist = (domains: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n<key>NSAppTransportSecurity</key>\n<dict>\n<key>NSPinnedDomains</key>\n<dict>\n${domains}</dict>\n</dict>\n</dict>\n</plist>\n`;
const identity = (v: string) => `<dict><key>SPKI-SHA256-BASE64</key><string>${v}</string></dict>`;

describe('reading the fixtures', () => {
  it('Info.plist: CA identities with NSIncludesSubdomains (one label down), CA and leaf identities together, leaf identities alone', () => {
    const r = read('Info.plist');
    expect(r).toMatchObject({ format: 'ats', platform: 'apple', policy: { combine: 'most-specific' } });
    expect(r.policy.rules).toEqual([
      { domains: [{ pattern: 'harborpay.io' }, { pattern: '*.harborpay.io' }], pins: [pin(CA1, 'ca', 'Harbor Issuing CA 2'), pin('ZTaQrfiH5M0G3yZERcF+89HoU7GSZsHJSUMOU1QdrkI=', 'ca', 'backup CA (escrow)')], enforce: true },
      { domains: [{ pattern: 'api.harborpay.io' }], pins: [pin(CA1, 'ca'), pin(LEAF1, 'leaf', 'api leaf, current'), pin('DgFXgE0H8Iqc8xQYYOn0G1pYW4YPpZOKsrw7g9mVhPI=', 'leaf', 'api leaf, next')], enforce: true },
      { domains: [{ pattern: 'checkout.harborpay.io' }], pins: [pin('wvEalXztPq6+b/tE7Fe2hVIe1acuYscxKprF/0qIn8g=', 'leaf'), pin('zOWWA5LcsHB2S8pw0G49Q5F/e2LkOAy48dkHrIMQFvQ=', 'leaf')], enforce: true },
    ]);
    expect(r.sources.map((s) => [s.at, s.pins])).toEqual([
      [{ line: 28, column: 4 }, [{ line: 36, column: 7 }, { line: 40, column: 7 }]],
      [{ line: 45, column: 4 }, [{ line: 51, column: 7 }, { line: 58, column: 7 }, { line: 62, column: 7 }]],
      [{ line: 66, column: 4 }, [{ line: 72, column: 7 }, { line: 76, column: 7 }]],
    ]);
    expect(r.notes).toEqual([]);
    expect(r.reportUris).toBeUndefined();
  });

  it('placeholder-Info.plist: the placeholder is a malformed-pin note, the misspelt NSIncludeSubdomains is named, an empty identity list is a set nothing matches', () => {
    const r = read('placeholder-Info.plist');
    expect(r.policy.rules).toEqual([
      { domains: [{ pattern: 'api.cobaltride.io' }], pins: [pin('9UZ5dQmGxiJ7Mqu7YiJZ80/6Xg6oi0naLqgaZdwaaQ0=', 'leaf')], enforce: true },
      { domains: [{ pattern: 'maps.cobaltride.io' }], pins: [], enforce: true },
    ]);
    expect(r.notes.filter((n) => n.kind === 'malformed-pin')).toEqual([
      { kind: 'malformed-pin', at: { line: 24, column: 7 }, detail: "leaf identity of api.cobaltride.io: not the base64 of a 32-byte SHA-256 digest (44 characters ending in '=')", text: 'YOUR_BACKUP_SPKI_HASH_HERE', ruleIndex: 0 },
    ]);
    expect(notes(r).filter((n) => !n.includes('32-byte'))).toEqual([
      '13:5 unknown key NSIncludeSubdomains in the entry of api.cobaltride.io (did you mean NSIncludesSubdomains?): ATS ignores it',
      '28:4 maps.cobaltride.io lists no identity: Apple requires at least one in NSPinnedCAIdentities or NSPinnedLeafIdentities; pinprick reads it as a pin set nothing matches (every connection to maps.cobaltride.io fails), since Apple does not document what ATS does with it',
    ]);
  });

  it('both-Info.plist: reads its NSPinnedDomains and says how to read the TrustKit part', () => {
    const r = read('both-Info.plist');
    expect(r.policy.rules).toEqual([{ domains: [{ pattern: 'larkspurbank.com' }, { pattern: '*.larkspurbank.com' }], pins: [pin('nTj7Zc8Kv9d3y+UZEHVDaUPCGdVPiTB9c10rdMq/NLI=', 'ca')], enforce: true }]);
    expect(notes(r)).toEqual(['25:2 this Info.plist also configures TrustKit (TSKConfiguration), which checks its own pins where the app wires it in: read it with --format trustkit']);
  });
});

describe('what ATS makes of each key', () => {
  it.each([
    ['NSIncludesSubdomains on an IP address has no effect', `<key>192.0.2.7</key><dict><key>NSIncludesSubdomains</key><true/><key>NSPinnedLeafIdentities</key><array>${identity(LEAF1)}</array></dict>`, [{ pattern: '192.0.2.7' }]],
    ['NSIncludesSubdomains NO', `<key>a.example.com</key><dict><key>NSIncludesSubdomains</key><false/><key>NSPinnedCAIdentities</key><array>${identity(CA1)}</array></dict>`, [{ pattern: 'a.example.com' }]],
  ])('%s', (_what, domains, expected) => {
    expect(atsFormat.read('Info.plist', plist(domains)).policy.rules[0]!.domains).toEqual(expected);
  });

  it.each([
    ['a wildcard key pins nothing', `<key>*.example.com</key><dict><key>NSPinnedCAIdentities</key><array>${identity(CA1)}</array></dict>`, "8:1 '*.example.com': ATS has no wildcards (a '*' matches no host name, so this entry pins nothing); pin the parent name with NSIncludesSubdomains"],
    ['an upper-case domain', `<key>API.example.com</key><dict><key>NSPinnedCAIdentities</key><array>${identity(CA1)}</array></dict>`, "8:1 'API.example.com': Apple asks for domain names in lowercase (NSExceptionDomains rules, which NSPinnedDomains follows)"],
    ['an identity with another key', `<key>a.example.com</key><dict><key>NSPinnedCAIdentities</key><array><dict><key>SPKI-SHA256-BASE64</key><string>${CA1}</string><key>Comment</key><string>x</string></dict></array></dict>`, '8:165 unknown key Comment in an identity of a.example.com (an identity holds SPKI-SHA256-BASE64 only): ATS ignores it'],
    ['an entry with neither key', '<key>a.example.com</key><dict/>', '8:1 a.example.com lists no identity: Apple requires at least one in NSPinnedCAIdentities or NSPinnedLeafIdentities; pinprick reads it as a pin set nothing matches (every connection to a.example.com fails), since Apple does not document what ATS does with it'],
  ])('%s: a note', (_what, domains, note) => {
    expect(notes(atsFormat.read('Info.plist', plist(domains)))).toContain(note);
  });

  it('an identity without its digest, and a wrapped digest, are malformed-pin notes', () => {
    const r = atsFormat.read('Info.plist', plist(`<key>a.example.com</key><dict><key>NSPinnedLeafIdentities</key><array><dict/>${identity(`sha256/${LEAF1}`)}${identity(LEAF1)}</array></dict>`));
    expect(r.policy.rules[0]!.pins).toEqual([pin(LEAF1, 'leaf')]);
    expect(r.notes.map((n) => n.kind === 'malformed-pin' && [n.detail, n.text])).toEqual([
      ['an identity of a.example.com without SPKI-SHA256-BASE64', ''],
      ["leaf identity of a.example.com: ATS decodes the text as written and takes the bare base64 value, without 'sha256/'", `sha256/${LEAF1}`],
    ]);
  });
});

describe('files ATS pins cannot be read from: one line, file:line:col', () => {
  it.each([
    ['identity-not-dict-Info.plist', 'identity-not-dict-Info.plist:13:6: an item of NSPinnedLeafIdentities must be <dict>, not <string>'],
    ['unclosed-Info.plist', 'unclosed-Info.plist:4:1: <dict> is never closed'],
  ])('%s', (name, message) => {
    expect(() => read(name)).toThrow(PolicyFileError);
    expect(() => read(name)).toThrow(message);
  });

  it.each([
    ['no NSAppTransportSecurity', '<plist>\n<dict><key>CFBundleName</key><string>x</string></dict></plist>', 'Info.plist:2:1: no NSAppTransportSecurity in this property list (identity pinning is NSAppTransportSecurity > NSPinnedDomains)'],
    ['no NSPinnedDomains', '<plist><dict>\n<key>NSAppTransportSecurity</key><dict><key>NSAllowsArbitraryLoads</key><false/></dict></dict></plist>', 'Info.plist:2:1: no NSPinnedDomains in NSAppTransportSecurity'],
    ['NSPinnedDomains as an array', '<plist><dict><key>NSAppTransportSecurity</key><dict><key>NSPinnedDomains</key>\n<array/></dict></dict></plist>', 'Info.plist:2:1: NSPinnedDomains must be <dict>, not <array>'],
    ['NSIncludesSubdomains as a string', plist('<key>a.example.com</key><dict><key>NSIncludesSubdomains</key><string>YES</string></dict>'), 'Info.plist:8:62: NSIncludesSubdomains must be <true/> or <false/>, not <string>'],
    ['an identity list that is a dict', plist('<key>a.example.com</key><dict><key>NSPinnedCAIdentities</key><dict/></dict>'), 'Info.plist:8:62: NSPinnedCAIdentities must be <array>, not <dict>'],
    ['a digest that is data', plist('<key>a.example.com</key><dict><key>NSPinnedCAIdentities</key><array><dict><key>SPKI-SHA256-BASE64</key><data>AAAA</data></dict></array></dict>'), 'Info.plist:8:104: SPKI-SHA256-BASE64 must be <string>, not <data>'],
  ])('%s', (_what, text, message) => {
    expect(() => atsFormat.read('Info.plist', text)).toThrow(PolicyFileError);
    expect(() => atsFormat.read('Info.plist', text)).toThrow(message);
  });
});

describe('detect', () => {
  it.each([
    ['Info.plist', fixture('Info.plist'), 'ats'],
    ['Info.plist', fixture('both-Info.plist'), 'ats'],
    ['Pinning.swift', '// see NSPinnedDomains in Info.plist\n<key>NSPinnedDomains</key>', undefined],
    ['Info.plist', '<plist><dict><key>NSAppTransportSecurity</key><dict><key>NSAllowsArbitraryLoads</key><true/></dict></dict></plist>', undefined],
  ])('%s -> %s', (file, text, format) => {
    expect(detectFormat(file, text)).toBe(format);
  });
});

describe('write', () => {
  const policy: PinPolicy = {
    rules: [
      { domains: [{ pattern: 'example.com' }, { pattern: '*.example.com' }], pins: [pin(CA1, 'ca', 'issuing CA')], enforce: true },
      { domains: [{ pattern: 'api.example.com' }, { pattern: '192.0.2.7' }], pins: [pin(CA1, 'ca'), pin(LEAF1, 'leaf')], enforce: true },
      { domains: [{ pattern: 'empty.example.com' }], pins: [], enforce: true },
    ],
  };

  it.skipIf(NO_PLISTLIB)('writes NSPinnedDomains that plistlib reads as Apple documents it', () => {
    expect(plistlibRead(atsFormat.write(policy))).toEqual({
      NSAppTransportSecurity: {
        NSPinnedDomains: {
          'example.com': { NSIncludesSubdomains: true, NSPinnedCAIdentities: [{ 'SPKI-SHA256-BASE64': CA1 }] },
          'api.example.com': { NSPinnedCAIdentities: [{ 'SPKI-SHA256-BASE64': CA1 }], NSPinnedLeafIdentities: [{ 'SPKI-SHA256-BASE64': LEAF1 }] },
          '192.0.2.7': { NSPinnedCAIdentities: [{ 'SPKI-SHA256-BASE64': CA1 }], NSPinnedLeafIdentities: [{ 'SPKI-SHA256-BASE64': LEAF1 }] },
          'empty.example.com': {},
        },
      },
    });
  });

  /** The same after a round trip: no labels (plists written without comments), one exact name a rule. */
  const normalised = (p: PinPolicy) =>
    p.rules.flatMap((r) => r.domains.filter((d) => !d.pattern.startsWith('*.')).map((d) => ({ ...r, domains: r.domains.filter((x) => x.pattern === d.pattern || x.pattern === `*.${d.pattern}`), pins: r.pins.map(({ label: _l, ...x }) => x) })));
  const cases: [string, () => PinPolicy][] = [['a model policy', () => policy], ...['Info.plist', 'placeholder-Info.plist', 'both-Info.plist'].map((f): [string, () => PinPolicy] => [f, () => read(f).policy])];
  it.each(cases)('read(write(x)) gives x back: %s', (_what, make) => {
    const x = make();
    expect(normalised(atsFormat.read('Info.plist', atsFormat.write(x)).policy)).toEqual(normalised(x));
  });

  it.each([
    ['a pin without on', { domains: [{ pattern: 'a.example.com' }], pins: [{ hash: 'sha256', value: CA1 }], enforce: true }, `ATS pins either a CA (NSPinnedCAIdentities) or the leaf (NSPinnedLeafIdentities); say which for ${CA1} (a pin with \`on: ca\` or \`on: leaf\`)`],
    ['a SHA-1 pin', { domains: [{ pattern: 'a.example.com' }], pins: [{ hash: 'sha1', value: 'm9DXzFbGW3q7+kkNg1rwb3FzaKk=', on: 'ca' }], enforce: true }, 'ATS takes SHA-256 SPKI digests only; the SHA-1 pin m9DXzFbGW3q7+kkNg1rwb3FzaKk= cannot be written'],
    ['report-only', { domains: [{ pattern: 'a.example.com' }], pins: [pin(CA1, 'ca')], enforce: false }, 'ATS pins are always enforced: a report-only rule cannot be written'],
    ['an expiration', { domains: [{ pattern: 'a.example.com' }], pins: [pin(CA1, 'ca')], enforce: true, expiration: new Date('2027-01-01T00:00:00Z') }, 'ATS pins do not expire: a rule with an expiration cannot be written'],
    ['an exclusion', { domains: [{ pattern: 'a.example.com' }], pins: [], enforce: false, exempt: true }, "ATS has no exclusion from a parent's NSIncludesSubdomains (a.example.com)"],
    ['any depth of subdomains', { domains: [{ pattern: '**.example.com' }], pins: [pin(CA1, 'ca')], enforce: true }, "'**.example.com' cannot be written for ATS: NSIncludesSubdomains covers names one label below a domain only (NSIncludesSubdomains); write the domain and '*.domain' for that"],
    ['includeSubdomains (any depth)', { domains: [{ pattern: 'example.com', includeSubdomains: true }], pins: [pin(CA1, 'ca')], enforce: true }, "'example.com' with all its subdomains cannot be written for ATS: NSIncludesSubdomains covers names one label below a domain only (NSIncludesSubdomains); write the domain and '*.domain' for that"],
    ['*.x without x', { domains: [{ pattern: '*.example.com' }], pins: [pin(CA1, 'ca')], enforce: true }, "'*.example.com' cannot be written for ATS without 'example.com': NSIncludesSubdomains also pins the domain itself"],
  ] as [string, PinRule, string][])('refuses %s', (_what, rule, message) => {
    expect(() => atsFormat.write({ rules: [rule] })).toThrow(message);
  });
});

describe('the read policy in the model: CA and leaf identities against real chains (Info.plist)', () => {
  const pki = new TestPki();
  const c = {} as Record<'root' | 'int' | 'leaf' | 'otherInt' | 'leafViaOther' | 'newLeaf' | 'caKeyLeaf', TestCert>;
  const hosts = ['api.harborpay.io', 'www.harborpay.io', 'eu.pay.harborpay.io', 'harborpay.io'];
  beforeAll(async () => {
    // The keys Info.plist pins (fixtures are written with seeded keys).
    const seeded = (name: string) => generateKey('ec-p256', { seed: 'pinprick-apple-fixtures', name });
    const caKey = await seeded('harborpay-issuing-ca');
    const leafKey = await seeded('harborpay-api-leaf');
    c.root = await pki.root('CN=Harbor Test Root');
    c.int = await pki.intermediate('CN=Harbor Issuing CA 2', c.root, { subjectKey: caKey });
    c.leaf = await pki.leaf(hosts, c.int, { subjectKey: leafKey });
    c.newLeaf = await pki.leaf(hosts, c.int);
    c.otherInt = await pki.intermediate('CN=Other Issuing CA', c.root);
    c.leafViaOther = await pki.leaf(hosts, c.otherInt, { subjectKey: leafKey });
    // A leaf that carries the CA identity's key: a CA identity never matches a leaf.
    c.caKeyLeaf = await pki.leaf(hosts, c.otherInt, { subjectKey: caKey });
  });
  const policy = () => read('Info.plist').policy;
  it.each([
    ['api.harborpay.io', 'the pinned leaf under the pinned CA: both kinds match', ['leaf', 'int'], 'ok'],
    ['api.harborpay.io', 'a new leaf key under the pinned CA: the leaf identity is missing', ['newLeaf', 'int'], 'pin-mismatch'],
    ['api.harborpay.io', 'the pinned leaf under another CA: the CA identity is missing', ['leafViaOther', 'otherInt'], 'pin-mismatch'],
    ['www.harborpay.io', 'one label below harborpay.io: its CA identities apply', ['newLeaf', 'int'], 'ok'],
    ['www.harborpay.io', "a leaf with the CA identity's key: CA identities match CA certificates only", ['caKeyLeaf', 'otherInt'], 'pin-mismatch'],
    ['eu.pay.harborpay.io', 'two labels below: NSIncludesSubdomains does not reach it, so it is not pinned', ['caKeyLeaf', 'otherInt'], 'ok-unpinned-host'],
  ] as const)('%s, %s: %s', (host, _what, chain, code) => {
    const v = evaluate({ presented: ders(...chain.map((k) => c[k])), anchors: ders(c.root), host, at: pki.now, policy: policy(), platform: 'apple' });
    expect(v.code).toBe(code);
  });
});
