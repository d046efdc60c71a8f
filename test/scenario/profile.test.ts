/**
 * Client pin profiles: the five shipped ones load in their stable order and resolve to the world's
 * key pins; raw pins pass through; hosts and trust default to the world's; malformed profiles
 * (fixtures/malformed-profiles, `# expect: REGEX` on line 1) give one-line file:line:col errors.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, ScenarioError } from '../../src/errors.js';
import { BUILTIN_PROFILES_DIR, findProfile, loadBuiltinProfiles, loadProfileFile, parseProfile, resolveProfile } from '../../src/scenario/profile.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'malformed-profiles');
const spec = defaultWorldSpec();
const SHIPPED = ['leaf-only', 'intermediate-only', 'root-only', 'intermediate-backup', 'root-intermediate-backup'];
/** A syntactically valid pin that belongs to no world key. */
const RAW = 'r3dK6yfl5bN2Oj6ESW7T3KpQRxQWmUjcVKYDHZt9hvo=';

describe('shipped profiles', () => {
  const tmp = tempDir('pinprick-profiles-');
  let opened: OpenedWorld;
  beforeAll(async () => {
    opened = await openWorld({ certsDir: tmp.path, now: NOW });
  });
  afterAll(() => tmp.cleanup());

  it('load the five shipped ids, least to most forgiving', () => {
    const profiles = loadBuiltinProfiles(spec);
    expect(profiles.map((p) => p.id)).toEqual(SHIPPED);
    for (const p of profiles) {
      expect(p.source.file).toBe(join(BUILTIN_PROFILES_DIR, `${p.id}.yaml`));
      expect(p.title?.length, p.id).toBeGreaterThan(0);
      expect(p.description?.length, p.id).toBeGreaterThan(0);
    }
  });

  it('name the pins the issue describes', () => {
    const pins = Object.fromEntries(loadBuiltinProfiles(spec).map((p) => [p.id, p.pins]));
    expect(pins).toEqual({
      'leaf-only': ['genuine-leaf'],
      'intermediate-only': ['genuine-intermediate'],
      'root-only': ['genuine-root'],
      'intermediate-backup': ['genuine-intermediate', 'backup-1'],
      'root-intermediate-backup': ['genuine-root', 'genuine-intermediate', 'backup-1'],
    });
  });

  it("resolve names to the world's key pins, labelled with the name", () => {
    for (const p of loadBuiltinProfiles(spec)) {
      const r = resolveProfile(p, opened.world);
      expect(r.id).toBe(p.id);
      expect(r.rules).toHaveLength(1);
      expect(r.rules[0]!.pins).toEqual(p.pins.map((name) => ({ hash: 'sha256', value: opened.world.key(name).pin.sha256, label: name })));
      for (const pin of r.rules[0]!.pins) expect(pin.value).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    }
  });

  it("default to the world's hosts, enforcement on, no expiration, the world's trusted roots", () => {
    const r = resolveProfile(findProfile('root-only', spec), opened.world);
    expect(r.rules[0]!.domains).toEqual([{ pattern: 'api.pinprick.test' }]);
    expect(r.rules[0]!.enforce).toBe(true);
    expect(r.rules[0]!.expiration).toBeUndefined();
    expect(r.trust).toEqual(opened.world.trustedRoots().map((c) => c.name));
    expect(r.trust).toEqual(expect.arrayContaining(['genuine-root', 'rogue-root', 'legacy-root', 'vendor-root']));
    expect(r.trust).not.toContain('untrusted-root');
    expect(r.trust).not.toContain('legacy-root-expired');
  });

  it("take their default hosts from the world they are resolved against", async () => {
    const other = await openWorld({ certsDir: tmp.path, name: 'two-hosts', hosts: ['a.example.test', '192.0.2.7'], now: NOW });
    const r = resolveProfile(findProfile('leaf-only', spec), other.world);
    expect(r.rules[0]!.domains).toEqual([{ pattern: 'a.example.test' }, { pattern: '192.0.2.7' }]);
    // Another world, other keys: the same name pins another key.
    expect(r.rules[0]!.pins[0]!.value).toBe(other.world.key('genuine-leaf').pin.sha256);
    expect(r.rules[0]!.pins[0]!.value).not.toBe(opened.world.key('genuine-leaf').pin.sha256);
  });

  it('findProfile finds by id or by path, and lists the shipped ids otherwise', () => {
    expect(findProfile('intermediate-backup', spec).pins).toEqual(['genuine-intermediate', 'backup-1']);
    expect(findProfile(join(BUILTIN_PROFILES_DIR, 'leaf-only.yaml'), spec).id).toBe('leaf-only');
    expect(() => findProfile('pin-everything', spec)).toThrow(InputError);
    expect(() => findProfile('pin-everything', spec)).toThrow(`no profile 'pin-everything' (shipped: ${SHIPPED.join(', ')}; or give a file path)`);
  });

  it('raw pins pass through, with or without sha256/, unlabelled; names keep their labels', () => {
    const text = `id: raw-pins\npins:\n  - sha256/${RAW}\n  - ${RAW}\n  - backup-2\n`;
    const r = resolveProfile(parseProfile('raw.yaml', text, spec), opened.world);
    expect(r.rules[0]!.pins).toEqual([{ hash: 'sha256', value: RAW }, { hash: 'sha256', value: RAW }, { hash: 'sha256', value: opened.world.key('backup-2').pin.sha256, label: 'backup-2' }]);
  });

  it("raw pins take every spelling verify --pins takes (model/pin.ts): curl's sha256//, HPKP's pin-sha256=", () => {
    const text = `id: p\npins: ["sha256//${RAW}", 'pin-sha256="${RAW}"']\n`;
    const p = parseProfile('p.yaml', text, spec);
    expect(resolveProfile(p, opened.world).rules[0]!.pins).toEqual([{ hash: 'sha256', value: RAW }, { hash: 'sha256', value: RAW }]);
  });

  it('hosts, patterns, enforce, expiration and trust are kept as written', () => {
    const text = [
      'id: custom+report-only',
      'pins: [genuine-root]',
      'hosts:',
      '  - api.pinprick.test',
      '  - pattern: "**.pinprick.test"',
      '    includeSubdomains: true',
      'enforce: false',
      'expiration: 2026-06-30',
      'trust: [genuine-root, legacy-root-expired]',
      '',
    ].join('\n');
    const r = resolveProfile(parseProfile('custom.yaml', text, spec), opened.world);
    expect(r.rules[0]!.domains).toEqual([{ pattern: 'api.pinprick.test' }, { pattern: '**.pinprick.test', includeSubdomains: true }]);
    expect(r.rules[0]!.enforce).toBe(false);
    expect(r.rules[0]!.expiration?.toISOString()).toBe('2026-06-30T00:00:00.000Z');
    expect(r.trust).toEqual(['genuine-root', 'legacy-root-expired']);
  });

  it('a JSON profile file loads like YAML', () => {
    const file = join(tmp.path, 'json-profile.json');
    writeFileSync(file, JSON.stringify({ id: 'json-profile', pins: ['genuine-intermediate', `sha256/${RAW}`] }, null, 2));
    const p = findProfile(file, spec);
    expect(p.source.file).toBe(file);
    expect(resolveProfile(p, opened.world).rules[0]!.pins.map((x) => x.label)).toEqual(['genuine-intermediate', undefined]);
  });
});

