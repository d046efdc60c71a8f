/**
 * react-native-ssl-public-key-pinning's initializeSslPinning({...}) as React Native apps write it
 * (JSX around it, constants, computed keys, spreads, comments), the writer, and the model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PinPolicy } from '../../src/model/index.js';
import { PolicyFileError, UNNAMED_HOST } from '../../src/policy/format.js';
import { reactNativeFormat } from '../../src/policy/formats/react-native.js';
import { detectFormat } from '../../src/policy/registry.js';
import { readFixture, twoChains, verdictFor, type TwoChains } from './helpers.js';

const sha256 = (value: string, label?: string) => ({ hash: 'sha256' as const, value, ...(label ? { label } : {}) });
const E5 = 'f5sNSaddZZm2EJN69IzlbM56tRHrNcGEjvI5k998/L8=';
const R10 = 'o+6K4YBTOmEYdLcJdqbDVrZgoyjs1PQ5pN63vUAjMIo=';
const BACKUP = 'XiZ7gQLjNrKdFRmUYJcFINgVkuGRH86nxoDOvHtWTkk=';
const SPARE = 'Lko/SkoGY2m5afTUMCKxvnGW2YlccIRcZ5v/7lFtBuQ=';

describe('react-native: reading initializeSslPinning as apps write it', () => {
  it('App.tsx: JSX around the call, a computed key from a constant, a spread of backup hashes, labels, an expiration day', () => {
    const r = readFixture(reactNativeFormat, 'App.tsx');
    expect(r.policy).toEqual({
      combine: 'most-specific',
      rules: [
        {
          domains: [{ pattern: 'api.northwind-shop.com', includeSubdomains: true }],
          pins: [sha256(E5, 'intermediate E5'), sha256(R10, 'intermediate R10'), sha256(BACKUP, 'backup: HSM offline key'), sha256(SPARE, 'backup CA')],
          enforce: true,
          // The Android module parses yyyy-MM-dd in UTC.
          expiration: new Date('2027-06-30T00:00:00Z'),
        },
        { domains: [{ pattern: 'images.northwind-shop.com' }], pins: [sha256('5hkpRTYrPelTcs4Mdldex+atQdmaVGFpQDvspWticqk='), sha256(SPARE)], enforce: true },
      ],
    });
    expect(r.sources).toEqual([
      { at: { line: 31, column: 7 }, pins: [{ line: 34, column: 11 }, { line: 35, column: 11 }, { line: 15, column: 3 }, { line: 16, column: 3 }], expiration: { line: 38, column: 25 } },
      { at: { line: 40, column: 7 }, pins: [{ line: 42, column: 11 }, { line: 43, column: 11 }] },
    ]);
    expect(r.notes).toEqual([]);
    // OkHttp on Android, TrustKit on iOS: no one platform.
    expect(r.platform).toBeUndefined();
  });

  it('a configuration constant passed to the call; an entry inside another one is noted (Android unites the sets, iOS takes the closer)', () => {
    const r = readFixture(reactNativeFormat, 'sslPinning.js');
    expect(r.policy.rules).toEqual([
      { domains: [{ pattern: 'checkout.northwind-shop.com' }], pins: [sha256('ivwjKFukKZ3YLfGmG1a6e9NmzQ2BzwYMzP9xqNQA338='), sha256('JMioyfpoT90jzj0v5UZuFyfX7YobKuTe/khIfBnOXOQ=', "backup: provider's second CA")], enforce: true },
      { domains: [{ pattern: 'northwind-shop.com', includeSubdomains: true }], pins: [sha256('Qxg5cFz3rvU4GuJTZ8OleckbSFy8wAUBU2rdfp5MWhc='), sha256('rBUJzhtlotAyq+j3Yd6iAqaiG4GEFBBsDq4hwkahBHw=')], enforce: true },
    ]);
    expect(r.notes).toEqual([
      {
        kind: 'other',
        at: { line: 5, column: 3 },
        detail: "'checkout.northwind-shop.com' is also covered by 'northwind-shop.com' (includeSubdomains): on Android (OkHttp) the pins of both apply, on iOS (TrustKit) only those of 'checkout.northwind-shop.com'",
      },
    ]);
  });

  const call = (body: string) => reactNativeFormat.read('pinning.ts', `initializeSslPinning({\n${body}\n});\n`);
  const rows: [string, string, { rules: number; pins: number[]; notes: [string, string, RegExp][] }][] = [
    ['a hash written with sha256/ (the library adds it itself)', `  'a.example': { publicKeyHashes: ['sha256/${E5}', '${BACKUP}'] },`, { rules: 1, pins: [1], notes: [['malformed-pin', '2:36', /publicKeyHashes are bare base64; the library adds 'sha256\/' itself/]] }],
    ['a placeholder', `  'a.example': { publicKeyHashes: ['${'B'.repeat(43)}=', '${BACKUP}'] },`, { rules: 1, pins: [1], notes: [['malformed-pin', '2:36', /is a placeholder/]] }],
    ['no publicKeyHashes: the domain is skipped', "  'a.example': { includeSubdomains: true },", { rules: 0, pins: [], notes: [['other', '2:3', /has no publicKeyHashes: the Android module skips the domain/]] }],
    ['an expiration that is not a day', `  'a.example': { publicKeyHashes: ['${E5}'], expirationDate: '30/06/2027' },`, { rules: 1, pins: [1], notes: [['other', '2:101', /^expirationDate of 'a\.example' is not a yyyy-MM-dd date/]] }],
    ['a key from elsewhere: the unnamed host', `  [Config.API_HOST]: { publicKeyHashes: ['${E5}'] },`, { rules: 1, pins: [1], notes: [['other', '2:3', /^a domain key is computed from something not written in this file/]] }],
    ['a wildcard: TrustKit refuses it', `  '*.a.example': { publicKeyHashes: ['${E5}'] },`, { rules: 1, pins: [1], notes: [['other', '2:3', /TrustKit \(iOS\) takes domains, not wildcard patterns/]] }],
  ];
  it.each(rows)('%s', (_what, body, want) => {
    const r = call(body);
    expect(r.policy.rules).toHaveLength(want.rules);
    expect(r.policy.rules.map((x) => x.pins.length)).toEqual(want.pins);
    expect(r.notes.map((n) => [n.kind, `${n.at.line}:${n.at.column}`, n.detail])).toEqual(want.notes.map(([k, at, d]) => [k, at, expect.stringMatching(d)]));
  });

  it('a computed key from another file leaves the policy hostless', () => {
    const r = call(`  [Config.API_HOST]: { publicKeyHashes: ['${E5}'] },`);
    expect(r.policy.rules[0]!.domains).toEqual([{ pattern: UNNAMED_HOST }]);
    expect(r.hostless).toBe(true);
  });

  it('two calls: the later replaces the earlier, noted', () => {
    const r = reactNativeFormat.read('a.ts', `initializeSslPinning({ 'a.example': { publicKeyHashes: ['${E5}'] } });\ninitializeSslPinning({ 'b.example': { publicKeyHashes: ['${R10}'] } });\n`);
    expect(r.notes[0]).toMatchObject({ at: { line: 2, column: 1 }, detail: 'initializeSslPinning is called 2 times: each call replaces the configuration of the one before, so the last to run wins' });
  });
});

describe('react-native: files that cannot be read stop with file:line:col', () => {
  const rows: [string, string, string, string][] = [
    ['an object left open', 'App.js', `initializeSslPinning({\n  'a.example': {\n    publicKeyHashes: ['${E5}'],\n  },\n);\n`, "App.js:5:1: ')' where the '{' of line 1 column 22 needs '}'"],
    ['an unterminated string', 'App.js', "initializeSslPinning({\n  'a.example: { publicKeyHashes: [] },\n});\n", 'App.js:2:3: unterminated string literal'],
    ['JSX never closed', 'App.jsx', 'export default () => (\n  <View>\n    <Text>hi</Text>\n);\n', 'App.jsx:2:3: JSX element is never closed'],
    ['JSX nested beyond any app (the recursion is bounded)', 'App.jsx', `const x = ${'<a>{'.repeat(300)}${'}</a>'.repeat(300)};\n`, `App.jsx:1:${11 + 257 * 4}: JSX nested more than 256 deep`],
    ['no call', 'App.js', "import { initializeSslPinning } from 'react-native-ssl-public-key-pinning';\n", 'App.js:1:1: no initializeSslPinning({...}) call in this file'],
  ];
  it.each(rows)('%s', (_what, file, text, message) => {
    expect(() => reactNativeFormat.read(file, text)).toThrow(PolicyFileError);
    expect(() => reactNativeFormat.read(file, text)).toThrow(message);
  });
});

describe('react-native: writing', () => {
  it('the call, one entry per domain, labels as comments, the expiration as a day', () => {
    const p: PinPolicy = { rules: [{ domains: [{ pattern: 'api.example.com', includeSubdomains: true }], pins: [sha256(E5, 'current'), sha256(BACKUP)], enforce: true, expiration: new Date('2027-01-01T00:00:00Z') }] };
    expect(reactNativeFormat.write(p)).toBe(
      [
        "import { initializeSslPinning } from 'react-native-ssl-public-key-pinning';",
        '',
        'await initializeSslPinning({',
        "  'api.example.com': {",
        '    includeSubdomains: true,',
        '    publicKeyHashes: [',
        `      '${E5}', // current`,
        `      '${BACKUP}',`,
        '    ],',
        "    expirationDate: '2027-01-01',",
        '  },',
        '});',
        '',
      ].join('\n'),
    );
  });

  const canonical: PinPolicy[] = [
    { combine: 'most-specific', rules: [] },
    {
      combine: 'most-specific',
      rules: [
        { domains: [{ pattern: 'api.example.com', includeSubdomains: true }], pins: [sha256(E5, 'current'), sha256(BACKUP, 'backup')], enforce: true, expiration: new Date('2027-01-01T00:00:00Z') },
        { domains: [{ pattern: 'cdn.example.net' }], pins: [sha256(R10), sha256(SPARE)], enforce: true },
      ],
    },
  ];
  it.each(canonical.map((p, i) => [i, p] as const))('read(write(x)) is x (policy %i)', (_i, p) => {
    expect(reactNativeFormat.read('pinning.ts', reactNativeFormat.write(p)).policy).toEqual(p);
  });

  const refused: [string, PinPolicy, RegExp][] = [
    ['a pattern', { rules: [{ domains: [{ pattern: '*.example.com' }], pins: [sha256(E5)], enforce: true }] }, /not patterns/],
    ['report-only', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha256(E5)], enforce: false }] }, /no report-only mode/],
    ['an expiration within a day', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha256(E5)], enforce: true, expiration: new Date('2027-01-01T12:00:00Z') }] }, /is not the start of one/],
    ['one domain in two rules', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha256(E5)], enforce: true }, { domains: [{ pattern: 'a.example' }], pins: [sha256(R10)], enforce: true }] }, /one entry per domain/],
  ];
  it.each(refused)('refused: %s', (_what, p, message) => {
    expect(() => reactNativeFormat.write(p)).toThrow(message);
  });
});

describe('react-native: detect', () => {
  it.each([
    ['App.tsx', "initializeSslPinning({ 'a': { publicKeyHashes: [] } })", 'react-native'],
    ['pinning.js', "import { initializeSslPinning } from 'react-native-ssl-public-key-pinning';", 'react-native'],
    ['App.tsx', 'export default function App() { return null; }', undefined],
  ])('%s', (file, text, format) => {
    expect(detectFormat(file, text)).toBe(format);
  });
});

describe('react-native: the read policy in the model', () => {
  let chains: TwoChains;
  beforeAll(async () => {
    chains = await twoChains(['api.northwind-shop.com', 'v2.api.northwind-shop.com', 'images.northwind-shop.com']);
  });

  it('App.tsx with the E5 hash swapped for a test intermediate: api and its subdomains refuse a rogue chain until the expiration day', () => {
    const policy = readFixture(reactNativeFormat, 'App.tsx', { [E5]: chains.int.pin }).policy;
    expect(verdictFor(chains, policy, 'api.northwind-shop.com', 'genuine').code).toBe('ok');
    expect(verdictFor(chains, policy, 'v2.api.northwind-shop.com', 'rogue').code).toBe('pin-mismatch');
    // images pins other keys: the genuine chain is refused there.
    expect(verdictFor(chains, policy, 'images.northwind-shop.com', 'genuine').code).toBe('pin-mismatch');
  });

  it('the expiration day: until 2027-06-30 00:00 UTC a rogue chain is refused for api, from then on the entry no longer applies', async () => {
    const eve = new Date('2027-06-29T23:59:59Z');
    const chainsThen = await twoChains(['api.northwind-shop.com'], eve);
    const policy = readFixture(reactNativeFormat, 'App.tsx', { [E5]: chainsThen.int.pin }).policy;
    expect(verdictFor(chainsThen, policy, 'api.northwind-shop.com', 'rogue', eve).code).toBe('pin-mismatch');
    expect(verdictFor(chainsThen, policy, 'api.northwind-shop.com', 'rogue', new Date('2027-06-30T00:00:00Z')).code).toBe('ok-pins-expired');
  });
});
