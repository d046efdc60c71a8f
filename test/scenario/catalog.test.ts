/**
 * The built-in catalog: every scenario validates, covers the five categories and the named
 * incidents, and materialises against a fresh world exactly as written, once (a second
 * presentation generates nothing). User folders add scenarios but may not reuse a built-in id.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { InputError, ScenarioError } from '../../src/errors.js';
import { derivedSpec, presentScenario, type PresentedScenario } from '../../src/scenario/materialize.js';
import { BUILTIN_SCENARIOS_DIR, CATEGORIES, findScenario, loadCatalog, type Scenario } from '../../src/scenario/scenario.js';
import { pinOfKey } from '../../src/world/pin.js';
import { defaultWorldSpec } from '../../src/world/spec.js';
import { openDerived, openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

/** The injected clock: the world, the scenarios' own certificates and `at` resolve against it. */
const NOW = new Date('2026-03-01T12:00:00Z');
const spec = defaultWorldSpec();

const BUILTIN_IDS = [
  'calibration-canary',
  'control-genuine',
  'attack-rogue-root',
  'attack-rogue-intermediate',
  'attack-pin-stuffing',
  'attack-pin-stuffing-first',
  'attack-pin-stuffing-reversed',
  'attack-pin-stuffing-duplicated',
  'attack-forged-intermediate',
  'attack-self-signed-leaf',
  'attack-name-constrained-intermediate',
  'validation-expired-leaf',
  'validation-not-yet-valid-leaf',
  'validation-wrong-host',
  'validation-cn-only-leaf',
  'validation-rsa-1024-leaf',
  'validation-explicit-policy-missing',
  'validation-untrusted-issuer',
  'rotation-missing-intermediate',
  'rotation-intermediate-dead-end-first',
  'rotation-missing-intermediate-aia',
  'rotation-leaf-key',
  'rotation-leaf-renewed-same-key',
  'rotation-intermediate',
  'rotation-root-migrated',
  'rotation-backup-key',
  'rotation-cross-signed-long-chain',
  'rotation-cross-signed-root-expired',
  'rotation-old-store-root-expired',
  'rotation-ca-vendor-switch',
  'rotation-rsa-to-ecdsa',
  'rotation-root-reissued-new-hash',
  // The incident catalog's own (issue 18).
  'rotation-root-distrusted',
  'rotation-intermediate-unseen',
  'rotation-cross-sign-switched',
  'rotation-new-root-cross-signed',
  'rotation-leaf-short-lived',
];

/** A minimal valid scenario text with the given id. */
const userScenario = (id: string, chain = '[genuine-leaf, genuine-intermediate]') =>
  `id: ${id}\ntitle: User scenario ${id}\ncategory: control\ndescription: Added from a user folder.\nexpect: accept\nchain: ${chain}\n`;

