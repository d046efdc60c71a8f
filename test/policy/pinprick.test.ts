/**
 * pinprick's own profiles as a pin policy format: read without a world (world key names kept as
 * names with their place in every world), written from a one-rule policy, read(write(x)) == x,
 * recognised by name and content, and refused at file:line:col when the file is not a profile.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PinPolicy } from '../../src/model/policy.js';
import { PolicyFileError } from '../../src/policy/format.js';
import { pinprickFormat } from '../../src/policy/formats/pinprick.js';
import { detectFormat, readPolicy } from '../../src/policy/registry.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/pinprick/${name}`, import.meta.url), 'utf8');
const read = (name: string) => pinprickFormat.read(name, fixture(name));

describe('reading profiles', () => {
  it('a release profile: hosts with and without subdomains, raw pins at their lines, expiration, platform', () => {
    const r = read('payments-api.yaml');
    expect(r.policy).toEqual({
      rules: [
        {
          domains: [{ pattern: 'api.acmepay.example' }, { pattern: '*.acmepay.example', includeSubdomains: false }],
          pins: [
            { hash: 'sha256', value: 'kjrUvx6A2vUJGVFH2QOtwwGtCZ/PhO12CjaCe9yREco=' },
            { hash: 'sha256', value: '9kJQV2tY/q9Zwu4IFV4O1mJcF++Slf4FiJOImtNWWtc=' },
          ],
          enforce: true,
          expiration: new Date('2027-06-30T00:00:00Z'),
        },
      ],
    });
    expect(r.sources).toEqual([{ at: { line: 11, column: 1 }, pins: [{ line: 12, column: 5 }, { line: 13, column: 5 }], expiration: { line: 14, column: 13 } }]);
    expect(r).toMatchObject({ format: 'pinprick', platform: 'android', notes: [] });
    expect(r.worldKeys).toBeUndefined();
  });

  it('every pin spelling model/pin.ts reads (HPKP pin-sha256="" here), and legacy SHA-1 pins, from JSON', () => {
    expect(read('checkout-single-pin.yaml').policy.rules[0]!.pins).toEqual([{ hash: 'sha256', value: 'VIUNuKreA0DC9op5ECOnOQxYLwwnYDhOekWbZMU+8LU=' }]);
    const json = read('legacy-okhttp.json');
    expect(json.policy.rules[0]!.pins.map((p) => p.hash)).toEqual(['sha256', 'sha1']);
    expect(json.policy.rules[0]!.domains.map((d) => d.pattern)).toEqual(['api.acmepay.example', '**.cdn.acmepay.example']);
    expect(json.sources[0]!.pins).toEqual([{ line: 6, column: 5 }, { line: 7, column: 5 }]);
  });

  it('world key names are kept as names, with the position every world gives them; no hosts means the world\'s', () => {
    const r = read('world-names.yaml');
    expect(r.policy.rules).toEqual([{ domains: [], pins: [], enforce: true }]);
    expect(r.worldKeys).toEqual([
      { ruleIndex: 0, name: 'genuine-intermediate', position: 'intermediate', at: { line: 4, column: 8 } },
      { ruleIndex: 0, name: 'backup-1', position: 'backup', at: { line: 4, column: 30 } },
    ]);
  });

  it('a placeholder and a misspelt name do not stop the reader: the set keeps its other pins and each is a malformed-pin note', () => {
    const r = read('staging-todo.yaml');
    expect(r.policy.rules[0]).toEqual({ domains: [{ pattern: 'staging-api.acmepay.example' }], pins: [{ hash: 'sha256', value: 'q4h1jDuhWHF1A/L5JnpwGKugbtVrmZ7Fwsmhgc8gnbs=' }], enforce: false });
    expect(r.sources[0]!.enforce).toEqual({ line: 9, column: 10 });
    expect(r.notes).toEqual([
      { kind: 'malformed-pin', at: { line: 7, column: 5 }, detail: 'a placeholder, not a digest: 1 distinct byte value in 32', text: 'sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', ruleIndex: 0 },
      {
        kind: 'malformed-pin',
        at: { line: 8, column: 5 },
        detail: "neither a world key (did you mean 'genuine-intermediate' or 'genuine-intermediate-2' or 'rogue-intermediate'?) nor a pin (sha256/ and 44 base64 characters, or a legacy sha1/ and 28)",
        text: 'genuine-intermedate',
        ruleIndex: 0,
      },
    ]);
  });

  it('reads every shipped profile', () => {
    for (const id of ['leaf-only', 'intermediate-only', 'root-only', 'intermediate-backup', 'root-intermediate-backup']) {
      const file = `profiles/${id}.yaml`;
      const r = readPolicy(file, readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));
      expect(r.format, id).toBe('pinprick');
      expect(r.notes, id).toEqual([]);
      expect(r.worldKeys?.length, id).toBeGreaterThan(0);
    }
  });
});

describe('writing profiles', () => {
  const policy: PinPolicy = {
    rules: [
      {
        domains: [{ pattern: 'api.acmepay.example' }, { pattern: '*.acmepay.example', includeSubdomains: true }],
        pins: [
          { hash: 'sha256', value: 'kjrUvx6A2vUJGVFH2QOtwwGtCZ/PhO12CjaCe9yREco=', label: 'issuing CA' },
          { hash: 'sha1', value: 'km8MxH1jJZX5SfAzp7YCV3F2B08=' },
        ],
        enforce: false,
        expiration: new Date('2027-06-30T00:00:00Z'),
      },
    ],
  };

  it('writes a profile the profile schema accepts', () => {
    expect(pinprickFormat.write(policy)).toBe(
      [
        '# yaml-language-server: $schema=./profile.schema.json',
        'id: pinned-hosts',
        'hosts:',
        '  - "api.acmepay.example"',
        '  - { pattern: "*.acmepay.example", includeSubdomains: true }',
        'pins:',
        '  - "sha256/kjrUvx6A2vUJGVFH2QOtwwGtCZ/PhO12CjaCe9yREco="',
        '  - "sha1/km8MxH1jJZX5SfAzp7YCV3F2B08="',
        'expiration: "2027-06-30"',
        'enforce: false',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['the policy above', policy],
    ['one enforced rule, no hosts, no expiration', { rules: [{ domains: [], pins: [{ hash: 'sha256' as const, value: '9kJQV2tY/q9Zwu4IFV4O1mJcF++Slf4FiJOImtNWWtc=' }], enforce: true }] }],
    ['a read fixture', read('payments-api.yaml').policy],
  ])('read(write(x)) == x, labels aside: %s', (_what, x) => {
    const back = pinprickFormat.read('written.yaml', pinprickFormat.write(x)).policy;
    const unlabelled = { rules: x.rules.map((r) => ({ ...r, pins: r.pins.map(({ label: _l, ...p }) => p) })) };
    expect(back).toEqual(unlabelled);
  });

  it('refuses what a profile cannot hold: several pin sets, or none', () => {
    expect(() => pinprickFormat.write({ rules: [policy.rules[0]!, policy.rules[0]!] })).toThrow(/holds one pin set; this policy has 2/);
    expect(() => pinprickFormat.write({ rules: [{ domains: [], pins: [], enforce: true }] })).toThrow(/at least one pin/);
  });
});

describe('recognising profiles', () => {
  it.each([
    ['payments-api.yaml', fixture('payments-api.yaml'), 1],
    ['world-names.yaml', fixture('world-names.yaml'), 1],
    ['checkout-single-pin.yaml', fixture('checkout-single-pin.yaml'), 0.7],
    ['legacy-okhttp.json', fixture('legacy-okhttp.json'), 0.7],
    ['profile.txt', 'id: x\npins: [backup-1]\n', 0],
    ['values.yaml', 'replicaCount: 2\nimage:\n  tag: 1.4\n', 0],
    ['package.json', '{ "name": "app", "id": "x", "dependencies": {} }', 0],
    ['network_security_config.xml', '<network-security-config><domain-config><pin-set><pin digest="SHA-256">x</pin></pin-set></domain-config></network-security-config>', 0],
  ])('%s scores %s', (file, text, score) => {
    expect(pinprickFormat.detect(file, text)).toBe(score);
  });

  it('the registry picks the format by itself', () => {
    expect(detectFormat('payments-api.yaml', fixture('payments-api.yaml'))).toBe('pinprick');
    expect(detectFormat('values.yaml', 'replicaCount: 2\n')).toBeUndefined();
  });
});

describe('files that are not profiles: one line, file:line:col', () => {
  it.each([
    ['a YAML syntax error', 'broken.yaml', 'id: x\npins: [sha256/abc=\nhosts: [a]\n', 'broken.yaml:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['a key the schema does not know', 'unknown.yaml', 'id: x\npins: [backup-1]\nhost: api.example.com\n', "unknown.yaml:3:1: host: unknown key 'host' (expected one of: id, title, description, hosts, pins, expiration, trust, enforce, platform)"],
    ['no pins at all', 'nopins.yaml', 'id: x\npins: []\n', 'nopins.yaml:2:7: pins: expected at least 1 item, got 0'],
    ['a host pattern that would pin nothing', 'pattern.yaml', 'id: x\nhosts:\n  - api*.example.com\npins: [backup-1]\n', "pattern.yaml:3:5: 'api*.example.com': a wildcard is allowed only as a leading '*.' or '**.'"],
    ['a date that does not exist', 'date.yaml', 'id: x\npins: [backup-1]\nexpiration: 2026-02-30\n', "date.yaml:3:13: '2026-02-30' is not a date"],
  ])('%s', (_what, file, text, message) => {
    let error: unknown;
    try {
      pinprickFormat.read(file, text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyFileError);
    expect((error as Error).message).toBe(message);
  });
});
