/**
 * Build step (`npm run build` runs `node dist/scenario/precompile.js`): parse every shipped scenario,
 * profile and incident file, check it against its JSON Schema and against the default world (an
 * incident against the shipped scenarios and profiles), and write
 * `dist/shipped-cache.json`, so that starting `serve` or `run` needs neither the YAML parser nor
 * ajv for the built-in catalog (nor `run --scenarios <incident>` for the incidents). An invalid
 * shipped file fails the build.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { BUILTIN_INCIDENTS_DIR, checkIncident, INCIDENT_SCHEMA } from '../incidents/incident.js';
import { defaultWorldSpec } from '../world/spec.js';
import { BUILTIN_PROFILES_DIR, checkProfile, PROFILE_SCHEMA } from './profile.js';
import { BUILTIN_SCENARIOS_DIR, checkScenario, SCENARIO_SCHEMA } from './scenario.js';
import {
  checkSchema,
  positionKey,
  SHIPPED_CACHE_FILE,
  SHIPPED_CACHE_FORMAT,
  SourceDocument,
  textDigest,
  type Located,
  type ShippedCache,
  type ShippedCacheEntry,
} from './source.js';

/** A parsed document that records which positions a check asked for. */
class RecordingDocument implements Located {
  readonly asked = new Map<string, { line: number; col: number }>();
  constructor(private readonly source: SourceDocument) {}
  get file(): string {
    return this.source.file;
  }
  get value(): unknown {
    return this.source.value;
  }
  error(path: readonly (string | number)[], detail: string, atKey = false) {
    return this.source.error(path, detail, atKey);
  }
  position(path: readonly (string | number)[], atKey = false) {
    const pos = this.source.position(path, atKey);
    this.asked.set(positionKey(path, atKey), pos);
    return pos;
  }
}

/**
 * The cache entry of one file: parsed and schema-checked in full, then run through `check` (which
 * throws on an invalid file). Undefined when its value would not survive JSON unchanged.
 */
export function shippedEntry(file: string, text: string, schema: string, check: (source: Located) => unknown): ShippedCacheEntry | undefined {
  const source = SourceDocument.parse(file, text);
  checkSchema(source, schema);
  const recording = new RecordingDocument(source);
  check(recording);
  const json = JSON.stringify(source.value);
  if (!isDeepStrictEqual(JSON.parse(json), source.value)) return undefined;
  return { schema, json, positions: [...recording.asked].map(([key, { line, col }]) => [key, line, col]) };
}

/** The cache of every shipped scenario, profile and incident, checked against the default world now. */
export function buildShippedCache(now: Date = new Date()): ShippedCache {
  const spec = defaultWorldSpec();
  const root = join(BUILTIN_SCENARIOS_DIR, '..');
  const cache: ShippedCache = { format: SHIPPED_CACHE_FORMAT, schemas: {}, entries: {} };
  const add = (dir: string, schema: string, check: (source: Located) => unknown) => {
    cache.schemas[schema] = textDigest(readFileSync(join(root, schema), 'utf8'));
    const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.schema.json'));
    for (const name of files.sort()) {
      const file = join(dir, name);
      const text = readFileSync(file, 'utf8');
      const entry = shippedEntry(file, text, schema, check);
      if (entry) cache.entries[textDigest(text)] = entry;
    }
  };
  const scenarios: string[] = [];
  const profiles: string[] = [];
  add(BUILTIN_SCENARIOS_DIR, SCENARIO_SCHEMA, (s) => scenarios.push(checkScenario(s, spec, now).id));
  add(BUILTIN_PROFILES_DIR, PROFILE_SCHEMA, (s) => profiles.push(checkProfile(s, spec).id));
  // Incidents last: each must name scenarios and a profile that ship.
  add(BUILTIN_INCIDENTS_DIR, INCIDENT_SCHEMA, (s) => checkIncident(s, { scenarios, profiles }));
  return cache;
}

/** Write the cache next to the compiled loader. */
export function writeShippedCache(file: string = SHIPPED_CACHE_FILE): ShippedCache {
  const cache = buildShippedCache();
  writeFileSync(file, JSON.stringify(cache) + '\n');
  return cache;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const cache = writeShippedCache();
  process.stdout.write(`precompile: ${Object.keys(cache.entries).length} shipped scenario, profile and incident files checked, cache in ${SHIPPED_CACHE_FILE}\n`);
}