describe('built-in catalog', () => {
  const catalog = loadCatalog(spec, { now: NOW });

  it('loads every built-in scenario file without error', () => {
    expect(catalog.length).toBeGreaterThanOrEqual(BUILTIN_IDS.length);
    for (const s of catalog) expect(s.source.file.startsWith(BUILTIN_SCENARIOS_DIR)).toBe(true);
  });

  it('has unique ids, each matching its file name', () => {
    const ids = catalog.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of catalog) expect(s.source.file.endsWith(`/${s.id}.yaml`)).toBe(true);
  });

  it('contains every scenario named in the issue', () => {
    const ids = new Set(catalog.map((s) => s.id));
    expect(BUILTIN_IDS.filter((id) => !ids.has(id))).toEqual([]);
  });

  it('covers every category: calibration, control, attack, validation, rotation', () => {
    expect([...CATEGORIES].sort()).toEqual(['attack', 'calibration', 'control', 'dynamic', 'rotation', 'validation']);
    for (const c of CATEGORIES) expect(catalog.some((s) => s.category === c), c).toBe(true);
  });

  it('every attack expects reject', () => {
    const attacks = catalog.filter((s) => s.category === 'attack');
    expect(attacks.length).toBeGreaterThanOrEqual(8);
    for (const s of attacks) expect(s.expect, s.id).toBe('reject');
  });

  it('the calibration and control scenarios expect accept', () => {
    for (const s of catalog.filter((c) => c.category === 'calibration' || c.category === 'control')) expect(s.expect, s.id).toBe('accept');
  });

  it("records the line of every chain entry in the file", () => {
    for (const s of catalog) {
      const lines = readFileSync(s.source.file, 'utf8').split('\n');
      expect(s.source.chainLines).toHaveLength(s.chain.length);
      s.source.chainLines.forEach((line, i) => expect(lines[line - 1], `${s.id} chain[${i}]`).toContain(s.chain[i]!));
    }
  });

  it('findScenario finds by id and lists the ids when one is missing', () => {
    expect(findScenario(catalog, 'control-genuine').id).toBe('control-genuine');
    expect(() => findScenario(catalog, 'nope')).toThrow(InputError);
    expect(() => findScenario(catalog, 'nope')).toThrow(/^no scenario 'nope' \(all \d+: pinprick scenarios list\)$/);
    // A near miss gets a suggestion instead of a list of every id.
    expect(() => findScenario(catalog, 'attack-rogue-rot')).toThrow(/did you mean 'attack-rogue-root'\?/);
    expect(() => findScenario(catalog, 'control-genuin')).toThrow(/did you mean 'control-genuine'\?/);
  });

  it('validates against a world with other hosts and an RSA key type (names, not material)', () => {
    const other = loadCatalog(defaultWorldSpec({ hosts: ['10.0.0.1', 'example.test'], keyType: 'rsa-2048' }), { now: NOW });
    expect(other.map((s) => s.id)).toEqual(catalog.map((s) => s.id));
  });
});

