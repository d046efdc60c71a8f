/**
 * TrustKit (iOS, macOS) as apps ship it: TSKConfiguration in an Info.plist, or the configuration
 * dictionary in Swift or Objective-C with pin constants defined in the same file. What TrustKit
 * does with each key (parse_configuration.m, configuration_utils.m) is the specification; the
 * written plist is read back by plistlib and by the reader; a real chain is evaluated against a
 * read policy.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { profileJson } from '../../src/harness/run.js';
import { evaluate, type PinPolicy, type PinRule } from '../../src/model/index.js';
import { PolicyFileError, type PolicyNote, type ReadPolicy } from '../../src/policy/format.js';
import { trustkitFormat } from '../../src/policy/formats/trustkit.js';
import { detectFormat } from '../../src/policy/registry.js';
import { generateKey } from '../../src/world/keys.js';
import { ders, NOW, TestPki, type TestCert } from '../helpers/pki.js';
import { NO_PLISTLIB, plistlibRead } from '../helpers/plist.js';

if (NO_PLISTLIB) console.warn('test/policy/trustkit.test.ts: python3 not installed, the plistlib checks are skipped (Debian: apt-get install python3)');

const FIXTURES = new URL('./fixtures/trustkit/', import.meta.url).pathname;
const fixture = (name: string) => readFileSync(`${FIXTURES}${name}`, 'utf8');
const read = (name: string) => trustkitFormat.read(name, fixture(name));
const day = (d: string) => new Date(`${d}T00:00:00Z`);
const sha = (value: string, label?: string) => ({ hash: 'sha256' as const, value, ...(label ? { label } : {}) });
const notes = (r: ReadPolicy, kind?: PolicyNote['kind']) => r.notes.filter((n) => !kind || n.kind === kind).map((n) => `${n.at.line}:${n.at.column} ${n.detail}`);

/** What a TrustKit read is the same after: no labels (the plist writer has no comments), `**.x` as x with subdomains, one domain a rule. */
function normalised(policy: PinPolicy): PinRule[] {
  return policy.rules.flatMap((r) =>
    r.domains.map((d) => ({
      ...r,
      domains: [d.pattern.startsWith('**.') ? { pattern: d.pattern.slice(3), includeSubdomains: true } : { pattern: d.pattern, ...(d.includeSubdomains ? { includeSubdomains: true } : {}) }],
      pins: r.pins.map(({ label: _label, ...p }) => p),
    })),
  );
}