describe('malformed profiles', () => {
  const fixtures = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((name) => {
      const file = join(FIXTURES, name);
      const text = readFileSync(file, 'utf8');
      return { name, file, text, expectLine: /^# expect: (.+)$/.exec(text.split('\n')[0] ?? '')?.[1] };
    });

  it('cover unknown keys, bad pins, unknown trust, bad expirations', () => {
    expect(fixtures.map((f) => f.name)).toEqual(expect.arrayContaining(['unknown-key.yaml', 'pin-too-short.yaml', 'pin-unknown-name.yaml', 'trust-unknown.yaml', 'expiration-not-a-date.yaml', 'expiration-format.yaml']));
    for (const f of fixtures) expect(f.expectLine, f.name).toMatch(/^\^:\d+:\d+: /);
  });

  it.each(fixtures)('$name: one-line file:line:col ScenarioError', ({ file, text, expectLine }) => {
    let err: unknown;
    try {
      loadProfileFile(file, spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const e = err as ScenarioError;
    expect(e.code).toBe('E_SCENARIO');
    expect(e.message).not.toContain('\n');
    expect(e.message).not.toMatch(/^\s+at |node_modules|\b[A-Z][A-Za-z]*Error:/m);
    expect(e.message.startsWith(`${file}:${e.line}:${e.col}: `)).toBe(true);
    expect(e.line).toBeLessThanOrEqual(text.split('\n').length);
    expect(e.message.slice(file.length)).toMatch(new RegExp(expectLine!));
    // parseProfile on the same text says the same thing.
    expect(() => parseProfile(file, text, spec)).toThrow(e.message);
  });

  it('a missing profile file is a ScenarioError at 1:1', () => {
    expect(() => loadProfileFile('/nonexistent/p.yaml', spec)).toThrow(new ScenarioError('/nonexistent/p.yaml', 1, 1, 'cannot read: ENOENT'));
  });

  it('a 44-character pin needs the final "=", and 43 base64 characters before it', () => {
    expect(() => parseProfile('p.yaml', `id: p\npins: ["${RAW.slice(0, -1)}A"]\n`, spec)).toThrow(/^p\.yaml:2:8: pins\[0\]: '.{44}' is neither a world key/);
    expect(() => parseProfile('p.yaml', `id: p\npins: ["${RAW}="]\n`, spec)).toThrow(/^p\.yaml:2:8: pins\[0\]/);
    expect(parseProfile('p.yaml', `id: p\npins: ["${RAW}"]\n`, spec).pins).toEqual([RAW]);
  });
});

describe('config-signing keys (issue 19) are not TLS keys', () => {
  it('a profile cannot pin one by name', () => {
    expect(() => parseProfile('p.yaml', 'id: p\npins: [config-signing, backup-1]\n', defaultWorldSpec())).toThrow(/'config-signing' is neither a world key/);
  });
  it('a scenario certificate cannot certify one (Ed25519 is in no certificate a client under test reads)', () => {
    const text = 'id: a\ntitle: t\ncategory: attack\ndescription: d\ncertificates:\n  c:\n    from: genuine-leaf\n    key: config-signing-ed25519\nchain: [c]\n';
    expect(() => parseScenario('s.yaml', text, defaultWorldSpec(), new Date('2026-03-01T00:00:00Z'))).toThrow(/unknown key 'config-signing-ed25519'/);
  });
});