describe('materialising the built-in catalog against a fresh world', () => {
  const tmp = tempDir('pinprick-catalog-');
  let opened: OpenedWorld;
  let catalog: Scenario[];
  const presented = new Map<string, PresentedScenario>();

  beforeAll(async () => {
    opened = await openWorld({ certsDir: tmp.path, now: NOW });
    catalog = loadCatalog(opened.world.spec, { now: NOW });
    for (const s of catalog) presented.set(s.id, await presentScenario(opened, s, NOW));
  });
  afterAll(() => tmp.cleanup());

  it('the world is fresh, and in the temporary folder', () => {
    expect(opened.created).toBe(true);
    expect(opened.dir.startsWith(tmp.path)).toBe(true);
  });

  it('presents the chain in the exact order of the file, duplicates included', () => {
    for (const s of catalog) {
      const asWritten = (parseYaml(readFileSync(s.source.file, 'utf8')) as { chain: string[] }).chain;
      const p = presented.get(s.id)!;
      expect(p.chain.map((c) => c.name), s.id).toEqual(asWritten);
      expect(p.chain.length, s.id).toBe(asWritten.length);
    }
    // The duplicated pin-stuffing chain keeps both copies, byte for byte.
    const dup = presented.get('attack-pin-stuffing-duplicated')!.chain;
    expect(dup[3]!.der.equals(dup[4]!.der)).toBe(true);
    expect(dup[5]!.der.equals(dup[6]!.der)).toBe(true);
  });

  it("world certificates are the world's own bytes; scenario ones come from the scenario's recipes", () => {
    for (const s of catalog) {
      for (const c of presented.get(s.id)!.chain) {
        const local = Object.hasOwn(s.certificates ?? {}, c.name);
        expect(c.origin, `${s.id}/${c.name}`).toBe(local ? 'scenario' : 'world');
        if (!local) expect(c.der.equals(opened.world.cert(c.name).der), `${s.id}/${c.name}`).toBe(true);
        expect(Buffer.from(c.x509.raw).equals(c.der)).toBe(true);
        expect(c.pin.sha256).toBe(pinOfKey(c.x509.publicKey).sha256);
      }
    }
  });

  it("the leaf key is chain[0]'s key", () => {
    for (const s of catalog) {
      const p = presented.get(s.id)!;
      expect(pinOfKey(p.leafKey).sha256, s.id).toBe(p.chain[0]!.pin.sha256);
      expect(p.chain[0]!.x509.checkPrivateKey(p.leafKey), s.id).toBe(true);
    }
  });

  it("hosts default to the world's; the canary keeps its own", () => {
    for (const s of catalog) {
      const p = presented.get(s.id)!;
      expect(p.hosts, s.id).toEqual(s.hosts ?? [...opened.world.hosts]);
    }
    expect(presented.get('control-genuine')!.hosts).toEqual(['api.pinprick.test']);
    expect(presented.get('calibration-canary')!.hosts).toEqual(['canary.pinprick.test']);
  });

  it('each scenario certificate is signed by the issuer its recipe names, and certifies the named key', () => {
    for (const s of catalog) {
      const p = presented.get(s.id)!;
      for (const [name, input] of Object.entries(s.certificates ?? {})) {
        const mine = p.chain.find((c) => c.name === name) ?? p.trust?.find((c) => c.name === name);
        if (!mine) continue;
        const issuer = input.issuer ?? spec.certs[input.from!]!.issuer;
        const issuerCert = issuer === 'self' ? mine.x509 : (p.chain.find((c) => c.name === issuer)?.x509 ?? opened.world.cert(issuer).x509);
        expect(mine.x509.verify(issuerCert.publicKey), `${s.id}/${name} signed by ${issuer}`).toBe(true);
        const key = input.key ?? spec.certs[input.from!]?.key;
        if (key && key !== 'new') expect(mine.pin.sha256, `${s.id}/${name} key`).toBe(opened.world.key(key).pin.sha256);
      }
    }
  });

  it('the validation time is the scenario `at`, else the injected now; trust is the scenario list', () => {
    for (const s of catalog) {
      const p = presented.get(s.id)!;
      if (s.at === undefined) expect(p.at.getTime(), s.id).toBe(NOW.getTime());
      expect(p.trust?.map((t) => t.name), s.id).toEqual(s.trust);
    }
  });

  it('scenario certificates reflect their recipes: dates, names, hash, key type', () => {
    const leaf = (id: string) => presented.get(id)!.chain[0]!.x509;
    expect(new Date(leaf('validation-expired-leaf').validTo).getTime()).toBeLessThan(NOW.getTime());
    expect(new Date(leaf('validation-not-yet-valid-leaf').validFrom).getTime()).toBeGreaterThan(NOW.getTime());
    expect(leaf('validation-wrong-host').checkHost('api.pinprick.test')).toBeUndefined();
    expect(leaf('validation-wrong-host').checkHost('other.pinprick.test')).toBe('other.pinprick.test');
    expect(leaf('calibration-canary').checkHost('canary.pinprick.test')).toBe('canary.pinprick.test');
    // Self-signed: issuer name = subject name, signed by its own (fresh) key. (checkIssued would
    // say no: a leaf's keyUsage lacks keyCertSign.)
    const selfSigned = leaf('attack-self-signed-leaf');
    expect(selfSigned.issuer).toBe(selfSigned.subject);
    expect(selfSigned.verify(selfSigned.publicKey)).toBe(true);
    expect(pinOfKey(selfSigned.publicKey).sha256).not.toBe(opened.world.cert('genuine-leaf').pin.sha256);
    expect(leaf('rotation-rsa-to-ecdsa').publicKey.asymmetricKeyType).toBe('ec');
    const sha1Root = presented.get('rotation-root-reissued-new-hash')!.trust![0]!;
    expect(sha1Root.origin).toBe('scenario');
    expect(sha1Root.pin.sha256).toBe(opened.world.cert('genuine-root').pin.sha256);
    expect(sha1Root.der.equals(opened.world.cert('genuine-root').der)).toBe(false);
    // Same key, renewed: the leaf pin survives, the certificate does not.
    const renewed = presented.get('rotation-leaf-renewed-same-key')!.chain[0]!;
    expect(renewed.pin.sha256).toBe(opened.world.cert('genuine-leaf').pin.sha256);
    expect(renewed.der.equals(opened.world.cert('genuine-leaf').der)).toBe(false);
  });

  it('presenting again generates nothing: same DER bytes, same leaf key', async () => {
    for (const s of catalog) {
      const first = presented.get(s.id)!;
      const again = await presentScenario(opened, s, NOW);
      expect(again.chain.map((c) => c.der.toString('base64')), s.id).toEqual(first.chain.map((c) => c.der.toString('base64')));
      expect(again.trust?.map((c) => c.der.toString('base64')), s.id).toEqual(first.trust?.map((c) => c.der.toString('base64')));
      expect(pinOfKey(again.leafKey).sha256, s.id).toBe(pinOfKey(first.leafKey).sha256);
    }
  });

  it('openDerived on a presented scenario reports no generated key and no issued certificate', async () => {
    const withOwn = catalog.filter((s) => Object.keys(s.certificates ?? {}).length > 0);
    expect(withOwn.length).toBeGreaterThan(10);
    for (const s of withOwn) {
      const derived = await openDerived(opened, s.id, derivedSpec(s, opened.world.spec), NOW);
      expect(derived.generatedKeys, s.id).toEqual([]);
      expect(derived.issuedCerts, s.id).toEqual([]);
      expect(derived.dir.startsWith(join(opened.dir, 'derived'))).toBe(true);
    }
  });

  it('reopening the world from disk and presenting again still generates nothing', async () => {
    const reopened = await openWorld({ certsDir: tmp.path, now: NOW });
    expect(reopened.created).toBe(false);
    expect(reopened.generatedKeys).toEqual([]);
    expect(reopened.issuedCerts).toEqual([]);
    for (const s of catalog) {
      const again = await presentScenario(reopened, s, NOW);
      expect(again.chain.map((c) => c.der.toString('hex')), s.id).toEqual(presented.get(s.id)!.chain.map((c) => c.der.toString('hex')));
    }
  });
});