/** A TSKConfiguration plist around `domains` (dict body). */
const plist = (domains: string, more = '', root = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n${root}<key>TSKConfiguration</key>\n<dict>\n${more}<key>TSKPinnedDomains</key>\n<dict>\n${domains}</dict>\n</dict>\n</dict>\n</plist>\n`;
const P1 = 'nTj7Zc8Kv9d3y+UZEHVDaUPCGdVPiTB9c10rdMq/NLI=';
const P2 = 'bS58XJBn0pws6mOlR/2BcCkONP/hlvVMWDAJke2tGmg=';
const pins = `<key>TSKPublicKeyHashes</key><array><string>${P1}</string><string>${P2}</string></array>`;

describe('reading the fixtures', () => {
  it('Info.plist: two domains, one with subdomains, expiration and report URIs, one report-only; comments name pins', () => {
    const r = read('Info.plist');
    expect(r).toMatchObject({ format: 'trustkit', platform: 'apple', policy: { combine: 'most-specific' } });
    expect(r.policy.rules).toEqual([
      {
        domains: [{ pattern: 'larkspurbank.com', includeSubdomains: true }],
        pins: [sha(P1, 'issuing CA (current)'), sha(P2, 'backup: offline key in the HSM')],
        enforce: true,
        expiration: day('2027-06-30'),
      },
      { domains: [{ pattern: 'open-banking.larkspurbank.com' }], pins: [sha('byNZfT5rp4+m1ES0MFluiM2A6p2nFQDGQqLX7BjkMQU='), sha('9UZ5dQmGxiJ7Mqu7YiJZ80/6Xg6oi0naLqgaZdwaaQ0=')], enforce: false },
    ]);
    expect(r.sources[0]).toEqual({ at: { line: 33, column: 4 }, pins: [{ line: 43, column: 6 }, { line: 44, column: 6 }], enforce: { line: 37, column: 5 }, expiration: { line: 40, column: 5 } });
    expect(r.reportUris).toEqual(['https://pinning-reports.larkspurbank.com/v1/trustkit', 'https://partner-gw.larkspurbank.com/reports']);
    expect(notes(r)).toEqual(['31:3 release builds of TrustKit also send pin failure reports to https://overmind.datatheorem.com/trustkit/report for open-banking.larkspurbank.com (set TSKDisableDefaultReportUri to stop it)']);
  });

  it('AppDelegate.swift: the literal with pins from constants of the same file (named after them, located where their value is written)', () => {
    const r = read('AppDelegate.swift');
    expect(r.policy.rules).toEqual([
      { domains: [{ pattern: 'api.trailheadmaps.com' }], pins: [sha('69AubWVw3KDC7uuNQQi6Fy4TEHze2qhlYv4u+uLDmBI=', 'apiLeafPin'), sha('rMuBMbYnUUQZTn9mJeDnVtEcxrireWcike3G+/w9e0Q=', 'apiSparePin')], enforce: true },
      {
        domains: [{ pattern: 'tiles.trailheadmaps.com', includeSubdomains: true }],
        pins: [sha('kg4Ik5Hf98o4rIUpjJkiOs2/ouLWFTAZUXu178qMLjo=', 'tilesIntermediate'), sha('zatBoI78FoR1AEHarhZUREoArBrHXR3OdRnPfj718xM=', 'backupIntermediate')],
        enforce: true,
        expiration: day('2027-03-31'),
      },
    ]);
    expect(r.sources.map((s) => [s.at, s.pins])).toEqual([
      [{ line: 31, column: 17 }, [{ line: 19, column: 18 }, { line: 20, column: 27 }]],
      [{ line: 40, column: 17 }, [{ line: 14, column: 36 }, { line: 15, column: 37 }]],
    ]);
    expect(r.reportUris).toEqual(['https://telemetry.trailheadmaps.com/pin-failure']);
    expect(r.notes).toEqual([]);
  });

  it('AppDelegate.m: @-literals, NSString * const and #define pins, an excluded subdomain, the ignored algorithms key', () => {
    const r = read('AppDelegate.m');
    expect(r.policy.rules).toEqual([
      {
        domains: [{ pattern: 'sync.quillwork.io' }],
        pins: [sha('PfCVG6b89pzuParJAoHEDKp0rwQK+7l79O0nuZlIrA0=', 'kSyncLeafPin'), sha('25Aspe9qNH/9q8vQo7k3fVaebgfH71vQkszcdrbhx5U=', 'kSyncNextLeafPin'), sha('9K5zWOMGnX44dBSVIxOh+B0LzrDIeFEQU5ctk3MOR00=', 'QWBackupCAPin')],
        enforce: true,
      },
      {
        domains: [{ pattern: 'quillwork.io', includeSubdomains: true }],
        pins: [sha('yUGdNRuayYgIm/AvGaRXsdE6gMY5JRAH9zeGD9AGCno=', 'GTS intermediate'), sha('9B2poHywDyyh2B6LKG6BXm8Xqw4XG6BP+AAfbiEiudM=', 'Backup: second CA')],
        enforce: true,
        expiration: day('2026-12-31'),
      },
      { domains: [{ pattern: 'status.quillwork.io' }], pins: [], enforce: false, exempt: true },
    ]);
    expect(r.sources[0]!.pins).toEqual([
      { line: 12, column: 40 },
      { line: 13, column: 44 },
      { line: 14, column: 23 },
    ]);
    expect(notes(r)).toEqual([
      "28:23 kTSKPublicKeyAlgorithms is ignored: older TrustKit releases needed each key's algorithm to compute pins; current TrustKit (parse_configuration.m) no longer reads it",
      '25:7 release builds of TrustKit also send pin failure reports to https://overmind.datatheorem.com/trustkit/report for sync.quillwork.io (set kTSKDisableDefaultReportUri to stop it)',
    ]);
  });

  it('placeholder-Info.plist: the placeholder and the wrapped pin are malformed-pin notes, the rule keeps its one real pin; a misspelt key is named', () => {
    const r = read('placeholder-Info.plist');
    expect(r.policy.rules).toEqual([{ domains: [{ pattern: 'portal.fernhillclinic.org' }], pins: [sha('wvEalXztPq6+b/tE7Fe2hVIe1acuYscxKprF/0qIn8g=')], enforce: true }]);
    expect(r.notes.filter((n) => n.kind === 'malformed-pin')).toEqual([
      { kind: 'malformed-pin', at: { line: 21, column: 6 }, detail: 'pin of portal.fernhillclinic.org: a placeholder (too few distinct characters, or a run of the base64 alphabet), not the digest of a key', text: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', ruleIndex: 0 },
      { kind: 'malformed-pin', at: { line: 22, column: 6 }, detail: "pin of portal.fernhillclinic.org: TrustKit decodes the text as written and takes the bare base64 value, without 'sha256/'", text: 'sha256/zOWWA5LcsHB2S8pw0G49Q5F/e2LkOAy48dkHrIMQFvQ=', ruleIndex: 0 },
    ]);
    expect(notes(r, 'other')[0]).toBe('15:5 unknown key TSKIncludeSubdomain in the entry of portal.fernhillclinic.org (did you mean TSKIncludeSubdomains?): TrustKit ignores it');
  });
});

describe('what TrustKit makes of each key', () => {
  const rulesOf = (text: string) => trustkitFormat.read('Info.plist', text).policy.rules;
  const notesOf = (text: string, file = 'Info.plist') => notes(trustkitFormat.read(file, text));

  it.each([
    ['no flags: enforced, this name only', `<key>a.example.com</key><dict>${pins}</dict>`, { domains: [{ pattern: 'a.example.com' }], enforce: true }],
    ['TSKEnforcePinning as a number (NSNumber boolValue)', `<key>a.example.com</key><dict><key>TSKEnforcePinning</key><integer>0</integer>${pins}</dict>`, { enforce: false }],
    ['TSKIncludeSubdomains NO', `<key>a.example.com</key><dict><key>TSKIncludeSubdomains</key><false/>${pins}</dict>`, { domains: [{ pattern: 'a.example.com' }] }],
    ['a one-digit month and day, as NSDateFormatter reads yyyy-MM-dd', `<key>a.example.com</key><dict><key>TSKExpirationDate</key><string>2027-1-5</string>${pins}</dict>`, { expiration: day('2027-01-05') }],
  ])('%s', (_what, domains, rule) => {
    expect(rulesOf(plist(domains))[0]).toMatchObject(rule);
  });

  it.each([
    ['an expiration that is no date: TrustKit reads none', `<key>a.example.com</key><dict><key>TSKExpirationDate</key><string>31/12/2027</string>${pins}</dict>`, "TSKExpirationDate '31/12/2027' is not a yyyy-MM-dd date: TrustKit's date formatter reads none, so these pins never expire"],
    ['a wildcard key pins nothing', `<key>*.example.com</key><dict>${pins}</dict>`, "'*.example.com': TrustKit has no wildcards (a '*' matches no host name, so this entry pins nothing); pin the parent name with TSKIncludeSubdomains"],
    ['an IP address', `<key>192.0.2.7</key><dict>${pins}</dict>`, '\'192.0.2.7\' is an IP address: TrustKit refuses to start ("initialized with an invalid domain": it pins names under a public suffix only)'],
    ['an exclusion with other keys', `<key>example.com</key><dict><key>TSKIncludeSubdomains</key><true/>${pins}</dict><key>cdn.example.com</key><dict><key>kSKExcludeSubdomainFromParentPolicy</key><true/>${pins}</dict>`, 'TrustKit refuses to start: kSKExcludeSubdomainFromParentPolicy must be the only key of the entry of cdn.example.com'],
    ['an exclusion without a parent', `<key>cdn.example.com</key><dict><key>kSKExcludeSubdomainFromParentPolicy</key><true/></dict>`, 'TrustKit refuses to start: kSKExcludeSubdomainFromParentPolicy on cdn.example.com, but no parent domain with TSKIncludeSubdomains covers it'],
    ['the exclusion under the name people expect', `<key>a.example.com</key><dict><key>TSKExcludeSubdomainFromParentPolicy</key><true/>${pins}</dict>`, "unknown key TSKExcludeSubdomainFromParentPolicy in the entry of a.example.com (TrustKit's kTSKExcludeSubdomainFromParentPolicy is the string 'kSKExcludeSubdomainFromParentPolicy'): TrustKit ignores it"],
    ['nested parents with subdomains', `<key>example.com</key><dict><key>TSKIncludeSubdomains</key><true/>${pins}</dict><key>api.example.com</key><dict><key>TSKIncludeSubdomains</key><true/>${pins}</dict>`, "both example.com and api.example.com include subdomains: for a name below api.example.com without its own entry, TrustKit applies whichever of the two its dictionary lists first (configuration_utils.m), while pinprick applies api.example.com's pins"],
    ['a misspelt global key', `<key>a.example.com</key><dict>${pins}</dict>`, 'unknown key TSKSwizzleNetworkDelegate in the TrustKit configuration (did you mean TSKSwizzleNetworkDelegates?): TrustKit ignores it', '<key>TSKSwizzleNetworkDelegate</key><true/>'],
    ['no pinned domains', '', 'TSKPinnedDomains is empty: TrustKit refuses to start with no pinned domains (parse_configuration.m)'],
    ['additional trust anchors', `<key>a.example.com</key><dict><key>TSKAdditionalTrustAnchors</key><array/>${pins}</dict>`, 'TSKAdditionalTrustAnchors: TrustKit also trusts these certificates as anchors for a.example.com in debug builds (or when TSKPinningValidator allows additional trust anchors), bypassing the system trust store (TSKTrustKitConfig.h)'],
  ])('%s: a note', (_what, domains, detail, more = '') => {
    expect(notesOf(plist(domains, more)).map((n) => n.replace(/^\d+:\d+ /, ''))).toContain(detail);
  });

  it('an exclusion leaves its name unpinned and its parent applies below it', () => {
    const rules = rulesOf(plist(`<key>example.com</key><dict><key>TSKIncludeSubdomains</key><true/>${pins}</dict><key>status.example.com</key><dict><key>kSKExcludeSubdomainFromParentPolicy</key><true/></dict>`));
    expect(rules[1]).toEqual({ domains: [{ pattern: 'status.example.com' }], pins: [], enforce: false, exempt: true });
  });

  it('macOS: TSKIgnorePinningForUserDefinedTrustAnchors (YES, or absent from a Mac app) lets user-added anchors bypass the pins', () => {
    const explicit = trustkitFormat.read('Info.plist', plist(`<key>a.example.com</key><dict>${pins}</dict>`, '<key>TSKIgnorePinningForUserDefinedTrustAnchors</key><true/>'));
    expect(explicit.notes.filter((n) => n.kind === 'override-pins').map((n) => n.at)).toEqual([{ line: 6, column: 1 }]);
    const mac = trustkitFormat.read('Info.plist', plist(`<key>a.example.com</key><dict>${pins}</dict>`, '', '<key>LSMinimumSystemVersion</key><string>12.0</string>\n'));
    expect(mac.notes.filter((n) => n.kind === 'override-pins')).toHaveLength(1);
    const off = trustkitFormat.read('Info.plist', plist(`<key>a.example.com</key><dict>${pins}</dict>`, '<key>TSKIgnorePinningForUserDefinedTrustAnchors</key><false/>', '<key>LSMinimumSystemVersion</key><string>12.0</string>\n'));
    expect(off.notes.filter((n) => n.kind === 'override-pins')).toEqual([]);
  });

  it('an Info.plist that also has NSPinnedDomains says how to read that part', () => {
    const r = trustkitFormat.read('both-Info.plist', readFileSync(new URL('./fixtures/ats/both-Info.plist', import.meta.url), 'utf8'));
    expect(r.policy.rules).toHaveLength(1);
    expect(notes(r)).toContain('9:3 this Info.plist also pins with App Transport Security (NSPinnedDomains), which the system applies to URLSession connections besides TrustKit: read it with --format ats');
  });

  it('a second configuration literal in a source file is named, not read', () => {
    const swift = `let a = [kTSKPinnedDomains: ["a.example.com": [kTSKPublicKeyHashes: ["${P1}", "${P2}"], kTSKDisableDefaultReportUri: true]]]\nlet b = [kTSKPinnedDomains: ["b.example.com": [kTSKPublicKeyHashes: ["${P1}"]]]]\n`;
    const r = trustkitFormat.read('Config.swift', swift);
    expect(r.policy.rules.map((x) => x.domains[0]!.pattern)).toEqual(['a.example.com']);
    expect(notes(r)).toEqual(['2:10 a second TrustKit configuration in this file is not read (pinprick reads the first one)']);
  });

  it('string keys instead of the kTSK constants, and a domain named by a constant', () => {
    const swift = `let host = "api.example.com"\nlet config: [String: Any] = ["TSKPinnedDomains": [host: ["TSKPublicKeyHashes": ["${P1}", "${P2}"], "TSKIncludeSubdomains": true, "TSKDisableDefaultReportUri": true]]]\n`;
    expect(trustkitFormat.read('Config.swift', swift).policy.rules).toEqual([{ domains: [{ pattern: 'api.example.com', includeSubdomains: true }], pins: [sha(P1), sha(P2)], enforce: true }]);
  });
});

describe('files TrustKit cannot be read from: one line, file:line:col', () => {
  it.each([
    ['broken-Info.plist', 'broken-Info.plist:15:4: malformed XML: unexpected close tag'],
    ['Unterminated.swift', 'Unterminated.swift:11:25: unterminated string literal'],
    [
      'UndefinedPin.swift',
      "UndefinedPin.swift:10:43: a pin of api.trailheadmaps.com: 'PinConstants.primary' is not defined in this file; pinprick reads literals and the constants this file defines (let, static let, NSString * const, #define): define it here or write it inline",
    ],
    ['Unbalanced.m', "Unbalanced.m:11:17: '}' does not close '@[' (opened at 8:38)"],
  ])('%s', (name, message) => {
    expect(() => read(name)).toThrow(PolicyFileError);
    expect(() => read(name)).toThrow(message);
  });

  it.each([
    ['a plist whose root is an array', 'Info.plist', '<plist><array/></plist>', 'Info.plist:1:8: an Info.plist is a dictionary, not <array>'],
    ['no TSKConfiguration', 'Info.plist', '<plist>\n<dict><key>CFBundleName</key><string>x</string></dict></plist>', 'Info.plist:2:1: no TSKConfiguration in this property list (TrustKit reads its configuration from the Info.plist key TSKConfiguration)'],
    ['no TSKPinnedDomains', 'Info.plist', '<plist><dict><key>TSKConfiguration</key><dict/></dict></plist>', 'Info.plist:1:41: no TSKPinnedDomains in this TrustKit configuration'],
    ['TSKPublicKeyHashes as a string', 'Info.plist', plist(`<key>a.example.com</key><dict><key>TSKPublicKeyHashes</key><string>${P1}</string></dict>`), 'Info.plist:8:60: TSKPublicKeyHashes must be an array, not a string'],
    ['TSKEnforcePinning as a string', 'Info.plist', plist(`<key>a.example.com</key><dict><key>TSKEnforcePinning</key><string>YES</string></dict>`), 'Info.plist:8:59: TSKEnforcePinning must be a boolean, not a string'],
    ['a source file without a configuration literal', 'Network.swift', 'import TrustKit\nTrustKit.initSharedInstance(withConfiguration: loadConfig())\n', 'Network.swift:1:1: no TrustKit configuration literal in this file (a dictionary with a kTSKPinnedDomains entry); if the app reads TSKConfiguration from its Info.plist, lint that file'],
    ['enforcement from a variable', 'Config.swift', `let c = [kTSKPinnedDomains: ["a.example.com": [kTSKEnforcePinning: isRelease, kTSKPublicKeyHashes: ["${P1}"]]]]`, "Config.swift:1:68: kTSKEnforcePinning: 'isRelease' is not defined in this file; pinprick reads literals and the constants this file defines (let, static let, NSString * const, #define): define it here or write it inline"],
    ['an interpolated domain', 'Config.swift', `let c = [kTSKPinnedDomains: ["\\(env).example.com": [kTSKPublicKeyHashes: ["${P1}"]]]]`, 'Config.swift:1:30: an interpolated string cannot be a key pinprick reads'],
    ['a domain constant that is not defined', 'Config.swift', `let c = [kTSKPinnedDomains: [Hosts.api: [kTSKPublicKeyHashes: ["${P1}"]]]]`, "Config.swift:1:30: the key 'Hosts.api' is not defined in this file; pinprick reads the constants this file defines (let, static let, NSString * const, #define) and TrustKit's kTSK names"],
    ['a key written twice', 'Config.swift', `let c = [kTSKPinnedDomains: ["a.example.com": [kTSKPublicKeyHashes: ["${P1}"], kTSKPublicKeyHashes: ["${P2}"]]]]`, 'Config.swift:1:119: the key kTSKPublicKeyHashes is written twice in this dictionary (first at 1:48)'],
    ['kTSKPinnedDomains outside a dictionary literal', 'Config.m', 'void f(void) { config[kTSKPinnedDomains] = @{}; x(kTSKPinnedDomains: 1); }', 'Config.m:1:51: kTSKPinnedDomains is not a key of a dictionary literal (@{...})'],
  ])('%s', (_what, file, text, message) => {
    expect(() => trustkitFormat.read(file, text)).toThrow(PolicyFileError);
    expect(() => trustkitFormat.read(file, text)).toThrow(message);
  });
});

describe('detect', () => {
  it.each([
    ['Info.plist', fixture('Info.plist'), 'trustkit'],
    ['AppDelegate.swift', fixture('AppDelegate.swift'), 'trustkit'],
    ['AppDelegate.m', fixture('AppDelegate.m'), 'trustkit'],
    ['Info.plist', readFileSync(new URL('./fixtures/ats/both-Info.plist', import.meta.url), 'utf8'), 'ats'],
    ['ViewController.swift', 'import UIKit\n// TSKPinnedDomains are configured in AppDelegate\nclass ViewController {}\n', undefined],
    ['network_security_config.xml', '<network-security-config><domain-config><domain>a.example.com</domain></domain-config></network-security-config>', 'android-nsc'],
    ['Info.plist', '<plist><dict><key>CFBundleName</key><string>x</string></dict></plist>', undefined],
  ])('%s -> %s', (file, text, format) => {
    expect(detectFormat(file, text)).toBe(format);
  });
});

describe('write', () => {
  const policy: PinPolicy = {
    rules: [
      { domains: [{ pattern: '**.example.com' }, { pattern: 'api.example.net' }], pins: [sha(P1, 'primary'), sha(P2, 'backup')], enforce: true, expiration: day('2027-12-01') },
      { domains: [{ pattern: 'status.example.com' }], pins: [], enforce: false, exempt: true },
      { domains: [{ pattern: 'beta.example.org', includeSubdomains: true }], pins: [sha(P1)], enforce: false },
    ],
  };

  it.skipIf(NO_PLISTLIB)('writes a TSKConfiguration plist that plistlib reads as TrustKit expects it', () => {
    const domain = { TSKEnforcePinning: true, TSKExpirationDate: '2027-12-01', TSKPublicKeyHashes: [P1, P2] };
    expect(plistlibRead(trustkitFormat.write(policy, { reportUri: 'https://r.example.com/pins' }))).toEqual({
      TSKConfiguration: {
        TSKSwizzleNetworkDelegates: false,
        TSKPinnedDomains: {
          'example.com': { TSKIncludeSubdomains: true, ...domain, TSKReportUris: ['https://r.example.com/pins'] },
          'api.example.net': { ...domain, TSKReportUris: ['https://r.example.com/pins'] },
          'status.example.com': { kSKExcludeSubdomainFromParentPolicy: true },
          'beta.example.org': { TSKIncludeSubdomains: true, TSKEnforcePinning: false, TSKPublicKeyHashes: [P1], TSKReportUris: ['https://r.example.com/pins'] },
        },
      },
    });
  });

  const cases: [string, () => PinPolicy][] = [['a model policy', () => policy], ...['Info.plist', 'AppDelegate.swift', 'AppDelegate.m', 'placeholder-Info.plist'].map((f): [string, () => PinPolicy] => [f, () => read(f).policy])];
  it.each(cases)(
    'read(write(x)) gives x back: %s',
    (_what, make) => {
      const x = make();
      expect(normalised(trustkitFormat.read('Info.plist', trustkitFormat.write(x)).policy)).toEqual(normalised(x));
    },
  );

  it.each([
    ['a SHA-1 pin', { domains: [{ pattern: 'a.example.com' }], pins: [{ hash: 'sha1', value: 'm9DXzFbGW3q7+kkNg1rwb3FzaKk=' }], enforce: true }, 'TrustKit takes SHA-256 pins only; the SHA-1 pin m9DXzFbGW3q7+kkNg1rwb3FzaKk= cannot be written'],
    ['an ATS leaf identity', { domains: [{ pattern: 'a.example.com' }], pins: [{ ...sha(P1), on: 'leaf' }], enforce: true }, `TrustKit pins match anywhere on the validated chain; the leaf-only pin ${P1} (an ATS NSPinnedLeafIdentities entry) cannot be written: use --format ats`],
    ['a one-label wildcard', { domains: [{ pattern: '*.example.com' }], pins: [sha(P1)], enforce: true }, "TrustKit has no wildcards: '*.example.com' (one label below example.com) cannot be written; TSKIncludeSubdomains on example.com covers example.com itself and names at any depth below it, which is '**.example.com'"],
    ['an IP address', { domains: [{ pattern: '192.0.2.7' }], pins: [sha(P1)], enforce: true }, 'TrustKit pins domain names only: it refuses to start with the IP address \'192.0.2.7\' ("initialized with an invalid domain")'],
    ['an expiration within a day', { domains: [{ pattern: 'a.example.com' }], pins: [sha(P1)], enforce: true, expiration: new Date('2027-12-01T12:00:00Z') }, 'TrustKit expiration dates are whole days (yyyy-MM-dd, midnight UTC); 2027-12-01T12:00:00.000Z is not one'],
  ] as [string, PinRule, string][])('refuses %s', (_what, rule, message) => {
    expect(() => trustkitFormat.write({ rules: [rule] })).toThrow(message);
  });

  it('refuses two rules for one domain, and an OkHttp-style policy whose rules overlap', () => {
    const rule = (pattern: string): PinRule => ({ domains: [{ pattern }], pins: [sha(P1)], enforce: true });
    expect(() => trustkitFormat.write({ rules: [rule('a.example.com'), rule('a.example.com')] })).toThrow('two rules pin a.example.com; TrustKit has one entry per domain: merge them');
    expect(() => trustkitFormat.write({ combine: 'all', rules: [rule('**.example.com'), rule('api.example.com')] })).toThrow(
      "TrustKit applies the most specific entry only, but this policy combines every matching rule (combine: all) and '**.example.com' and 'api.example.com' cover the same hosts; merge their pins into one rule first",
    );
    expect(trustkitFormat.write({ combine: 'all', rules: [rule('a.example.com'), rule('b.example.com')] })).toContain('<key>b.example.com</key>');
  });
});

describe('the read policy in the model: a real chain against AppDelegate.swift and AppDelegate.m', () => {
  const pki = new TestPki();
  const c = {} as Record<'root' | 'int' | 'leaf' | 'rogueRoot' | 'rogueInt' | 'rogueLeaf', TestCert>;
  const hosts = ['eu.tiles.trailheadmaps.com', 'api.trailheadmaps.com', 'status.quillwork.io', 'www.quillwork.io'];
  beforeAll(async () => {
    c.root = await pki.root('CN=Trailhead Test Root');
    // The key AppDelegate.swift pins as Pins.tilesIntermediate (fixtures are written with seeded keys).
    const caKey = await generateKey('ec-p256', { seed: 'pinprick-apple-fixtures', name: 'trailhead-issuing-ca' });
    c.int = await pki.intermediate('CN=Trailhead Issuing CA', c.root, { subjectKey: caKey });
    c.leaf = await pki.leaf(hosts, c.int, { notAfter: '+800d' });
    c.rogueRoot = await pki.root('CN=Rogue Root');
    c.rogueInt = await pki.intermediate('CN=Rogue Issuing CA', c.rogueRoot);
    c.rogueLeaf = await pki.leaf(hosts, c.rogueInt, { notAfter: '+800d' });
  });
  const verdict = (file: string, host: string, chain: 'genuine' | 'rogue', at = NOW) =>
    evaluate({ presented: chain === 'genuine' ? ders(c.leaf, c.int) : ders(c.rogueLeaf, c.rogueInt), anchors: ders(c.root, c.rogueRoot), host, at, policy: read(file).policy, platform: 'apple' });

  it.each([
    ['AppDelegate.swift', 'eu.tiles.trailheadmaps.com', 'genuine', NOW, 'ok'],
    ['AppDelegate.swift', 'eu.tiles.trailheadmaps.com', 'rogue', NOW, 'pin-mismatch'],
    ['AppDelegate.swift', 'eu.tiles.trailheadmaps.com', 'rogue', day('2027-03-31'), 'ok-pins-expired'],
    ['AppDelegate.swift', 'api.trailheadmaps.com', 'genuine', NOW, 'pin-mismatch'],
    ['AppDelegate.m', 'status.quillwork.io', 'rogue', NOW, 'ok-unpinned-host'],
    ['AppDelegate.m', 'www.quillwork.io', 'rogue', NOW, 'pin-mismatch'],
  ] as const)('%s, %s, %s chain at %s: %s', (file, host, chain, at, code) => {
    expect(verdict(file, host, chain, at).code).toBe(code);
  });

  it('the issuing CA of the tiles CDN matches as the pin named in the source', () => {
    expect(verdict('AppDelegate.swift', 'eu.tiles.trailheadmaps.com', 'genuine').pinCheck?.matched).toMatchObject({ label: 'tilesIntermediate', certIndexInPath: 1 });
  });

  it('{profile} hands the exclusion to the client', () => {
    const json = JSON.parse(profileJson({ ...read('AppDelegate.m').policy, id: 'quillwork', trust: [] }));
    expect(json.rules[2]).toEqual({ hosts: [{ pattern: 'status.quillwork.io', includeSubdomains: false }], pins: [], enforce: false, exempt: true });
  });
});
