/**
 * Approov-style JSON pin maps: domains to base64 SHA-256 pins, "*" for the managed trust roots a
 * domain with an empty list uses; JSON errors at file:line:col; the writer; the model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PinPolicy } from '../../src/model/index.js';
import { PolicyFileError } from '../../src/policy/format.js';
import { approovFormat } from '../../src/policy/formats/approov.js';
import { detectFormat } from '../../src/policy/registry.js';
import { readFixture, twoChains, verdictFor, type TwoChains } from './helpers.js';

const sha256 = (value: string) => ({ hash: 'sha256' as const, value });
const E5 = 'f5sNSaddZZm2EJN69IzlbM56tRHrNcGEjvI5k998/L8=';
const R10 = 'o+6K4YBTOmEYdLcJdqbDVrZgoyjs1PQ5pN63vUAjMIo=';
const BACKUP = 'XiZ7gQLjNrKdFRmUYJcFINgVkuGRH86nxoDOvHtWTkk=';
const ROOT_RSA = 'Qxg5cFz3rvU4GuJTZ8OleckbSFy8wAUBU2rdfp5MWhc=';
const ROOT_ECDSA = 'rBUJzhtlotAyq+j3Yd6iAqaiG4GEFBBsDq4hwkahBHw=';

describe('approov: reading a pin map', () => {
  it('domains with their pins; a domain with an empty list takes the managed trust roots under "*"; "*" itself is no host', () => {
    const r = readFixture(approovFormat, 'approov-pins.json');
    expect(r.policy).toEqual({
      combine: 'all',
      rules: [
        { domains: [{ pattern: 'api.northwind-shop.com' }], pins: [sha256(E5), sha256(R10), sha256(BACKUP)], enforce: true },
        { domains: [{ pattern: '*.media.northwind-shop.com' }], pins: [sha256('5hkpRTYrPelTcs4Mdldex+atQdmaVGFpQDvspWticqk=')], enforce: true },
        { domains: [{ pattern: 'partner-api.example.org' }], pins: [sha256(ROOT_RSA), sha256(ROOT_ECDSA)], enforce: true },
      ],
    });
    // The managed roots' rule points at the roots where "*" lists them.
    expect(r.sources).toEqual([
      { at: { line: 2, column: 3 }, pins: [{ line: 3, column: 5 }, { line: 4, column: 5 }, { line: 5, column: 5 }] },
      { at: { line: 7, column: 3 }, pins: [{ line: 8, column: 5 }] },
      { at: { line: 10, column: 3 }, pins: [{ line: 12, column: 5 }, { line: 13, column: 5 }] },
    ]);
    expect(r.notes).toEqual([
      { kind: 'other', at: { line: 7, column: 3 }, detail: "'*.media.northwind-shop.com': the Android service adds it as an OkHttp pattern; the iOS services look hosts up by their exact name, so there it pins nothing" },
      { kind: 'other', at: { line: 10, column: 3 }, detail: "'partner-api.example.org' has no pins of its own: it is pinned to the managed trust roots listed under '*'" },
    ]);
    expect(r.platform).toBeUndefined();
  });

  it('an empty list without "*": no rule, and a note that the managed roots are not in the file', () => {
    const r = approovFormat.read('pins.json', `{\n  "api.example.com": ["${E5}", "${BACKUP}"],\n  "partner.example.org": []\n}\n`);
    expect(r.policy.rules.map((x) => x.domains[0]!.pattern)).toEqual(['api.example.com']);
    expect(r.notes).toEqual([{ kind: 'other', at: { line: 3, column: 3 }, detail: expect.stringMatching(/^'partner\.example\.org' has no pins and this file lists no managed trust roots \('\*'\)/) }]);
  });

  it('"*" with no domain to use it is noted; the map may sit under its pin type', () => {
    const r = approovFormat.read('config.json', `{ "public-key-sha256": { "api.example.com": ["${E5}"], "*": ["${ROOT_RSA}"] } }\n`);
    expect(r.policy.rules).toEqual([{ domains: [{ pattern: 'api.example.com' }], pins: [sha256(E5)], enforce: true }]);
    expect(r.notes).toEqual([{ kind: 'other', at: { line: 1, column: 95 }, detail: "'*' lists managed trust roots, which apply only to domains listed with no pins of their own; there is none" }]);
  });

  it.each([
    ['sha256/ written in the map (the SDK adds it)', `sha256/${E5}`, /^'sha256\/f5sN.*': Approov pins are bare base64; the SDK adds 'sha256\/' itself/],
    ['a placeholder', `${'A'.repeat(43)}=`, /is a placeholder/],
    ['a hex digest', 'ab'.repeat(32), /is a hex SHA-256 digest/],
  ])('a pin that is not one is noted, the others kept: %s', (_what, bad, detail) => {
    const r = approovFormat.read('pins.json', `{\n  "api.example.com": ["${bad}", "${BACKUP}"]\n}\n`);
    expect(r.policy.rules[0]!.pins).toEqual([sha256(BACKUP)]);
    expect(r.notes).toEqual([{ kind: 'malformed-pin', at: { line: 2, column: 23 }, detail: expect.stringMatching(detail), text: bad, ruleIndex: 0 }]);
  });
});

describe('approov: files that cannot be read stop with file:line:col', () => {
  const rows: [string, string, string][] = [
    ['a trailing comma', `{\n  "api.example.com": [\n    "${E5}",\n  ]\n}\n`, 'pins.json:4:3: a value expected (a trailing comma?)'],
    ['a missing comma', `{\n  "api.example.com": ["${E5}"]\n  "b.example.com": []\n}\n`, "pins.json:3:3: ',' expected"],
    ['an unterminated string', '{\n  "api.example.com": ["abc\n}\n', 'pins.json:2:23: unterminated string'],
    ['pins not in a list', `{\n  "api.example.com": "${E5}"\n}\n`, "pins.json:2:22: 'api.example.com': expected an array of base64 SHA-256 pins"],
    ['a pin that is not a string', '{\n  "api.example.com": [42]\n}\n', "pins.json:2:23: 'api.example.com': a pin is a base64 string, not a number"],
    ['not an object', `["${E5}"]\n`, 'pins.json:1:1: an Approov pin map is a JSON object: domain -> array of base64 SHA-256 pins'],
    // jsonc-parser recurses per level: the stack must not be what stops it.
    ['nested beyond any pin map', `${'{"a":'.repeat(50_000)}[]${'}'.repeat(50_000)}`, 'pins.json:1:1: JSON nested too deeply for a pin map'],
  ];
  it.each(rows)('%s', (_what, text, message) => {
    expect(() => approovFormat.read('pins.json', text)).toThrow(PolicyFileError);
    expect(() => approovFormat.read('pins.json', text)).toThrow(message);
  });
});

describe('approov: writing', () => {
  it('the JSON map, one key per domain', () => {
    const p: PinPolicy = { rules: [{ domains: [{ pattern: 'api.example.com' }, { pattern: '*.cdn.example.com' }], pins: [sha256(E5), sha256(BACKUP)], enforce: true }] };
    expect(approovFormat.write(p)).toBe(`{\n  "api.example.com": [\n    "${E5}",\n    "${BACKUP}"\n  ],\n  "*.cdn.example.com": [\n    "${E5}",\n    "${BACKUP}"\n  ]\n}\n`);
  });

  const canonical: PinPolicy[] = [
    { combine: 'all', rules: [] },
    {
      combine: 'all',
      rules: [
        { domains: [{ pattern: 'api.example.com' }], pins: [sha256(E5), sha256(R10), sha256(BACKUP)], enforce: true },
        { domains: [{ pattern: '*.cdn.example.com' }], pins: [sha256(ROOT_RSA)], enforce: true },
      ],
    },
  ];
  it.each(canonical.map((p, i) => [i, p] as const))('read(write(x)) is x (policy %i)', (_i, p) => {
    expect(approovFormat.read('pins.json', approovFormat.write(p)).policy).toEqual(p);
  });

  const refused: [string, PinPolicy, RegExp][] = [
    ['subdomains', { rules: [{ domains: [{ pattern: 'example.com', includeSubdomains: true }], pins: [sha256(E5)], enforce: true }] }, /one by one/],
    ['no pins (an empty list means the managed roots)', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [], enforce: true }] }, /managed trust roots/],
    ['report-only', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha256(E5)], enforce: false }] }, /no report-only mode/],
    ['a SHA-1 pin', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [{ hash: 'sha1', value: 'o9VPi5IjvOWM5mABBhFdvlDid/E=' }], enforce: true }] }, /SHA-256/],
  ];
  it.each(refused)('refused: %s', (_what, p, message) => {
    expect(() => approovFormat.write(p)).toThrow(message);
  });
});

describe('approov: detect', () => {
  it.each([
    ['approov-pins.json', `{ "api.example.com": ["${E5}"] }`, 'approov'],
    ['pins.json', `{ "api.example.com": [], "*": ["${E5}"] }`, 'approov'],
    ['package.json', '{ "name": "app", "files": ["dist"] }', undefined],
  ])('%s', (file, text, format) => {
    expect(detectFormat(file, text)).toBe(format);
  });
});

describe('approov: the read policy in the model', () => {
  let chains: TwoChains;
  beforeAll(async () => {
    chains = await twoChains(['api.northwind-shop.com', 'partner-api.example.org', 'img.media.northwind-shop.com']);
  });

  it('a domain on the managed roots accepts a chain to one of them and refuses a rogue one; a listed domain needs its own pins', () => {
    const policy = readFixture(approovFormat, 'approov-pins.json', { [ROOT_RSA]: chains.root.pin }).policy;
    expect(verdictFor(chains, policy, 'partner-api.example.org', 'genuine').code).toBe('ok');
    expect(verdictFor(chains, policy, 'partner-api.example.org', 'rogue').code).toBe('pin-mismatch');
    // api lists its own pins (not the root): the managed roots do not apply to it.
    expect(verdictFor(chains, policy, 'api.northwind-shop.com', 'genuine').code).toBe('pin-mismatch');
    expect(verdictFor(chains, policy, 'img.media.northwind-shop.com', 'genuine').code).toBe('pin-mismatch');
  });
});