describe('user scenario folders', () => {
  const tmp = tempDir('pinprick-user-scenarios-');
  afterAll(() => tmp.cleanup());

  it('a user folder adds its scenarios after the built-ins, in file-name order', () => {
    const dir = join(tmp.path, 'adds');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'b-second.yaml'), userScenario('user-second'));
    writeFileSync(join(dir, 'a-first.yml'), userScenario('user-first', '[genuine-leaf]'));
    writeFileSync(join(dir, 'notes.txt'), 'not a scenario');
    writeFileSync(join(dir, 'scenario.schema.json'), '{}');
    const builtins = loadCatalog(spec, { now: NOW });
    const all = loadCatalog(spec, { dirs: [dir], now: NOW });
    expect(all.map((s) => s.id)).toEqual([...builtins.map((s) => s.id), 'user-first', 'user-second']);
    expect(loadCatalog(spec, { dirs: [dir], builtin: false, now: NOW }).map((s) => s.id)).toEqual(['user-first', 'user-second']);
  });

  it('an id clash with a built-in is a ScenarioError naming both files', () => {
    const dir = join(tmp.path, 'clash');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'mine.yaml'), userScenario('control-genuine'));
    let err: unknown;
    try {
      loadCatalog(spec, { dirs: [dir], now: NOW });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const message = (err as ScenarioError).message;
    expect(message).toMatch(new RegExp(`^${escape(join(dir, 'mine.yaml'))}:\\d+:\\d+: id 'control-genuine' is already used by ${escape(join(BUILTIN_SCENARIOS_DIR, 'control-genuine.yaml'))}$`));
  });

  it('an id clash between two user files is a ScenarioError too', () => {
    const dir = join(tmp.path, 'clash-user');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'one.yaml'), userScenario('user-twice'));
    writeFileSync(join(dir, 'two.yaml'), userScenario('user-twice'));
    expect(() => loadCatalog(spec, { dirs: [dir], builtin: false, now: NOW })).toThrow(ScenarioError);
    expect(() => loadCatalog(spec, { dirs: [dir], builtin: false, now: NOW })).toThrow(/two\.yaml:\d+:\d+: id 'user-twice' is already used by .*one\.yaml$/);
  });

  it('a malformed user scenario stops the catalog with its own located error', () => {
    const dir = join(tmp.path, 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'broken.yaml'), userScenario('user-broken', '[genuine-leaf, no-such-cert]'));
    expect(() => loadCatalog(spec, { dirs: [dir], now: NOW })).toThrow(/broken\.yaml:6:23: chain\[1\]: unknown certificate 'no-such-cert'/);
  });

  it('a missing folder is an InputError naming it', () => {
    const dir = join(tmp.path, 'absent');
    expect(() => loadCatalog(spec, { dirs: [dir], now: NOW })).toThrow(InputError);
    expect(() => loadCatalog(spec, { dirs: [dir], now: NOW })).toThrow(`${dir}: no such scenario folder`);
  });
});

/** A literal for a RegExp. */
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
