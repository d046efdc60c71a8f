/**
 * The build-time cache of the shipped scenario, profile and incident files (dist/shipped-cache.json): the
 * shipped catalog is valid (the build writes the cache only then), loading through the cache gives
 * exactly what a full parse gives (values, positions, errors), and anything not byte-identical to a
 * shipped file, or checked against a changed schema, is parsed and validated in full.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { buildShippedCache } from '../../src/scenario/precompile.js';
import { BUILTIN_INCIDENTS_DIR } from '../../src/incidents/incident.js';
import { BUILTIN_PROFILES_DIR, loadBuiltinProfiles, parseProfile } from '../../src/scenario/profile.js';
import { BUILTIN_SCENARIOS_DIR, loadCatalog, parseScenario } from '../../src/scenario/scenario.js';
import { setShippedCache, textDigest, type ShippedCache } from '../../src/scenario/source.js';
import { defaultWorldSpec, type WorldSpec } from '../../src/world/spec.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NOW = new Date('2026-03-01T12:00:00Z');
const shipped = (dir: string) => readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.schema.json'));

/** What a load throws, or its result. */
function outcome<T>(run: () => T): T | { error: string; line: number; col: number; type: string } {
  try {
    return run();
  } catch (err) {
    const e = err as ScenarioError;
    return { error: e.message, line: e.line, col: e.col, type: e.constructor.name };
  }
}

/** The same load without and with the cache. */
function both<T>(cache: ShippedCache, run: () => T): [T | object, T | object] {
  setShippedCache(null);
  const full = outcome(run);
  setShippedCache(cache);
  const cached = outcome(run);
  return [full, cached];
}

afterEach(() => setShippedCache(undefined));

describe('the shipped-file cache', () => {
  const cache = buildShippedCache(NOW);

  it('holds every shipped scenario, profile and incident: building it validated the whole shipped catalog', () => {
    const files = [BUILTIN_SCENARIOS_DIR, BUILTIN_PROFILES_DIR, BUILTIN_INCIDENTS_DIR].flatMap((dir) => shipped(dir).map((f) => join(dir, f)));
    expect(files.length).toBeGreaterThan(25);
    for (const file of files) expect(cache.entries[textDigest(readFileSync(file, 'utf8'))], file).toBeDefined();
  });

  it('gives the same catalog and profiles as a full parse, for the default world and for others', () => {
    const specs: WorldSpec[] = [defaultWorldSpec(), defaultWorldSpec({ name: 'ci', hosts: ['a.example.test', '10.0.0.1', '::1'], keyType: 'rsa-2048' })];
    for (const spec of specs) {
      const [full, cached] = both(cache, () => loadCatalog(spec, { now: NOW }));
      expect(cached).toEqual(full);
      expect((full as unknown[]).length).toBeGreaterThan(20);
      const [fullProfiles, cachedProfiles] = both(cache, () => loadBuiltinProfiles(spec));
      expect(cachedProfiles).toEqual(fullProfiles);
    }
  });

  it('gives every load objects of its own', () => {
    setShippedCache(cache);
    const a = loadCatalog(defaultWorldSpec(), { now: NOW });
    (a[0]!.chain as string[]).push('mutated');
    expect(loadCatalog(defaultWorldSpec(), { now: NOW })[0]!.chain).not.toContain('mutated');
  });

  it('locates an error that only this world causes exactly as a full parse does', () => {
    const spec = defaultWorldSpec();
    delete spec.certs['genuine-intermediate'];
    delete spec.keys['backup-1'];
    for (const name of shipped(BUILTIN_SCENARIOS_DIR)) {
      const file = join(BUILTIN_SCENARIOS_DIR, name);
      const text = readFileSync(file, 'utf8');
      const [full, cached] = both(cache, () => parseScenario(file, text, spec, NOW));
      expect(cached, name).toEqual(full);
    }
    for (const name of shipped(BUILTIN_PROFILES_DIR)) {
      const file = join(BUILTIN_PROFILES_DIR, name);
      const text = readFileSync(file, 'utf8');
      const [full, cached] = both(cache, () => parseProfile(file, text, spec));
      expect(cached, name).toEqual(full);
    }
    const [full] = both(cache, () => loadCatalog(spec, { now: NOW }));
    expect(full).toMatchObject({ type: 'ScenarioError' });
  });

  it('is not used for a text that differs from a shipped file by one byte: that text is validated in full', () => {
    const file = join(BUILTIN_SCENARIOS_DIR, 'control-genuine.yaml');
    const text = readFileSync(file, 'utf8');
    setShippedCache(cache);
    expect(() => parseScenario(file, text.replace('category: control', 'category: kontrol'), defaultWorldSpec(), NOW)).toThrow(/category: expected one of/);
    expect(() => parseScenario(file, `${text}surprise: 1\n`, defaultWorldSpec(), NOW)).toThrow(/unknown key 'surprise'/);
  });

  it('is used for a shipped text, and not once the schema it was checked against has changed', () => {
    const file = join(BUILTIN_SCENARIOS_DIR, 'control-genuine.yaml');
    const text = readFileSync(file, 'utf8');
    // A forged entry for this text, to see which path a load takes.
    const entry = cache.entries[textDigest(text)]!;
    const forgedEntries = { [textDigest(text)]: { ...entry, json: JSON.stringify({ ...(JSON.parse(entry.json) as object), title: 'from the cache' }) } };
    setShippedCache({ ...cache, entries: forgedEntries });
    expect(parseScenario(file, text, defaultWorldSpec(), NOW).title).toBe('from the cache');
    setShippedCache({ ...cache, entries: forgedEntries, schemas: { ...cache.schemas, 'scenarios/scenario.schema.json': textDigest('another schema') } });
    expect(parseScenario(file, text, defaultWorldSpec(), NOW).title).toBe('The genuine chain');
  });

  it('was written by the build (dist/shipped-cache.json) for the current shipped files and schemas', () => {
    const built = join(ROOT, 'dist', 'shipped-cache.json');
    expect(existsSync(built), 'run npm run build first').toBe(true);
    const onDisk = JSON.parse(readFileSync(built, 'utf8')) as ShippedCache;
    expect(onDisk.schemas).toEqual(cache.schemas);
    expect(Object.keys(onDisk.entries).sort()).toEqual(Object.keys(cache.entries).sort());
  });

  it('lets the built CLI load the built-in catalog, profiles and incidents without loading yaml or ajv', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { loadCatalog } = await import('./dist/scenario/scenario.js');
      const { loadBuiltinProfiles } = await import('./dist/scenario/profile.js');
      const { loadIncidents } = await import('./dist/incidents/incident.js');
      const { defaultWorldSpec } = await import('./dist/world/spec.js');
      const n = loadCatalog(defaultWorldSpec()).length + loadBuiltinProfiles(defaultWorldSpec()).length + loadIncidents().length;
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => /node_modules\\/(yaml|ajv)\\//.test(p));
      console.log(JSON.stringify({ n, loaded: loaded.length }));`;
    const result = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as { n: number; loaded: number };
    expect(result.n).toBe(Object.keys(cache.entries).length);
    expect(result.loaded).toBe(0);
  });
});
